"""Persistence: SQLAlchemy 2 models, Alembic migrations shipped in the package,
and the database engine. SQLite by default, PostgreSQL (psycopg 3) in production."""
