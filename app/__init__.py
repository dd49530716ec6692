"""OneWindow (一窗通): the counter application of a street convenience-service centre."""

__version__ = "0.1.0"
