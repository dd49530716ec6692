"""PySide6 screens of the counter; talks only to app.services."""
