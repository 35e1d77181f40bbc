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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from walkout.domain.layout import Layout
from walkout.domain.store import Camera
from walkout.eventlog.records import COCO_KEYPOINTS, AnyRecord, KeypointFrame, construct
from walkout.twin.body import HEAD, L_ELB, L_SHO, L_WRI, R_ELB, R_SHO, R_WRI
from walkout.twin.sensors.clocks import Clock, latency

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


@dataclass
class _Boxes:
    """Fixture boxes as origin, unit axes and extents, for segment tests."""

    origin: np.ndarray  # (B, 2)
    ex: np.ndarray  # (B, 2)
    ey: np.ndarray  # (B, 2)
    lo: np.ndarray  # (B, 3)
    hi: np.ndarray  # (B, 3)
    centre: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.centre = self.origin + (self.ex * self.hi[:, :1] + self.ey * self.hi[:, 1:2]) / 2


def fixture_boxes(layout: Layout, open_front_m: float) -> _Boxes:
    o, ex, ey, lo, hi = [], [], [], [], []
    for f in layout.fixtures:
        c = f.footprint
        length = float(np.linalg.norm(c[1] - c[0]))
        depth = float(np.linalg.norm(c[3] - c[0]))
        o.append(c[0])
        ex.append((c[1] - c[0]) / max(length, 1e-9))
        ey.append((c[3] - c[0]) / max(depth, 1e-9))
        front = 0.0 if f.kind == "obstacle" else min(open_front_m, depth / 2)
        lo.append((0.0, front, 0.0))
        hi.append((length, depth, f.height))
    arr = [
        np.asarray(x, dtype=float).reshape(-1, w)
        for x, w in ((o, 2), (ex, 2), (ey, 2), (lo, 3), (hi, 3))
    ]
    return _Boxes(*arr)


def first_hit(c: np.ndarray, dirs: np.ndarray, boxes: _Boxes) -> np.ndarray:
    """Distance from ``c`` along unit ``dirs`` (N, 3) to the first box it enters (inf: none)."""
    if len(boxes.lo) == 0:
        return np.full(len(dirs), np.inf)
    rel_c = c[None, :2] - boxes.origin  # (B, 2)
    cl = np.stack(
        [np.sum(rel_c * boxes.ex, 1), np.sum(rel_c * boxes.ey, 1), np.full(len(rel_c), c[2])], 1
    )
    dl = np.stack(
        [
            dirs[:, None, 0] * boxes.ex[None, :, 0] + dirs[:, None, 1] * boxes.ex[None, :, 1],
            dirs[:, None, 0] * boxes.ey[None, :, 0] + dirs[:, None, 1] * boxes.ey[None, :, 1],
            np.broadcast_to(dirs[:, None, 2], (len(dirs), len(cl))),
        ],
        2,
    )  # (N, B, 3)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / dl
        t0 = (boxes.lo[None] - cl[None]) * inv
        t1 = (boxes.hi[None] - cl[None]) * inv
    inside = (cl[None] >= boxes.lo[None]) & (cl[None] <= boxes.hi[None])
    par = dl == 0
    tlo = np.where(par, np.where(inside, -np.inf, np.inf), np.minimum(t0, t1)).max(axis=2)
    thi = np.where(par, np.where(inside, np.inf, -np.inf), np.maximum(t0, t1)).min(axis=2)
    hit = thi >= np.maximum(tlo, 0.0)
    return np.where(hit, np.maximum(tlo, 0.0), np.inf).min(axis=1)


