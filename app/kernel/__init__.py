"""What the counter and the district hub share beyond app.domain (pure rules) and app.db.types:
the password hash format (accounts are published by the district and signed in at the counter)."""
