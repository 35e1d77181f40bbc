"""One AiFi competition session of MongoDB JSON exports into Walkout records.

Inputs (one directory): plate_data.jsonl (load cells), full_targets.jsonl
(tracks), and for the store products.jsonl and planogram.jsonl. Output: a
Header, then one PlateBatch per plate message and one TrackFrame per targets
message, merged in arrival order (Mongo's ``date_time``; ties keep file order,
plates before tracks). Records stream: two passes over plate_data.jsonl (the
first only surveys channels, see ``channels``), one over full_targets.jsonl.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from walkout.domain.store import Store
from walkout.eventlog.records import AnyRecord, Header, PlateBatch, TrackFrame
from walkout.importers.aifi.channels import ChannelPlan
from walkout.importers.aifi.layout import fixture_id
from walkout.importers.aifi.plates import iter_plate_messages
from walkout.importers.aifi.store import STORE_ID, nanostore_with_report
from walkout.importers.aifi.targets import iter_track_frames
from walkout.importers.ordering import merge, reorder
from walkout.importers.report import ImportReport
from walkout.importers.sources import SourceError, count_lines, require_file

REORDER_WINDOW_S = 10.0
STEP_TOLERANCE_S = 0.002


def default_layout(session_dir: Path) -> Path:
    """The sibling ``store_meta`` if there is one, else the shared data's."""
    sibling = session_dir.parent / "store_meta"
    if (sibling / "Gondolas.json").is_file():
        return sibling
    from walkout.paths import aifi_dir

    return aifi_dir() / "store_meta"


class MongoSession:
    """A session ready to stream: ``store`` and ``expected_records`` are known
    at once; ``report`` is complete after ``records()`` is exhausted."""

    def __init__(
        self,
        session_dir: Path,
        layout_dir: Path | None = None,
        *,
        keep_all_channels: bool = False,
        include_overhead_cameras: bool = False,
    ) -> None:
        self.dir = Path(session_dir)
        if not self.dir.is_dir():
            raise SourceError(f"{self.dir}: no such session directory")
        self.plates_path = require_file(self.dir / "plate_data.jsonl")
        self.targets_path = self.dir / "full_targets.jsonl"
        self.layout_dir = Path(layout_dir) if layout_dir else default_layout(self.dir)
        self.report = ImportReport(source="aifi-mongo", layout=str(self.layout_dir))
        store, plan = nanostore_with_report(
            self.layout_dir,
            self.dir,
            keep_all_channels=keep_all_channels,
            include_overhead_cameras=include_overhead_cameras,
            report=self.report,
        )
        assert plan is not None
        self.store: Store = store
        self.plan: ChannelPlan = plan
        self.report.plates = [pid for g in sorted(plan.keep) for pid in plan.plate_ids(g)]
        if not self.targets_path.is_file():
            self.report.warn(f"{self.targets_path}: no such file; the log has no tracks")
        self.expected_records = 1 + count_lines(self.plates_path) + count_lines(self.targets_path)

    def records(self) -> Iterator[AnyRecord]:
        """Header first, then every record in arrival order."""
        streams: list[tuple[Path, Iterator[PlateBatch] | Iterator[TrackFrame]]] = [
            (self.plates_path, self._plate_batches())
        ]
        if self.targets_path.is_file():
            streams.append((self.targets_path, self._track_frames()))
        ordered = [
            reorder(s, _arrival, REORDER_WINDOW_S, what=f"{path}: message") for path, s in streams
        ]
        merged = merge(ordered, _arrival)
        first = next(merged, None)
        if first is None:
            raise SourceError(f"{self.plates_path}: no plate messages")
        yield Header(
            store=STORE_ID,
            source="aifi",
            start=round(first.t, 6),
            meta={
                "session": self.dir.name,
                "importer": "walkout.importers.aifi.mongo",
                "plate_clock": "t_origin",
                "layout": self.layout_dir.name,
            },
        )
        self.report.records["header"] += 1
        for rec in _chain(first, merged):
            self.report.saw(rec.kind, rec.t)
            if isinstance(rec, PlateBatch):
                self.report.samples += int(rec.grams.size)
            yield rec

    def _plate_batches(self) -> Iterator[PlateBatch]:
        last: dict[int, float] = {}
        seq: dict[int, int] = {}
        irregular: dict[int, int] = {}
        lags: list[float] = []
        ids = {g: self.plan.plate_ids(g) for g in self.plan.keep}
        for msg in iter_plate_messages(self.plates_path):
            cols = self.plan.keep.get(msg.gondola)
            if not cols:
                continue
            n, shelves, plates = msg.data.shape
            grams = np.full((n, len(cols)), np.nan)
            for j, (s, p) in enumerate(cols):
                if s < shelves and p < plates:
                    grams[:, j] = msg.data[:, s, p]
            step = n / msg.rate_hz
            if msg.gondola in last and abs(msg.t - last[msg.gondola] - step) > STEP_TOLERANCE_S:
                irregular[msg.gondola] = irregular.get(msg.gondola, 0) + 1
            last[msg.gondola] = msg.t
            if msg.t_issue is not None:
                lags.append(msg.t_issue - msg.t)
            k = seq.get(msg.gondola, 0)
            seq[msg.gondola] = k + 1
            yield PlateBatch(
                device=fixture_id(msg.gondola),
                t=msg.t,
                rx=msg.rx,
                seq=k,
                rate_hz=msg.rate_hz,
                plates=ids[msg.gondola],
                grams=grams,
            )
        for g, count in sorted(irregular.items()):
            self.report.warn(
                f"{fixture_id(g)}: {count} plate messages do not start one batch after the previous (gaps or overlaps)"
            )
        if lags:
            lag = np.asarray(lags)
            self.report.warn(
                f"plate clocks: t_issue follows t_origin by {np.median(lag) * 1e3:.0f} ms "
                f"(range {lag.min() * 1e3:.0f}-{lag.max() * 1e3:.0f} ms); t is t_origin"
            )

    def _track_frames(self) -> Iterator[TrackFrame]:
        yield from iter_track_frames(self.targets_path, self.report)


def _arrival(rec: PlateBatch | TrackFrame) -> float:
    return rec.rx if rec.rx is not None else rec.t


def _chain(first: AnyRecord, rest: Iterator[AnyRecord]) -> Iterator[AnyRecord]:
    yield first
    yield from rest


def import_mongo_session(
    session_dir: Path, layout_dir: Path | None = None, **options: bool
) -> MongoSession:
    return MongoSession(session_dir, layout_dir, **options)
