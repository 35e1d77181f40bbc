"""Ceiling cameras with a 2-D pose estimator: COCO-17 keypoints per person per frame.

Each simulated skeleton is turned into COCO points (face points from the head
and heading, legs from the body frame), projected through every camera with
OpenCV's distortion model, and hidden where a real camera would lose it:
outside the image, behind the camera, behind a fixture (ray against the
fixture's box, its front strip left open so a hand in a shelf stays visible),
or behind a nearer person (a body cylinder). Then the estimator's errors:
pixel noise, joints and whole people missed, ghosts that appear in one camera
only, dropped frames, and each camera's own clock with jitter. Detections are
anonymous: nothing here identifies a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from walkout.domain.store import Camera
from walkout.eventlog.records import COCO_KEYPOINTS, AnyRecord, KeypointFrame, construct
from walkout.twin.body import HEAD, L_ELB, L_SHO, L_WRI, R_ELB, R_SHO, R_WRI
from walkout.twin.sensors.clocks import Clock, latency
from walkout.twin.sensors.occlusion import Boxes, depth_map, fixture_boxes, people_blocked

if TYPE_CHECKING:
    from walkout.twin.simulation import WindowView

NK = len(COCO_KEYPOINTS)
DEPTH_STEP = 8  # px between the rays of a camera's fixture depth map
_HANDS = np.zeros(NK, dtype=bool)
_HANDS[[9, 10]] = True


class KeypointParams(BaseModel):
    """How the cameras and their pose estimator err (defaults: a good modern install)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rate_hz: float = Field(default=15.0, gt=0, description="frames a second per camera")
    pixel_sd: float = Field(default=1.5, ge=0, description="keypoint noise at 1920 px width")
    hand_pixel_sd: float = Field(default=2.5, ge=0, description="wrists move and blur more")
    score_range: tuple[float, float] = (0.55, 0.98)
    miss_rate: float = Field(default=0.03, ge=0, le=1, description="person in view not detected")
    joint_miss_rate: float = Field(default=0.04, ge=0, le=1, description="visible joint missed")
    min_keypoints: int = Field(default=5, ge=1, le=NK, description="fewer visible: no detection")
    false_per_frame: float = Field(default=0.02, ge=0, description="ghost detections per frame")
    drop_rate: float = Field(default=0.005, ge=0, le=1, description="frames lost")
    jitter_s: float = Field(default=0.002, ge=0, description="timestamp jitter per frame")
    processing_s: float = Field(default=0.06, ge=0, description="pose estimator delay")
    body_radius_m: float = Field(default=0.17, gt=0, description="people hide what is behind")
    shelf_open_m: float = Field(
        default=0.12, ge=0, description="front strip of a fixture a camera sees into"
    )
    occlusion: bool = True


def coco_points(
    true: np.ndarray, pelvis: np.ndarray, heading: np.ndarray, height: float
) -> np.ndarray:
    """(n, 17, 3) COCO keypoints from (n, 10, 3) twin joints, the floor point and heading."""
    n = len(true)
    fwd = np.stack([np.cos(heading), np.sin(heading), np.zeros(n)], axis=1)
    left = np.stack([-fwd[:, 1], fwd[:, 0], np.zeros(n)], axis=1)
    up = np.array([0.0, 0.0, 1.0])
    head = true[:, HEAD]
    out = np.empty((n, NK, 3))
    out[:, 0] = head + fwd * 0.10 - up * 0.03
    out[:, 1] = head + fwd * 0.08 + left * 0.035 + up * 0.01
    out[:, 2] = head + fwd * 0.08 - left * 0.035 + up * 0.01
    out[:, 3] = head + left * 0.075
    out[:, 4] = head - left * 0.075
    for k, j in enumerate((L_SHO, R_SHO, L_ELB, R_ELB, L_WRI, R_WRI)):
        out[:, 5 + k] = true[:, j]
    sho_z = (true[:, L_SHO, 2] + true[:, R_SHO, 2]) / 2
    hip_z = sho_z - 0.3 * height
    knee_z = np.minimum(0.28 * height, hip_z - 0.15)
    for k, side in enumerate((1.0, -1.0)):
        xy = pelvis + left[:, :2] * (0.1 * side)
        out[:, 11 + k, :2] = xy
        out[:, 11 + k, 2] = hip_z
        out[:, 13 + k, :2] = xy + fwd[:, :2] * 0.05
        out[:, 13 + k, 2] = knee_z
        out[:, 15 + k, :2] = xy
        out[:, 15 + k, 2] = 0.06
    return out


