"""The tracker on scripted walks: births at the entrance, ends at the exit,
held and re-found after an occlusion, ambiguity windows, late frames."""

from __future__ import annotations

import numpy as np
import pytest

from walkout.domain.store import Store
from walkout.eventlog.records import Ambiguity, GatePass, Header, KeypointFrame, TrackFrame
from walkout.stores import builtin_store
from walkout.vision.association import (
    Group,
    View,
    assign,
    epipolar_cost,
    group_views,
    reprojection_cost,
)
from walkout.vision.cameras import Rig, essential
from walkout.vision.lifecycle import Lifecycle, Track
from walkout.vision.pipeline import track_log
from walkout.vision.tracker import Stats, Tracker, TrackerParams

from .scripted import Walker, feed

EPOCH = 1.7e9
# corner-shop: entry gate 0.6-1.6 m on y = 0, exit gate 4.4-5.4 m; open floor along the front
ENTER = (1.1, 0.15)
EXIT = (4.9, 0.15)
FRONT = [(1.2, 1.0), (4.0, 1.0)]


@pytest.fixture(scope="module")
def shop() -> Store:
    return builtin_store("corner-shop")


def run(store: Store, frames: list[KeypointFrame], params: TrackerParams | None = None):
    trk = Tracker(store, params or TrackerParams())
    out = []
    for r in frames:
        out.extend(trk.push(r))
    out.extend(trk.flush())
    return (
        trk,
        [r for r in out if isinstance(r, TrackFrame)],
        [r for r in out if isinstance(r, Ambiguity)],
    )


def ids_over_time(frames: list[TrackFrame]) -> list[tuple[float, list[str]]]:
    return [(f.t - EPOCH, sorted(p.id for p in f.people)) for f in frames]


def test_one_walk_from_entrance_to_exit_is_one_track(shop: Store) -> None:
    w = Walker([ENTER, *FRONT, EXIT], t0=0.5)
    trk, frames, _ = run(shop, feed(shop, [w], w.t_out + 3))
    seen = {i for _, ids in ids_over_time(frames) for i in ids}
    assert len(seen) == 1
    assert trk.stats.births == 1 and trk.stats.ends == 1
    # every record, those the end of the stream flushed included, arrives at a
    # real time, in order (an infinite rx made the engine's clock infinite)
    rx = [f.rx for f in frames]
    assert all(r is not None and np.isfinite(r) for r in rx) and rx == sorted(rx)
    # shown from soon after the gate until the exit, and gone after it
    shown = [t for t, ids in ids_over_time(frames) if ids]
    assert shown[0] < 0.5 + 1.0 and shown[-1] > w.t_out - 0.5
    assert not [t for t, ids in ids_over_time(frames) if ids and t > w.t_out + 1.0]
    # hands are where the body puts them
    last = next(f for f in reversed(frames) if f.people and f.t - EPOCH < w.t_out - 1)
    true = w.true_joints(last.t - EPOCH)
    err = np.linalg.norm(np.asarray(last.people[0].joints["r_hand"][:3]) - true[9])
    assert err < 0.06


def test_nobody_is_born_away_from_an_entrance(shop: Store) -> None:
    w = Walker([(2.6, 1.4), (3.2, 1.4)], t0=0.2, speed=0.3)  # appears mid-floor, 2 m from the gates
    trk, frames, _ = run(shop, feed(shop, [w], w.t_out + 1))
    assert trk.stats.births == 0
    assert all(not f.people for f in frames)


def test_a_person_lost_behind_a_fixture_is_held_and_refound(shop: Store) -> None:
    w = Walker([ENTER, *FRONT, EXIT], t0=0.5, speed=0.6)
    w.hidden = [(3.5, 6.5)]  # three seconds unseen in the middle of the front aisle
    trk, frames, _ = run(shop, feed(shop, [w], w.t_out + 3))
    seen = {i for _, ids in ids_over_time(frames) for i in ids}
    assert len(seen) == 1, "the same id before and after the occlusion"
    assert trk.stats.births == 1 and trk.stats.refinds >= 1 and trk.stats.ends == 1
    during = [ids for t, ids in ids_over_time(frames) if 4.0 < t < 6.4]
    assert all(not ids for ids in during), "a held track is not shown where nobody is seen"


