"""The shipped migrations build exactly the models' schema, and re-running them is harmless."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from walkout.server.db.database import make_engine, migrate
from walkout.server.db.models import Base


def test_migrations_match_the_models_and_are_idempotent(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate(eng)
    migrate(eng)  # a restart applies nothing new
    names = set(inspect(eng).get_table_names())
    assert {
        "stores",
        "products",
        "prices",
        "planogram",
        "sessions",
        "receipts",
        "receipt_lines",
        "review_tasks",
        "review_decisions",
        "staff_tasks",
        "alerts",
        "dead_letters",
        "accounts",
        "tokens",
        "credentials",
        "outbox",
        "shelf_events",
    } <= names
    with eng.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
