"""Age checks: a restricted take opens an ID-check task tied to the session;
each store policy decides the receipt."""

from __future__ import annotations

import pytest

from walkout.operations.config import OpsConfig
from walkout.operations.items import Alert, Task
from walkout.operations.watcher import Operations

from .conftest import event, receipt

ALC = {"C04.1.1": -350.0}


def _ops(shop, policy: str) -> Operations:
    ops = Operations(shop, OpsConfig(age_policy=policy))  # type: ignore[arg-type]
    return ops


def test_restricted_take_opens_one_id_check_per_session(shop) -> None:
    ops = _ops(shop, "charge_on_verification")
    a = ops._output(event("E1", "take", "ALC00001", 1, ALC, 10.0))
    b = ops._output(event("E2", "take", "ALC00001", 1, ALC, 12.0))
    tasks = [x for x in a + b if isinstance(x, Task) and x.kind == "id_check"]
    assert len(tasks) == 1 and tasks[0].data["session"] == "S1"
    assert ops.ages.checks["S1"].items == {"ALC00001": 2}
    assert ops._output(event("E3", "take", "SNK00001", 1, {"G01.1.1": -50.0}, 13.0)) == []


def test_staff_and_unrestricted_takes_open_nothing(shop) -> None:
    ops = _ops(shop, "block_exit")
    got = ops._output(event("E1", "take", "ALC00001", 1, ALC, 10.0, session="ST", staff=True))
    assert not [x for x in got if isinstance(x, Task) and x.kind == "id_check"]


def test_block_exit_holds_the_gate_until_verified(shop) -> None:
    ops = _ops(shop, "block_exit")
    ops._output(event("E1", "take", "ALC00001", 1, ALC, 10.0))
    assert not ops.ages.exit_allowed("S1")
    done = ops.verify_id("S1", True, 20.0)
    assert [x.status for x in done if isinstance(x, Task)] == ["done"]
    assert ops.ages.exit_allowed("S1")
    ops._output(receipt("S1", [("ALC00001", 1)]))
    assert ops.decisions["S1"] == "charge"


def test_block_exit_unverified_leaver_raises_a_critical_alert(shop) -> None:
    ops = _ops(shop, "block_exit")
    ops._output(event("E1", "take", "ALC00001", 1, ALC, 10.0))
    got = ops._output(receipt("S1", [("ALC00001", 1)]))
    assert any(
        isinstance(x, Alert) and x.kind == "id_check_exit" and x.severity == "critical" for x in got
    )


def test_charge_on_verification_holds_the_receipt_then_charges(shop) -> None:
    ops = _ops(shop, "charge_on_verification")
    ops._output(event("E1", "take", "ALC00001", 1, ALC, 10.0))
    ops._output(receipt("S1", [("ALC00001", 1)]))
    assert ops.decisions["S1"] == "hold"
    assert ops.ages.exit_allowed("S1")  # the shopper is not stopped
    ops.verify_id("S1", True, 200.0)
    assert ops.decisions["S1"] == "charge"


@pytest.mark.parametrize("policy", ["charge_on_verification", "remove_item", "block_exit"])
def test_refused_id_removes_the_lines(shop, policy: str) -> None:
    ops = _ops(shop, policy)
    ops._output(event("E1", "take", "ALC00001", 1, ALC, 10.0))
    ops.verify_id("S1", False, 30.0)
    got = ops._output(receipt("S1", [("ALC00001", 1), ("SNK00001", 1)]))
    assert ops.decisions["S1"] == "remove"
    dec = [x for x in got if isinstance(x, Alert) and x.kind == "age_receipt"]
    assert dec and dec[0].data["lines"] == ["ALC00001"]


def test_remove_item_takes_unverified_lines_off(shop) -> None:
    ops = _ops(shop, "remove_item")
    ops._output(event("E1", "take", "ALC00001", 1, ALC, 10.0))
    ops._output(receipt("S1", [("ALC00001", 1)]))
    assert ops.decisions["S1"] == "remove"


def test_no_restricted_item_charges(shop) -> None:
    ops = _ops(shop, "remove_item")
    ops._output(receipt("S9", [("SNK00001", 1)]))
    assert ops.decisions["S9"] == "charge"


def test_log_records_verify_and_change_the_policy(shop) -> None:
    """The server's staff inputs: an id_verification record is verify_id; an
    age_policy record switches the policy from there on. Neither moves the clock."""
    from walkout.eventlog.records import AgePolicySet, IdVerification

    ops = _ops(shop, "block_exit")
    ops._output(event("E1", "take", "ALC00001", 1, ALC, 10.0))
    now = ops.now
    got = ops.apply(
        IdVerification(device="staff:t", t=50.0, session="S1", verified=False, by="t"), []
    )
    assert [x.status for x in got if isinstance(x, Task)] == ["done"] and ops.now == now
    assert ops.ages.exit_allowed("S1")  # refused: checked, the lines come off
    ops.apply(AgePolicySet(device="settings:a", t=60.0, policy="off", by="a"), [])
    assert ops.cfg.age_policy == ops.ages.cfg.age_policy == "off"
    assert ops._output(event("E2", "take", "ALC00001", 1, ALC, 70.0, session="S2")) == []
    ops._output(receipt("S2", [("ALC00001", 1)]))
    assert ops.decisions["S2"] == "charge"


def test_a_review_threshold_record_is_the_engines_not_operations(shop) -> None:
    """Store operations pass over it: neither their clock nor sensor health's moves."""
    from walkout.eventlog.records import ReviewThresholdSet

    ops = _ops(shop, "block_exit")
    ops._output(event("E1", "take", "ALC00001", 1, ALC, 10.0))
    now, health_now = ops.now, ops.health.now
    rec = ReviewThresholdSet(
        device="settings:a", t=(now if now > 0 else 1.8e9) + 3600.0, threshold=0.97, by="a"
    )
    assert ops.apply(rec, []) == [] and (ops.now, ops.health.now) == (now, health_now)
