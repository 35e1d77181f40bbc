"""store settings: the age-check policy is store operations' own (issue 5)

``staff`` (staff check ID when an item is taken) becomes
``charge_on_verification``, store operations' default; ``gate`` (checked at
the gate) becomes ``block_exit``; ``off`` stays. The column widens to hold
the longer names.

Revision ID: 0004_age_policy
Revises: 0003_store_settings
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_age_policy"
down_revision = "0003_store_settings"
branch_labels = None
depends_on = None

UP = {"staff": "charge_on_verification", "gate": "block_exit"}
DOWN = {"charge_on_verification": "staff", "remove_item": "staff", "block_exit": "gate"}


def _rename(names: dict[str, str]) -> None:
    for old, new in names.items():
        op.execute(
            sa.text("UPDATE store_settings SET age_check = :new WHERE age_check = :old").bindparams(
                new=new, old=old
            )
        )


def upgrade() -> None:
    with op.batch_alter_table("store_settings") as b:
        b.alter_column(
            "age_check",
            existing_type=sa.String(length=16),
            type_=sa.String(length=32),
            existing_nullable=False,
        )
    _rename(UP)


def downgrade() -> None:
    _rename(DOWN)
    with op.batch_alter_table("store_settings") as b:
        b.alter_column(
            "age_check",
            existing_type=sa.String(length=32),
            type_=sa.String(length=16),
            existing_nullable=False,
        )
