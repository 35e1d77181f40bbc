"""The twin's main loop: plan arrivals, move the world, render every sensor,
and hand out records in arrival order, ten seconds at a time.

Memory stays flat however long the run: people are planned when they arrive
and forgotten after they leave, and sensor data exists only for the window
being rendered. The same store, scenario and seed give the same records.
"""

from __future__ import annotations

import bisect
import itertools
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import numpy as np

from walkout.domain.geometry import polygon_area
from walkout.domain.layout import Layout
from walkout.domain.store import Store
from walkout.eventlog.records import AnyRecord, Header
from walkout.eventlog.truth import TruthFault, TruthHeader, TruthTrackSwap
from walkout.twin.arrivals import ArrivalCurve, arrivals_between
from walkout.twin.body import HEAD
from walkout.twin.envelopes import Envelopes
from walkout.twin.navigation import NavGrid
from walkout.twin.plan import PersonPlan
from walkout.twin.planner import Planner
from walkout.twin.scenario import Scenario
from walkout.twin.sensors.clocks import ClockFactory
from walkout.twin.sensors.loadcell import LoadCellBank
from walkout.twin.sensors.tracker import TrackerModel
from walkout.twin.stock import Shelves
from walkout.twin.world import World

WINDOW_S = 10.0
TWIN_VERSION = 2  # 2: neighbours sharing a plate meet in its middle (domain.lanes)


def start_epoch(store: Store, scenario: Scenario) -> float:
    tz = zoneinfo.ZoneInfo(store.timezone)
    day = datetime.fromisoformat(scenario.date).replace(tzinfo=tz)
    return (day + timedelta(hours=scenario.start_hour)).timestamp()


@dataclass(frozen=True)
class WindowView:
    """What extra sensors see of a window: the tracker's frame times, the people
    in the store, their true joints, (frames, people, 10, 3), and floor points
    (where their feet are), (frames, people, 2), NaN when absent."""

    times: np.ndarray
    people: list[PersonPlan]
    true: np.ndarray
    sim: Simulation
    floor: np.ndarray


class ExtraSensor(Protocol):
    """A sensor added to the twin (e.g. per-camera 2-D keypoints): called once a
    window, returns its records (with ``rx`` set) to merge into the log."""

    def render(self, view: WindowView) -> list[AnyRecord]: ...


def _rx(rec: AnyRecord) -> float:
    return rec.rx  # type: ignore[union-attr,return-value]


