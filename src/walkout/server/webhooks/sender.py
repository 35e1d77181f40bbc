"""Deliver webhooks: POST the JSON payload, signed, to the endpoint; a 2xx is
delivered, anything else (or no answer) is retried with exponential backoff
and jitter until ``webhook_max_attempts``, then the delivery is failed. Every
attempt is logged (the delivery log). Delivery is at least once: receivers
drop repeats by the payload's ``id``."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson
from sqlalchemy import select, update

from walkout.server.db.payments import WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow
from walkout.server.logs import log
from walkout.server.payments.context import PaymentsContext
from walkout.server.webhooks.signing import HEADER, sign


def backoff(attempts: int, base: float, cap: float, rng: random.Random) -> float:
    """After the n-th failed attempt: base * 2**(n-1), capped, with 'equal jitter'."""
    d = min(cap, base * 2 ** max(0, attempts - 1))
    return d / 2 + rng.random() * d / 2


class WebhookSender:
    def __init__(self, ctx: PaymentsContext, threads: int = 4, rng: random.Random | None = None):
        self.ctx = ctx
        self.rng = rng or random.Random()
        self.http = httpx.Client(timeout=ctx.settings.webhook_timeout_s)
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="webhook")
        self._busy: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.ctx.wake_webhooks.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.http.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.ctx.wake_webhooks.clear()
            try:
                n = self.dispatch()
            except Exception:  # the sender must outlive a database hiccup
                log.exception("webhook dispatch failed")
                n = 0
            if not n:
                self.ctx.wake_webhooks.wait(0.5)

    def due(self, limit: int = 100) -> list[int]:
        now = self.ctx.now()
        with self.ctx.uow() as uow:
            return list(
                uow.db.scalars(
                    select(WebhookDeliveryRow.id)
                    .where(
                        WebhookDeliveryRow.status == "pending", WebhookDeliveryRow.next_at <= now
                    )
                    .order_by(WebhookDeliveryRow.next_at, WebhookDeliveryRow.id)
                    .limit(limit)
                )
            )

    def dispatch(self) -> int:
        """Hand due deliveries to the pool; returns how many were started."""
        n = 0
        for did in self.due():
            with self._lock:
                if did in self._busy:
                    continue
                self._busy.add(did)
            self.pool.submit(self._run, did)
            n += 1
        return n

    def _run(self, did: int) -> None:
        try:
            self.attempt(did)
        except Exception:
            log.exception("webhook attempt failed", delivery=did)
        finally:
            with self._lock:
                self._busy.discard(did)

    def attempt(self, did: int) -> bool | None:
        """One try at one delivery (None: not due, or another worker has it)."""
        s = self.ctx.settings
        now = self.ctx.now()
        with self.ctx.uow() as uow:
            res = uow.db.execute(
                update(WebhookDeliveryRow)
                .where(
                    WebhookDeliveryRow.id == did,
                    WebhookDeliveryRow.status == "pending",
                    WebhookDeliveryRow.next_at <= now,
                )
                .values(next_at=now + s.webhook_timeout_s + 5)  # a lease while we try
            )
            if res.rowcount != 1:  # type: ignore[attr-defined]
                return None
            uow.commit()
            d = uow.get(WebhookDeliveryRow, did)
            ep = uow.get(WebhookEndpointRow, d.endpoint_id)
            url, secret, payload = ep.url, ep.secret, d.payload
        body = orjson.dumps(payload)
        code: int | None = None
        error: str | None = None
        t0 = time.perf_counter()
        try:
            r = self.http.post(
                url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    HEADER: sign(secret, body, self.ctx.now()),
                    "Walkout-Event": payload["type"],
                    "Walkout-Delivery": str(did),
                },
            )
            code = r.status_code
            if not 200 <= code < 300:
                error = f"answered {code}: {r.text[:200]}"
        except httpx.HTTPError as e:
            error = f"{type(e).__name__}: {e}"[:500]
        ms = (time.perf_counter() - t0) * 1000
        ok = error is None
        now = self.ctx.now()
        with self.ctx.uow() as uow:
            d = uow.get(WebhookDeliveryRow, did)
            d.attempts += 1
            d.last_code, d.last_error = code, error
            uow.db.add(
                WebhookAttemptRow(
                    delivery_id=did, n=d.attempts, t=now, status_code=code, error=error, ms=ms
                )
            )
            if ok:
                d.status, d.delivered_at = "delivered", now
            elif d.attempts >= s.webhook_max_attempts:
                d.status = "failed"
                log.warning("webhook given up", delivery=did, url=url, error=error)
            else:
                d.next_at = now + backoff(
                    d.attempts, s.webhook_backoff_s, s.webhook_backoff_max_s, self.rng
                )
            uow.commit()
        return ok
