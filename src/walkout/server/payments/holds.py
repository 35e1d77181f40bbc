"""Pre-authorization holds at entry: a manual-capture payment intent placed
before the gate opens, captured by the visit's charge, or voided at once when
nothing is bought (and by a reaper when no visit ever used it).

A hold is recorded (``placing``) before the provider is called; a hold left
``placing`` by a crash is looked up at the provider by its key and voided, as
the gate never opened on it."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from walkout.server.db.payments import HoldRow
from walkout.server.logs import log
from walkout.server.payments.context import PaymentsContext, detached
from walkout.server.payments.port import CardDeclined, ProviderError
from walkout.server.service.uow import UnitOfWork


def hold_key(hold_id: str) -> str:
    return f"hold:{hold_id}"


def place(
    ctx: PaymentsContext,
    store: str,
    account: str,
    token: str,
    customer: str,
    method: str,
    amount: int,
    currency: str,
) -> HoldRow:
    """Place a hold now (the gate waits for it). Raises ``CardDeclined`` or ``ProviderError``."""
    hid = "h_" + secrets.token_hex(8)
    with ctx.uow() as uow:
        uow.db.add(
            HoldRow(
                id=hid,
                store_id=store,
                account_id=account,
                token=token,
                customer_id=customer,
                amount=amount,
                currency=currency,
                status="placing",
                t=ctx.now(),
            )
        )
        uow.commit()
    key = hold_key(hid)
    try:
        it = ctx.provider.authorize(
            customer,
            method,
            amount,
            currency,
            key,
            {"walkout_key": key, "store": store},
            capture=False,
        )
    except CardDeclined:
        _set(ctx, hid, status="declined")
        raise
    except ProviderError:
        _set(ctx, hid, status="voiding")  # it may exist at the provider: the worker looks
        ctx.poke()
        raise
    if it.status != "requires_capture":  # e.g. the bank wants the shopper to authenticate
        _set(ctx, hid, status="voiding", intent_id=it.id)
        ctx.poke()
        raise CardDeclined(f"the pre-authorization is {it.status}", intent=it.id)
    return _set(ctx, hid, status="held", intent_id=it.id)


def _set(ctx: PaymentsContext, hid: str, **values: object) -> HoldRow:
    with ctx.uow() as uow:
        row = uow.get(HoldRow, hid)
        for k, v in values.items():
            setattr(row, k, v)
        uow.commit()
        detached(uow, row)
        return row  # type: ignore[no-any-return]


def attach_session(uow: UnitOfWork, store: str, token: str | None, session: str) -> None:
    """The engine opened a visit on this credential: the oldest free hold is its."""
    if token is None:
        return
    row = uow.db.scalars(
        select(HoldRow)
        .where(
            HoldRow.store_id == store,
            HoldRow.token == token,
            HoldRow.status == "held",
            HoldRow.session.is_(None),
        )
        .order_by(HoldRow.t, HoldRow.id)
        .limit(1)
    ).first()
    if row is not None:
        row.session = session


def hold_of(uow: UnitOfWork, store: str, session: str) -> HoldRow | None:
    return uow.db.scalars(
        select(HoldRow).where(
            HoldRow.store_id == store, HoldRow.session == session, HoldRow.status == "held"
        )
    ).first()


def reap(ctx: PaymentsContext) -> int:
    """Holds no visit took within ``hold_max_age_s``, and ``placing`` ones a crash
    left, go to voiding."""
    now = ctx.now()
    with ctx.uow() as uow:
        n = uow.db.execute(
            update(HoldRow)
            .where(
                HoldRow.status == "held",
                HoldRow.session.is_(None),
                HoldRow.t < now - ctx.settings.hold_max_age_s,
            )
            .values(status="voiding")
        ).rowcount  # type: ignore[attr-defined]
        n += uow.db.execute(
            update(HoldRow)
            .where(HoldRow.status == "placing", HoldRow.t < now - ctx.settings.payments_lease_s)
            .values(status="voiding")
        ).rowcount  # type: ignore[attr-defined]
        uow.commit()
    return int(n)


def void_due(ctx: PaymentsContext) -> int:
    """Cancel every hold marked voiding; one whose intent we never learnt is looked up."""
    with ctx.uow() as uow:
        ids = list(uow.db.scalars(select(HoldRow.id).where(HoldRow.status == "voiding")))
    done = 0
    for hid in ids:
        try:
            done += _void(ctx, hid)
        except ProviderError as e:
            log.warning("hold void failed; will retry", hold=hid, error=str(e))
    return done


def _void(ctx: PaymentsContext, hid: str) -> int:
    with ctx.uow() as uow:
        row = uow.get(HoldRow, hid)
        if row is None or row.status != "voiding":
            return 0
        intent, customer = row.intent_id, row.customer_id
    key = hold_key(hid)
    intents = [intent] if intent else [i.id for i in ctx.provider.find_intents(customer, key)]
    for iid in intents:
        it = ctx.provider.retrieve(iid)
        if it.status in ("requires_capture", "requires_action", "processing"):
            ctx.provider.cancel(iid, key + ":void")
        elif it.status == "succeeded":  # a charge captured it after all
            _set(ctx, hid, status="used", intent_id=iid)
            return 0
    _set(ctx, hid, status="voided", intent_id=intents[0] if intents else None)
    return 1
