"""The gate's question: admit this credential or not, and why.

Admitting means, in order: the code or card checks out (signed, for this store,
not expired, not used; a registered card), the account is in good standing
(open, a card on file, no unpaid receipt), the code is claimed (single use,
atomically), the hold is placed if the store asks for one, and the ``entry``
record is durable in the store's log, so the engine opens the visit. Only
then does the gate open. A refusal changes nothing and says why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select, update

from walkout.server.accounts import codes
from walkout.server.db.payments import EntryCodeRow, GateDecisionRow, PaymentMethodRow
from walkout.server.db.system import AccountRow
from walkout.server.db.visits import CredentialRow
from walkout.server.ingest.service import Ingestor
from walkout.server.payments import holds
from walkout.server.payments.charges import method_of, owed
from walkout.server.payments.context import PaymentsContext
from walkout.server.payments.policy import policy_of
from walkout.server.payments.port import CardDeclined, ProviderError
from walkout.server.service import agecheck
from walkout.server.service.uow import UnitOfWork

LOG_WAIT_S = 10.0


class UnknownGate(ValueError):
    pass


@dataclass(frozen=True)
class Decision:
    decision: Literal["admit", "refuse"]
    reason: str
    admits: int = 0
    token: str | None = None
    hold: str | None = None
    offset: int | None = None


def decide(
    ctx: PaymentsContext,
    ingestor: Ingestor,
    store: str,
    gate: str,
    kind: Literal["qr", "card"],
    secret_text: str,
    admits: int | None,
    device: str | None = None,
) -> Decision:
    """``secret_text``: the QR code as scanned, or the card's fingerprint from the tap reader."""
    st = ctx.stores[store]
    _check_gate(st, store, gate, "entry")
    now = ctx.now()
    account: str | None = None
    token: str | None = None
    code_id: str | None = None
    with ctx.uow() as uow:
        if kind == "qr":
            try:
                code = codes.verify(ctx.secret, secret_text, store, now)
            except codes.CodeRefused as e:
                return _refuse(uow, store, gate, kind, str(e), now)
            row = uow.get(EntryCodeRow, code.id)
            if row is None:
                return _refuse(uow, store, gate, kind, "unknown code: it was not issued here", now)
            account, token, code_id, n = row.account_id, f"qr-{code.id}", code.id, code.admits
            if row.used_at is not None:
                return _refuse(uow, store, gate, kind, _used(row, now), now, account, token)
        else:
            token = codes.card_token(ctx.secret, secret_text)
            cred = uow.get(CredentialRow, token)
            pm = (
                cred
                and uow.db.scalars(
                    select(PaymentMethodRow).where(
                        PaymentMethodRow.card_token == token,
                        PaymentMethodRow.account_id == cred.account_id,
                        PaymentMethodRow.status == "active",
                    )
                ).first()
            )
            if pm is None:
                return _refuse(
                    uow, store, gate, kind, "card not registered: add it in the app first", now
                )
            account, n = pm.account_id, admits or 1
        why = standing(uow, account)
        if why:
            return _refuse(uow, store, gate, kind, why, now, account, token)
        if code_id is not None:
            claimed = uow.db.execute(
                update(EntryCodeRow)
                .where(EntryCodeRow.id == code_id, EntryCodeRow.used_at.is_(None))
                .values(used_at=now, used_gate=gate)
            ).rowcount  # type: ignore[attr-defined]
            if claimed != 1:  # another gate took it a moment ago
                uow.rollback()
                return _refuse(
                    uow,
                    store,
                    gate,
                    kind,
                    _used(uow.get(EntryCodeRow, code_id), now),
                    now,
                    account,
                    token,
                )
        if uow.get(CredentialRow, token) is None:
            uow.db.add(CredentialRow(token=token, account_id=account, kind=kind))
        customer, method = method_of(uow, account)
        amount = policy_of(uow, store, ctx.settings).hold_amount
        uow.commit()
    hold_id = None
    if amount > 0:
        try:
            hold_id = holds.place(
                ctx, store, account, token, customer or "", method or "", amount, st.currency
            ).id
        except (CardDeclined, ProviderError) as e:
            _release(ctx, code_id)
            why = (
                f"pre-authorization declined: {e}"
                if isinstance(e, CardDeclined)
                else f"payment provider unavailable, try again: {e}"
            )
            with ctx.uow() as uow:
                return _refuse(uow, store, gate, kind, why, now, account, token)
    record = {
        "kind": "entry",
        "device": device or gate,
        "t": round(now, 6),
        "credential": {"kind": kind, "token": token},
        "admits": n,
    }
    sub = ingestor.submit(store, [record], "gate", f"gate:{gate}")
    if sub.appended is None:
        raise RuntimeError(f"entry record refused: {sub.refused}")
    offset = sub.appended.result(timeout=LOG_WAIT_S).first
    with ctx.uow() as uow:
        _record(uow, store, gate, kind, "admit", f"admitted {n}", now, account, token, n)
        uow.commit()
    return Decision("admit", f"admitted {n}", n, token, hold_id, offset)


