"""Signed webhooks: the signature (timestamped, like Stripe's) verifies and
refuses tampering and replays; a failing endpoint is retried with exponential
backoff, each attempt in the delivery log, and given up after the limit."""

from __future__ import annotations

import random

import pytest

from tests.fixtures.webhook_receiver import Receiver
from tests.unit.server.payments.conftest import BEER, Bench
from walkout.server.db.payments import WebhookAttemptRow, WebhookDeliveryRow
from walkout.server.webhooks.sender import WebhookSender, backoff
from walkout.server.webhooks.signing import HEADER, BadSignature, sign, verify


def test_signatures_verify_and_refuse_tampering_and_replays() -> None:
    body = b'{"id":"x"}'
    h = sign("whsec_a", body, 1000.0)
    verify("whsec_a", body, h, now=1010.0)
    for bad_body, secret, now, why in (
        (b'{"id":"y"}', "whsec_a", 1010.0, "no v1 signature matches"),
        (body, "whsec_b", 1010.0, "no v1 signature matches"),
        (body, "whsec_a", 1000.0 + 301, "tolerance"),
    ):
        with pytest.raises(BadSignature, match=why):
            verify(secret, bad_body, h, now=now)
    with pytest.raises(BadSignature, match="needs t= and v1="):
        verify("whsec_a", body, "v1=abc", now=1000.0)


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    for n in range(1, 12):
        d = min(60.0, 1.0 * 2 ** (n - 1))
        assert d / 2 <= backoff(n, 1.0, 60.0, rng) <= d


def _deliveries(b: Bench) -> list[WebhookDeliveryRow]:
    with b.bus.uow() as uow:
        rows = list(uow.db.query(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id))
        for r in rows:
            uow.db.expunge(r)
        return rows


def test_a_receipt_is_delivered_signed_and_retried_until_the_endpoint_answers(bench: Bench) -> None:
    with Receiver() as rx:
        rx.answers.extend([500, 503])
        bench.endpoint(rx.url, ["receipt.finalized"])
        acc = bench.shopper()
        bench.receipt(acc, [(BEER, 2)])
        sender = WebhookSender(bench.ctx, threads=1, rng=random.Random(0))
        try:
            due = [d.id for d in _deliveries(bench)]
            assert len(due) == 1
            assert sender.attempt(due[0]) is False  # 500
            d = _deliveries(bench)[0]
            assert d.status == "pending" and d.attempts == 1 and d.last_code == 500
            wait1 = d.next_at - bench.clock.t
            assert 0.5 <= wait1 <= 1.0
            assert sender.attempt(due[0]) is None  # not due yet
            bench.clock.t = d.next_at
            assert sender.attempt(due[0]) is False  # 503
            d = _deliveries(bench)[0]
            assert 1.0 <= d.next_at - bench.clock.t <= 2.0  # doubled
            bench.clock.t = d.next_at
            assert sender.attempt(due[0]) is True
        finally:
            sender.stop()
        got = rx.wait(3)
        assert [g.headers["Walkout-Event"] for g in got] == ["receipt.finalized"] * 3
        last = got[-1]
        verify("whsec_test", last.body, last.headers[HEADER], now=bench.clock.t)
        data = last.json["data"]
        assert data["account"] == acc and data["receipt"]["total"]["text"] == "$6.84"
        assert data["receipt"]["lines"][0]["name"] == bench.stores[bench.store].products[BEER].name
        with bench.bus.uow() as uow:
            log = [
                (a.n, a.status_code)
                for a in uow.db.query(WebhookAttemptRow).order_by(WebhookAttemptRow.n)
            ]
        assert log == [(1, 500), (2, 503), (3, 200)]  # the delivery log
        assert _deliveries(bench)[0].status == "delivered"


def test_an_endpoint_that_never_answers_is_given_up_after_the_limit(bench: Bench) -> None:
    bench.settings = bench.settings.model_copy(
        update={"webhook_max_attempts": 3, "webhook_timeout_s": 0.5}
    )
    bench.ctx = bench._ctx(bench.provider)
    bench.endpoint("http://127.0.0.1:9/nobody-listens")
    bench.receipt(bench.shopper(), [(BEER, 1)])
    sender = WebhookSender(bench.ctx, threads=1)
    try:
        (did,) = [d.id for d in _deliveries(bench)]
        for _ in range(3):
            bench.clock.t = _deliveries(bench)[0].next_at
            assert sender.attempt(did) is False
    finally:
        sender.stop()
    d = _deliveries(bench)[0]
    assert d.status == "failed" and d.attempts == 3 and "ConnectError" in (d.last_error or "")


def test_the_sender_thread_delivers_at_once(bench: Bench) -> None:
    with Receiver() as rx:
        bench.endpoint(rx.url)
        sender = WebhookSender(bench.ctx, threads=2)
        sender.start()
        try:
            bench.receipt(bench.shopper(), [(BEER, 1)])  # pokes the sender
            got = rx.wait(1, timeout=5)
        finally:
            sender.stop()
        assert len(got) == 1 and got[0].json["type"] == "receipt.finalized"
