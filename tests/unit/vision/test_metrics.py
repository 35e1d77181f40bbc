"""Cross-account moves: CLEAR-MOT's kept matches against a fresh match every frame."""

from __future__ import annotations

import numpy as np

from walkout.eventlog.records import JOINTS, TrackedPerson, TrackFrame
from walkout.vision.metrics import GroundTruth, score_tracks

NECK = JOINTS.index("neck")


def _truth(path_a: np.ndarray, path_b: np.ndarray, times: np.ndarray) -> GroundTruth:
    joints = np.zeros((len(times), 2, len(JOINTS), 3))
    joints[:, 0, :, :2] = path_a[:, None, :]
    joints[:, 1, :, :2] = path_b[:, None, :]
    joints[..., 2] = 1.5
    return GroundTruth([(times, ["pa", "pb"], joints)], {"pa": ("sa", "A"), "pb": ("sb", "B")})


def _frames(times: np.ndarray, tracks: dict[str, np.ndarray]) -> list[TrackFrame]:
    return [
        TrackFrame(
            device="tracker",
            t=float(t),
            people=[
                TrackedPerson(id=tid, joints={"neck": (*map(float, xy[i]), 1.5, 1.0)})
                for tid, xy in tracks.items()
            ],
        )
        for i, t in enumerate(times)
    ]


def test_a_track_between_two_close_people_is_no_move_but_a_real_swap_is() -> None:
    times = 1000.0 + np.arange(60) / 15
    # Two people 0.36 m apart, standing still, side by side.
    a = np.tile([1.0, 1.0], (60, 1))
    b = np.tile([1.36, 1.0], (60, 1))
    truth = _truth(a, b, times)
    # Track 1 sits between them, wobbling so that the nearer one changes every
    # few frames; track 2 follows b closely from frame 30 on (before: out of sight).
    wobble = np.where((np.arange(60) // 5) % 2 == 0, 0.17, 0.19)[:, None] * [1.0, 0.0]
    t1 = a + wobble
    frames = _frames(times[:30], {"t1": t1[:30]}) + _frames(
        times[30:], {"t1": t1[30:], "t2": b[30:] + np.array([0.01, 0.0])}
    )
    s = score_tracks(frames, truth)
    assert s.cross_account_switches == 0  # t1 stays with a while within 0.5 m of a
    assert s.cross_account_switches_per_frame is not None
    assert s.cross_account_switches_per_frame >= 2  # a fresh match flips t1 to b and back

    # A real swap: the tracks exchange people and stay exchanged.
    far_a = np.tile([1.0, 1.0], (60, 1))
    far_b = np.tile([1.0, 3.0], (60, 1))
    s = score_tracks(
        _frames(
            times,
            {"x": np.vstack([far_a[:30], far_b[30:]]), "y": np.vstack([far_b[:30], far_a[30:]])},
        ),
        _truth(far_a, far_b, times),
    )
    assert s.cross_account_switches == 2
    assert {(m.track, m.person_from, m.person_to) for m in s.moves} == {
        ("x", "pa", "pb"),
        ("y", "pb", "pa"),
    }
    assert all(m.m_to < 0.05 and m.m_from is not None and m.m_from > 1.5 for m in s.moves)
