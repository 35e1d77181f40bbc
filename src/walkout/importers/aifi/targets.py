"""Shopper tracks from full_targets.jsonl.

Each line is one tracker frame (~15 Hz): ``document.targets.targets[]``, one
entry per person, with 3-D keypoints. Quirks, and what is done:

* Points are in INCHES, not metres as the data README says: the shopper's
  head is at z = 66-69, and the hand that takes the water from G1.5.11
  reaches x = 41-49, z = 53 (1.04-1.24 m, 1.35 m: shelf 5 of gondola 1).
  Converted to metres.
* ``hands`` repeats the wrists (same points); each hand becomes ``l_hand`` or
  ``r_hand`` by the nearer wrist, pairing both hands at once when there are
  two.
* protobuf JSON leaves out zero fields: a joint the tracker did not see is an
  empty object (left out); a missing coordinate of a seen point is 0.
* A frame without ``targets`` is a frame with nobody in view: an empty frame.
* ``t_origin`` equals ``t_issue``; Mongo's ``date_time`` is 2.2-2.4 s later
  (the tracker's latency: the hand is at the shelf when the weight drops, by
  ``t``) and a few ms out of order; ``rx`` keeps it as recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from walkout.eventlog.records import TrackedPerson, TrackFrame
from walkout.importers.aifi.units import INCH, epoch
from walkout.importers.report import ImportReport
from walkout.importers.sources import SourceError, at, dig, iter_json_lines, number

DEVICE = "tracker"
BODY = ("head", "neck", "l_shoulder", "r_shoulder", "l_elbow", "r_elbow", "l_wrist", "r_wrist")
Joint4 = tuple[float, float, float, float]


def iter_track_frames(path: Path, report: ImportReport) -> Iterator[TrackFrame]:
    for lineno, doc in iter_json_lines(path):
        yield decode_track_frame(doc, at(path, lineno), report)


def decode_track_frame(doc: Any, where: str, report: ImportReport) -> TrackFrame:
    if not isinstance(doc, dict):
        raise SourceError(f"{where}: a targets message must be an object")
    header = dig(doc, "document.header", where)
    if "t_origin" in header:
        t = epoch(header["t_origin"], "t_origin", where)
    elif "t_issue" in header:
        t = epoch(header["t_issue"], "t_issue", where)
    else:
        t = epoch(dig(doc, "timestamp", where), "timestamp", where)
    rx = epoch(doc["date_time"], "date_time", where) if "date_time" in doc else None
    targets = dig(doc, "document.targets", where, {}).get("targets", [])
    if not isinstance(targets, list):
        raise SourceError(f"{where}: document.targets.targets must be a list")
    people = [_person(x, f"{where}: targets[{i}]", report) for i, x in enumerate(targets)]
    return TrackFrame(device=DEVICE, t=t, rx=rx, people=people)


def _person(x: Any, where: str, report: ImportReport) -> TrackedPerson:
    if not isinstance(x, dict):
        raise SourceError(f"{where}: a target must be an object")
    pid = str(dig(x, "target_id.id", where))
    joints: dict[str, Joint4] = {}
    for name in BODY:
        j = _joint(x.get(name), f"{where}.{name}")
        if j is not None:
            joints[name] = j
    hands = [
        h
        for h in (_joint(h, f"{where}.hands[{i}]") for i, h in enumerate(x.get("hands") or []))
        if h
    ]
    joints.update(_assign_hands(hands, joints, where, report))
    return TrackedPerson(id=pid, joints=joints)  # type: ignore[arg-type]


def _joint(obj: Any, where: str) -> Joint4 | None:
    if not isinstance(obj, dict):
        return None
    point = obj.get("point") or {}
    if not isinstance(point, dict) or not point:
        return None
    xyz = [number(point.get(k, 0.0), f"point.{k}", where) * INCH for k in "xyz"]
    score = number(obj.get("score", 0.0), "score", where)
    return (xyz[0], xyz[1], xyz[2], score)


def _assign_hands(
    hands: list[Joint4], joints: dict[str, Joint4], where: str, report: ImportReport
) -> dict[str, Joint4]:
    wrists = {side: joints[f"{side}_wrist"] for side in ("l", "r") if f"{side}_wrist" in joints}
    if not hands:
        return {}
    if not wrists:
        report.warn(f"{where}: hands without wrists cannot be told left from right; left out")
        return {}
    if len(hands) > 2:
        report.warn(f"{where}: {len(hands)} hands for one person; kept the two nearest the wrists")

    def dist(h: Joint4, side: str) -> float:
        return (
            float(np.linalg.norm(np.subtract(h[:3], wrists[side][:3])))
            if side in wrists
            else np.inf
        )

    best: dict[str, Joint4] = {}
    if len(hands) >= 2 and len(wrists) == 2:
        pairs = [(dist(a, "l") + dist(b, "r"), a, b) for a in hands for b in hands if a is not b]
        _, left, right = min(pairs, key=lambda p: p[0])
        return {"l_hand": left, "r_hand": right}
    for h in hands:
        side = min(wrists, key=lambda s: dist(h, s))
        if f"{side}_hand" not in best or dist(h, side) < dist(best[f"{side}_hand"], side):
            best[f"{side}_hand"] = h
    return best