@dataclass
class _Cam:
    cam: Camera
    clock: Clock
    phase: float
    r: np.ndarray
    t: np.ndarray
    k: np.ndarray
    dist: np.ndarray
    centre: np.ndarray
    fov: tuple[float, float]
    depth: np.ndarray
    seq: int = 0


class KeypointCameras:
    """An extra twin sensor: ``Simulation(..., sensors=[KeypointCameras(seed=...)])``.

    ``cameras`` defaults to the store's; give others (``place_cameras``) to try a budget.
    """

    def __init__(
        self,
        params: KeypointParams | None = None,
        seed: int = 0,
        cameras: list[Camera] | None = None,
    ):
        self.p = params or KeypointParams()
        self.rng = np.random.default_rng(np.random.SeedSequence([seed, 0x4B50]))
        self._cameras = cameras
        self._cams: list[_Cam] | None = None
        self._boxes: Boxes | None = None
        self._pelvis_cache: dict[str, Any] = {}

    def _setup(self, view: WindowView) -> None:
        cams = self._cameras if self._cameras is not None else list(view.sim.store.cameras)
        self._cams = []
        self._boxes = fixture_boxes(view.sim.layout, self.p.shelf_open_m)
        for cam in cams:
            intr = cam.intrinsics
            r = cam.rotation()
            self._cams.append(
                _Cam(
                    cam=cam,
                    clock=view.sim.clocks.clock(),
                    phase=float(self.rng.uniform(0, 1.0 / self.p.rate_hz)),
                    r=r,
                    t=np.asarray(cam.extrinsics.tvec, dtype=float),
                    k=intr.matrix(),
                    dist=np.asarray(intr.distortion or [0.0] * 4, dtype=float),
                    centre=cam.position(),
                    fov=(
                        1.25 * max(intr.cx, intr.width - intr.cx) / intr.fx,
                        1.25 * max(intr.cy, intr.height - intr.cy) / intr.fy,
                    ),
                    depth=depth_map(cam, self._boxes, DEPTH_STEP),
                )
            )

    def render(self, view: WindowView) -> list[AnyRecord]:
        if self._cams is None:
            self._setup(view)
        assert self._cams is not None
        times = view.times
        if len(times) == 0:
            return []
        # camera frames from this window's first tracker frame to the next window's
        t0 = float(times[0])
        t1 = float(times[-1]) + 1.0 / view.sim.sc.tracker.rate_hz
        people = view.people
        m = len(people)
        # COCO points, floor points and heights at the tracker's times
        coco = np.full((len(times), m, NK, 3), np.nan)
        pelvis = np.full((len(times), m, 2), np.nan)
        for i, p in enumerate(people):
            ok = ~np.isnan(view.true[:, i, HEAD, 0])
            if ok.any():
                _, heading = p.kf.at(times[ok])
                pos = view.floor[ok, i]  # where the feet are, after side-steps (twin.spacing)
                coco[ok, i] = coco_points(view.true[ok, i], pos, heading, p.height)
                pelvis[ok, i] = pos
        tops = np.max(np.where(np.isnan(view.true[..., 2]), -1.0, view.true[..., 2]), axis=2) + 0.08
        out: list[AnyRecord] = []
        for c in self._cams:
            out.extend(self._render_camera(c, view, times, t0, t1, coco, pelvis, tops))
        return out

    def _render_camera(
        self,
        c: _Cam,
        view: WindowView,
        times: np.ndarray,
        t0: float,
        t1: float,
        coco: np.ndarray,
        pelvis: np.ndarray,
        tops: np.ndarray,
    ) -> list[AnyRecord]:
        p, rng = self.p, self.rng
        per = 1.0 / p.rate_hz
        k0 = int(np.ceil((t0 - c.phase) / per - 1e-9))
        k1 = int(np.ceil((t1 - c.phase) / per - 1e-9))
        ft = c.phase + np.arange(k0, k1) * per
        ft = ft[(ft >= t0) & (ft < t1)]
        nf, m = len(ft), coco.shape[1]
        if nf == 0:
            return []
        pts, axes, top = _interpolate(times, ft, coco, pelvis, tops)
        uv = np.zeros((nf, m, NK, 2))
        vis = np.zeros((nf, m, NK), dtype=bool)
        if m:
            pc = pts @ c.r.T + c.t
            z = pc[..., 2]
            with np.errstate(invalid="ignore"):
                ok = z > 0.1
                zs = np.where(ok, z, 1.0)
                ok &= (np.abs(pc[..., 0] / zs) < c.fov[0]) & (np.abs(pc[..., 1] / zs) < c.fov[1])
            if ok.any():
                proj, _ = cv2.projectPoints(
                    pts[ok].reshape(-1, 1, 3), cv2.Rodrigues(c.r)[0], c.t, c.k, c.dist
                )
                uv[ok] = proj.reshape(-1, 2)
                intr = c.cam.intrinsics
                inimg = (
                    (uv[..., 0] >= 0)
                    & (uv[..., 0] < intr.width)
                    & (uv[..., 1] >= 0)
                    & (uv[..., 1] < intr.height)
                )
                vis = ok & inimg
            if p.occlusion and vis.any():
                idx = np.nonzero(vis)
                q = uv[idx]
                rows_, cols_ = c.depth.shape
                di = np.clip((q[:, 1] / DEPTH_STEP).astype(int), 0, rows_ - 1)
                dj = np.clip((q[:, 0] / DEPTH_STEP).astype(int), 0, cols_ - 1)
                far = np.linalg.norm(pts[idx] - c.centre, axis=1)
                hidden = c.depth[di, dj] < far - 0.03
                vis[tuple(i[hidden] for i in idx)] = False
                seen_any = vis.any(axis=2)  # only people in view can be hidden, or hide others
                fr = np.nonzero(seen_any.any(axis=1))[0]
                if m > 1 and len(fr):
                    occ = people_blocked(c.centre, pts[fr], axes[fr], top[fr], p.body_radius_m)
                    vis[fr] &= ~occ
        vis &= rng.random(vis.shape) >= p.joint_miss_rate
        detected = (vis.sum(axis=2) >= p.min_keypoints) & (rng.random((nf, m)) >= p.miss_rate)
        scale = c.cam.intrinsics.width / 1920.0
        sd = np.where(_HANDS, p.hand_pixel_sd, p.pixel_sd) * scale
        noisy = uv + rng.standard_normal(uv.shape) * sd[None, None, :, None]
        score = rng.uniform(*p.score_range, size=vis.shape)
        rows = np.concatenate(
            [np.where(vis[..., None], noisy, 0.0), np.where(vis, score, 0.0)[..., None]], axis=3
        )
        ghosts = rng.poisson(p.false_per_frame, nf)
        kept = rng.random(nf) >= p.drop_rate
        t_dev = np.asarray(c.clock.device_time(ft)) + rng.normal(0.0, p.jitter_s, nf)
        rx = view.sim.epoch + ft + p.processing_s + np.asarray(latency(rng, view.sim.sc.clocks, nf))
        out: list[AnyRecord] = []
        for f in range(nf):
            c.seq += 1
            if not kept[f]:
                continue
            people = rows[f][detected[f]]
            if ghosts[f]:
                people = np.concatenate([people, self._ghosts(c, int(ghosts[f]))])
            out.append(
                construct(
                    KeypointFrame,
                    kind="keypoints",
                    device=c.cam.id,
                    t=float(t_dev[f]),
                    rx=float(rx[f]),
                    seq=c.seq,
                    people=people,
                )
            )
        return out

    def _ghosts(self, c: _Cam, n: int) -> np.ndarray:
        """Person-shaped false detections (a poster, a reflection): one camera sees them."""
        rng, intr = self.rng, c.cam.intrinsics
        out = []
        for _ in range(n):
            pix = np.array([[rng.uniform(0, intr.width), rng.uniform(0, intr.height)]])
            ray = cv2.undistortPoints(pix.reshape(-1, 1, 2), c.k, c.dist).reshape(2)
            d = c.r.T @ np.array([ray[0], ray[1], 1.0])
            if d[2] >= -1e-3:
                continue
            floor = c.centre + d * (-c.centre[2] / d[2])
            h = float(rng.uniform(1.5, 1.9))
            head = rng.uniform(-np.pi, np.pi)
            pts = _standing_coco(floor[:2], head, h)
            uv, _ = cv2.projectPoints(
                pts.reshape(-1, 1, 3), cv2.Rodrigues(c.r)[0], c.t, c.k, c.dist
            )
            uv = uv.reshape(-1, 2) + rng.normal(0, 3.0, (NK, 2))
            ok = (
                (uv[:, 0] >= 0)
                & (uv[:, 0] < intr.width)
                & (uv[:, 1] >= 0)
                & (uv[:, 1] < intr.height)
            )
            ok &= rng.random(NK) > 0.2
            sc = np.where(ok, rng.uniform(0.3, 0.8, NK), 0.0)
            out.append(np.column_stack([np.where(ok[:, None], uv, 0.0), sc]))
        return np.asarray(out).reshape(-1, NK, 3)


