"""Entry: signed single-use QR codes for a group of N (forged, expired, reused,
other-store codes refused, each saying why), card taps, refusals for accounts
not in good standing, and the hold at entry with its void."""

from __future__ import annotations

import base64
import json

import pytest

from tests.unit.server.payments.conftest import BEER, Bench
from walkout.eventlog.records import GateEntry
from walkout.server.accounts import codes, gate, shoppers
from walkout.server.db.payments import GateDecisionRow, HoldRow
from walkout.server.payments import charges, holds
from walkout.server.payments.fake import fingerprint
from walkout.server.payments.policy import set_policy
from walkout.server.service.events import SessionOpened

GATE = "entry-1"


def _ask(b: Bench, code: str) -> gate.Decision:
    return gate.decide(b.ctx, b.ingestor, b.store, GATE, "qr", code, None)


def test_a_code_admits_its_group_once_and_logs_the_entry(bench: Bench) -> None:
    acc = bench.shopper()
    code, row = shoppers.issue_code(bench.ctx, bench.store, acc, admits=3)
    d = _ask(bench, code)
    assert (d.decision, d.admits) == ("admit", 3)
    (rec,) = bench.log.records
    assert isinstance(rec, GateEntry) and rec.admits == 3 and rec.device == GATE
    assert rec.credential.kind == "qr" and rec.credential.token == f"qr-{row.id}" == d.token
    assert acc not in rec.model_dump_json()  # the log never names the account
    again = _ask(bench, code)
    assert again.decision == "refuse" and "already used" in again.reason
    assert len(bench.log.records) == 1


def test_forged_codes_are_refused(bench: Bench) -> None:
    acc = bench.shopper()
    code, _ = shoppers.issue_code(bench.ctx, bench.store, acc, admits=1)
    head, payload, sig = code.split(".")
    obj = json.loads(base64.urlsafe_b64decode(payload + "=="))
    obj["n"] = 9  # let nine people in on a code for one
    bigger = base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    for forged in (
        f"{head}.{bigger}.{sig}",
        codes.sign(b"another-secret", bench.store, 9, bench.clock.t + 60)[0],
    ):
        d = _ask(bench, forged)
        assert d.decision == "refuse" and "forged" in d.reason
    for junk, why in (("hello", "not a Walkout entry code"), (f"wo1.{'!' * 8}.{sig}", "forged")):
        assert why in _ask(bench, junk).reason
    assert bench.log.records == []


def test_expired_codes_and_codes_for_another_store_are_refused(bench: Bench) -> None:
    acc = bench.shopper()
    code, _ = shoppers.issue_code(bench.ctx, bench.store, acc, admits=1)
    bench.clock.t += bench.settings.entry_code_ttl_s + 1
    d = _ask(bench, code)
    assert d.decision == "refuse" and d.reason.startswith("expired code")
    other, _ = codes.sign(bench.ctx.secret, "convenience", 1, bench.clock.t + 60)
    assert "for store 'convenience'" in _ask(bench, other).reason
    signed_not_issued, _ = codes.sign(bench.ctx.secret, bench.store, 1, bench.clock.t + 60)
    assert "not issued here" in _ask(bench, signed_not_issued).reason
    with bench.bus.uow() as uow:
        reasons = [r.reason for r in uow.db.query(GateDecisionRow).order_by(GateDecisionRow.id)]
    assert len(reasons) == 3 and all(
        r for r in reasons
    )  # every refusal is on record with its reason


def test_unknown_gate_is_bad_input(bench: Bench) -> None:
    with pytest.raises(gate.UnknownGate, match="entry gates: entry-1"):
        gate.decide(bench.ctx, bench.ingestor, bench.store, "exit-1", "qr", "x", None)


def test_card_tap_admits_a_registered_card_with_a_stable_token(bench: Bench) -> None:
    acc = bench.shopper(card=None)
    pm = bench.provider.card("4242424242424242")
    shoppers.add_card(bench.ctx, acc, None, pm)
    fp = fingerprint("4242424242424242")  # what the tap reader reads
    d1 = gate.decide(bench.ctx, bench.ingestor, bench.store, GATE, "card", fp, 2)
    d2 = gate.decide(bench.ctx, bench.ingestor, bench.store, GATE, "card", fp, None)
    assert (d1.decision, d1.admits, d2.admits) == ("admit", 2, 1)
    assert d1.token == d2.token and d1.token.startswith("card-") and fp not in d1.token
    unknown = gate.decide(
        bench.ctx, bench.ingestor, bench.store, GATE, "card", "feedfacecafe", None
    )
    assert unknown.decision == "refuse" and "not registered" in unknown.reason


def test_no_card_and_unpaid_receipts_are_refused_until_settled(bench: Bench) -> None:
    nocard = bench.shopper(card=None)
    code, _ = shoppers.issue_code(bench.ctx, bench.store, nocard, 1)
    assert "no valid payment method" in _ask(bench, code).reason
    acc = bench.shopper(card="pm_card_chargeCustomerFail")
    key = bench.receipt(acc, [(BEER, 2)])
    bench.run()
    assert bench.charge(key).status == "declined"
    code, _ = shoppers.issue_code(bench.ctx, bench.store, acc, 1)
    d = _ask(bench, code)
    assert d.decision == "refuse" and "unpaid receipt" in d.reason
    shoppers.add_card(bench.ctx, acc, None, "pm_card_visa")
    charges.retry(bench.ctx, key)
    bench.run()
    assert bench.charge(key).status == "succeeded"
    assert _ask(bench, code).decision == "admit"  # the refused code admitted nobody: still good


