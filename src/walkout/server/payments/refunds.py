"""Refunds, with the charges' discipline: the row is committed before the
provider is called, a claim counts the calls, and a refund that may have been
made already is looked up (by our key in its metadata) before it is asked again."""

from __future__ import annotations

from walkout.server.db.payments import ChargeRow, DisputeRow, RefundRow
from walkout.server.logs import log
from walkout.server.payments import leases
from walkout.server.payments.charges import RETRY_S
from walkout.server.payments.context import PaymentsContext
from walkout.server.payments.port import ProviderError
from walkout.server.webhooks.queue import enqueue


def due(ctx: PaymentsContext, limit: int = 100) -> list[str]:
    return leases.due(ctx, RefundRow, limit)


def process(ctx: PaymentsContext, key: str) -> str | None:
    with ctx.uow() as uow:
        row = leases.claim(ctx, uow, RefundRow, key, RefundRow.attempt)
        if row is None:
            return None
        charge = uow.get(ChargeRow, row.charge_key)
        intent, amount, reconcile = charge.intent_id, row.amount, row.attempt > 1
        uow.commit()
    try:
        if reconcile:
            found = ctx.provider.find_refunds(intent, key)
            if found:
                log.info(
                    "refund found at the provider after a restart", key=key, refund=found[0].id
                )
                return _record(ctx, key, "succeeded", found[0].id)
        rf = ctx.provider.refund(intent, amount, key, {"walkout_key": key})
        return _record(ctx, key, "succeeded", rf.id)
    except ProviderError as e:
        if e.retry:
            with ctx.uow() as uow:
                row = uow.get(RefundRow, key)
                row.status, row.error, row.lease_until = "pending", str(e), None
                row.next_at = ctx.now() + RETRY_S[min(row.attempt, len(RETRY_S)) - 1]
                uow.commit()
            return "pending"
        return _record(ctx, key, "failed", None, str(e))


def _record(
    ctx: PaymentsContext, key: str, status: str, refund_id: str | None, error: str | None = None
) -> str | None:
    from walkout.server.payments.views import dispute_views

    now = ctx.now()
    with ctx.uow() as uow:
        row = uow.get(RefundRow, key)
        if row.status != "calling" or row.claimed_by != ctx.worker_id:
            return None
        row.status, row.refund_id, row.error, row.lease_until = status, refund_id, error, None
        charge = uow.get(ChargeRow, row.charge_key)
        d = uow.get(DisputeRow, row.dispute_id) if row.dispute_id else None
        if d is not None:
            d.status = "refunded" if status == "succeeded" else "refund failed"
            d.decided_at = d.decided_at or now
        store = ctx.stores[row.store_id]
        if status == "succeeded":
            enqueue(
                uow,
                row.store_id,
                "refund.succeeded",
                f"refund.succeeded:{key}",
                {
                    "session": charge.session,
                    "account": charge.account_id,
                    "amount": row.amount,
                    "dispute": row.dispute_id,
                },
                now,
                charge.account_id,
            )
        if d is not None:
            view = next(v for v in dispute_views(uow, store, d.session) if v.id == d.id)
            enqueue(
                uow,
                row.store_id,
                "dispute.updated",
                f"dispute:{d.id}:{d.status}",
                {"session": d.session, "account": d.account_id, "dispute": view.model_dump()},
                now,
                d.account_id,
            )
        uow.commit()
    ctx.poke()
    return status
