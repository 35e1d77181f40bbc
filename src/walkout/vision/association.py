"""Which detections are the same person: within a camera (against tracks) and across cameras.

Detections in one camera are matched to tracks by reprojection: each track's
predicted joints are projected into the camera, and the cost is the mean
lateral distance (metres at the track's depth) over the joints both show;
``scipy.optimize.linear_sum_assignment`` finds the best one-to-one match.
Detections no track explains are matched across cameras by epipolar geometry
(a point in one view lies on a line in another), grown greedily into groups
with at most one detection per camera, and triangulated; a group that does
not triangulate consistently loses its worst views.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from walkout.vision.cameras import Rig, essential
from walkout.vision.triangulation import reprojection, triangulate_robust

MIN_COMMON = 3  # joints two detections (or a detection and a track) must share to compare


def reprojection_cost(
    pred_xy: np.ndarray,
    pred_depth: np.ndarray,
    pred_ok: np.ndarray,
    det_xy: np.ndarray,
    det_w: np.ndarray,
) -> np.ndarray:
    """(n, m) mean lateral distance in metres between n detections and m predicted
    skeletons (all normalized coordinates, (…, 17, 2)); inf where they share too few joints."""
    if len(det_xy) == 0 or len(pred_xy) == 0:
        return np.full((len(det_xy), len(pred_xy)), np.inf)
    d = np.linalg.norm(det_xy[:, None] - pred_xy[None], axis=3) * pred_depth[None]  # (n, m, 17)
    w = det_w[:, None, :] * pred_ok[None]
    common = (w > 0).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        cost = np.nansum(np.where(w > 0, d, 0.0) * w, axis=2) / w.sum(axis=2)
    return np.where(common >= MIN_COMMON, cost, np.inf)


def assign(cost: np.ndarray, gate: float | np.ndarray) -> list[tuple[int, int]]:
    """Hungarian assignment of rows to columns, keeping pairs cheaper than ``gate``
    (a scalar or one gate per column)."""
    if cost.size == 0:
        return []
    gates = np.broadcast_to(np.asarray(gate, dtype=float), cost.shape[1:])
    ok = cost < gates[None, :]
    if not ok.any():
        return []
    big = 1e6
    rows, cols = linear_sum_assignment(np.where(ok, cost, big))
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if ok[i, j]]


def epipolar_cost(
    e: np.ndarray, xa: np.ndarray, wa: np.ndarray, xb: np.ndarray, wb: np.ndarray
) -> np.ndarray:
    """(na, nb) mean symmetric distance (normalized units) of detections in view b from
    the epipolar lines of detections in view a, over the joints both show."""
    ha = np.concatenate([xa, np.ones((*xa.shape[:-1], 1))], axis=-1)  # (na, 17, 3)
    hb = np.concatenate([xb, np.ones((*xb.shape[:-1], 1))], axis=-1)
    la = ha @ e.T  # lines in b: (na, 17, 3)
    lb = hb @ e  # lines in a: (nb, 17, 3)
    num = np.abs(np.einsum("akc,bkc->abk", la, hb))
    da = num / np.maximum(np.linalg.norm(la[..., :2], axis=-1), 1e-12)[:, None, :]
    db = num / np.maximum(np.linalg.norm(lb[..., :2], axis=-1), 1e-12)[None, :, :]
    both = (wa[:, None, :] > 0) & (wb[None, :, :] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cost = np.where(both, (da + db) / 2, 0.0).sum(axis=2) / both.sum(axis=2)
    return np.where(both.sum(axis=2) >= MIN_COMMON, cost, np.inf)


@dataclass
class View:
    """One camera frame's detections that no track took: normalized points, scores, time offset."""

    cam: int
    xy: np.ndarray  # (n, 17, 2)
    w: np.ndarray  # (n, 17)
    dt: float = 0.0


@dataclass
class Group:
    """Detections across views judged to be one person, and where they triangulate."""

    members: list[tuple[int, int]]  # (view index, detection index)
    joints: np.ndarray  # (17, 3), NaN where fewer than two views agree
    views_per_joint: np.ndarray  # (17,)

    @property
    def centre(self) -> np.ndarray:
        """Mid-shoulder and mid-hip points averaged: the body's middle, for gates and re-finding."""
        core = self.joints[[5, 6, 11, 12]]
        ok = ~np.isnan(core[:, 0])
        return core[ok].mean(axis=0) if ok.any() else np.nanmean(self.joints, axis=0)


def group_views(
    rig: Rig,
    views: list[View],
    gate: float = 0.04,
    max_view_error_m: float = 0.25,
) -> list[Group]:
    """Cross-camera groups of detections (at least two cameras each), triangulated robustly."""
    edges: list[tuple[float, tuple[int, int], tuple[int, int]]] = []
    for a in range(len(views)):
        for b in range(a + 1, len(views)):
            va, vb = views[a], views[b]
            if va.cam == vb.cam or not len(va.xy) or not len(vb.xy):
                continue
            e = essential(rig.cameras[va.cam], rig.cameras[vb.cam])
            cost = epipolar_cost(e, va.xy, va.w, vb.xy, vb.w)
            for i, j in zip(*np.nonzero(cost < gate), strict=True):
                edges.append((float(cost[i, j]), (a, int(i)), (b, int(j))))
    edges.sort(key=lambda x: x[0])
    comp: dict[tuple[int, int], int] = {}
    members: dict[int, list[tuple[int, int]]] = {}
    cams: dict[int, set[int]] = {}
    for _, na, nb in edges:
        for n in (na, nb):
            if n not in comp:
                comp[n] = len(comp)
                members[comp[n]] = [n]
                cams[comp[n]] = {views[n[0]].cam}
        ca, cb = comp[na], comp[nb]
        if ca == cb or cams[ca] & cams[cb]:
            continue  # already together, or one detection per camera and person
        for n in members[cb]:
            comp[n] = ca
        members[ca] += members.pop(cb)
        cams[ca] |= cams.pop(cb)
    out = []
    for mem in members.values():
        if len(mem) < 2:
            continue
        g = triangulate_group(rig, views, mem, max_view_error_m)
        if g is not None:
            out.append(g)
    return out


def triangulate_group(
    rig: Rig, views: list[View], members: list[tuple[int, int]], max_view_error_m: float = 0.25
) -> Group | None:
    """Robust triangulation of one group; drops views whose detection does not fit the rest."""
    mem = list(members)
    for _ in range(3):
        if len({views[v].cam for v, _ in mem}) < 2:
            return None
        p = rig.p[[views[v].cam for v, _ in mem]]  # (V, 3, 4)
        xy = np.stack([views[v].xy[i] for v, i in mem], axis=1)  # (17, V, 2)
        w = np.stack([views[v].w[i] for v, i in mem], axis=1)  # (17, V)
        x, ww, err = triangulate_robust(p, xy, w)
        _, depth = reprojection(p, np.nan_to_num(x))
        lateral = np.where((w > 0) & ~np.isnan(x[:, :1]), err * np.abs(depth), np.nan)
        with warnings.catch_warnings():  # a view with no usable joint has no median
            warnings.simplefilter("ignore", RuntimeWarning)
            per_view = np.nanmedian(np.where(np.isfinite(lateral), lateral, np.nan), axis=0)
        bad = np.nan_to_num(per_view, nan=np.inf) > max_view_error_m
        if not bad.any():
            return Group(mem, x, (ww > 0).sum(axis=1))
        mem = [m for m, b in zip(mem, bad, strict=True) if not b]
    return None
