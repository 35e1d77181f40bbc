"""A shopper's data: all of it exported as JSON, or the account deleted.

Deletion removes or anonymizes everything personal and keeps what the law
needs (receipts and payments are accounting records: kept, but no longer
linked to anyone):

- the provider's customer is deleted (its cards with it); our card rows,
  entry codes, credentials (the links from visits to the account) go;
- the account row stays as a tombstone (``deleted``, no email) so ids never
  come back and foreign keys hold; its tokens are revoked;
- receipts, sessions, charges, holds, refunds and disputes lose the account
  and the credential token (replaced by ``deleted``); a dispute's free-text
  reason is erased;
- gate decisions and webhook deliveries lose the account; stored webhook
  payloads of the account are emptied of the receipt's owner.

Refused while the account owes money, a charge or refund is in flight, or a
dispute waits for review (the data is needed to settle them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select, update

from walkout.server.db.payments import (
    ChargeRow,
    DisputeRow,
    EntryCodeRow,
    GateDecisionRow,
    HoldRow,
    PaymentMethodRow,
    PaymentProfileRow,
    RefundRow,
    WebhookDeliveryRow,
)
from walkout.server.db.system import AccountRow, TokenRow
from walkout.server.db.visits import CredentialRow, ReceiptRow, SessionRow
from walkout.server.payments.context import PaymentsContext
from walkout.server.service.outputs import receipt_lines
from walkout.server.service.uow import UnitOfWork

GONE = "deleted"


class DeleteRefused(ValueError):
    pass


def _rows(row: Any, *skip: str) -> dict[str, Any]:
    out = {}
    for col in row.__table__.columns:
        if col.key in skip:
            continue
        v = getattr(row, col.key)
        out[col.key] = v.isoformat() if isinstance(v, datetime) else v
    return out


def export(ctx: PaymentsContext, account: str) -> dict[str, Any]:
    """Everything we hold about the account, across stores."""
    with ctx.uow() as uow:
        acc = uow.get(AccountRow, account)
        tokens = _credentials(uow, account)
        sessions = list(uow.db.scalars(select(SessionRow).where(SessionRow.token.in_(tokens))))
        receipts = list(uow.db.scalars(select(ReceiptRow).where(ReceiptRow.token.in_(tokens))))
        charges = list(uow.db.scalars(select(ChargeRow).where(ChargeRow.account_id == account)))
        keys = [c.key for c in charges]
        return {
            "format": "walkout-account-export/1",
            "exported_at": datetime.now(UTC).isoformat(),
            "account": _rows(acc),
            "tokens": [
                _rows(t, "hash")
                for t in uow.db.scalars(select(TokenRow).where(TokenRow.account_id == account))
            ],
            "payment_profile": [
                _rows(p)
                for p in uow.db.scalars(
                    select(PaymentProfileRow).where(PaymentProfileRow.account_id == account)
                )
            ],
            "payment_methods": [
                _rows(m, "card_token")
                for m in uow.db.scalars(
                    select(PaymentMethodRow).where(PaymentMethodRow.account_id == account)
                )
            ],
            "credentials": [
                _rows(c)
                for c in uow.db.scalars(
                    select(CredentialRow).where(CredentialRow.account_id == account)
                )
            ],
            "entry_codes": [
                _rows(c)
                for c in uow.db.scalars(
                    select(EntryCodeRow).where(EntryCodeRow.account_id == account)
                )
            ],
            "gate_decisions": [
                _rows(g)
                for g in uow.db.scalars(
                    select(GateDecisionRow).where(GateDecisionRow.account_id == account)
                )
            ],
            "sessions": [_rows(s) for s in sessions],
            "receipts": [
                {
                    **_rows(r, "engine"),
                    "lines": [_rows(ln) for ln in receipt_lines(uow, r.store_id, r.session)],
                }
                for r in receipts
            ],
            "charges": [_rows(c, "claimed_by", "lease_until") for c in charges],
            "holds": [
                _rows(h)
                for h in uow.db.scalars(select(HoldRow).where(HoldRow.account_id == account))
            ],
            "refunds": [
                _rows(r, "claimed_by", "lease_until")
                for r in uow.db.scalars(select(RefundRow).where(RefundRow.charge_key.in_(keys)))
            ],
            "disputes": [
                _rows(d)
                for d in uow.db.scalars(select(DisputeRow).where(DisputeRow.account_id == account))
            ],
        }


def _credentials(uow: UnitOfWork, account: str) -> list[str]:
    return list(
        uow.db.scalars(select(CredentialRow.token).where(CredentialRow.account_id == account))
    )


def delete(ctx: PaymentsContext, account: str) -> dict[str, int]:
    """Delete the account's personal data (see the module's docstring); returns counts."""
    with ctx.uow() as uow:
        acc = uow.get(AccountRow, account)
        if acc is None or acc.status == GONE:
            raise KeyError(account)
        busy = uow.db.scalars(
            select(ChargeRow.status).where(
                ChargeRow.account_id == account,
                ChargeRow.status.in_(("declined", "pending", "calling")),
            )
        ).first()
        if busy:
            raise DeleteRefused(
                "the account has an unpaid receipt; settle it first"
                if busy == "declined"
                else "a payment is in progress; try again in a minute"
            )
        keys = list(uow.db.scalars(select(ChargeRow.key).where(ChargeRow.account_id == account)))
        if (
            uow.db.scalars(
                select(RefundRow.key).where(
                    RefundRow.charge_key.in_(keys), RefundRow.status.in_(("pending", "calling"))
                )
            ).first()
            or uow.db.scalars(
                select(DisputeRow.id).where(
                    DisputeRow.account_id == account, DisputeRow.status.in_(("review", "refunding"))
                )
            ).first()
        ):
            raise DeleteRefused("a dispute or refund is still open; it must be settled first")
        prof = uow.get(PaymentProfileRow, account)
        customer = prof.customer_id if prof else None
    if customer is not None:
        ctx.provider.delete_customer(customer)  # the provider's copy of the cards goes first
    with ctx.uow() as uow:
        tokens = _credentials(uow, account)
        n: dict[str, int] = {}
        db = uow.db
        n["receipts"] = db.execute(
            update(ReceiptRow).where(ReceiptRow.token.in_(tokens)).values(token=GONE)
        ).rowcount  # type: ignore[attr-defined]
        n["sessions"] = db.execute(
            update(SessionRow).where(SessionRow.token.in_(tokens)).values(token=GONE)
        ).rowcount  # type: ignore[attr-defined]
        n["charges"] = db.execute(
            update(ChargeRow)
            .where(ChargeRow.account_id == account)
            .values(account_id=None, token=GONE, customer_id=None, method_id=None)
        ).rowcount  # type: ignore[attr-defined]
        n["holds"] = db.execute(
            update(HoldRow)
            .where(or_(HoldRow.account_id == account, HoldRow.token.in_(tokens)))
            .values(account_id=None, token=GONE, customer_id=None)
        ).rowcount  # type: ignore[attr-defined]
        n["disputes"] = db.execute(
            update(DisputeRow)
            .where(DisputeRow.account_id == account)
            .values(account_id=None, reason=None)
        ).rowcount  # type: ignore[attr-defined]
        n["gate_decisions"] = db.execute(
            update(GateDecisionRow)
            .where(GateDecisionRow.account_id == account)
            .values(account_id=None, token=None)
        ).rowcount  # type: ignore[attr-defined]
        for d in db.scalars(
            select(WebhookDeliveryRow).where(WebhookDeliveryRow.account_id == account)
        ):
            d.account_id = None
            d.payload = {k: v for k, v in d.payload.items() if k != "data"} | {
                "data": {"erased": True}
            }
            n["webhook_deliveries"] = n.get("webhook_deliveries", 0) + 1
        for model in (EntryCodeRow, PaymentMethodRow, CredentialRow, PaymentProfileRow):
            rows = list(db.scalars(select(model).where(model.account_id == account)))
            for r in rows:
                db.delete(r)
            n[model.__tablename__] = len(rows)
        db.execute(
            update(TokenRow)
            .where(TokenRow.account_id == account, TokenRow.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC), name="")
        )
        acc = uow.get(AccountRow, account)
        acc.email, acc.status = None, GONE
        uow.commit()
        return n
