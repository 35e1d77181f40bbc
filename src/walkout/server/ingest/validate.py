"""Every record is checked against the event log's pydantic models before it
is logged; a bad one gets a reason that names what is wrong."""

from __future__ import annotations

from typing import Any

import orjson

from walkout.eventlog import binary
from walkout.eventlog.codec import RecordError, from_obj
from walkout.eventlog.jsonl import LogError
from walkout.eventlog.records import STAFF_KINDS, AnyRecord, Header

DEVICE_KINDS = (
    "plates",
    "tracks",
    "entry",
    "pass",
    "rfid",
    "recognition",
    "keypoints",
    "ambiguity",
)


class Rejected(ValueError):
    """A record refused; ``str()`` is the reason a device or its operator reads."""


def parse_json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise Rejected(f"not JSON: {e}") from None


def parse_binary(raw: bytes) -> list[Any]:
    """A gateway's binary batch (``walkout.eventlog.binary.encode_records``) as plain
    records, each still to be checked."""
    try:
        return binary.decode_objects(raw, "binary batch")
    except LogError as e:
        raise Rejected(str(e)) from None


def check_record(
    obj: Any,
    now: float,
    kind: str | None = None,
    device: str | None = None,
) -> AnyRecord:
    """A device's record, validated; ``rx`` (arrival, store clock) stamped if absent.
    ``kind`` and ``device`` are what the MQTT topic says the record must be."""
    if isinstance(obj, dict) and obj.get("kind") == "header":
        raise Rejected("header records are written by the server, not sent by devices")
    if isinstance(obj, dict) and obj.get("kind") in STAFF_KINDS:
        raise Rejected(
            f"{obj['kind']} records are written by the server for staff, not sent by devices"
        )
    try:
        rec = from_obj(obj)
    except RecordError as e:
        k = obj.get("kind") if isinstance(obj, dict) else None
        raise Rejected(f"bad {k} record: {e}" if k else str(e)) from None
    assert not isinstance(rec, Header)
    if kind is not None and rec.kind != kind:
        raise Rejected(f"a {rec.kind!r} record on a {kind!r} topic")
    if device is not None and rec.device != device:
        raise Rejected(f"record from device {rec.device!r} on device {device!r}'s topic")
    if rec.rx is None:
        rec = rec.model_copy(update={"rx": round(now, 6)})
    return rec
