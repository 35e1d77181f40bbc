"""Send records to a server over HTTP, as a device gateway would: in batches,
retrying a batch until the server has it durably (a retried batch is logged
once: the server drops what it already has by device and seq). Used by
``walkout demo``, the benchmarks and the crash tests."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import orjson

from walkout.eventlog.codec import to_obj
from walkout.eventlog.records import AnyRecord, Header

_OPTS = orjson.OPT_SERIALIZE_NUMPY


def encode_batch(records: list[AnyRecord]) -> bytes:
    return orjson.dumps([to_obj(r) for r in records], option=_OPTS)


def encode_one(record: AnyRecord) -> bytes:
    return orjson.dumps(to_obj(record), option=_OPTS)


def batches(records: Iterable[AnyRecord], size: int) -> Iterator[list[AnyRecord]]:
    """Device records in batches (a log's header is the server's own business)."""
    out: list[AnyRecord] = []
    for r in records:
        if isinstance(r, Header):
            continue
        out.append(r)
        if len(out) >= size:
            yield out
            out = []
    if out:
        yield out


class Feeder:
    def __init__(self, base_url: str, store: str, token: str, timeout: float = 30.0):
        self.url = f"{base_url.rstrip('/')}/api/stores/{store}/records"
        self.http = httpx.Client(timeout=timeout, headers={"Authorization": f"Bearer {token}"})
        self.sent = 0
        self.duplicates = 0
        self.retries = 0

    def send(self, batch: list[AnyRecord], give_up_s: float = 120.0) -> dict[str, Any]:
        body = encode_batch(batch)
        t0 = time.monotonic()
        while True:
            try:
                r = self.http.post(
                    self.url, content=body, headers={"Content-Type": "application/json"}
                )
                if r.status_code in (202, 422):
                    res: dict[str, Any] = r.json()
                    if res["refused"]:
                        raise ValueError(f"server refused records: {res['refused'][:3]}")
                    self.sent += res["accepted"]
                    self.duplicates += res["duplicates"]
                    return res
                if r.status_code < 500:
                    raise ValueError(f"server answered {r.status_code}: {r.text[:300]}")
            except httpx.TransportError:
                pass  # the server is down or restarting: keep the batch and try again
            self.retries += 1
            if time.monotonic() - t0 > give_up_s:
                raise TimeoutError(f"{self.url}: no answer for {give_up_s:.0f} s")
            time.sleep(0.1)

    def close(self) -> None:
        self.http.close()