def _visit(b: Bench, acc: str, lines: list[tuple[str, int]]) -> tuple[str, str]:
    code, _ = shoppers.issue_code(b.ctx, b.store, acc, 1)
    d = _ask(b, code)
    assert d.decision == "admit" and d.hold
    session = f"V{len(b._sessions) + 1:03d}"
    charges.on_session_opened(
        b.ctx, SessionOpened(store=b.store, session=session, token=d.token, t_enter=b.clock.t)
    )
    b.receipt(acc, lines, session=session)
    return session, d.hold


def _hold(b: Bench, hid: str) -> HoldRow:
    return b.row(HoldRow, hid)  # type: ignore[no-any-return]


def test_the_hold_is_voided_at_once_when_nothing_is_bought(bench: Bench) -> None:
    with bench.bus.uow() as uow:
        set_policy(uow, bench.store, bench.settings, "admin", hold_amount=2000)
    acc = bench.shopper()
    _, hid = _visit(bench, acc, [])
    h = _hold(bench, hid)
    assert (
        h.status == "voiding"
        and bench.provider.intents[h.intent_id].intent.status == "requires_capture"
    )
    bench.run()
    assert _hold(bench, hid).status == "voided"
    assert bench.provider.intents[h.intent_id].intent.status == "canceled"
    assert all(r.intent.captured == 0 for r in bench.provider.intents.values())


def test_the_hold_is_captured_for_what_was_bought(bench: Bench) -> None:
    with bench.bus.uow() as uow:
        set_policy(uow, bench.store, bench.settings, "admin", hold_amount=2000)
    acc = bench.shopper()
    session, hid = _visit(bench, acc, [(BEER, 2)])
    bench.run()
    h = _hold(bench, hid)
    c = bench.charge(charges.charge_key(bench.store, session))
    assert (h.status, c.status, c.intent_id) == ("used", "succeeded", h.intent_id)
    assert (
        bench.provider.intents[h.intent_id].intent.captured == c.amount == 2 * 319 + 46
    )  # 638 * 7.25 %
    assert len(bench.provider.intents) == 1  # one intent: the hold, partly captured


def test_a_bill_above_the_hold_is_charged_afresh_and_the_hold_released(bench: Bench) -> None:
    with bench.bus.uow() as uow:
        set_policy(uow, bench.store, bench.settings, "admin", hold_amount=500)
    acc = bench.shopper()
    session, hid = _visit(bench, acc, [(BEER, 3)])
    bench.run()
    c = bench.charge(charges.charge_key(bench.store, session))
    assert c.status == "succeeded" and c.intent_id != _hold(bench, hid).intent_id
    assert _hold(bench, hid).status == "voided"
    assert sorted(r.intent.captured for r in bench.provider.intents.values()) == [0, c.amount]


def test_a_declined_hold_refuses_entry_and_leaves_the_code_usable(bench: Bench) -> None:
    with bench.bus.uow() as uow:
        set_policy(uow, bench.store, bench.settings, "admin", hold_amount=500)
    acc = bench.shopper(card="pm_card_chargeCustomerFail")
    code, _ = shoppers.issue_code(bench.ctx, bench.store, acc, 1)
    d = _ask(bench, code)
    assert d.decision == "refuse" and d.reason.startswith("pre-authorization declined")
    assert bench.log.records == []
    shoppers.add_card(bench.ctx, acc, None, "pm_card_visa")
    assert _ask(bench, code).decision == "admit"


def test_holds_nobody_used_and_holds_a_crash_left_placing_are_voided(bench: Bench) -> None:
    with bench.bus.uow() as uow:
        set_policy(uow, bench.store, bench.settings, "admin", hold_amount=500)
    acc = bench.shopper()
    code, _ = shoppers.issue_code(bench.ctx, bench.store, acc, 1)
    d = _ask(bench, code)  # admitted, but no visit ever opens on it
    with bench.bus.uow() as uow:  # a gate request that died after the provider call
        uow.db.add(
            HoldRow(
                id="h_dead",
                store_id=bench.store,
                account_id=acc,
                token="qr-x",
                customer_id=next(iter(bench.provider.customers)),
                amount=500,
                currency="USD",
                status="placing",
                t=bench.clock.t,
            )
        )
        uow.commit()
    cus, pm = next((r.customer, r.id) for r in bench.provider.methods.values() if r.customer)
    it = bench.provider.authorize(
        cus,
        pm,
        500,
        "usd",
        "k",
        {"walkout_key": holds.hold_key("h_dead")},
        capture=False,
    )
    bench.run()
    assert _hold(bench, d.hold).status == "held"  # still in its time
    bench.clock.t += bench.settings.hold_max_age_s + 1
    bench.run()
    assert _hold(bench, d.hold).status == "voided" and _hold(bench, "h_dead").status == "voided"
    assert bench.provider.intents[it.id].intent.status == "canceled"


def test_a_hold_needing_authentication_refuses_entry_and_is_cancelled(bench: Bench) -> None:
    with bench.bus.uow() as uow:
        set_policy(uow, bench.store, bench.settings, "admin", hold_amount=500)
    acc = bench.shopper(card="pm_card_authenticationRequired")
    code, _ = shoppers.issue_code(bench.ctx, bench.store, acc, 1)
    d = _ask(bench, code)
    assert d.decision == "refuse" and "requires_action" in d.reason
    bench.run()
    (it,) = [r.intent for r in bench.provider.intents.values()]
    assert it.status == "canceled"
