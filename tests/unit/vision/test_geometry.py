"""Camera models, keypoint rendering and triangulation against known geometry."""

from __future__ import annotations

import numpy as np
import pytest

from walkout.domain.store import Camera, Intrinsics
from walkout.twin.layout.cameras import look_down
from walkout.vision.cameras import CameraModel, Rig
from walkout.vision.triangulation import triangulate, triangulate_robust


def camera(cid: str, at: tuple[float, float, float], yaw: float, tilt: float, dist: bool) -> Camera:
    return Camera(
        id=cid,
        intrinsics=Intrinsics(
            width=1920,
            height=1080,
            fx=800.0,
            fy=801.0,
            cx=963.0,
            cy=538.0,
            distortion=[-0.08, 0.02, 0.0003, -0.0002, 0.0] if dist else [],
        ),
        extrinsics=look_down(at, yaw, tilt),
    )


def ring(dist: bool) -> list[Camera]:
    """Six ceiling cameras around a 4 m square, tilted towards its middle."""
    out = []
    for k in range(6):
        a = 2 * np.pi * k / 6
        at = (2 + 1.8 * np.cos(a), 2 + 1.8 * np.sin(a), 3.2)
        out.append(camera(f"c{k}", at, a + np.pi, 25.0, dist))
    return out


def test_a_point_straight_below_a_down_looking_camera_is_at_the_principal_point() -> None:
    cam = CameraModel.of(camera("top", (1.0, 2.0, 3.0), 0.0, 0.0, dist=True))
    uv, ok = cam.project(np.array([[1.0, 2.0, 1.1]]))
    assert ok[0]
    assert uv[0] == pytest.approx([963.0, 538.0], abs=0.01)  # extrinsics are stored to 1e-6
    # and it undistorts to the optical axis
    assert cam.undistort(uv) == pytest.approx(np.zeros((1, 2)), abs=1e-5)


def test_points_behind_or_outside_are_dropped() -> None:
    cam = CameraModel.of(camera("top", (1.0, 2.0, 3.0), 0.0, 0.0, dist=True))
    _, ok = cam.project(np.array([[1.0, 2.0, 3.5], [30.0, 2.0, 1.0]]))
    assert not ok.any()


@pytest.mark.parametrize("dist", [False, True])
def test_triangulation_recovers_known_points(dist: bool) -> None:
    rig = Rig.of(ring(dist))
    pts = np.array([[2.0, 2.0, 1.1], [1.4, 2.5, 0.4], [2.6, 1.7, 1.7]])
    xy = []
    for cam in rig.cameras:
        uv, ok = cam.project(pts)
        assert ok.all()
        xy.append(cam.undistort(uv))
    xy = np.stack(xy, axis=1)  # (points, views, 2)
    x = triangulate(rig.p, xy, np.ones(xy.shape[:2]))
    assert np.abs(x - pts).max() < 1e-6


def test_one_wrong_view_does_not_move_the_robust_point() -> None:
    rig = Rig.of(ring(True))
    rng = np.random.default_rng(3)
    pts = rng.uniform([1.2, 1.2, 0.3], [2.8, 2.8, 1.8], (20, 3))
    xy = np.stack([c.undistort(c.project(pts)[0]) for c in rig.cameras], axis=1)
    xy += rng.normal(0, 1.0 / 800, xy.shape)  # 1 px of noise
    bad = xy.copy()
    bad[:, 2] += 0.08  # one camera matched someone 20 cm away
    w = np.ones(xy.shape[:2])
    plain = triangulate(rig.p, bad, w)
    robust, ww, _ = triangulate_robust(rig.p, bad, w)
    assert np.median(np.linalg.norm(plain - pts, axis=1)) > 0.03
    assert np.median(np.linalg.norm(robust - pts, axis=1)) < 0.01
    assert (ww[:, 2] == 0).mean() > 0.9  # the wrong view is found and left out


def test_fewer_than_two_views_give_no_point() -> None:
    rig = Rig.of(ring(False))
    xy = np.zeros((1, 6, 2))
    w = np.zeros((1, 6))
    w[0, 0] = 1.0
    assert np.isnan(triangulate(rig.p, xy, w)).all()
