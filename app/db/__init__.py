"""Database layer: SQLAlchemy models, engine setup and Alembic migrations."""
