"""The NanoStore built from store_meta and BENCHMARK-1's catalogue."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import orjson
import pytest

from walkout.domain.layout import Layout
from walkout.domain.store import Store
from walkout.importers.aifi.store import build_nanostore

WATER = "071142008582"


@pytest.fixture(scope="module")
def nano(store_meta: Path, benchmark1: Path) -> Store:
    return build_nanostore(store_meta, benchmark1)


def test_validates_and_is_deterministic(nano: Store, store_meta: Path, benchmark1: Path) -> None:
    assert Store.model_validate(nano.model_dump()) == nano
    assert build_nanostore(store_meta, benchmark1) == nano
    assert (nano.currency, nano.locale, nano.timezone) == ("USD", "en_US", "America/Los_Angeles")
    assert [f.id for f in nano.fixtures] == ["G1", "G2", "G3", "G4", "G5"]
    assert len(nano.cameras) == 12


def test_layout_only_without_a_session(store_meta: Path) -> None:
    bare = build_nanostore(store_meta)
    assert bare.catalogue == [] and bare.planogram == []
    assert "G1.4.12" in bare.plate_ids and "G1.4.13" not in bare.plate_ids


def test_water_stands_on_g1_5_11_and_12(nano: Store) -> None:
    assert {"G1.5.11", "G1.5.12"} <= set(nano.plate_ids)
    facings = [f for f in nano.planogram if f.product == WATER]
    assert [f.plates for f in facings] == [["G1.5.11", "G1.5.12"]]
    water = nano.products[WATER]
    assert water.name == "ARRWHD SPRNG WTR"
    assert water.weight_g == pytest.approx(621.67)
    assert water.weight_sd_g == pytest.approx(0.02 * 621.67, abs=0.01)
    assert water.gtin == WATER and water.price == 100


def test_plates_in_the_world(nano: Store) -> None:
    lay = Layout.of(nano)
    p = lay.plate("G1.5.11")
    # gondola 1 at x = 0.0254 m, plate 11 starts 10 plates (1.016 m) in; shelf 5 at 1.3748 m
    assert p.corners[0] == pytest.approx([0.0254 + 1.016, 0.0857, 1.3748], abs=1e-3)
    assert p.outward == pytest.approx([0, -1, 0], abs=1e-6)  # shoppers stand at y < 0
    g5 = lay.plate("G5.1.1")  # gondola 5 is turned by -90 deg: its front faces -x
    assert g5.outward == pytest.approx([-1, 0, 0], abs=1e-3)
    assert g5.corners[0][:2] == pytest.approx([4.9149 - 0.4064, -0.3016], abs=1e-3)


def test_gates_on_the_front_wall(nano: Store) -> None:
    entry, exit_ = nano.gates_of_kind("entry")[0], nano.gates_of_kind("exit")[0]
    assert entry.midpoint() == pytest.approx([3.35, -2.794], abs=1e-3)
    assert exit_.midpoint() == pytest.approx([0.5, -2.794], abs=1e-3)
    assert entry.inward() == pytest.approx([0, 1])


def test_cameras_project_the_shopper_into_the_trackers_boxes(nano: Store, benchmark1: Path) -> None:
    """The shoulders of the tracked shopper, projected through cameras 1 and 2
    (the tracker's cameras 100 and 101, as camera_mapping.json pairs them),
    land in the boxes the tracker drew for them."""
    cams = {c.id: c for c in nano.cameras}
    misses = []
    checked = 0
    with open(benchmark1 / "full_targets.jsonl", "rb") as fh:
        lines = [orjson.loads(line) for _, line in zip(range(40), fh, strict=False)]
    for doc in lines:
        for target in doc["document"]["targets"].get("targets", []):
            shoulders = [target[j]["point"] for j in ("l_shoulder", "r_shoulder")]
            mid = np.mean([[p[k] for k in "xyz"] for p in shoulders], axis=0) * 0.0254
            for det in target["detection_metadata"]:
                cid = det["frame_source"]["camera_id"]["id"]
                if cid not in (100, 101):
                    continue
                cam = cams[f"cam{cid - 99}"]
                uv, _ = cv2.projectPoints(
                    mid.reshape(1, 3),
                    np.array(cam.extrinsics.rvec),
                    np.array(cam.extrinsics.tvec),
                    cam.intrinsics.matrix(),
                    np.array(cam.intrinsics.distortion),
                )
                u, v = uv.ravel()
                b = det["bbox"]
                du = max(b["left"] - u, 0, u - b["left"] - b["width"])
                dv = max(b["top"] - v, 0, v - b["top"] - b["height"])
                checked += 1
                if np.hypot(du, dv) > 10:
                    misses.append((cid, round(u), round(v), b))
    assert checked >= 20
    assert len(misses) <= checked // 10, misses
