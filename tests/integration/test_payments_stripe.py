"""Payments against localstripe (started here, on a free loopback port) through
the official ``stripe`` library, on SQLite and on the real PostgreSQL: cards,
declines, the hold and its void, refunds, and the charging step killed with
SIGKILL before and after the provider call, restarted, charging exactly once.
localstripe ignores idempotency keys, so only our own records prevent a double
charge here."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("localstripe", reason="localstripe is not installed (pip install -e '.[test]')")
import stripe

from tests.fixtures.localstripe_server import ROOT, localstripe
from tests.integration.test_server_postgres import pg_url  # noqa: F401 (the fixture)
from tests.unit.server.conftest import Clock
from tests.unit.server.payments.conftest import BEER, Bench, settings
from walkout.server.accounts import gate, shoppers
from walkout.server.db.payments import HoldRow
from walkout.server.payments import charges, disputes
from walkout.server.payments.policy import set_policy
from walkout.server.payments.port import CardDeclined, ProviderError
from walkout.server.payments.stripe_adapter import StripeProvider
from walkout.server.service.events import SessionOpened

KEY = "sk_test_walkout"


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with localstripe() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str | None:
    """None: the unit tests' SQLite; else a fresh PostgreSQL database (skips when down)."""
    return None if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))


@pytest.fixture
def bench(tmp_path: Path, api: str, db_url: str | None) -> Iterator[Bench]:
    b = Bench(
        tmp_path, StripeProvider(KEY, api), Clock(time.time()), settings(tmp_path), db_url=db_url
    )  # type: ignore[arg-type]
    yield b
    b.db.dispose()


def _client(api: str) -> stripe.StripeClient:
    return stripe.StripeClient(KEY, base_addresses={"api": api}, max_network_retries=0)


def _card(api: str, number: str) -> str:
    """What the shopper's app does with Stripe's SDK: a payment method for the card."""
    pm = _client(api).v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    return str(pm.id)


def _money_taken(api: str, walkout_key: str) -> list[tuple[str, str, int]]:
    """Payment intents at the provider for this key that took money."""
    out = []
    for pi in _client(api).v1.payment_intents.list(params={"limit": 100}).auto_paging_iter():
        if (pi.metadata.to_dict() if pi.metadata else {}).get(
            "walkout_key"
        ) == walkout_key and pi.status == "succeeded":
            out.append((pi.id, pi.status, pi.amount))
    return out


def _shopper(b: Bench, api: str, number: str = "4242424242424242") -> str:
    acc, _ = shoppers.sign_up(b.ctx, b.store, None)
    shoppers.add_card(b.ctx, acc.id, None, _card(api, number))
    return acc.id


def test_charge_decline_and_refund_at_localstripe(bench: Bench, api: str) -> None:
    acc = _shopper(bench, api)
    key = bench.receipt(acc, [(BEER, 2)])
    bench.run()
    c = bench.charge(key)
    assert c.status == "succeeded" and _money_taken(api, key) == [(c.intent_id, "succeeded", 684)]
    d = disputes.open_dispute(bench.ctx, bench.store, key.rsplit(":", 1)[1], acc, 0, 1, None)
    bench.run()
    refunds = list(
        _client(api).v1.refunds.list(params={"payment_intent": c.intent_id}).auto_paging_iter()
    )
    assert [r.amount for r in refunds] == [d.amount] == [342]
    bad = _shopper(bench, api, "4000000000000341")  # attaches, declines when charged
    key2 = bench.receipt(bad, [(BEER, 1)])
    bench.run()
    assert bench.charge(key2).status == "declined" and _money_taken(api, key2) == []
    acc3, _ = shoppers.sign_up(bench.ctx, bench.store, None)
    with pytest.raises(CardDeclined):
        shoppers.add_card(
            bench.ctx, acc3.id, None, _card(api, "4000000000000002")
        )  # declined on attach


def _confirm_setup(api: str, setup: str, number: str) -> None:
    """What Stripe.js does in the shopper's browser with the typed card."""
    _client(api).v1.setup_intents.confirm(
        setup,
        params={
            "payment_method_data": {
                "type": "card",
                "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
            }
        },
    )


