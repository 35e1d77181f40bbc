"""One Alembic head (a merge of branches that both added revisions must re-parent
or merge), and an empty SQLite database upgraded to it has the payments tables."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from walkout.server.db.database import alembic_config, make_engine, migrate

PAYMENT_TABLES = {
    "payment_profiles",
    "payment_methods",
    "entry_codes",
    "gate_decisions",
    "store_policies",
    "holds",
    "charges",
    "refunds",
    "disputes",
    "webhook_endpoints",
    "webhook_deliveries",
    "webhook_attempts",
}


def test_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"migrations have several heads {heads}: add a merge revision"


def test_empty_sqlite_to_head(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate(eng)
    assert set(inspect(eng).get_table_names()) >= PAYMENT_TABLES
