"""A scripted camera feed for tracker tests: people on given paths, seen by every
camera without occlusion unless told, as a pose estimator would report them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from walkout.domain.store import Store
from walkout.eventlog.records import KeypointFrame
from walkout.twin.body import Keyframes, joints
from walkout.twin.sensors.keypoints import coco_points
from walkout.vision.cameras import CameraModel

RATE = 15.0


@dataclass
class Walker:
    """A person walking through ``points`` (x, y) at ``speed`` from ``t0``, pausing ``pause_s`` at each."""

    points: list[tuple[float, float]]
    t0: float = 0.0
    speed: float = 1.2
    height: float = 1.75
    pause_s: float = 0.0
    hidden: list[tuple[float, float]] = field(default_factory=list)  # (t0, t1): no camera sees them
    # (t0, t1, COCO joints): those joints unseen by every camera (a trolley, a low shelf)
    unseen: list[tuple[float, float, tuple[int, ...]]] = field(default_factory=list)
    kf: Keyframes = field(init=False)

    def __post_init__(self) -> None:
        self.kf = Keyframes()
        t = self.t0
        pts = [np.asarray(p, dtype=float) for p in self.points]
        for i, p in enumerate(pts):
            nxt = pts[min(i + 1, len(pts) - 1)]
            prev = pts[max(i - 1, 0)]
            d = nxt - p if i + 1 < len(pts) else p - prev
            head = float(np.arctan2(d[1], d[0]))
            if i:
                t += float(np.linalg.norm(p - pts[i - 1])) / self.speed
            self.kf.add(t, p, head)
            if self.pause_s and 0 < i < len(pts) - 1:
                t += self.pause_s
                self.kf.add(t, p, head)

    @property
    def t_out(self) -> float:
        return self.kf.end

    def coco(self, t: float) -> np.ndarray | None:
        if t < self.t0 or t > self.t_out or any(a <= t < b for a, b in self.hidden):
            return None
        tt = np.array([t])
        pos, head = self.kf.at(tt)
        return coco_points(joints(tt, self.kf, self.height, []), pos, head, self.height)[0]

    def true_joints(self, t: float) -> np.ndarray:
        return joints(np.array([t]), self.kf, self.height, [])[0]


def feed(
    store: Store,
    walkers: list[Walker],
    t_end: float,
    epoch: float = 1.7e9,
    noise_px: float = 1.0,
    seed: int = 0,
    delay: float = 0.05,
) -> list[KeypointFrame]:
    """Every camera's frames at 15 fps (camera phases staggered), in arrival order."""
    rng = np.random.default_rng(seed)
    cams = [CameraModel.of(c) for c in store.cameras]
    out = []
    for ci, cam in enumerate(cams):
        phase = (ci % 5) / (5 * RATE)
        for k in range(int(t_end * RATE)):
            t = k / RATE + phase
            people = []
            for w in walkers:
                pts = w.coco(t)
                if pts is None:
                    continue
                uv, ok = cam.project(pts)
                for a, b, js in w.unseen:
                    if a <= t < b:
                        ok[list(js)] = False
                if ok.sum() < 5:
                    continue
                uv = uv + rng.normal(0, noise_px, uv.shape)
                people.append(
                    np.column_stack([np.where(ok[:, None], uv, 0.0), np.where(ok, 0.9, 0.0)])
                )
            out.append(
                KeypointFrame(
                    device=cam.id,
                    t=epoch + t,
                    rx=epoch + t + delay,
                    people=np.asarray(people).reshape(-1, 17, 3),
                )
            )
    out.sort(key=lambda r: r.rx)
    return out
