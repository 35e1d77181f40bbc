"""Cameras and the floor from store_meta/calibration.json.

What the file holds, as checked against its own ``look_at`` points:

* lengths in inches;
* ``K`` normalised by the image size (cx = 0.5); fx/fy = 9/16 for every
  camera, so square pixels mean 16:9 images, and the competition's detection
  boxes (up to x = 580, y = 358) fit 640 x 360;
* ``Tw`` is the camera-to-world pose with OpenCV axes: the ray through the
  image centre, K^-1 (0.5, 0.5, 1) turned by Tw, meets the floor exactly at
  ``look_at`` for every camera.

Walkout wants world-to-camera ``rvec``/``tvec`` in metres, so ``Tw`` is
inverted and scaled. Cameras 1-12 are the ceiling RGB cameras the tracker used
(camera_mapping.json maps their addresses 192.168.1.100-111 to them, and the
tracker's detections name them 100-111). 21-26 are down-looking RGB-D units
with nominal intrinsics and no distortion, which no detection references; their
``-depth`` entries are the depth sensors of the same units. Both are left out
unless asked for (``include_overhead``), and depth sensors always.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from walkout.domain.store import Camera, Extrinsics, Intrinsics
from walkout.importers.aifi.units import INCH
from walkout.importers.sources import SourceError, dig, number, read_json

IMAGE_SIZE = (640, 360)
RGB_CAMERAS = range(1, 13)
TRACKER_FPS = 15.0


@dataclass
class Calibration:
    cameras: list[Camera]
    world_ltrb_m: tuple[float, float, float, float]  # left (x min), top (y min), right, bottom
    notes: list[str] = field(default_factory=list)


def camera_id(n: int | str) -> str:
    return f"cam{n}"


def read_calibration(path: Path, include_overhead: bool = False) -> Calibration:
    doc = read_json(path)
    ltrb = dig(doc, "world_ltrb", str(path))
    if not isinstance(ltrb, list) or len(ltrb) != 4:
        raise SourceError(f"{path}: world_ltrb must be [left, top, right, bottom], got {ltrb!r}")
    box = tuple(round(number(v, "world_ltrb", str(path)) * INCH, 4) for v in ltrb)
    if not (box[0] < box[2] and box[1] < box[3]):
        raise SourceError(f"{path}: world_ltrb {ltrb} is not a box (left < right, top < bottom)")
    cameras: list[Camera] = []
    notes: list[str] = []
    entries = dig(doc, "cameras", str(path))
    skipped = []
    for key in sorted(entries, key=_key_order):
        if not key.isdigit() or (int(key) not in RGB_CAMERAS and not include_overhead):
            skipped.append(key)
            continue
        cam, note = _camera(key, entries[key], f"{path}: cameras.{key}")
        cameras.append(cam)
        if note:
            notes.append(note)
    if skipped:
        notes.append(
            f"calibration: left out cameras {', '.join(skipped)} (overhead RGB-D units and depth sensors)"
        )
    return Calibration(cameras, (box[0], box[1], box[2], box[3]), notes)


def _key_order(key: str) -> tuple[int, str]:
    head = key.split("-")[0]
    return (int(head) if head.isdigit() else 10**6, key)


def _camera(key: str, c: dict, where: str) -> tuple[Camera, str | None]:
    k = np.asarray(dig(c, "K", where), dtype=float)
    tw = np.asarray(dig(c, "Tw", where), dtype=float)
    if k.shape != (3, 3):
        raise SourceError(f"{where}: K has shape {list(k.shape)}, expected [3, 3]")
    if tw.shape != (4, 4):
        raise SourceError(f"{where}: Tw has shape {list(tw.shape)}, expected [4, 4]")
    rot, t_in = tw[:3, :3], tw[:3, 3]
    if abs(np.linalg.det(rot) - 1) > 1e-3 or not np.allclose(rot.T @ rot, np.eye(3), atol=1e-3):
        raise SourceError(f"{where}: Tw's rotation is not a proper rotation matrix")
    w, h = IMAGE_SIZE
    fx, fy = k[0, 0] * w, k[1, 1] * h
    note = None
    if abs(fx - fy) > 0.01 * fx:
        note = f"camera {key}: fx {fx:.1f} px != fy {fy:.1f} px at {w}x{h}; image size may differ"
    look_at = c.get("look_at")
    if look_at is not None:
        ray = rot @ np.linalg.solve(k, np.array([0.5, 0.5, 1.0]))
        if abs(ray[2]) > 1e-9:
            hit = t_in + (-t_in[2] / ray[2]) * ray
            if np.linalg.norm(hit[:2] - np.asarray(look_at[:2], dtype=float)) > 1.0:
                note = f"camera {key}: look_at disagrees with Tw by more than 1 inch"
    r_wc = rot.T
    t_wc = -r_wc @ (t_in * INCH)
    rvec, _ = cv2.Rodrigues(r_wc)
    dist = [float(x) for x in c.get("dist_coeffs", [])]
    cam = Camera(
        id=camera_id(key),
        intrinsics=Intrinsics(
            width=w,
            height=h,
            fx=round(fx, 4),
            fy=round(fy, 4),
            cx=round(k[0, 2] * w, 4),
            cy=round(k[1, 2] * h, 4),
            distortion=dist,
        ),
        extrinsics=Extrinsics(
            rvec=tuple(round(float(x), 8) for x in rvec.ravel()),  # type: ignore[arg-type]
            tvec=tuple(round(float(x), 6) for x in t_wc),  # type: ignore[arg-type]
        ),
        fps=TRACKER_FPS,
    )
    return cam, note