def depth_map(cam: Camera, boxes: _Boxes, step: int = 8) -> np.ndarray:
    """(rows, cols) distance to the nearest fixture through every ``step``-th pixel:
    a point farther than that along its pixel's ray is hidden. Fixtures do not
    move, so this is computed once per camera; each box is tested only against
    the rays inside its projected outline."""
    intr = cam.intrinsics
    us = np.arange(step / 2, intr.width, step)
    vs = np.arange(step / 2, intr.height, step)
    gu, gv = np.meshgrid(us, vs)
    pix = np.column_stack([gu.ravel(), gv.ravel()]).reshape(-1, 1, 2)
    dist = np.asarray(intr.distortion or [0.0] * 4, dtype=float)
    ray = cv2.undistortPoints(pix, intr.matrix(), dist).reshape(-1, 2)
    r = cam.rotation()
    d = np.column_stack([ray, np.ones(len(ray))]) @ r  # camera -> world
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    c = cam.position()
    t = np.asarray(cam.extrinsics.tvec, dtype=float)
    out = np.full(len(d), np.inf)
    for b in range(len(boxes.lo)):
        one = _Boxes(
            *(x[b : b + 1] for x in (boxes.origin, boxes.ex, boxes.ey, boxes.lo, boxes.hi))
        )
        corners = _box_corners(one)
        pc = corners @ r.T + t
        if (pc[:, 2] > 1e-3).all():
            xy = pc[:, :2] / pc[:, 2:]
            lo, hi = xy.min(axis=0), xy.max(axis=0)
            sel = np.nonzero(
                (ray[:, 0] >= lo[0])
                & (ray[:, 0] <= hi[0])
                & (ray[:, 1] >= lo[1])
                & (ray[:, 1] <= hi[1])
            )[0]
        elif (pc[:, 2] <= 1e-3).all():
            continue
        else:
            sel = np.arange(len(d))
        if len(sel):
            out[sel] = np.minimum(out[sel], first_hit(c, d[sel], one))
    return out.reshape(gu.shape)


def _box_corners(one: _Boxes) -> np.ndarray:
    lo, hi = one.lo[0], one.hi[0]
    pts = []
    for x in (lo[0], hi[0]):
        for y in (lo[1], hi[1]):
            xy = one.origin[0] + one.ex[0] * x + one.ey[0] * y
            pts += [(xy[0], xy[1], lo[2]), (xy[0], xy[1], hi[2])]
    return np.asarray(pts)


def people_blocked(
    c: np.ndarray, pts: np.ndarray, axes: np.ndarray, tops: np.ndarray, radius: float
) -> np.ndarray:
    """(F, P, K) points of each person hidden by another's body cylinder, per frame.

    ``pts`` (F, P, K, 3); ``axes`` (F, P, 2) cylinder axes (NaN: absent); ``tops`` (F, P).
    """
    nf, npp, nk, _ = pts.shape
    q = pts.reshape(nf, npp * nk, 3)
    d = q - c[None, None, :]  # (F, Q, 3)
    a = d[..., 0] ** 2 + d[..., 1] ** 2  # (F, Q)
    rel = c[None, None, :2] - axes  # (F, P, 2): camera relative to every axis
    b = 2 * (d[:, :, None, 0] * rel[:, None, :, 0] + d[:, :, None, 1] * rel[:, None, :, 1])
    cc = np.sum(rel**2, axis=2)[:, None, :] - radius**2  # (F, 1, P)
    disc = b * b - 4 * a[..., None] * cc
    with np.errstate(invalid="ignore", divide="ignore"):
        sq = np.sqrt(np.maximum(disc, 0))
        s1 = (-b - sq) / (2 * a[..., None])
        s2 = (-b + sq) / (2 * a[..., None])
    lo, hi = np.maximum(s1, 0.0), np.minimum(s2, 0.999)
    z_lo = c[2] + d[..., 2][..., None] * lo
    z_hi = c[2] + d[..., 2][..., None] * hi
    zmin, zmax = np.minimum(z_lo, z_hi), np.maximum(z_lo, z_hi)
    # bodies do not overlap, though the twin's paths may: a point inside another's
    # cylinder is beside that person, not behind them
    hit = (disc > 0) & (hi > lo) & (s2 < 0.999) & (zmin <= tops[:, None, :]) & (zmax >= 0.0)
    own = np.repeat(np.eye(npp, dtype=bool), nk, axis=0)[None]  # a person does not hide themself
    return np.any(hit & ~own, axis=2).reshape(nf, npp, nk)


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
        self._boxes: _Boxes | None = None
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
                pos, heading = p.kf.at(times[ok])
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