def test_joints_no_camera_confirms_stay_with_the_body(shop: Store) -> None:
    """Hips and legs unseen for 3 s while the person turns back (a constant-velocity
    filter would carry them on the old way, and the track's centre with them): they
    stay with the body, and the track keeps its person."""
    w = Walker([ENTER, *FRONT, (2.0, 1.0), (4.0, 1.0), EXIT], t0=0.5)
    w.unseen = [(2.5, 5.5, (11, 12, 13, 14, 15, 16))]
    trk = Tracker(shop, TrackerParams())
    worst = 0.0
    for r in feed(shop, [w], w.t_out + 1):
        trk.push(r)
        t = r.t - EPOCH
        live = [tr for tr in trk.life.tracks if tr.state == "active"]
        if live and 1.0 < t < w.t_out - 0.3:
            true = w.kf.at(np.array([t - 0.35]))[0][0]  # ticks run 0.35 s behind the frames
            worst = max(worst, float(np.hypot(*(live[0].centre[:2] - true))))
    assert trk.stats.births == 1
    assert worst < 0.3, worst


def test_a_person_lost_near_the_exit_who_does_not_leave_is_revived(shop: Store) -> None:
    w = Walker([ENTER, *FRONT, (4.6, 0.9), (4.0, 1.0)], t0=0.5, speed=0.8)
    w.hidden = [(6.0, 7.5)]
    _, frames, _ = run(shop, feed(shop, [w], w.t_out + 1))
    assert len({i for _, ids in ids_over_time(frames) for i in ids}) == 1


def _track(tid: str, xy: tuple[float, float], state: str = "active") -> Track:
    x = np.zeros((17, 6))
    x[:, :2], x[:, 2] = xy, 1.2
    return Track(tid, x, np.tile(np.eye(6) * 1e-3, (17, 1, 1)), state, 0.0, 0.0, hits=10)


def _group(xy: tuple[float, float]) -> Group:
    j = np.zeros((17, 3))
    j[:, :2], j[:, 2] = xy, 1.2
    return Group(members=[(0, 0), (1, 0)], joints=j, views_per_joint=np.full(17, 2))


def test_an_ended_track_is_revived_only_where_it_ended_and_never_once_it_walked_out(
    shop: Store,
) -> None:
    """A track lost at the exit's gate line walked out: gone, whoever turns up there
    later. One lost by the exit but inside may be revived, only within a fixed gate
    (it used to grow with the time since, to 6 m, and took the next person leaving)."""
    life = Lifecycle(shop, TrackerParams())
    out, stay = _track("walked-out", (4.9, 0.1)), _track("stood-by", (4.9, 0.8))
    life.tracks = [out, stay]
    stats = Stats()
    life.after_tick(1.0, 1.0, [], None, stats)  # type: ignore[arg-type]
    assert stats.ends == 2
    assert [tr.id for tr in life.tracks] == ["stood-by"] and stay.state == "ended"
    life._groups(9.0, [_group((3.6, 0.9))], stats)  # someone 1.3 m away, 8 s later: not them
    assert stay.state == "ended" and stats.unexplained_groups == 1
    life._groups(9.5, [_group((4.9, 0.15))], stats)  # where the other walked out: the one
    assert stay.state == "active"  # who stood by is the only one who can be there


def test_two_people_passing_close_open_and_close_an_ambiguity_window(shop: Store) -> None:
    b = Walker([ENTER, (1.2, 1.3), (2.5, 1.3), (2.6, 1.3)], t0=0.2, pause_s=8)  # stands
    a = Walker([ENTER, (1.2, 0.95), (4.0, 0.95)], t0=3.0)  # walks past 35 cm away
    _, frames, amb = run(shop, feed(shop, [a, b], 9.0))
    assert len({i for _, ids in ids_over_time(frames) for i in ids}) == 2
    opened = [r for r in amb if r.t_end is None]
    closed = [r for r in amb if r.t_end is not None]
    assert opened and closed
    assert closed[0].t_end > closed[0].t_start and closed[0].min_distance_m < 0.5


