"""A store's payment policy: set by its retailer admin, defaults from settings."""

from __future__ import annotations

from dataclasses import dataclass

from walkout.server.db.payments import StorePolicyRow
from walkout.server.service.uow import UnitOfWork
from walkout.server.settings import Settings


@dataclass(frozen=True)
class Policy:
    hold_amount: int
    dispute_auto_refund_max: int
    dispute_window_days: int


def policy_of(uow: UnitOfWork, store: str, settings: Settings) -> Policy:
    row = uow.get(StorePolicyRow, store)
    if row is None:
        return Policy(
            settings.hold_amount, settings.dispute_auto_refund_max, settings.dispute_window_days
        )
    return Policy(row.hold_amount, row.dispute_auto_refund_max, row.dispute_window_days)


def set_policy(uow: UnitOfWork, store: str, settings: Settings, who: str, **changes: int) -> Policy:
    row = uow.get(StorePolicyRow, store)
    if row is None:
        cur = policy_of(uow, store, settings)
        row = StorePolicyRow(
            store_id=store,
            hold_amount=cur.hold_amount,
            dispute_auto_refund_max=cur.dispute_auto_refund_max,
            dispute_window_days=cur.dispute_window_days,
        )
        uow.db.add(row)
    for k, v in changes.items():
        setattr(row, k, v)
    row.updated_by = who
    uow.commit()
    return policy_of(uow, store, settings)
