"""Records to plain objects and back, rounded to the log's resolution.

Both encodings (JSON Lines and binary) carry exactly these objects, so a log
converts between them without loss and the same run gives the same bytes.
Resolution: times 1 us, grams 0.01 g, positions 1 mm, pixels 0.1 px, scores 0.01.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import ValidationError

from walkout.eventlog.records import (
    RECORD_ADAPTER,
    AgePolicySet,
    Ambiguity,
    AnyRecord,
    GateEntry,
    GatePass,
    Header,
    IdVerification,
    KeypointFrame,
    PlateBatch,
    Recognition,
    ReviewThresholdSet,
    RfidRead,
    ShelfLabel,
    TrackFrame,
)


class RecordError(ValueError):
    """A record that does not fit the format; ``str()`` says which field and why."""


def _t(x: float) -> float:
    return round(float(x), 6) + 0.0


def _base(rec: Any, kind: str) -> dict[str, Any]:
    obj: dict[str, Any] = {"kind": kind, "device": rec.device, "t": _t(rec.t)}
    if rec.rx is not None:
        obj["rx"] = _t(rec.rx)
    if rec.seq is not None:
        obj["seq"] = rec.seq
    return obj


def to_obj(rec: AnyRecord) -> dict[str, Any]:
    """Canonical plain form. ``grams`` stays a numpy array (rounded) for speed."""
    if isinstance(rec, PlateBatch):
        obj = _base(rec, "plates")
        obj["rate_hz"] = float(rec.rate_hz)
        obj["plates"] = list(rec.plates)
        obj["grams"] = np.round(rec.grams, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
        return obj
    if isinstance(rec, TrackFrame):
        obj = _base(rec, "tracks")
        obj["people"] = [
            {
                "id": p.id,
                "joints": {
                    name: [
                        round(float(j[0]), 3) + 0.0,
                        round(float(j[1]), 3) + 0.0,
                        round(float(j[2]), 3) + 0.0,
                        round(float(j[3]), 2) + 0.0,
                    ]
                    for name, j in p.joints.items()
                },
            }
            for p in rec.people
        ]
        return obj
    if isinstance(rec, GateEntry):
        obj = _base(rec, "entry")
        obj["credential"] = {"kind": rec.credential.kind, "token": rec.credential.token}
        obj["admits"] = rec.admits
        return obj
    if isinstance(rec, GatePass):
        obj = _base(rec, "pass")
        obj["direction"] = rec.direction
        return obj
    if isinstance(rec, RfidRead):
        obj = _base(rec, "rfid")
        obj["tags"] = [
            {"epc": tg.epc}
            if tg.rssi is None
            else {"epc": tg.epc, "rssi": round(float(tg.rssi), 2)}
            for tg in rec.tags
        ]
        return obj
    if isinstance(rec, Recognition):
        obj = _base(rec, "recognition")
        if rec.track is not None:
            obj["track"] = rec.track
        if rec.hand is not None:
            obj["hand"] = rec.hand
        obj["top"] = [[sku, round(float(s), 3)] for sku, s in rec.top]
        return obj
    if isinstance(rec, KeypointFrame):
        obj = _base(rec, "keypoints")
        obj["people"] = round_keypoints(rec.people)
        return obj
    if isinstance(rec, Ambiguity):
        obj = _base(rec, "ambiguity")
        obj["tracks"] = list(rec.tracks)
        obj["t_start"] = _t(rec.t_start)
        obj["t_end"] = None if rec.t_end is None else _t(rec.t_end)
        obj["min_distance_m"] = round(float(rec.min_distance_m), 3) + 0.0
        return obj
    if isinstance(rec, IdVerification):
        obj = _base(rec, "id_verification")
        obj.update(session=rec.session, verified=rec.verified, by=rec.by)
        if rec.task is not None:
            obj["task"] = rec.task
        return obj
    if isinstance(rec, AgePolicySet):
        obj = _base(rec, "age_policy")
        obj.update(policy=rec.policy, by=rec.by)
        return obj
    if isinstance(rec, ReviewThresholdSet):
        obj = _base(rec, "review_threshold")
        obj.update(threshold=round(float(rec.threshold), 6) + 0.0, by=rec.by)
        return obj
    if isinstance(rec, ShelfLabel):
        obj = _base(rec, "shelf_label")
        obj.update(event=rec.event, moves=[list(m) for m in rec.moves], by=rec.by)
        return obj
    if isinstance(rec, Header):
        return rec.model_dump(mode="json")
    raise TypeError(f"not a log record: {type(rec).__name__}")


def round_keypoints(people: np.ndarray) -> np.ndarray:
    """(n, 17, 3) keypoints at the log's resolution: pixels 0.1 px, scores 0.01."""
    a = np.asarray(people, dtype=np.float64).reshape(-1, 17, 3)
    out = np.empty_like(a)
    out[..., :2] = np.round(a[..., :2], 1)
    out[..., 2] = np.round(a[..., 2], 2)
    return out + 0.0


def from_obj(obj: Any) -> AnyRecord:
    """Validate a plain object into a record; raise RecordError naming the field."""
    if not isinstance(obj, dict):
        raise RecordError(f"a record must be an object, got {type(obj).__name__}")
    if "kind" not in obj:
        raise RecordError("record has no 'kind'")
    try:
        return RECORD_ADAPTER.validate_python(obj)
    except ValidationError as e:
        raise RecordError(describe_validation_error(e)) from None


def describe_validation_error(e: ValidationError, limit: int = 5) -> str:
    parts = []
    for err in e.errors()[:limit]:
        loc = ".".join(str(x) for x in err["loc"])
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    more = len(e.errors()) - limit
    if more > 0:
        parts.append(f"... and {more} more")
    return "; ".join(parts)
