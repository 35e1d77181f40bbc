"""Open a log by its file name: ``*.jsonl`` is JSON Lines, ``*.wlog`` binary."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

from walkout.eventlog import binary, jsonl
from walkout.eventlog.jsonl import LogError
from walkout.eventlog.records import AnyRecord, Header

SUFFIXES = {".jsonl": "jsonl", ".wlog": "binary"}


def encoding_of(path: str | Path) -> str:
    suffix = Path(path).suffix
    if suffix not in SUFFIXES:
        raise LogError(f"{path}: unknown log encoding {suffix!r}; use .jsonl or .wlog")
    return SUFFIXES[suffix]


class LogWriter:
    """Writes records in the order given (which must be arrival order)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.encoding = encoding_of(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._bin = binary.BinaryWriter(self._fh) if self.encoding == "binary" else None
        self.count = 0

    def write(self, rec: AnyRecord) -> None:
        if self._bin is not None:
            self._bin.write(rec)
        else:
            self._fh.write(jsonl.encode(rec))
        self.count += 1

    def write_all(self, records: Iterable[AnyRecord]) -> None:
        for r in records:
            self.write(r)

    def close(self) -> None:
        if self._bin is not None:
            self._bin.close()
        self._fh.close()

    def __enter__(self) -> LogWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def read_log(path: str | Path) -> Iterator[AnyRecord]:
    """Stream a log's records one at a time, header first."""
    p = Path(path)
    enc = encoding_of(p)
    if not p.is_file():
        raise LogError(f"{p}: no such log file")
    with open(p, "rb") as fh:
        it = binary.iter_records(fh, str(p)) if enc == "binary" else jsonl.iter_records(fh, str(p))
        first = True
        for rec in it:
            if first and not isinstance(rec, Header):
                raise LogError(f"{p}: the first record must be a header, got {rec.kind!r}")
            first = False
            yield rec


def read_header(path: str | Path) -> Header:
    for rec in read_log(path):
        assert isinstance(rec, Header)
        return rec
    raise LogError(f"{path}: empty log")