class Simulation:
    """``records()`` streams the log; truth facts go to ``truth`` as they become final."""

    def __init__(
        self,
        store: Store,
        scenario: Scenario,
        seed: int,
        duration_s: float,
        truth: Callable[[Any], None] | None = None,
        sensors: Sequence[ExtraSensor] = (),
    ):
        self.store = store
        self.sc = scenario
        self.seed = seed
        self.duration = float(duration_s)
        self._truth = truth or (lambda rec: None)
        self.sensors = list(sensors)
        ss = np.random.SeedSequence(seed)
        (s_plan, s_ids, s_arr, s_staff, s_stock, s_cells, s_track, s_world, s_clock, s_fault) = (
            np.random.default_rng(x) for x in ss.spawn(10)
        )
        self.epoch = start_epoch(store, scenario)
        self.layout = Layout.of(store)
        self.nav = NavGrid(self.layout)
        self.shelves = Shelves(self.layout, s_stock)
        self.clocks = ClockFactory(scenario.clocks, s_clock, self.epoch)
        devices = sorted(self.layout.devices())
        dev_clocks = {d: self.clocks.clock() for d in devices}
        self.bank = LoadCellBank(
            self.layout, scenario.loadcells, scenario.clocks, s_cells, dev_clocks, self.shelves.load
        )
        self.env = Envelopes(self.layout, self.bank.devices)
        self.tracker = TrackerModel(
            scenario.tracker,
            scenario.clocks,
            s_track,
            self.clocks.clock(),
            walkable=self.nav.standable(self.layout),
        )
        self.world = World(
            self.layout, self.shelves, self.tracker, scenario, s_world, self.clocks, self._truth
        )
        self.planner = Planner(
            self.layout,
            self.nav,
            self.shelves,
            scenario,
            s_plan,
            s_ids,
            polygon_area(store.floor.outline),
        )
        self.peak_per_hour = scenario.arrivals.peak_for(polygon_area(store.floor.outline))
        self.curve = ArrivalCurve(scenario.arrivals, self.peak_per_hour)
        self._arr_rng = s_arr
        self._staff_rng = s_staff
        self._offline: list[tuple[str, float, float]] = []
        self._faults = self._plan_faults(s_fault, dev_clocks)

    def header(self) -> Header:
        return Header(
            store=self.store.id,
            source="twin",
            start=self.epoch,
            meta={
                "scenario": self.sc.name,
                "seed": self.seed,
                "duration_s": self.duration,
                "peak_per_hour": round(self.peak_per_hour, 1),
                "twin_version": TWIN_VERSION,
                "timezone": self.store.timezone,
            },
        )

    def truth_header(self) -> TruthHeader:
        return TruthHeader(
            store=self.store.id,
            scenario=self.sc.name,
            seed=self.seed,
            start=self.epoch,
            duration_s=self.duration,
            meta={"twin_version": TWIN_VERSION},
        )

    def _plan_faults(
        self, rng: np.random.Generator, dev_clocks: dict[str, Any]
    ) -> list[TruthFault]:
        f = self.sc.faults
        out: list[TruthFault] = []
        pids = list(self.bank.pids)
        if not pids:
            return out
        for kind, n in (
            ("dead", f.dead_plates),
            ("stuck", f.stuck_plates),
            ("drift", f.drifting_plates),
            ("noisy", f.noisy_plates),
        ):
            for _ in range(n):
                pid = pids[int(rng.integers(len(pids)))]
                t0 = float(rng.uniform(0.1, 0.6)) * self.duration
                self.bank.add_fault(pid, kind, t0, float("inf"))
                dev = self.layout.plate(pid).device
                out.append(TruthFault(device=dev, plate=pid, fault=kind, t_start=self.epoch + t0))  # type: ignore[arg-type]
        for _ in range(f.clock_skew_devices):
            dev = self.bank.devices[int(rng.integers(len(self.bank.devices)))]
            t0 = float(rng.uniform(0.1, 0.6)) * self.duration
            clk = dev_clocks[dev]
            clk.skew_at, clk.skew_s = t0, 0.5
            out.append(
                TruthFault(
                    device=dev, fault="clock_skew", t_start=self.epoch + t0, detail={"jump_s": 0.5}
                )
            )
        for _ in range(f.offline_devices):  # drawn last: runs without it keep their faults
            dev = self.bank.devices[int(rng.integers(len(self.bank.devices)))]
            t0 = float(rng.uniform(0.1, 0.6)) * self.duration
            self._offline.append((dev, self.epoch + t0, self.epoch + t0 + f.offline_s))
            out.append(
                TruthFault(
                    device=dev,
                    fault="offline",
                    t_start=self.epoch + t0,
                    t_end=self.epoch + t0 + f.offline_s,
                )
            )
        return out

    def _silenced(self, recs: list[AnyRecord]) -> list[AnyRecord]:
        """Drop what an offline device would have sent."""
        return [
            r
            for r in recs
            if not any(r.device == d and a <= r.t < b for d, a, b in self._offline)  # type: ignore[union-attr]
        ]

    def records(self, progress: Callable[[float], None] | None = None) -> Iterator[AnyRecord]:
        yield self.header()
        self._truth(self.truth_header())
        for fault in self._faults:
            self._truth(fault)
        pending: list[AnyRecord] = []  # rendered, not yet due: sorted by arrival time
        w = self.world
        for k in itertools.count():
            t0, t1 = k * WINDOW_S, (k + 1) * WINDOW_S
            if t0 < self.duration:
                self._arrive(t0, min(t1, self.duration))
            elif not w.people and not w.sessions:
                break
            w.resolve_until(t1)
            people = [p for p in w.people if p.t_in < t1 and p.t_out >= t0]
            times = self.tracker.frame_times(t0, t1)
            frames, swaps, true, floor = self.tracker.render(times, people)
            for s in swaps:
                self._truth(
                    TruthTrackSwap(
                        t=self.epoch + s.t, persons=(s.a, s.b), tracks_after=(s.track_a, s.track_b)
                    )
                )
            lc = self.sc.loadcells
            per = lc.batch / lc.rate_hz
            grid = (
                np.arange(
                    int(np.ceil(t0 / per - 1e-9)) * lc.batch,
                    int(np.ceil(t1 / per - 1e-9)) * lc.batch,
                )
                / lc.rate_hz
            )
            if len(times):
                near_f = self.env.near(true[:, :, HEAD, :2])
                idx = np.clip(np.searchsorted(times, grid) - 1, 0, len(times) - 1)
                near = near_f[idx]
            else:
                near = np.zeros((len(grid), len(self.bank.devices)))
            touch = self.env.touch(grid, w.active, w.leans, lc.touch_decay_s)
            batches = self.bank.render(t0, t1, w.active, w.leans, touch, near)
            w.recognitions_until(t1)
            for sensor in self.sensors:
                pending.extend(sensor.render(WindowView(times, people, true, self, floor)))
            pending.extend(frames)
            pending.extend(batches)
            pending.extend(w.records)
            w.records.clear()
            if self._offline:
                pending = self._silenced(pending)
            w.retire(t1, self.bank.commit)
            # everything rendered from now on happens at or after t1, so what
            # arrived before t1 is final; a stable sort keeps equal times in render order
            pending.sort(key=_rx)
            limit = self.epoch + t1
            cut = bisect.bisect_left(pending, limit, key=_rx)
            yield from pending[:cut]
            pending = pending[cut:]
            if progress:
                progress(t1)
        yield from pending

    def _arrive(self, t0: float, t1: float) -> None:
        shoppers = arrivals_between(self.curve, self._arr_rng, t0, t1, self.sc.start_hour)
        lam = self.sc.behaviours.restock_per_hour / 3600.0
        n_staff = int(self._staff_rng.poisson(lam * (t1 - t0)))
        staff = np.sort(self._staff_rng.uniform(t0, t1, n_staff)) if n_staff else np.empty(0)
        events = sorted(
            [(float(t), "shopper") for t in shoppers] + [(float(t), "staff") for t in staff]
        )
        for t, kind in events:
            plans = (
                self.planner.plan_session(t) if kind == "shopper" else [self.planner.plan_staff(t)]
            )
            for s in plans:
                self.world.add_session(s)
