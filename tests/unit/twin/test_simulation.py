"""The twin as a whole: deterministic, in arrival order, and its truth adds up."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from tests.unit.twin.conftest import Run, busy, run_twin
from walkout.eventlog import GateEntry, GatePass, PlateBatch, TrackFrame
from walkout.eventlog.truth import TruthAction, TruthHandoff, TruthLean, TruthReceipt, TruthSession
from walkout.twin.runner import simulate_to_dir


def test_same_seed_same_bytes(tmp_path: Path, mini) -> None:
    sc = busy()
    a = simulate_to_dir(mini, sc, 5, 90, tmp_path / "a", "binary")
    simulate_to_dir(mini, sc, 5, 90, tmp_path / "b", "binary")
    simulate_to_dir(mini, sc, 6, 90, tmp_path / "c", "binary")
    assert a.sessions > 0
    assert (tmp_path / "a/log.wlog").read_bytes() == (tmp_path / "b/log.wlog").read_bytes()
    assert (tmp_path / "a/truth.jsonl").read_bytes() == (tmp_path / "b/truth.jsonl").read_bytes()
    assert (tmp_path / "a/log.wlog").read_bytes() != (tmp_path / "c/log.wlog").read_bytes()


def test_records_come_in_arrival_order(mini_run: Run) -> None:
    rx = [r.rx for r in mini_run.records[1:]]
    assert all(x is not None for x in rx)
    assert rx == sorted(rx)
    assert mini_run.records[0].kind == "header"


def test_every_kind_of_record_appears(mini_run: Run) -> None:
    kinds = Counter(r.kind for r in mini_run.records)
    for k in ("plates", "tracks", "entry", "pass", "recognition"):
        assert kinds[k] > 0, k


def test_receipts_are_takes_minus_puts_plus_handoffs(mini_run: Run) -> None:
    """The truth's own bookkeeping: what each session carried out is exactly what
    its people took, minus what they put back anywhere, plus what they were handed."""
    person_session: dict[str, str] = {}
    for r in mini_run.truth:
        if isinstance(r, TruthSession):
            for p in r.people:
                person_session[p.id] = r.id
    held: dict[str, Counter[str]] = defaultdict(Counter)
    for r in mini_run.truth:
        if isinstance(r, TruthAction) and r.charged:
            held[r.session][r.product] += r.qty if r.op == "take" else -r.qty
        elif isinstance(r, TruthHandoff):
            held[r.giver_session][r.product] -= r.qty
            held[r.receiver_session][r.product] += r.qty
    receipts = [r for r in mini_run.truth if isinstance(r, TruthReceipt)]
    assert len(receipts) > 10
    for rc in receipts:
        want = {k: v for k, v in held[rc.session].items() if v}
        assert {ln.sku: ln.qty for ln in rc.lines} == want, rc.session
        assert rc.total == sum(ln.qty * ln.unit_price for ln in rc.lines)


def test_plates_feel_each_take(mini_run: Run) -> None:
    """Around every take, the plates it names lose about the unit's weight (within
    the scale error and noise), and feel nothing a second before it starts."""
    series: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in mini_run.records:
        if isinstance(r, PlateBatch):
            for j, pid in enumerate(r.plates):
                for i in range(r.grams.shape[0]):
                    series[pid].append((r.t + i / r.rate_hz, r.grams[i, j]))
    arrays = {k: np.array(v) for k, v in series.items()}
    actions = [a for a in mini_run.truth if isinstance(a, TruthAction)]
    touching = actions + [r for r in mini_run.truth if isinstance(r, TruthLean)]
    checked = 0
    for a in actions:
        if not (a.op == "take" and a.qty == 1):
            continue
        overlapping = [
            b
            for b in touching
            if b is not a
            and set(b.plates) & set(a.plates)
            and b.t_start < a.t_end + 2.0
            and b.t_end > a.t_start - 2.0
        ]
        if (
            overlapping
        ):  # two hands on one plate at once: the sum is checked by the engine's tests, not here
            continue
        for pid, g in a.plates.items():
            if g < 50:
                continue
            s = arrays[pid]
            before = s[(s[:, 0] > a.t_start - 1.5) & (s[:, 0] < a.t_start - 0.3), 1]
            after = s[(s[:, 0] > a.t_end + 0.8) & (s[:, 0] < a.t_end + 1.8), 1]
            if len(before) < 20 or len(after) < 20:
                continue
            drop = np.nanmedian(before) - np.nanmedian(after)
            assert 0.85 * g - 25 < drop < 1.15 * g + 25, (a.id, pid, g, drop)
            checked += 1
    assert checked > 20


def test_tracks_are_born_at_the_entry_and_end_at_the_exit(mini_run: Run) -> None:
    store = mini_run.store
    entry = {g.id: g.midpoint() for g in store.gates_of_kind("entry")}
    exits = {g.id: g.midpoint() for g in store.gates_of_kind("exit")}
    first: dict[str, np.ndarray] = {}
    last: dict[str, np.ndarray] = {}
    for r in mini_run.records:
        if isinstance(r, TrackFrame):
            for p in r.people:
                if "head" in p.joints:
                    xy = np.array(p.joints["head"][:2])
                    first.setdefault(p.id, xy)
                    last[p.id] = xy
    swapped = {t for s in mini_run.truth if s.kind == "swap" for t in s.tracks_after}
    born_ok = sum(
        min(np.linalg.norm(xy - e) for e in entry.values()) < 1.6 for xy in first.values()
    )
    assert born_ok / len(first) > 0.97
    ends = [xy for tid, xy in last.items() if tid not in swapped]
    end_ok = sum(min(np.linalg.norm(xy - e) for e in exits.values()) < 1.6 for xy in ends)
    assert end_ok / max(len(ends), 1) > 0.9


def test_gate_events_match_people(mini_run: Run) -> None:
    sessions = [r for r in mini_run.truth if isinstance(r, TruthSession)]
    entries = [r for r in mini_run.records if isinstance(r, GateEntry)]
    ins = sum(1 for r in mini_run.records if isinstance(r, GatePass) and r.direction == "in")
    outs = sum(1 for r in mini_run.records if isinstance(r, GatePass) and r.direction == "out")
    credentialed = [s for s in sessions if s.token]
    assert len(entries) == len(credentialed)
    people = sum(len(s.people) for s in sessions)
    assert ins == outs == people
    tokens = {e.credential.token: e.admits for e in entries}
    for s in credentialed:
        assert tokens[s.token] == len(s.people)


def _distance_to_fixtures(lay, xy: np.ndarray) -> float:
    """Signed distance from a floor point to the nearest fixture (negative inside)."""
    best = np.inf
    for f in lay.fixtures:
        o = f.footprint[0]
        u, v = f.footprint[1] - o, f.footprint[3] - o
        lu, lv = np.linalg.norm(u), np.linalg.norm(v)
        a, b = np.dot(xy - o, u / lu), np.dot(xy - o, v / lv)
        da, db = max(-a, a - lu, 0.0), max(-b, b - lv, 0.0)
        d = np.hypot(da, db) if (da or db) else -min(a, lu - a, b, lv - b)
        best = min(best, d)
    return float(best)


def test_walking_never_passes_through_fixtures(mini_run: Run) -> None:
    from walkout.domain.layout import Layout

    lay = Layout.of(mini_run.store)
    necks = [
        np.array(p.joints["neck"][:2])
        for r in mini_run.records[::5]
        if isinstance(r, TrackFrame)
        for p in r.people
        if "neck" in p.joints
    ]
    assert len(necks) > 1000
    d = np.array([_distance_to_fixtures(lay, xy) for xy in necks])
    # never through a fixture: leaning in to reach (with tracker jitter) brings the neck at
    # most a few cm over a shelf's edge, never deeper (walking through would be metres)
    assert d.min() > -0.1
    assert np.mean(d < 0.2) < 0.05  # leaning in to reach brings the neck over the shelf edge


def test_hard_run_shows_its_behaviours(mini_run: Run) -> None:
    tags = Counter(t for r in mini_run.truth if isinstance(r, TruthAction) for t in r.behaviours)
    for k in ("put_back", "multi_unit", "crowded"):
        assert tags[k] > 0, (k, tags)
    sess = Counter(b for r in mini_run.truth if isinstance(r, TruthSession) for b in r.behaviours)
    assert sess["group"] > 0


def test_memory_does_not_grow_with_the_run(mini) -> None:
    """People, stands and actions are forgotten after they leave: live objects
    after 40 minutes are as many as after 20."""
    from walkout.twin.simulation import Simulation

    sim = Simulation(mini, busy("realistic", 120), 3, 2400)
    sizes = {}
    for r in sim.records(
        progress=lambda t: sizes.__setitem__(
            int(t),
            (
                len(sim.world.people),
                len(sim.planner.stands),
                len(sim.world.active),
                len(sim.world._heap),
                len(sim.tracker.state.history),
            ),
        )
    ):
        del r
    mid = max(v for t, v in sizes.items() if 600 <= t <= 1200)
    end = max(v for t, v in sizes.items() if 1800 <= t <= 2400)
    for a, b in zip(mid, end, strict=True):
        assert b <= 3 * max(a, 5), (mid, end)


def test_run_directory_has_everything(tmp_path: Path, mini) -> None:
    s = simulate_to_dir(mini, busy(), 2, 60, tmp_path, "jsonl", store_yaml="id: mini\n")
    for f in ("log.jsonl", "truth.jsonl", "store.yaml", "scenario.yaml", "summary.json"):
        assert (tmp_path / f).is_file(), f
    assert s.records["plates"] > 0
    assert s.samples > 0


def test_short_run_finishes_everyone(mini) -> None:
    run = run_twin(mini, busy(), 9, 120)
    sessions = [r for r in run.truth if isinstance(r, TruthSession)]
    receipts = [r for r in run.truth if isinstance(r, TruthReceipt)]
    assert len(receipts) == sum(1 for s in sessions if not s.staff)


def test_identity_swaps_are_smooth_not_jumps(mini) -> None:
    """A tracker confusing two people drifts their tracks together and apart; it
    does not teleport a track, so the engine cannot spot a swap by a jump."""
    sc = busy("realistic", 300)
    sc = sc.model_copy(
        update={"tracker": sc.tracker.model_copy(update={"swap_rate": 1.0, "miss_rate": 0.0})}
    )
    run = run_twin(mini, sc, seed=4, seconds=240)
    swaps = [r for r in run.truth if r.kind == "swap"]
    assert swaps
    last: dict[str, tuple[float, np.ndarray]] = {}
    worst = 0.0
    for r in run.records:
        if isinstance(r, TrackFrame):
            for p in r.people:
                if "neck" not in p.joints:
                    continue
                xy = np.array(p.joints["neck"][:2])
                if p.id in last and r.t - last[p.id][0] < 0.1:
                    worst = max(worst, float(np.linalg.norm(xy - last[p.id][1])))
                last[p.id] = (r.t, xy)
    assert worst < 0.4, worst  # a teleporting swap jumps by the distance between people (> 0.45 m)
