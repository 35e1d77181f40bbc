"""JSON Lines encoding: one record per line, human-readable, for small runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

import orjson

from walkout.eventlog.codec import RecordError, from_obj, to_obj
from walkout.eventlog.records import AnyRecord

_OPTS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE


def encode(rec: AnyRecord) -> bytes:
    return orjson.dumps(to_obj(rec), option=_OPTS)


class LogError(ValueError):
    """A log that cannot be read; names the file and the record."""


def iter_records(fh: IO[bytes], name: str) -> Iterator[AnyRecord]:
    for lineno, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            raise LogError(f"{name}:{lineno}: not JSON ({e})") from None
        try:
            yield from_obj(obj)
        except RecordError as e:
            kind = obj.get("kind") if isinstance(obj, dict) else None
            raise LogError(
                f"{name}:{lineno}: bad {kind or ''} record: {e}".replace("  ", " ")
            ) from None
