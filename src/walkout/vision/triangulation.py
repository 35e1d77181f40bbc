"""Triangulation: a point from its images in any number of calibrated views.

Linear (DLT) in the normalized image plane, each view weighted by its
detector score. A single wrong view (a detection matched to the wrong person,
a joint confused left for right) would drag a least-squares point off, so the
robust version reweights views by their reprojection error (Cauchy weights,
scale annealed from coarse to fine): views that disagree with the others fade
out, and any subset of two or more consistent views decides.
"""

from __future__ import annotations

import numpy as np


def triangulate(p: np.ndarray, xy: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted DLT. ``p`` (V, 3, 4) or (..., V, 3, 4) projection matrices to normalized
    coordinates, ``xy`` (..., V, 2) observations, ``w`` (..., V) weights (0: no view).
    Returns (..., 3); NaN where fewer than two views have weight."""
    p = np.broadcast_to(p, (*xy.shape[:-1], 3, 4))
    a = np.empty((*xy.shape[:-1], 2, 4))
    a[..., 0, :] = xy[..., 0, None] * p[..., 2, :] - p[..., 0, :]
    a[..., 1, :] = xy[..., 1, None] * p[..., 2, :] - p[..., 1, :]
    a *= np.nan_to_num(w)[..., None, None]
    a = a.reshape(*xy.shape[:-2], 2 * xy.shape[-2], 4)
    a = np.nan_to_num(a)
    _, _, vh = np.linalg.svd(a, full_matrices=False)
    h = vh[..., -1, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        x = h[..., :3] / h[..., 3:]
    enough = (np.nan_to_num(w) > 0).sum(axis=-1) >= 2
    return np.where(enough[..., None], x, np.nan)


def reprojection(p: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Normalized image points (..., V, 2) and depths (..., V) of points ``x`` (..., 3)."""
    p = np.broadcast_to(p, (*x.shape[:-1], p.shape[-3], 3, 4))
    xh = np.concatenate([x, np.ones((*x.shape[:-1], 1))], axis=-1)
    pc = np.einsum("...vij,...j->...vi", p, xh)
    with np.errstate(divide="ignore", invalid="ignore"):
        return pc[..., :2] / pc[..., 2:], pc[..., 2]


def triangulate_robust(
    p: np.ndarray,
    xy: np.ndarray,
    w: np.ndarray,
    scale: float = 0.006,
    iters: int = 5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Iteratively reweighted DLT, robust to a wrong view.

    ``scale`` is the Cauchy scale in normalized units (0.006 is about 5 px on a
    800 px focal length). Returns points (..., 3), the final view weights
    (..., V) and reprojection errors (..., V) in normalized units.
    """
    w = np.nan_to_num(np.asarray(w, dtype=float))
    x = triangulate(p, xy, w)
    ww = w
    err = np.full(w.shape, np.inf)
    for k in range(iters):
        s = scale * 2.0 ** max(iters - 2 - k, 0)  # coarse to fine: 8, 4, 2, 1, 1 x scale
        hat, depth = reprojection(p, np.nan_to_num(x))
        err = np.linalg.norm(hat - xy, axis=-1)
        err = np.where(np.isnan(err) | (depth <= 0), np.inf, err)
        ww = w / (1.0 + (err / s) ** 2) / np.maximum(np.where(depth > 0, depth, 1.0), 0.3)
        x_new = triangulate(p, xy, ww)
        x = np.where(np.isnan(x_new), x, x_new)
    keep = (ww * np.maximum(np.nan_to_num(depth, nan=1.0), 0.3) / np.maximum(w, 1e-12) > 0.2) & (
        w > 0
    )
    x = np.where((keep.sum(axis=-1) >= 2)[..., None], x, np.nan)
    return x, np.where(keep, ww, 0.0), err
