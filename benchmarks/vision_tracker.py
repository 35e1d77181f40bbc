"""Vision (issue 4): the 3-D tracker on the twin's camera keypoints, scored against the truth.

    python benchmarks/vision_tracker.py                      # convenience, realistic, 1 h, seed 7
    python benchmarks/vision_tracker.py --minutes 10 --cameras 60
    python benchmarks/vision_tracker.py --budget 20 40 60 100 --minutes 15 --plot docs/img/camera-budget.png

The twin streams; the tracker eats its keypoints as they arrive and is timed
alone (single thread); a scorer compares its tracks with the true joints as
they come, so memory stays flat. Targets: IDF1 >= 0.97, identity switches
between people of different accounts <= 1 per 1,000 sessions, median 3-D hand
error <= 5 cm, 60 cameras at 15 fps tracked at >= 2x real time.
"""

# ruff: noqa: E402  (threads are pinned before numpy loads)
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import json
import time
from pathlib import Path
from typing import Any

import cv2

from walkout.domain.store import Camera, Store
from walkout.eventlog.records import KeypointFrame
from walkout.stores import builtin_store
from walkout.twin.layout.cameras import place_cameras
from walkout.twin.layout.coverage import coverage_stats
from walkout.twin.scenario import preset
from walkout.twin.sensors.keypoints import JointRecorder, KeypointCameras
from walkout.twin.simulation import Simulation
from walkout.vision.metrics import GroundTruth, TrackScorer
from walkout.vision.tracker import Tracker

cv2.setNumThreads(1)


def run(
    store: Store, cameras: list[Camera] | None, scenario: str, seed: int, minutes: float
) -> dict[str, Any]:
    """One twin run with keypoint cameras, tracked and scored as it streams."""
    sim_store = store if cameras is None else store.model_copy(update={"cameras": cameras})
    kp, jr = KeypointCameras(seed=seed), JointRecorder()
    sim = Simulation(sim_store, preset(scenario), seed, minutes * 60, sensors=[kp, jr])
    trk = Tracker(sim_store)
    scorer = TrackScorer(GroundTruth(jr.frames, jr.people))
    busy = 0.0
    first = last = None
    t_wall = time.perf_counter()
    for rec in sim.records():
        if not isinstance(rec, KeypointFrame):
            continue
        first = rec.t if first is None else first
        last = rec.t
        t0 = time.perf_counter()
        out = trk.push(rec)
        busy += time.perf_counter() - t0
        for o in out:
            scorer.add(o)
    t0 = time.perf_counter()
    out = trk.flush()
    busy += time.perf_counter() - t0
    for o in out:
        scorer.add(o)
    span = (last or 0.0) - (first or 0.0)
    scores = scorer.result()
    return {
        "cameras": len(sim_store.cameras),
        "minutes": minutes,
        "span_s": round(span, 1),
        "tracker_s": round(busy, 1),
        "real_time_x": round(span / max(busy, 1e-9), 2),
        "wall_s": round(time.perf_counter() - t_wall, 1),
        "stats": trk.stats.__dict__,
        **scores.model_dump(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--store", default="convenience")
    ap.add_argument("--scenario", default="realistic")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument(
        "--cameras", type=int, default=None, help="place this many instead of the store's"
    )
    ap.add_argument("--budget", type=int, nargs="*", default=None, help="camera counts to compare")
    ap.add_argument("--plot", type=Path, default=None, help="write the budget curve here")
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()
    store = builtin_store(a.store)
    results = []
    counts = a.budget if a.budget else [a.cameras]
    for n in counts:
        cams = place_cameras(store, n, seed=1) if n else None
        r = run(store, cams, a.scenario, a.seed, a.minutes)
        r["coverage"] = coverage_stats(store, cams).model_dump()
        results.append(r)
        print(json.dumps(r), flush=True)
    print()
    print(
        "| cameras | sessions | IDF1 | MOTA | ID switches | cross-account / 1,000 sessions (flagged) | hand error median / p90 | seen by >= 2 cameras | tracker speed |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['cameras']} | {r['sessions']} | {r['idf1']:.3f} | {r['mota']:.3f} | {r['id_switches']} | "
            f"{r['cross_account_per_1000_sessions']:.1f} ({r['cross_account_switches']}, {r['cross_account_flagged']} flagged) | "
            f"{100 * r['hand_error_median_m']:.1f} / {100 * r['hand_error_p90_m']:.1f} cm | "
            f"{100 * r['coverage']['seen_2']:.0f} % | {r['real_time_x']:.1f}x real time |"
        )
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))
    if a.plot and len(results) > 1:
        plot(results, a.plot, a.store)


def plot(results: list[dict[str, Any]], path: Path, store: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["cameras"] for r in results]
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    ax[0].plot(n, [r["idf1"] for r in results], "o-", label="IDF1")
    ax[0].plot(n, [r["mota"] for r in results], "s-", label="MOTA")
    ax[0].plot(
        n, [r["coverage"]["seen_2"] for r in results], "^--", label="floor seen by >= 2 cameras"
    )
    ax[0].set_xlabel("cameras")
    ax[0].set_ylim(0, 1.02)
    ax[0].legend(loc="lower right")
    ax[0].set_title(f"{store}: tracking and coverage")
    ax[1].plot(n, [100 * r["hand_error_median_m"] for r in results], "o-", label="median")
    ax[1].plot(n, [100 * r["hand_error_p90_m"] for r in results], "s-", label="90th percentile")
    ax[1].set_xlabel("cameras")
    ax[1].set_ylabel("3-D hand error (cm)")
    ax[1].legend()
    ax[1].set_title("hand position error")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