_TEMPLATE: np.ndarray | None = None


def _standing_coco(xy: np.ndarray, heading: float, height: float) -> np.ndarray:
    """COCO points (17, 3) of someone standing with arms down: a scaled, turned template."""
    global _TEMPLATE
    if _TEMPLATE is None:
        from walkout.twin.body import Keyframes, joints

        kf = Keyframes()
        kf.add(0.0, (0.0, 0.0), 0.0)
        j = joints(np.array([0.0]), kf, 1.0, [])
        _TEMPLATE = coco_points(j, np.zeros((1, 2)), np.zeros(1), 1.0)[0]
    ch, sh = np.cos(heading), np.sin(heading)
    rot = np.array([[ch, -sh], [sh, ch]])
    out = _TEMPLATE * height
    out[:, :2] = out[:, :2] @ rot.T + xy
    return out


def _interpolate(
    times: np.ndarray, ft: np.ndarray, coco: np.ndarray, pelvis: np.ndarray, tops: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points at the camera's frame times, linear between the twin's frames (extrapolated past the last)."""
    n = len(times)
    if n == 1:
        return (
            np.repeat(coco, len(ft), 0),
            np.repeat(pelvis, len(ft), 0),
            np.repeat(tops, len(ft), 0),
        )
    i = np.clip(np.searchsorted(times, ft) - 1, 0, n - 2)
    w = (ft - times[i]) / (times[i + 1] - times[i])
    w4 = w[:, None, None, None]
    pts = coco[i] * (1 - w4) + coco[i + 1] * w4
    axes = pelvis[i] * (1 - w[:, None, None]) + pelvis[i + 1] * w[:, None, None]
    top = tops[i] * (1 - w[:, None]) + tops[i + 1] * w[:, None]
    return pts, axes, top


class JointRecorder:
    """An extra twin sensor that writes nothing to the log: it keeps everyone's true
    joints and who they are (person, session, account), as ground truth for the
    vision metrics. ``frames`` holds (epoch times, person ids, (n, people, 10, 3))."""

    def __init__(self) -> None:
        self.frames: list[tuple[np.ndarray, list[str], np.ndarray]] = []
        self.people: dict[str, tuple[str, str | None]] = {}

    def render(self, view: WindowView) -> list[AnyRecord]:
        ids = [p.id for p in view.people]
        for p in view.people:
            self.people[p.id] = (p.session.id, p.session.account)
        if len(view.times):
            self.frames.append((view.sim.epoch + view.times, ids, view.true.astype(np.float32)))
        return []
