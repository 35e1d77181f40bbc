"""Alembic environment: runs on the connection ``migrate()`` passes in, or on
``sqlalchemy.url`` (for ``alembic revision --autogenerate`` by developers)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from walkout.server.db.models import Base

config = context.config
target = Base.metadata


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is not None:
        context.configure(connection=conn, target_metadata=target, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    eng = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with eng.begin() as c:
        context.configure(connection=c, target_metadata=target, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
