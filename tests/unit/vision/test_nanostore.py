"""The tracker on the real AiFi NanoStore calibration (12 cameras, 640x360, strong distortion)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from walkout.eventlog.records import TrackFrame
from walkout.stores import builtin_store
from walkout.vision.cameras import Rig
from walkout.vision.tracker import Tracker

from .scripted import Walker, feed

pytestmark = pytest.mark.realdata


def test_the_real_calibration_loads_and_tracks_a_walk(shared_data: Path) -> None:
    store = builtin_store("nanostore")
    rig = Rig.of(store)
    assert len(rig.cameras) >= 8
    assert all(np.abs(c.dist).sum() > 0 for c in rig.cameras)  # real lenses, real distortion
    w = Walker([(3.35, -2.65), (3.35, -1.6), (0.5, -1.6), (0.5, -2.65)], t0=0.3, speed=1.0)
    trk = Tracker(store)
    frames: list[TrackFrame] = []
    for r in feed(store, [w], w.t_out + 2, noise_px=0.7):
        frames.extend(o for o in trk.push(r) if isinstance(o, TrackFrame))
    frames.extend(o for o in trk.flush() if isinstance(o, TrackFrame))
    ids = {p.id for f in frames for p in f.people}
    assert len(ids) == 1 and trk.stats.births == 1 and trk.stats.ends == 1
    errs = [
        np.linalg.norm(np.asarray(f.people[0].joints["head"][:3]) - w.true_joints(f.t - 1.7e9)[0])
        for f in frames
        if f.people and "head" in f.people[0].joints
    ]
    assert len(errs) > 50 and float(np.median(errs)) < 0.05
