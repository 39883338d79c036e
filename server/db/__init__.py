"""The database: its handle (SQLite or PostgreSQL), the declarative base, Alembic migrations."""
