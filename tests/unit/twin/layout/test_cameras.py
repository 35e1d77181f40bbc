"""Ceiling cameras: placement, the projection model and the coverage map."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from walkout.domain.store import Camera, Intrinsics, Store
from walkout.twin.layout import coverage_map, place_cameras, project
from walkout.twin.layout.cameras import look_down


def _camera(x: float, y: float, z: float, yaw: float = 0.0, tilt: float = 0.0) -> Camera:
    intr = Intrinsics(
        width=1280,
        height=720,
        fx=537.0,
        fy=537.0,
        cx=639.5,
        cy=359.5,
        distortion=[-0.08, 0.02, 0, 0, 0],
    )
    return Camera(id="c", intrinsics=intr, extrinsics=look_down((x, y, z), yaw, tilt))


def test_straight_down_camera_sees_the_point_below() -> None:
    cam = _camera(3.0, 2.0, 3.0)
    uv, ok = project(cam, np.array([[3.0, 2.0, 1.1], [3.0, 2.0, 3.5], [30.0, 2.0, 1.1]]))
    assert ok.tolist() == [True, False, False]  # below; above (behind) it; far outside the view
    assert uv[0] == pytest.approx([639.5, 359.5], abs=1e-3)  # rvec, tvec kept to 1e-6
    assert np.allclose(cam.position(), [3.0, 2.0, 3.0], atol=1e-5)


def test_tilted_camera_leans_the_right_way() -> None:
    cam = _camera(0.0, 0.0, 3.0, yaw=0.0, tilt=25.0)
    axis = cam.rotation().T @ np.array([0.0, 0.0, 1.0])
    assert (
        axis[0] > 0
        and axis[2] < 0
        and math.degrees(math.acos(-axis[2])) == pytest.approx(25.0, abs=1e-4)
    )
    uv, ok = project(cam, np.array([[1.0, 0.0, 1.1]]))
    assert ok[0] and uv[0, 1] < 359.5  # the way it leans is up in the image


def test_projection_matches_opencv(stores: dict[str, Store]) -> None:
    cam = stores["convenience"].cameras[0]
    pts = np.random.default_rng(0).uniform([0, 0, 0], [15, 11, 2], size=(3000, 3))
    uv, ok = project(cam, pts)
    ref, _ = cv2.projectPoints(
        pts,
        np.array(cam.extrinsics.rvec),
        np.array(cam.extrinsics.tvec),
        cam.intrinsics.matrix(),
        np.array(cam.intrinsics.distortion),
    )
    assert ok.sum() > 100
    assert np.abs(uv[ok] - ref[:, 0][ok]).max() < 1e-6


def test_placed_cameras(stores: dict[str, Store]) -> None:
    store = stores["convenience"]
    for n in (20, 40, 60, 100):  # the camera-budget study
        cams = place_cameras(store, n, seed=7)
        assert len(cams) == n and len({c.id for c in cams}) == n
    assert place_cameras(store, 40, seed=7) == place_cameras(store, 40, seed=7)
    cams = store.cameras
    w, d = store.floor.outline[2]
    for c in cams:
        x, y, z = c.position()
        assert 0 < x < w and 0 < y < d and z == pytest.approx(store.floor.height - 0.1, abs=1e-4)
        axis = c.rotation().T @ np.array([0.0, 0.0, 1.0])
        assert math.degrees(math.acos(-axis[2])) < 30  # looking down
        hfov = 2 * math.degrees(math.atan(c.intrinsics.width / 2 / c.intrinsics.fx))
        assert 90 <= hfov <= 110 and abs(c.intrinsics.distortion[0]) < 0.15
    assert sum(1 for c in cams if c.rotation()[2, 2] > -0.999) > len(cams) / 2  # most tilted


def test_coverage_map(stores: dict[str, Store]) -> None:
    store = stores["convenience"]
    xs, ys, counts = coverage_map(store)
    assert counts.shape == (len(ys), len(xs)) and counts.max() <= len(store.cameras)
    assert np.mean(counts >= 2) > 0.6  # most of the floor is seen twice or more
    one = store.model_copy(update={"cameras": [_camera(7.525, 1.025, 3.3)]})  # over the front zone
    xs, ys, counts = coverage_map(one, resolution=0.25)
    j, i = int(np.argmin(abs(xs - 7.525))), int(np.argmin(abs(ys - 1.025)))
    assert counts[i, j] == 1 and counts.sum() < counts.size / 4


def test_fixtures_occlude() -> None:
    from walkout.twin.layout import generate_store

    store = generate_store("corner-shop")
    g = next(f for f in store.fixtures if f.kind == "gondola" and f.pose.yaw == -90.0)  # faces -x
    x_front, y_mid = g.pose.at[0], g.pose.at[1] - 0.6
    cam = _camera(
        x_front - 0.6, y_mid, 2.7, yaw=0.0, tilt=25.0
    )  # over the aisle, leaning at the island
    target = np.array([[x_front + 1.3, y_mid, 1.1]])  # just beyond the 1 m island
    _, ok = project(cam, target)
    assert ok[0]  # in the picture ...
    xs, ys, counts = coverage_map(store.model_copy(update={"cameras": [cam]}), resolution=0.1)
    j, i = int(np.argmin(abs(xs - target[0, 0]))), int(np.argmin(abs(ys - y_mid)))
    assert counts[i, j] == 0  # ... but behind the 1.8 m island
    _, _, seen = coverage_map(
        store.model_copy(update={"cameras": [cam]}), resolution=0.1, occlusion=False
    )
    assert seen[i, j] == 1
