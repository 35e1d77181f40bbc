"""BENCHMARK-1's Mongo exports as a Walkout log."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from walkout.eventlog import AnyRecord, Header, PlateBatch, TrackFrame
from walkout.importers.aifi.mongo import MongoSession


def _batches(records: list[AnyRecord]) -> list[PlateBatch]:
    return [r for r in records if isinstance(r, PlateBatch)]


def _frames(records: list[AnyRecord]) -> list[TrackFrame]:
    return [r for r in records if isinstance(r, TrackFrame)]


def test_header_and_counts(b1_records: list[AnyRecord]) -> None:
    header = b1_records[0]
    assert isinstance(header, Header)
    assert (header.source, header.store) == ("aifi", "nanostore")
    assert header.start == pytest.approx(1587531996.859)  # the first record to arrive
    assert len(_batches(b1_records)) == 344
    assert len(_frames(b1_records)) == 291
    assert {b.device for b in _batches(b1_records)} == {"G1", "G2", "G3", "G4"}
    assert {b.rate_hz for b in _batches(b1_records)} == {60.0}


def test_arrival_order(b1_records: list[AnyRecord]) -> None:
    rx = [r.rx for r in b1_records[1:]]
    assert all(x is not None for x in rx)
    assert all(a <= b for a, b in itertools.pairwise(rx))


def test_plate_batches_tile_the_controller_clock(b1_records: list[AnyRecord]) -> None:
    g1 = [b for b in _batches(b1_records) if b.device == "G1"]
    steps = np.diff([b.t for b in g1])
    assert steps == pytest.approx(0.2, abs=1e-4)
    assert [b.seq for b in g1] == list(range(len(g1)))
    assert all(b.plates == g1[0].plates for b in g1)
    assert "G1.4.13" not in g1[0].plates  # a frozen ghost channel


def test_water_leaves_g1_5_11(b1_records: list[AnyRecord]) -> None:
    start = b1_records[0].t if not isinstance(b1_records[0], Header) else b1_records[0].start
    g1 = [b for b in _batches(b1_records) if b.device == "G1"]
    t = np.concatenate([b.t - start + np.arange(b.n_samples) / b.rate_hz for b in g1])
    grams = np.concatenate([b.grams for b in g1])
    col = {pid: i for i, pid in enumerate(g1[0].plates)}

    def change(pid: str) -> float:
        x = grams[:, col[pid]]
        return float(np.median(x[t > 14]) - np.median(x[t < 11]))

    assert -650 < change("G1.5.11") < -600
    for neighbour in ("G1.5.10", "G1.5.12", "G1.4.11", "G1.6.11"):
        assert abs(change(neighbour)) < 30
    x = grams[:, col["G1.5.11"]]
    drop_at = t[np.argmax(x < np.median(x[t < 11]) - 300)]
    assert 12 <= drop_at <= 13


def test_tracks_are_in_metres(b1_records: list[AnyRecord]) -> None:
    frames = _frames(b1_records)
    people = [p for f in frames for p in f.people]
    assert len(people) == 276  # 15 frames have nobody in view
    assert {p.id for p in people} == {"3325379692103139202"}
    heads = np.array([p.joints["head"][2] for p in people if "head" in p.joints])
    assert heads.min() > 1.4 and heads.max() < 1.9
    # around 12 s in, a hand reaches shelf 5 of gondola 1 (x 1.04-1.24 m, z ~1.37 m)
    start = b1_records[0].start  # type: ignore[union-attr]
    near = [
        p.joints[h]
        for f in frames
        if 11.5 < f.t - start < 12.8
        for p in f.people
        for h in ("l_hand", "r_hand")
        if h in p.joints
    ]
    assert any(1.0 < x < 1.25 and 1.25 < z < 1.45 for x, _, z, _ in near)


def test_hands_are_the_nearest_wrists(b1_records: list[AnyRecord]) -> None:
    for f in _frames(b1_records)[:50]:
        for p in f.people:
            for side in ("l", "r"):
                if f"{side}_hand" in p.joints:
                    assert p.joints[f"{side}_hand"][:3] == pytest.approx(
                        p.joints[f"{side}_wrist"][:3]
                    )


def test_report_names_what_was_decided(
    b1_session: MongoSession, b1_records: list[AnyRecord]
) -> None:
    report = b1_session.report
    assert report.records["plates"] == 344 and report.records["tracks"] == 291
    text = "\n".join(report.warnings)
    assert "G1.4.13 (always 2123.7 g)" in text
    assert "G2.1.11 (repeats G2.1.9)" in text
    assert "G3.6.1-12" in text  # never reported, and the empty planogram entry
    assert len(report.plates) == 240


def test_keep_all_channels_adds_plates(benchmark1, store_meta) -> None:  # type: ignore[no-untyped-def]
    s = MongoSession(benchmark1, store_meta, keep_all_channels=True)
    assert {"G1.4.13", "G1.4.14", "G2.1.12"} <= set(s.store.plate_ids)
    shelf = next(sh for sh in s.store.fixtures[0].shelves if sh.index == 4)
    assert isinstance(shelf.plates, list) and shelf.plates[-1].pose.at[0] == pytest.approx(
        13 * 0.1016
    )
    assert any("added" in w and "G1.4.14" in w for w in s.report.warnings)
