"""Claiming a charge or refund row before calling the provider: ``pending`` and
due, or ``calling`` with a lapsed lease (its worker died mid-call). The claim
counts the call, so whoever claims a row that was called before looks it up
at the provider first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select, update

from walkout.server.payments.context import PaymentsContext


def claimable(model: Any, now: float) -> Any:
    return or_(
        and_(model.status == "pending", model.next_at <= now),
        and_(model.status == "calling", model.lease_until < now),
    )


def due(ctx: PaymentsContext, model: Any, limit: int = 100) -> list[str]:
    now = ctx.now()
    with ctx.uow() as uow:
        return list(
            uow.db.scalars(
                select(model.key)
                .where(claimable(model, now))
                .order_by(model.next_at, model.key)
                .limit(limit)
            )
        )


def claim(ctx: PaymentsContext, uow: Any, model: Any, key: str, calls: Any) -> Any | None:
    """The row, now ``calling`` under our lease with ``calls`` one up; None if not ours.
    The caller reads what it needs and commits before calling the provider."""
    now = ctx.now()
    res = uow.db.execute(
        update(model)
        .where(model.key == key, claimable(model, now))
        .values(
            {
                model.status: "calling",
                model.claimed_by: ctx.worker_id,
                model.lease_until: now + ctx.settings.payments_lease_s,
                calls: calls + 1,
            }
        )
    )
    if res.rowcount != 1:
        return None
    row = uow.get(model, key)
    uow.db.refresh(row)
    return row
