"""Capture once: the charging step killed at every point (before the provider
call, after it but before the result is recorded; on the fresh-charge and the
hold-capture paths; a lost answer) and restarted charges exactly once at a
provider that, like localstripe, ignores idempotency keys. Declines leave the
receipt unpaid until the shopper settles it."""

from __future__ import annotations

import pytest

from tests.unit.server.payments.conftest import BEER, CHIPS, Bench, Crash, Crashing, captured
from walkout.server.accounts import shoppers
from walkout.server.db.payments import ChargeRow
from walkout.server.payments import charges
from walkout.server.payments.policy import set_policy
from walkout.server.payments.port import ProviderError
from walkout.server.service.events import SessionOpened


def test_a_final_receipt_is_charged_its_bill_with_tax(bench: Bench) -> None:
    acc = bench.shopper()
    key = bench.receipt(acc, [(BEER, 2), (CHIPS, 1)])
    c = bench.charge(key)
    assert c.status == "pending" and c.provider_calls == 0  # recorded before any call
    assert (c.subtotal, c.tax) == (
        2 * 319 + c.bill["lines"][1]["unit_price"],
        46,
    )  # 638 * 7.25 % = 46.26
    bench.run()
    c = bench.charge(key)
    assert c.status == "succeeded" and c.provider_calls == 1
    assert captured(bench.provider) == [(c.intent_id, c.amount)]
    assert bench.provider.intents[c.intent_id].intent.metadata["walkout_key"] == key


@pytest.mark.parametrize("when", ["before", "after"])
def test_killed_around_the_charge_call_and_restarted_charges_once(bench: Bench, when: str) -> None:
    acc = bench.shopper()
    key = bench.receipt(acc, [(BEER, 3)])
    crashing = Crashing(bench.provider, "authorize", when)
    with pytest.raises(Crash):
        bench.run(bench._ctx(crashing))
    c = bench.charge(key)
    assert c.status == "calling" and c.provider_calls == 1  # the intent to call was durable
    assert len(captured(bench.provider)) == (1 if when == "after" else 0)
    bench.run()  # too soon: the dead worker's lease still runs, nobody touches it
    assert bench.charge(key).status == "calling"
    ctx = bench.restart()
    bench.run(ctx)
    c = bench.charge(key)
    assert c.status == "succeeded" and c.provider_calls == 2
    assert captured(bench.provider) == [(c.intent_id, c.amount)]  # exactly one charge
    bench.run(bench.restart())  # and again: nothing more happens
    # the provider was asked for this money once (a call cut off before it left is no call)
    assert len(captured(bench.provider)) == 1 and bench.provider.calls.count("authorize") == 1


@pytest.mark.parametrize("when", ["before", "after"])
def test_killed_around_the_hold_capture_and_restarted_captures_once(
    bench: Bench, when: str
) -> None:
    with bench.bus.uow() as uow:
        set_policy(uow, bench.store, bench.settings, "admin", hold_amount=5000)
    from walkout.server.accounts import gate

    acc = bench.shopper()
    code, _ = shoppers.issue_code(bench.ctx, bench.store, acc, 1)
    d = gate.decide(bench.ctx, bench.ingestor, bench.store, "entry-1", "qr", code, None)
    charges.on_session_opened(
        bench.ctx, SessionOpened(store=bench.store, session="V1", token=d.token, t_enter=0)
    )
    key = bench.receipt(acc, [(BEER, 1)], session="V1")
    with pytest.raises(Crash):
        bench.run(bench._ctx(Crashing(bench.provider, "capture", when)))
    bench.run(bench.restart())
    c = bench.charge(key)
    assert c.status == "succeeded"
    assert captured(bench.provider) == [(c.intent_id, c.amount)]
    assert bench.provider.calls.count("capture") == 1
    assert bench.provider.calls.count("authorize") == 1  # the hold itself: no fresh charge


