"""Charging a final receipt, once.

1. The receipt's state change commits ``ReceiptFinalized`` to the outbox in
   its own transaction: that is the intent to charge, durable before anything
   else. Its subscriber turns it into a ``ChargeRow`` (``pending``), frozen
   bill and all, idempotently by the event's key.
2. The worker claims the row (``calling``, a lease, ``provider_calls + 1``) and
   commits that **before** calling the provider.
3. It calls the provider with an idempotency key and our key in the metadata,
   then records the outcome (``succeeded`` or ``declined``).

Age checks (issue 5) come first: store operations' decision for the visit
(``agecheck.age_state``, from the staff queues, committed with the receipt)
either takes the age-restricted lines off before freezing (``remove``), or
freezes the whole bill as ``held`` (``charge_on_verification``, ID not yet
checked): no worker claims a held row. When staff answer, the ``age_receipt``
alert (``charge`` or ``remove``) releases it to ``pending`` once (the
restricted lines taken off first when refused): the same row, the same key, so
still charged at most once.

A crash between 2 and 3 leaves ``calling`` with an expired lease; whoever
claims it next sees ``provider_calls > 0`` and first looks the charge up at the
provider by its metadata key, adopting what it finds, so the provider is never
asked twice for the same money, even one that ignores idempotency keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from walkout.domain.tax import bill
from walkout.server.db.payments import (
    ChargeRow,
    HoldRow,
    PaymentMethodRow,
    PaymentProfileRow,
)
from walkout.server.db.system import AccountRow
from walkout.server.logs import log
from walkout.server.payments import leases
from walkout.server.payments.bills import bill_lines, freeze, thaw
from walkout.server.payments.context import PaymentsContext
from walkout.server.payments.holds import attach_session, hold_of
from walkout.server.payments.port import CardDeclined, Intent, ProviderError
from walkout.server.service import agecheck
from walkout.server.service.events import ReceiptFinalized, SessionOpened
from walkout.server.service.outputs import account_of
from walkout.server.service.uow import UnitOfWork
from walkout.server.webhooks.queue import enqueue

RETRY_S = (1.0, 5.0, 30.0, 120.0, 600.0)
OWED = "declined"  # a charge in this state is money the shopper owes: refused at the gate
HELD = "held"  # waiting for an ID check (age policy charge_on_verification)


def charge_key(store: str, session: str) -> str:
    return f"charge:{store}:{session}"


# -- from the outbox ---------------------------------------------------------------------------


def on_session_opened(ctx: PaymentsContext, ev: SessionOpened) -> None:
    with ctx.uow() as uow:
        attach_session(uow, ev.store, ev.token, ev.session)
        uow.commit()


def on_receipt_finalized(ctx: PaymentsContext, ev: ReceiptFinalized) -> None:
    """The intent to charge, as a row; the receipt's webhook in the same transaction."""
    from walkout.server.payments.views import receipt_payload  # views import this module

    key = charge_key(ev.store, ev.session)
    store = ctx.stores[ev.store]
    now = ctx.now()
    with ctx.uow() as uow:
        if uow.get(ChargeRow, key) is not None:
            return  # dispatched again after a crash: already done
        age = agecheck.age_state(uow, ev.store, ev.session)
        kept = ev.lines
        if age.decision == "remove":
            gone = agecheck.restricted(store)
            kept = [ln for ln in ev.lines if ln["sku"] not in gone]
        lines, names = bill_lines(uow, store, kept)
        b = bill(lines, store.tax.included)
        account = ev.account or account_of(uow, ev.token)
        acc = uow.get(AccountRow, account) if account else None
        if acc is None or acc.status != "active":
            account = None
        hold = hold_of(uow, ev.store, ev.session)
        status = "nothing" if b.total == 0 else ("pending" if account else "no_account")
        if status == "pending" and age.decision == "hold":
            status = HELD
        row = ChargeRow(
            key=key,
            store_id=ev.store,
            session=ev.session,
            account_id=account,
            token=ev.token,
            currency=ev.currency,
            subtotal=b.subtotal,
            tax=b.tax,
            amount=b.total,
            bill=freeze(b, names),
            status=status,
            hold_id=hold.id if hold else None,
            next_at=now,
        )
        if hold is not None and status not in ("pending", HELD):
            hold.status = "voiding"  # nothing to take: void it at once
        uow.db.add(row)
        uow.db.flush()
        enqueue(
            uow,
            ev.store,
            "receipt.finalized",
            f"receipt:{ev.store}:{ev.session}",
            receipt_payload(uow, store, row, by=ev.by),
            now,
            account,
        )
        uow.commit()
    ctx.poke()


