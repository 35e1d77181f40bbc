"""Do the twin's bodies keep apart? Closest centre-to-centre distances over a busy hour.

    python benchmarks/twin_spacing.py                  # convenience, realistic, 1 h, seed 7
    python benchmarks/twin_spacing.py --minutes 10 --seed 3

Real people keep personal space: shoulders are ~0.45 m wide, and in a squeeze
they pass sideways with their centres no closer than ~0.35-0.4 m. Two bodies
on one spot would be something no camera could separate. This measures, over
every tracker frame of a twin run, the distance between every two people in
the store: torso centres (the neck's floor point, which follows a lean) and
feet (the floor point), and counts person-pair frames closer than 0.35 m and
0.30 m, and the distinct encounters (pairs) that ever got that close.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from walkout.eventlog.records import AnyRecord
from walkout.stores import resolve_store
from walkout.twin.body import NECK
from walkout.twin.scenario import load_scenario
from walkout.twin.simulation import Simulation

if TYPE_CHECKING:
    from walkout.twin.simulation import WindowView

LIMITS = (0.35, 0.30)


class Spacing:
    """An extra twin sensor that writes nothing: it measures how close bodies come."""

    def __init__(self) -> None:
        self.pair_frames = 0
        self.frames = 0
        self.closest = {"torso": np.inf, "feet": np.inf}
        self.below = {(w, lim): 0 for w in self.closest for lim in LIMITS}
        self.pairs = {(w, lim): set() for w in self.closest for lim in LIMITS}
        self.same_session = {(w, lim): 0 for w in self.closest for lim in LIMITS}
        self.nearest: list[np.ndarray] = []

    def render(self, view: WindowView) -> list[AnyRecord]:
        m = len(view.people)
        self.frames += len(view.times)
        if m < 2 or not len(view.times):
            return []
        iu = np.triu_indices(m, 1)
        for what, xy in (("torso", view.true[:, :, NECK, :2]), ("feet", view.floor)):
            d = np.linalg.norm(xy[:, :, None] - xy[:, None], axis=3)
            dd = d[:, iu[0], iu[1]]
            ok = ~np.isnan(dd)
            if what == "torso":
                self.pair_frames += int(ok.sum())
                with np.errstate(invalid="ignore"):
                    dn = np.where(np.isnan(d), np.inf, d) + np.diag(np.full(m, np.inf))[None]
                    nn = dn.min(axis=2)
                self.nearest.append(nn[np.isfinite(nn)].astype(np.float32))
            if ok.any():
                self.closest[what] = min(self.closest[what], float(dd[ok].min()))
            for lim in LIMITS:
                with np.errstate(invalid="ignore"):
                    hit = ok & (dd < lim)
                self.below[(what, lim)] += int(hit.sum())
                for c in np.nonzero(hit.any(axis=0))[0]:
                    a, b = view.people[iu[0][c]], view.people[iu[1][c]]
                    key = (a.id, b.id)
                    if key not in self.pairs[(what, lim)]:
                        self.pairs[(what, lim)].add(key)
                        self.same_session[(what, lim)] += a.session is b.session
        return []

    def result(self) -> dict[str, Any]:
        nn = np.concatenate(self.nearest) if self.nearest else np.array([np.nan])
        out: dict[str, Any] = {
            "frames": self.frames,
            "person_pair_frames": self.pair_frames,
            "closest_torso_m": round(self.closest["torso"], 3),
            "closest_feet_m": round(self.closest["feet"], 3),
            "nearest_neighbour_torso_p1_m": round(float(np.percentile(nn, 1)), 3),
            "nearest_neighbour_torso_median_m": round(float(np.median(nn)), 3),
        }
        for (what, lim), v in self.below.items():
            out[f"{what}_pair_frames_below_{lim:.2f}"] = v
            out[f"{what}_encounters_below_{lim:.2f}"] = len(self.pairs[(what, lim)])
            out[f"{what}_encounters_below_{lim:.2f}_same_session"] = self.same_session[(what, lim)]
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default="convenience")
    ap.add_argument("--scenario", default="realistic")
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    sp = Spacing()
    sim = Simulation(
        resolve_store(a.store), load_scenario(a.scenario), a.seed, a.minutes * 60, sensors=[sp]
    )
    t0 = time.perf_counter()
    for _ in sim.records():
        pass
    res = {"store": a.store, "scenario": a.scenario, "minutes": a.minutes, "seed": a.seed}
    res |= sp.result()
    res["wall_s_with_measurement"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