def test_late_frames_within_the_bound_are_used_and_later_ones_dropped(shop: Store) -> None:
    w = Walker([ENTER, *FRONT], t0=0.5)
    frames = feed(shop, [w], 4.0)
    late = []
    for k, f in enumerate(frames):
        if k % 50 == 7:  # held up in the network: 0.2 s (used) or 2 s (too late)
            extra = 0.2 if k % 100 == 7 else 2.0
            late.append(f.model_copy(update={"rx": f.rx + extra}))
        else:
            late.append(f)
    late.sort(key=lambda r: r.rx)
    trk, _, _ = run(shop, late)
    assert trk.stats.late_dropped >= len(frames) // 100 - 1
    assert trk.stats.late_used > 0


def test_association_matches_the_same_person_across_cameras(shop: Store) -> None:
    rig = Rig.of(shop)
    a = Walker([(1.2, 1.0), (4.0, 1.0)])
    b = Walker([(2.5, 1.4), (4.0, 1.4)])
    pts = [w.coco(0.0) for w in (a, b)]
    views = []
    for ci, cam in enumerate(rig.cameras):
        dets = []
        for p in pts:
            uv, ok = cam.project(p)
            if ok.sum() >= 6:
                dets.append((cam.undistort(np.where(ok[:, None], uv, 0.0)), ok.astype(float)))
        if len(dets) == 2:
            views.append(View(ci, np.stack([d[0] for d in dets]), np.stack([d[1] for d in dets])))
    assert len(views) >= 2
    e = essential(rig.cameras[views[0].cam], rig.cameras[views[1].cam])
    cost = epipolar_cost(e, views[0].xy, views[0].w, views[1].xy, views[1].w)
    assert assign(cost, 0.04) == [(0, 0), (1, 1)]
    groups = group_views(rig, views)
    assert len(groups) == 2
    centres = sorted(g.centre[0] for g in groups)
    assert centres[0] == pytest.approx(1.2 + 0.0, abs=0.15) and centres[1] == pytest.approx(
        2.5, abs=0.15
    )
    # and a detection matches the skeleton it came from
    pred_xy, depth = rig.normalized(np.concatenate(pts))
    c = views[0].cam
    cost = reprojection_cost(
        pred_xy[c].reshape(2, 17, 2),
        depth[c].reshape(2, 17),
        np.ones((2, 17), bool),
        views[0].xy,
        views[0].w,
    )
    assert assign(cost, 0.35) == [(0, 0), (1, 1)]


def test_track_log_replaces_keypoints_with_tracks(shop: Store) -> None:
    w = Walker([ENTER, *FRONT], t0=0.3)
    head = Header(store=shop.id, source="twin", start=EPOCH)
    gate = GatePass(device="entry-1", t=EPOCH + 0.3, rx=EPOCH + 0.31, direction="in")
    recs = [head, *feed(shop, [w], 3.0)]
    recs.insert(5, gate)
    out = list(track_log(recs, shop))
    assert out[0] == head and gate in out
    assert not any(isinstance(r, KeypointFrame) for r in out)
    assert any(isinstance(r, TrackFrame) and r.people for r in out)


def test_a_track_with_no_joint_sure_enough_is_not_shown(shop: Store) -> None:
    """A just-confirmed track may not yet know any joint within the shown bound: a
    person with no joint says nothing to the engine (it placed such a person at the
    origin), so the frame leaves it out until a joint is sure enough."""
    life = Lifecycle(shop, TrackerParams())
    sure, unsure = _track("sure", (2.0, 1.0)), _track("unsure", (3.0, 1.0))
    unsure.p = np.tile(np.eye(6), (17, 1, 1))  # 1 m of doubt on every joint
    life.tracks = [sure, unsure]
    f = life.frame(0.0, 0.1, 0)
    assert [p.id for p in f.people] == ["sure"] and f.people[0].joints