def _check_gate(st: Any, store: str, gate: str, kind: str) -> None:
    ids = [g.id for g in st.gates_of_kind(kind)]
    if gate not in ids:
        raise UnknownGate(
            f"no {kind} gate {gate!r} in store {store!r} ({kind} gates: {', '.join(ids)})"
        )


def decide_exit(ctx: PaymentsContext, store: str, gate: str, session: str) -> Decision:
    """May this visit leave? Only an ID check under the store's ``block_exit``
    policy holds it (``walkout.server.service.agecheck``), until staff checked the
    ID. Nothing is logged: the gate's beam sends the ``pass`` when they go."""
    _check_gate(ctx.stores[store], store, gate, "exit")
    now = ctx.now()
    with ctx.uow() as uow:
        why = agecheck.exit_refusal(uow, store, session)
        if why:
            return _refuse(uow, store, gate, "exit", why, now)
        _record(uow, store, gate, "exit", "admit", f"visit {session} may leave", now, None, None, 0)
        uow.commit()
    return Decision("admit", f"visit {session} may leave")


def standing(uow: UnitOfWork, account: str) -> str | None:
    """Why this account may not enter now (None: it may)."""
    acc = uow.get(AccountRow, account)
    if acc is None or acc.status != "active":
        return "account closed"
    unpaid = owed(uow, account)
    if unpaid:
        c = unpaid[0]
        return (
            f"unpaid receipt ({c.store_id}, visit {c.session}): the card was declined; "
            "settle it in the app (add a card and retry the payment)"
        )
    _, method = method_of(uow, account)
    if method is None:
        return "no valid payment method on the account: add a card in the app"
    return None


def _used(row: EntryCodeRow, now: float) -> str:
    return f"code already used, at gate {row.used_gate} {max(0.0, now - (row.used_at or now)):.0f} s ago"


def _release(ctx: PaymentsContext, code_id: str | None) -> None:
    """A refused entry leaves the code usable (it admitted nobody)."""
    if code_id is None:
        return
    with ctx.uow() as uow:
        uow.db.execute(
            update(EntryCodeRow)
            .where(EntryCodeRow.id == code_id)
            .values(used_at=None, used_gate=None)
        )
        uow.commit()


def _refuse(
    uow: UnitOfWork,
    store: str,
    gate: str,
    kind: str,
    reason: str,
    now: float,
    account: str | None = None,
    token: str | None = None,
) -> Decision:
    uow.rollback()
    _record(uow, store, gate, kind, "refuse", reason, now, account, token, 0)
    uow.commit()
    return Decision("refuse", reason)


def _record(
    uow: UnitOfWork,
    store: str,
    gate: str,
    kind: str,
    decision: str,
    reason: str,
    now: float,
    account: str | None,
    token: str | None,
    admits: int,
) -> None:
    uow.db.add(
        GateDecisionRow(
            store_id=store,
            gate=gate,
            kind=kind,
            decision=decision,
            reason=reason,
            account_id=account,
            token=token,
            admits=admits,
            t=now,
        )
    )
