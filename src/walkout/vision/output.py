"""What the tracker says: the same ``tracks`` records a vendor's tracker sends,
and ``ambiguity`` records for the engine.

The tracker follows the 17 COCO points; the engine wants the vendor skeleton
(head, neck, shoulders, elbows, wrists, hands). The head is the middle of the
ears, the neck sits just above the middle of the shoulders, and a hand is
extrapolated from the forearm (elbow to wrist) by a palm's length, since no
camera keypoint marks it.
"""

from __future__ import annotations

import numpy as np

from walkout.eventlog.records import JOINTS, Ambiguity, TrackedPerson, TrackFrame, construct

HAND_M = 0.07  # wrist to the middle of the hand
NECK_ABOVE_SHOULDERS_M = 0.035
# COCO indices
L_EAR, R_EAR, L_SHO, R_SHO, L_ELB, R_ELB, L_WRI, R_WRI = 3, 4, 5, 6, 7, 8, 9, 10


def skeleton(pos: np.ndarray, sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vendor joints (10, 3) and their uncertainty (10,) from COCO points (17, 3) and sd (17,)."""
    out = np.empty((len(JOINTS), 3))
    s = np.empty(len(JOINTS))
    out[0] = (pos[L_EAR] + pos[R_EAR]) / 2
    s[0] = max(sd[L_EAR], sd[R_EAR])
    out[1] = (pos[L_SHO] + pos[R_SHO]) / 2 + (0.0, 0.0, NECK_ABOVE_SHOULDERS_M)
    s[1] = max(sd[L_SHO], sd[R_SHO])
    for k, (a, b) in enumerate(((L_SHO, R_SHO), (L_ELB, R_ELB), (L_WRI, R_WRI))):
        out[2 + 2 * k], out[3 + 2 * k] = pos[a], pos[b]
        s[2 + 2 * k], s[3 + 2 * k] = sd[a], sd[b]
    for k, (elb, wri) in enumerate(((L_ELB, L_WRI), (R_ELB, R_WRI))):
        fore = pos[wri] - pos[elb]
        out[8 + k] = pos[wri] + fore / max(float(np.linalg.norm(fore)), 1e-6) * HAND_M
        s[8 + k] = max(sd[wri], sd[elb] * 0.3)
    return out, s


def score(sd: np.ndarray) -> np.ndarray:
    """Confidence in [0.05, 0.99] from a joint's positional uncertainty (m)."""
    return np.clip(1.0 - sd / 0.15, 0.05, 0.99)


def person(track_id: str, pos: np.ndarray, sd: np.ndarray, max_sd: float) -> TrackedPerson:
    joints, s = skeleton(pos, sd)
    sc = score(s)
    rows = np.concatenate([np.round(joints, 3), np.round(sc, 2)[:, None]], axis=1).tolist()
    js = {name: tuple(rows[i]) for i, name in enumerate(JOINTS) if s[i] <= max_sd}
    return construct(TrackedPerson, id=track_id, joints=js)


def frame(device: str, t: float, rx: float, seq: int, people: list[TrackedPerson]) -> TrackFrame:
    return construct(TrackFrame, kind="tracks", device=device, t=t, rx=rx, seq=seq, people=people)


def ambiguity(
    device: str,
    t: float,
    rx: float,
    tracks: tuple[str, str],
    t_start: float,
    t_end: float | None,
    dist: float,
) -> Ambiguity:
    return construct(
        Ambiguity,
        kind="ambiguity",
        device=device,
        t=t,
        rx=rx,
        seq=None,
        tracks=tracks,
        t_start=t_start,
        t_end=t_end,
        min_distance_m=round(float(dist), 3),
    )
