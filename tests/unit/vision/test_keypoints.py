"""The twin's keypoint cameras: sane records, occlusion by fixtures, the new record kinds' encodings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest

from walkout.domain.layout import Layout
from walkout.eventlog import Ambiguity, Header, KeypointFrame, LogWriter, read_log
from walkout.eventlog.codec import to_obj
from walkout.stores import builtin_store
from walkout.twin.scenario import preset
from walkout.twin.sensors.keypoints import JointRecorder, KeypointCameras
from walkout.twin.sensors.occlusion import first_hit, fixture_boxes
from walkout.twin.simulation import Simulation


@pytest.fixture(scope="module")
def run() -> tuple[list, JointRecorder, object]:
    store = builtin_store("corner-shop")
    sc = preset("realistic")
    sc = sc.model_copy(update={"arrivals": sc.arrivals.model_copy(update={"peak_per_hour": 300})})
    kp, jr = KeypointCameras(seed=3), JointRecorder()
    sim = Simulation(store, sc, seed=5, duration_s=40, sensors=[kp, jr])
    return [r for r in sim.records() if isinstance(r, KeypointFrame)], jr, store


def test_every_camera_reports_frames_at_15_fps(run) -> None:
    recs, _, store = run
    devices = {r.device for r in recs}
    assert devices == {c.id for c in store.cameras}
    t = sorted(r.t for r in recs if r.device == store.cameras[0].id)
    assert np.median(np.diff(t)) == pytest.approx(1 / 15, abs=2e-3)
    assert all(
        r.rx > r.t - 0.2 for r in recs
    )  # arrives after it was taken (clocks differ a little)


def test_detections_are_17_points_inside_the_image(run) -> None:
    recs, jr, store = run
    size = {c.id: (c.intrinsics.width, c.intrinsics.height) for c in store.cameras}
    dets = 0
    for r in recs:
        if not len(r.people):
            continue
        assert r.people.shape[1:] == (17, 3)
        w, h = size[r.device]
        seen = r.people[..., 2] > 0
        uv = r.people[..., :2][seen]
        assert (uv[:, 0] >= -5).all() and (uv[:, 0] < w + 5).all() and (uv[:, 1] < h + 5).all()
        assert (r.people[..., 2] <= 1).all()
        dets += len(r.people)
    assert dets > 100 and jr.frames and jr.people


def test_a_fixture_between_camera_and_point_hides_it() -> None:
    store = builtin_store("corner-shop")
    boxes = fixture_boxes(Layout.of(store), 0.1)
    g = store.fixtures[0]  # G01, a 1.8 m gondola standing at x 1.85-2.35, y 1.875-3.075
    c = np.array([1.0, 2.5, 3.0])
    through = np.array([3.0, 2.5, 0.5]) - c
    over = np.array([3.0, 2.5, 3.0]) - c
    d = np.array([through / np.linalg.norm(through), over / np.linalg.norm(over)])
    hit = first_hit(c, d, boxes)
    assert g.id == "G01"
    assert hit[0] < np.linalg.norm(through) and np.isinf(hit[1])


def test_keypoints_and_ambiguity_records_survive_both_encodings(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    people = np.concatenate(
        [rng.uniform(0, 1900, (2, 17, 2)), rng.uniform(0, 1, (2, 17, 1))], axis=2
    )
    recs = [
        Header(store="s", source="twin", start=1.7e9),
        KeypointFrame(device="cam-01", t=1.7e9 + 0.1234567, rx=1.7e9 + 0.2, seq=4, people=people),
        KeypointFrame(device="cam-02", t=1.7e9, people=[]),
        Ambiguity(
            device="vision-1", t=1.7e9, tracks=("a", "b"), t_start=1.7e9 - 1, min_distance_m=0.31
        ),
    ]
    want = [orjson.dumps(to_obj(r), option=orjson.OPT_SERIALIZE_NUMPY) for r in recs]
    for name in ("k.jsonl", "k.wlog"):
        with LogWriter(tmp_path / name) as w:
            for r in recs:
                w.write(r)
        got = [
            orjson.dumps(to_obj(r), option=orjson.OPT_SERIALIZE_NUMPY)
            for r in read_log(tmp_path / name)
        ]
        assert got == want
    assert to_obj(recs[1])["people"][0][0][0] == round(people[0, 0, 0], 1)
