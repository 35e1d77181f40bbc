"""The durable log port. Offsets count records from 0 in log order; an append
returns only once its records are durable (fsync'd, or acknowledged by the
JetStream quorum)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from walkout.eventlog.records import AnyRecord


@dataclass(frozen=True)
class Appended:
    first: int  # offset of the first record written (end of log if none)
    written: int
    duplicates: int  # records seen before (same device and seq): logged once, acknowledged


class DurableLog(Protocol):
    store: str

    def append(self, records: list[AnyRecord]) -> Future[Appended]:
        """Queue records for the next group commit; the future resolves once durable."""
        ...

    def append_then(
        self, records: list[AnyRecord], done: Callable[[Appended | BaseException], None]
    ) -> None:
        """As ``append``, calling ``done`` once durable (or with the error) instead."""
        ...

    def read(self, start: int, max_n: int, timeout: float) -> list[tuple[int, AnyRecord]]:
        """Records from ``start`` on (waiting up to ``timeout`` for new ones)."""
        ...

    def end(self) -> int:
        """The offset the next record will get."""
        ...

    def processed(self, offset: int) -> None:
        """The engine has checkpointed every record before ``offset``."""
        ...

    def purge(self, now: float, retention_s: float, keep_from: int) -> int:
        """Drop raw data older than the retention period, never at or after ``keep_from``."""
        ...

    def close(self) -> None: ...
