"""Camera models from the store file: undistortion, projection, epipolar geometry.

The tracker works in each camera's undistorted normalized image plane
(``x = X_c / Z_c``), where the projection of a world point is linear in
homogeneous coordinates (``P = [R | t]``), so triangulation and epipolar
constraints stay linear; pixels come back only to compare with the image size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from walkout.domain.store import Camera, Store


@dataclass(frozen=True)
class CameraModel:
    id: str
    k: np.ndarray  # (3, 3) intrinsics
    dist: np.ndarray  # OpenCV distortion coefficients
    r: np.ndarray  # (3, 3) world -> camera
    t: np.ndarray  # (3,)
    size: tuple[int, int]  # width, height in pixels
    f: float  # mean focal length, px: normalized units -> pixels

    @classmethod
    def of(cls, cam: Camera) -> CameraModel:
        intr = cam.intrinsics
        return cls(
            id=cam.id,
            k=intr.matrix(),
            dist=np.asarray(intr.distortion or [0.0, 0.0, 0.0, 0.0], dtype=float),
            r=cam.rotation(),
            t=np.asarray(cam.extrinsics.tvec, dtype=float),
            size=(intr.width, intr.height),
            f=float((intr.fx + intr.fy) / 2),
        )

    @property
    def centre(self) -> np.ndarray:
        return -self.r.T @ self.t

    @property
    def p(self) -> np.ndarray:
        """(3, 4) projection matrix to the normalized image plane."""
        return np.hstack([self.r, self.t[:, None]])

    def undistort(self, uv: np.ndarray) -> np.ndarray:
        """Pixel coordinates (N, 2) of the raw image -> normalized undistorted (N, 2)."""
        if len(uv) == 0:
            return np.empty((0, 2))
        pts = np.ascontiguousarray(uv, dtype=np.float64).reshape(-1, 1, 2)
        return cv2.undistortPoints(pts, self.k, self.dist).reshape(-1, 2)

    def to_camera(self, x: np.ndarray) -> np.ndarray:
        """World points (..., 3) in camera coordinates."""
        return x @ self.r.T + self.t

    def project(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixels (N, 2) of world points (cv2.projectPoints) and which are in the image, in front."""
        x = np.asarray(x, dtype=float).reshape(-1, 3)
        pc = self.to_camera(x)
        z = pc[:, 2]
        front = z > 0.05
        zs = np.where(front, z, 1.0)
        w, h = self.size
        # far outside the field of view the distortion polynomial folds points back in
        lim_x = 1.3 * max(self.k[0, 2], w - self.k[0, 2]) / self.k[0, 0]
        lim_y = 1.3 * max(self.k[1, 2], h - self.k[1, 2]) / self.k[1, 1]
        ok = front & (np.abs(pc[:, 0] / zs) < lim_x) & (np.abs(pc[:, 1] / zs) < lim_y)
        uv = np.full((len(x), 2), np.nan)
        if ok.any():
            rvec, _ = cv2.Rodrigues(self.r)
            proj, _ = cv2.projectPoints(x[ok].reshape(-1, 1, 3), rvec, self.t, self.k, self.dist)
            uv[ok] = proj.reshape(-1, 2)
        ok &= (uv[:, 0] >= 0) & (uv[:, 0] < w) & (uv[:, 1] >= 0) & (uv[:, 1] < h)
        return uv, ok


@dataclass(frozen=True)
class Rig:
    """All cameras of a store, stacked so that points project into every camera at once."""

    cameras: list[CameraModel]
    index: dict[str, int]
    r: np.ndarray  # (C, 3, 3)
    t: np.ndarray  # (C, 3)
    p: np.ndarray  # (C, 3, 4)
    f: np.ndarray  # (C,)
    limits: np.ndarray  # (C, 4): normalized x_min, x_max, y_min, y_max of the image

    @classmethod
    def of(cls, cameras: list[Camera] | Store) -> Rig:
        cams = cameras.cameras if isinstance(cameras, Store) else cameras
        if not cams:
            raise ValueError("no cameras: the store file has none and none were given")
        models = [CameraModel.of(c) for c in cams]
        lims = []
        for m in models:
            w, h = m.size
            border = np.array(
                [
                    [0, 0],
                    [w - 1, 0],
                    [0, h - 1],
                    [w - 1, h - 1],
                    [w / 2, 0],
                    [w / 2, h - 1],
                    [0, h / 2],
                    [w - 1, h / 2],
                ]
            )
            xy = m.undistort(border)
            lims.append([xy[:, 0].min(), xy[:, 0].max(), xy[:, 1].min(), xy[:, 1].max()])
        return cls(
            cameras=models,
            index={m.id: i for i, m in enumerate(models)},
            r=np.stack([m.r for m in models]),
            t=np.stack([m.t for m in models]),
            p=np.stack([m.p for m in models]),
            f=np.array([m.f for m in models]),
            limits=np.asarray(lims),
        )

    def normalized(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points (N, 3) -> normalized coordinates (C, N, 2) and depths (C, N)."""
        pc = np.einsum("cij,nj->cni", self.r, x) + self.t[:, None, :]
        z = pc[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            xy = pc[..., :2] / z[..., None]
        return xy, z


def essential(a: CameraModel, b: CameraModel) -> np.ndarray:
    """Essential matrix E with ``x_b^T E x_a = 0`` for normalized homogeneous points."""
    r_ab = b.r @ a.r.T
    t_ab = b.t - r_ab @ a.t
    tx = np.array([[0, -t_ab[2], t_ab[1]], [t_ab[2], 0, -t_ab[0]], [-t_ab[1], t_ab[0], 0]])
    return tx @ r_ab