def test_a_lost_answer_is_reconciled_before_any_new_call(bench: Bench) -> None:
    """The provider charged but the answer never came (a timeout): retried later,
    the worker looks the charge up first and adopts it."""
    acc = bench.shopper()
    key = bench.receipt(acc, [(BEER, 1)])

    class LostAnswer(Crashing):
        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            fn = getattr(self.inner, name)
            if name != "authorize" or not self.armed:
                return fn

            def wrapped(*a, **kw):  # type: ignore[no-untyped-def]
                self.armed = False
                fn(*a, **kw)
                raise ProviderError("read timeout", retry=True)

            return wrapped

    bench.run(bench._ctx(LostAnswer(bench.provider, "authorize", "after")))
    c = bench.charge(key)
    assert c.status == "pending" and c.next_at > bench.clock.t
    bench.clock.t = c.next_at
    bench.run()
    c = bench.charge(key)
    assert c.status == "succeeded" and len(captured(bench.provider)) == 1
    assert bench.provider.calls.count("authorize") == 1 and "find_intents" in bench.provider.calls


def test_provider_down_waits_and_charges_once_it_is_back(bench: Bench) -> None:
    acc = bench.shopper()
    key = bench.receipt(acc, [(BEER, 1)])
    bench.provider.down = True
    bench.run()
    assert bench.charge(key).status == "pending"
    bench.provider.down = False
    bench.clock.t += 600
    bench.run()
    assert bench.charge(key).status == "succeeded" and len(captured(bench.provider)) == 1


def test_two_workers_never_charge_the_same_receipt(bench: Bench) -> None:
    acc = bench.shopper()
    key = bench.receipt(acc, [(BEER, 1)])
    other = bench._ctx(bench.provider)
    assert charges.process(bench.ctx, key) == "succeeded"
    assert charges.process(other, key) is None
    with bench.bus.uow() as uow:  # a claim while another worker's lease runs is refused
        uow.get(ChargeRow, key).status = "calling"
        uow.get(ChargeRow, key).lease_until = bench.clock.t + 30
        uow.commit()
    assert charges.process(other, key) is None


def test_a_declined_card_leaves_the_receipt_unpaid_until_settled(bench: Bench) -> None:
    acc = bench.shopper(card="pm_card_chargeCustomerFail")
    key = bench.receipt(acc, [(BEER, 1)])
    bench.run()
    c = bench.charge(key)
    assert c.status == "declined" and "declined" in (c.error or "")
    assert captured(bench.provider) == []
    with bench.bus.uow() as uow:
        assert [o.key for o in charges.owed(uow, acc)] == [key]
    with pytest.raises(charges.NotOwed):
        charges.retry(bench.ctx, charges.charge_key(bench.store, "nope"))
    shoppers.add_card(bench.ctx, acc, None, "pm_card_visa")
    charges.retry(bench.ctx, key)
    bench.run()
    c = bench.charge(key)
    assert (c.status, c.attempt) == ("succeeded", 1)
    assert captured(bench.provider) == [(c.intent_id, c.amount)]
    with bench.bus.uow() as uow:
        assert charges.owed(uow, acc) == []


def test_nothing_bought_and_no_account_are_never_sent_to_the_provider(bench: Bench) -> None:
    acc = bench.shopper()
    empty = bench.receipt(acc, [])
    nobody = bench.receipt(None, [(BEER, 1)])
    bench.run()
    assert (bench.charge(empty).status, bench.charge(nobody).status) == ("nothing", "no_account")
    assert "authorize" not in bench.provider.calls


def test_a_replayed_receipt_event_is_not_a_second_charge(bench: Bench) -> None:
    acc = bench.shopper()
    key = bench.receipt(acc, [(BEER, 1)])
    bench.run()
    from walkout.server.service.events import ReceiptFinalized

    session = key.rsplit(":", 1)[1]
    charges.on_receipt_finalized(
        bench.ctx,
        ReceiptFinalized(
            store=bench.store,
            session=session,
            token=f"qr-{session}",
            account=acc,
            total=319,
            currency="USD",
            lines=[{"sku": BEER, "qty": 1, "unit_price": 319}],
            by="engine",
        ),
    )
    bench.run()
    assert len(captured(bench.provider)) == 1


def test_a_bank_asking_for_authentication_is_unpaid_not_paid(bench: Bench) -> None:
    """Off-session, 3-D Secure cannot be done: the intent stops at requires_action."""
    acc = bench.shopper(card="pm_card_authenticationRequired")
    key = bench.receipt(acc, [(BEER, 1)])
    bench.run()
    c = bench.charge(key)
    assert c.status == "declined" and "authentication" in (c.error or "")
    assert captured(bench.provider) == []
