"""Disputes: within the window, a line's units; under the retailer's limit
refunded at once (idempotently, even across a crash), above it to review,
decided and shown."""

from __future__ import annotations

import pytest

from tests.unit.server.payments.conftest import BEER, CHIPS, Bench, Crash, Crashing
from walkout.server.db.payments import DisputeRow, RefundRow
from walkout.server.db.visits import ReceiptRow
from walkout.server.payments import disputes
from walkout.server.payments.policy import set_policy
from walkout.server.payments.views import itemized


def _paid(b: Bench, lines: list[tuple[str, int]]) -> tuple[str, str]:
    acc = b.shopper()
    key = b.receipt(acc, lines)
    b.run()
    assert b.charge(key).status == "succeeded"
    return acc, key.rsplit(":", 1)[1]


def _refunds(b: Bench) -> list[int]:
    return sorted(r.amount for r in b.provider.refunds.values())


def test_under_the_limit_is_refunded_at_once(bench: Bench) -> None:
    acc, session = _paid(bench, [(BEER, 2), (CHIPS, 1)])
    d = disputes.open_dispute(
        bench.ctx, bench.store, session, acc, line=0, qty=1, reason="took one"
    )
    assert (d.route, d.status, d.amount) == ("auto", "refunding", 319 + 46 - 23)  # tax 46 -> 23
    bench.run()
    assert bench.row(DisputeRow, d.id).status == "refunded"
    assert _refunds(bench) == [342]
    with bench.bus.uow() as uow:
        view = itemized(uow, bench.stores[bench.store], uow.get(ReceiptRow, bench.store, session))
    assert (
        view.lines[0].disputed_qty == 1
        and view.payment.refunded
        and view.payment.refunded.minor == 342
    )
    assert [x.status for x in view.disputes] == ["refunded"]


def test_above_the_limit_waits_for_review_and_the_outcome_is_recorded(bench: Bench) -> None:
    with bench.bus.uow() as uow:
        set_policy(uow, bench.store, bench.settings, "admin", dispute_auto_refund_max=300)
    acc, session = _paid(bench, [(BEER, 2)])
    d = disputes.open_dispute(bench.ctx, bench.store, session, acc, line=0, qty=None, reason=None)
    assert (d.route, d.status, d.qty) == ("review", "review", 2)
    bench.run()
    assert _refunds(bench) == []
    decided = disputes.decide(
        bench.ctx, bench.store, d.id, "rev-1", accept=True, note="camera agrees"
    )
    assert decided.status == "refunding" and decided.decided_by == "rev-1"
    bench.run()
    assert bench.row(DisputeRow, d.id).status == "refunded" and _refunds(bench) == [684]
    with pytest.raises(disputes.DisputeRefused, match="only one in review"):
        disputes.decide(bench.ctx, bench.store, d.id, "rev-2", accept=False, note=None)


def test_a_rejected_dispute_refunds_nothing_and_frees_the_units(bench: Bench) -> None:
    with bench.bus.uow() as uow:
        set_policy(uow, bench.store, bench.settings, "admin", dispute_auto_refund_max=0)
    acc, session = _paid(bench, [(BEER, 1)])
    d = disputes.open_dispute(bench.ctx, bench.store, session, acc, 0, None, None)
    disputes.decide(bench.ctx, bench.store, d.id, "rev-1", accept=False, note="seen on camera")
    bench.run()
    assert bench.row(DisputeRow, d.id).status == "rejected" and _refunds(bench) == []
    again = disputes.open_dispute(bench.ctx, bench.store, session, acc, 0, None, "really")
    assert again.status == "review"  # the rejected units may be disputed again, by a human


def test_refused_disputes_say_why(bench: Bench) -> None:
    acc, session = _paid(bench, [(BEER, 1)])
    for line, qty, why in ((3, None, "no line 3"), (0, 2, "1 can be disputed")):
        with pytest.raises(disputes.DisputeRefused, match=why):
            disputes.open_dispute(bench.ctx, bench.store, session, acc, line, qty, None)
    disputes.open_dispute(bench.ctx, bench.store, session, acc, 0, 1, None)
    with pytest.raises(disputes.DisputeRefused, match="1 already disputed"):
        disputes.open_dispute(bench.ctx, bench.store, session, acc, 0, 1, None)
    acc2, s2 = _paid(bench, [(BEER, 1)])
    bench.clock.t += 31 * 86400
    with pytest.raises(disputes.DisputeRefused, match="within 30 days"):
        disputes.open_dispute(bench.ctx, bench.store, s2, acc2, 0, 1, None)
    unpaid = bench.shopper(card="pm_card_chargeCustomerFail")
    key = bench.receipt(unpaid, [(BEER, 1)])
    bench.run()
    with pytest.raises(disputes.DisputeRefused, match="payment is declined"):
        disputes.open_dispute(bench.ctx, bench.store, key.rsplit(":", 1)[1], unpaid, 0, 1, None)


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_refund_killed_around_its_call_is_made_once(bench: Bench, when: str) -> None:
    acc, session = _paid(bench, [(BEER, 1)])
    d = disputes.open_dispute(bench.ctx, bench.store, session, acc, 0, 1, None)
    with pytest.raises(Crash):
        bench.run(bench._ctx(Crashing(bench.provider, "refund", when)))
    assert bench.row(RefundRow, f"refund:{d.id}").status == "calling"
    bench.run(bench.restart())
    assert bench.row(DisputeRow, d.id).status == "refunded"
    assert _refunds(bench) == [342]