def on_age_decided(ctx: PaymentsContext, store: str, session: str, decision: str) -> None:
    """Staff checked the ID of a visit whose charge is held: charge it as frozen
    (``charge``), or without its age-restricted lines (``remove``). Only a held row
    moves, so a second delivery of the decision changes nothing."""
    if decision not in ("charge", "remove"):
        return
    with ctx.uow() as uow:
        row = uow.get(ChargeRow, charge_key(store, session))
        if row is None or row.status != HELD:
            return  # not charged yet (the receipt decides then), or already released
        if decision == "remove":
            gone = agecheck.restricted(ctx.stores[store])
            lines, included = thaw(row.bill)
            names = {ln["sku"]: ln["name"] for ln in row.bill["lines"]}
            b = bill([ln for ln in lines if ln.sku not in gone], included)
            row.bill, row.subtotal, row.tax, row.amount = (
                freeze(b, names),
                b.subtotal,
                b.tax,
                b.total,
            )
        row.status, row.next_at = ("pending" if row.amount else "nothing"), ctx.now()
        if row.status == "nothing" and row.hold_id:
            hold = uow.get(HoldRow, row.hold_id)
            if hold is not None and hold.status == "held":
                hold.status = "voiding"
        uow.commit()
    ctx.poke()


# -- the worker's side -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    key: str
    store: str
    session: str
    amount: int
    currency: str
    attempt: int
    reconcile: bool
    customer: str | None
    method: str | None
    hold_id: str | None
    hold_intent: str | None
    hold_amount: int


def due(ctx: PaymentsContext, limit: int = 100) -> list[str]:
    return leases.due(ctx, ChargeRow, limit)


def process(ctx: PaymentsContext, key: str) -> str | None:
    """One step of one charge; returns the status it reached (None: not ours now)."""
    job = _claim(ctx, key)
    if job is None:
        return None
    if job.customer is None or job.method is None:
        return _record(ctx, job, OWED, error="no payment method on the account")
    try:
        if job.reconcile:
            found = _look_up(ctx, job)
            if found is not None:
                log.info("charge found at the provider after a restart", key=key, intent=found.id)
                return _record(
                    ctx, job, "succeeded", intent=found, via_hold=found.id == job.hold_intent
                )
        if job.hold_intent and job.amount <= job.hold_amount:
            it = ctx.provider.capture(job.hold_intent, job.amount, f"{key}:capture")
            return _outcome(ctx, job, it, via_hold=True)
        it = ctx.provider.authorize(
            job.customer,
            job.method,
            job.amount,
            job.currency,
            f"{key}:{job.attempt}",
            {"walkout_key": key, "store": job.store, "session": job.session},
            capture=True,
        )
        return _outcome(ctx, job, it)
    except CardDeclined as e:
        return _record(ctx, job, OWED, error=str(e))
    except ProviderError as e:
        if e.retry:
            return _later(ctx, job, str(e))
        return _record(ctx, job, "error", error=str(e))


def _outcome(ctx: PaymentsContext, job: _Job, it: Intent, via_hold: bool = False) -> str | None:
    """Only a succeeded intent is paid. The bank asking the absent shopper to
    authenticate is a decline they settle in the app; anything else (processing)
    is looked at again later, by lookup first."""
    if it.status == "succeeded":
        return _record(ctx, job, "succeeded", intent=it, via_hold=via_hold)
    if it.status == "requires_action":
        return _record(
            ctx,
            job,
            OWED,
            intent=it,
            error="the bank asks for authentication: settle it in the app",
        )
    return _later(ctx, job, f"payment intent {it.id} is {it.status}")