def test_card_saved_through_a_setup_intent(bench: Bench, api: str) -> None:
    acc, _ = shoppers.sign_up(bench.ctx, bench.store, None)
    st = shoppers.start_card_setup(bench.ctx, acc.id, None)
    with pytest.raises(ProviderError, match="not confirmed"):
        shoppers.add_card(bench.ctx, acc.id, None, None, setup=st.id)
    _confirm_setup(api, st.id, "4242424242424242")
    row = shoppers.add_card(bench.ctx, acc.id, None, None, setup=st.id)
    customer = shoppers.customer_of(bench.ctx, acc.id, None)
    at_stripe = _client(api).v1.payment_methods.list(params={"customer": customer, "type": "card"})
    assert [m.id for m in at_stripe.data] == [row.provider_id] and row.last4 == "4242"
    other, _ = shoppers.sign_up(bench.ctx, bench.store, None)
    with pytest.raises(ProviderError, match="no card setup") as e:
        shoppers.add_card(bench.ctx, other.id, None, None, setup=st.id)
    assert e.value.code == "not_found"
    declined = shoppers.start_card_setup(bench.ctx, other.id, None)
    with pytest.raises(stripe.CardError):
        _confirm_setup(api, declined.id, "4000000000000002")
    with pytest.raises(ProviderError, match="not confirmed"):
        shoppers.add_card(bench.ctx, other.id, None, None, setup=declined.id)
    assert shoppers.cards(bench.ctx, other.id) == []


def test_hold_placed_at_entry_and_voided_when_nothing_is_bought(bench: Bench, api: str) -> None:
    with bench.bus.uow() as uow:
        set_policy(uow, bench.store, bench.settings, "admin", hold_amount=1500)
    acc = _shopper(bench, api)
    code, _ = shoppers.issue_code(bench.ctx, bench.store, acc, 1)
    d = gate.decide(bench.ctx, bench.ingestor, bench.store, "entry-1", "qr", code, None)
    assert d.decision == "admit"
    hold = bench.row(HoldRow, d.hold)
    assert _client(api).v1.payment_intents.retrieve(hold.intent_id).status == "requires_capture"
    charges.on_session_opened(
        bench.ctx,
        SessionOpened(store=bench.store, session=f"V{bench._prefix}", token=d.token, t_enter=0),
    )
    bench.receipt(acc, [], session=f"V{bench._prefix}")
    bench.run()
    assert bench.row(HoldRow, d.hold).status == "voided"
    assert _client(api).v1.payment_intents.retrieve(hold.intent_id).status == "canceled"


def _kill_child(bench: Bench, api: str, method: str, when: str) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.charge_child",
            bench.db_url or "",
            api,
            method,
            when,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]


@pytest.mark.parametrize("when", ["before", "after"])
def test_charging_killed_around_the_call_charges_once(bench: Bench, api: str, when: str) -> None:
    acc = _shopper(bench, api)
    key = bench.receipt(acc, [(BEER, 3)])
    _kill_child(bench, api, "authorize", when)
    c = bench.charge(key)
    assert c.status == "calling" and c.provider_calls == 1
    assert len(_money_taken(api, key)) == (1 if when == "after" else 0)
    bench.run(bench.restart())
    c = bench.charge(key)
    assert c.status == "succeeded"
    assert _money_taken(api, key) == [(c.intent_id, "succeeded", c.amount)]  # exactly one charge
    bench.run(bench.restart())
    assert len(_money_taken(api, key)) == 1


@pytest.mark.parametrize("when", ["before", "after"])
def test_refund_killed_around_the_call_refunds_once(bench: Bench, api: str, when: str) -> None:
    acc = _shopper(bench, api)
    key = bench.receipt(acc, [(BEER, 1)])
    bench.run()
    c = bench.charge(key)
    disputes.open_dispute(bench.ctx, bench.store, key.rsplit(":", 1)[1], acc, 0, 1, None)
    _kill_child(bench, api, "refund", when)
    bench.run(bench.restart())
    refunds = list(
        _client(api).v1.refunds.list(params={"payment_intent": c.intent_id}).auto_paging_iter()
    )
    assert [r.amount for r in refunds] == [c.amount]


def test_empty_postgres_upgrades_to_head_and_matches_the_models(
    request: pytest.FixtureRequest,
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import inspect

    from tests.unit.server.payments.test_migrations_head import PAYMENT_TABLES
    from walkout.server.db.database import make_engine, migrate
    from walkout.server.db.models import Base

    eng = make_engine(str(request.getfixturevalue("pg_url")))
    try:
        migrate(eng)
        migrate(eng)
        assert set(inspect(eng).get_table_names()) >= PAYMENT_TABLES
        with eng.connect() as c:
            assert compare_metadata(MigrationContext.configure(c), Base.metadata) == []
    finally:
        eng.dispose()
