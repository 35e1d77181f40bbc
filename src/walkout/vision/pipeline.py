"""Entry points: turn a log with per-camera ``keypoints`` into one with ``tracks``.

This is how the engine and ``walkout eval`` will run on the tracker's tracks
instead of a vendor's or the twin's: the same log, with every ``keypoints``
record replaced by the tracker's ``tracks`` and ``ambiguity`` records, in
arrival order. Other records pass through untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from walkout.domain.store import Camera, Store
from walkout.eventlog.io import LogWriter, read_log
from walkout.eventlog.records import AnyRecord, KeypointFrame, TrackFrame
from walkout.vision.tracker import Stats, Tracker, TrackerParams


def track_log(
    records: Iterable[AnyRecord],
    store: Store,
    params: TrackerParams | None = None,
    cameras: list[Camera] | None = None,
    keep_vendor_tracks: bool = False,
    stats: list[Stats] | None = None,
) -> Iterator[AnyRecord]:
    """The log with keypoints replaced by tracks; a vendor's ``tracks`` records are
    dropped unless ``keep_vendor_tracks`` (the engine should see one tracker)."""
    trk = Tracker(store, params or TrackerParams(), cameras)
    for rec in records:
        if isinstance(rec, KeypointFrame):
            yield from trk.push(rec)
        elif isinstance(rec, TrackFrame) and not keep_vendor_tracks:
            continue
        else:
            yield rec
    yield from trk.flush()
    if stats is not None:
        stats.append(trk.stats)


def track_file(
    src: str | Path, dst: str | Path, store: Store, params: TrackerParams | None = None
) -> Stats:
    """``track_log`` from one log file to another (either encoding)."""
    out: list[Stats] = []
    with LogWriter(dst) as w:
        for rec in track_log(read_log(src), store, params, stats=out):
            w.write(rec)
    return out[0]