def _claim(ctx: PaymentsContext, key: str) -> _Job | None:
    with ctx.uow() as uow:
        row = leases.claim(ctx, uow, ChargeRow, key, ChargeRow.provider_calls)
        if row is None:
            return None
        customer, method = method_of(uow, row.account_id)
        hold = uow.get(HoldRow, row.hold_id) if row.hold_id else None
        usable = hold is not None and hold.status in ("held", "used") and hold.intent_id
        row.customer_id, row.method_id = customer, method
        job = _Job(
            key=key,
            store=row.store_id,
            session=row.session,
            amount=row.amount,
            currency=row.currency,
            attempt=row.attempt,
            reconcile=row.provider_calls > 1,
            customer=customer,
            method=method,
            hold_id=row.hold_id,
            hold_intent=hold.intent_id if usable and hold else None,
            hold_amount=hold.amount if usable and hold else 0,
        )
        uow.commit()  # the intent to call is durable before the call
    return job


def method_of(uow: UnitOfWork, account: str | None) -> tuple[str | None, str | None]:
    if account is None:
        return None, None
    prof = uow.get(PaymentProfileRow, account)
    pm = uow.db.scalars(
        select(PaymentMethodRow)
        .where(PaymentMethodRow.account_id == account, PaymentMethodRow.status == "active")
        .order_by(PaymentMethodRow.is_default.desc(), PaymentMethodRow.created_at.desc())
        .limit(1)
    ).first()
    return (prof.customer_id if prof else None), (pm.provider_id if pm else None)


def _look_up(ctx: PaymentsContext, job: _Job) -> Intent | None:
    """What the provider already has for this charge (a crash may have hidden it)."""
    if job.hold_intent:
        it = ctx.provider.retrieve(job.hold_intent)
        if it.status == "succeeded":
            return it  # only this charge captures its hold
    for it in ctx.provider.find_intents(job.customer, job.key):
        if it.status == "succeeded":
            return it
    return None


def _record(
    ctx: PaymentsContext,
    job: _Job,
    status: str,
    intent: Intent | None = None,
    error: str | None = None,
    via_hold: bool = False,
) -> str | None:
    from walkout.server.payments.views import payment_view

    now = ctx.now()
    with ctx.uow() as uow:
        row = uow.get(ChargeRow, job.key)
        if row.status != "calling" or row.claimed_by != ctx.worker_id:
            log.warning("charge taken over while calling; keeping the other outcome", key=job.key)
            return None
        row.status, row.error, row.lease_until = status, error, None
        if intent is not None:
            row.intent_id = intent.id
        if status == "succeeded":
            row.settled_at = datetime.now(UTC)
        if job.hold_id:
            hold = uow.get(HoldRow, job.hold_id)
            if via_hold:
                hold.status = "used"
            elif hold.status == "held":
                hold.status = "voiding"  # charged afresh (or not at all): release the hold
        kind = {"succeeded": "charge.succeeded", OWED: "charge.declined"}.get(status)
        if kind:
            store = ctx.stores[row.store_id]
            enqueue(
                uow,
                row.store_id,
                kind,
                f"{kind}:{row.key}:{row.attempt}",
                {
                    "session": row.session,
                    "account": row.account_id,
                    "payment": payment_view(uow, store, row).model_dump(),
                },
                now,
                row.account_id,
            )
        uow.commit()
    ctx.poke()
    return status


def _later(ctx: PaymentsContext, job: _Job, error: str) -> str:
    """A transient failure: back to pending, and the next claim looks up first."""
    with ctx.uow() as uow:
        row = uow.get(ChargeRow, job.key)
        n = min(row.provider_calls, len(RETRY_S)) - 1
        row.status, row.error = "pending", error
        row.next_at = ctx.now() + RETRY_S[max(0, n)]
        row.lease_until = None
        uow.commit()
    return "pending"


# -- the shopper's side ------------------------------------------------------------------------


class NotOwed(ValueError):
    pass


def retry(ctx: PaymentsContext, key: str) -> None:
    """Settle a declined charge: try again with the account's current card."""
    with ctx.uow() as uow:
        row = uow.get(ChargeRow, key)
        if row is None or row.status != OWED:
            raise NotOwed(
                f"charge is {row.status if row else 'unknown'}; only a declined one is retried"
            )
        row.status, row.attempt, row.next_at, row.error = "pending", row.attempt + 1, 0.0, None
        uow.commit()
    ctx.poke()


def owed(uow: UnitOfWork, account: str) -> list[ChargeRow]:
    return list(
        uow.db.scalars(
            select(ChargeRow)
            .where(ChargeRow.account_id == account, ChargeRow.status == OWED)
            .order_by(ChargeRow.created_at)
        )
    )
