"""A constant-velocity Kalman filter for every joint of every track, batched.

State per joint: position and velocity (6). Cameras are not synchronised, so a
view taken ``dt`` after the filter's time measures ``x + v dt``: the
measurement rows carry that offset and every view is used at its own time.
Views measure normalized image coordinates; the projection is linearised at
the prediction (an extended Kalman filter), one view at a time or all
together, in information form so any number of views costs the same.
"""

from __future__ import annotations

import numpy as np


def predict(
    x: np.ndarray, p: np.ndarray, dt: float, accel: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Advance states ``x`` (..., J, 6) and covariances ``p`` (..., J, 6, 6) by ``dt``;
    ``accel`` (J,) is each joint's acceleration noise (m/s^2): hands move faster than heads."""
    x = x.copy()
    x[..., :3] += x[..., 3:] * dt
    # F P F^T with F = [[I, dt I], [0, I]], by blocks
    pp, pv, vp, vv = p[..., :3, :3], p[..., :3, 3:], p[..., 3:, :3], p[..., 3:, 3:]
    out = np.empty_like(p)
    out[..., :3, :3] = pp + dt * (pv + vp) + dt * dt * vv
    out[..., :3, 3:] = pv + dt * vv
    out[..., 3:, :3] = vp + dt * vv
    out[..., 3:, 3:] = vv
    q = (accel**2)[:, None, None] * np.eye(3)
    out[..., :3, :3] += q * dt**3 / 3
    out[..., :3, 3:] += q * dt**2 / 2
    out[..., 3:, :3] += q * dt**2 / 2
    out[..., 3:, 3:] += q * dt
    return x, out


def projection_rows(
    x: np.ndarray, r: np.ndarray, t: np.ndarray, dt: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linearised measurement of normalized image points.

    ``x`` (N, 6) joint states, ``r`` (N, 3, 3) and ``t`` (N, 3) the viewing
    camera of each, ``dt`` (N,) the view's time after the state's. Returns the
    predicted normalized points (N, 2), depths (N,) and Jacobians H (N, 2, 6).
    """
    pos = x[:, :3] + x[:, 3:] * dt[:, None]
    pc = np.einsum("nij,nj->ni", r, pos) + t
    z = pc[:, 2]
    zs = np.where(z > 0.05, z, 0.05)
    u = pc[:, :2] / zs[:, None]
    jp = np.zeros((len(x), 2, 3))
    jp[:, 0, 0] = 1.0
    jp[:, 1, 1] = 1.0
    jp[:, :, 2] = -u
    jx = np.einsum("nab,nbc->nac", jp / zs[:, None, None], r)  # d(uv)/d(pos), (N, 2, 3)
    h = np.concatenate([jx, jx * dt[:, None, None]], axis=2)
    return u, z, h


def update(
    x: np.ndarray,
    p: np.ndarray,
    idx: np.ndarray,
    h: np.ndarray,
    resid: np.ndarray,
    w: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Fuse measurements into flat states ``x`` (S, 6), ``p`` (S, 6, 6).

    Measurement k concerns state ``idx[k]``: ``resid`` (K, 2) = observed -
    predicted, ``h`` (K, 2, 6), ``w`` (K,) inverse variance of each coordinate.
    """
    if len(idx) == 0:
        return x, p
    info = np.zeros((len(x), 6, 6))
    vec = np.zeros((len(x), 6))
    ht = np.transpose(h, (0, 2, 1)) * w[:, None, None]
    np.add.at(info, idx, ht @ h)
    np.add.at(vec, idx, np.einsum("kab,kb->ka", ht, resid))
    s = np.unique(idx)
    prior = np.linalg.inv(p[s])
    post = np.linalg.inv(prior + info[s])
    post = (post + np.transpose(post, (0, 2, 1))) / 2
    x = x.copy()
    p = p.copy()
    x[s] += np.einsum("sab,sb->sa", post, vec[s])
    p[s] = post
    return x, p
