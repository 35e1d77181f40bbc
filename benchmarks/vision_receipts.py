"""What tracking errors cost in receipts (issue 4): the engine on the twin's own
tracks against the engine on the 3-D tracker's tracks, same twin hour.

    python benchmarks/vision_receipts.py                       # convenience, realistic, 1 h, seed 7
    python benchmarks/vision_receipts.py --minutes 10 --out runs/vr10
    python benchmarks/vision_receipts.py --budget 20 40 60 100 --minutes 10 --plot docs/img/camera-budget.png

One twin run with keypoint cameras writes two logs: ``gt/log.wlog`` with the
twin's ``tracks`` (ground truth with a vendor's jitter and rare swaps: what the
engine is measured on elsewhere) and ``vision/log.wlog`` where the keypoints
became the tracker's ``tracks`` and ``ambiguity`` records and the twin's tracks
are gone. Every other record is the same in both. The tracker's MOTA, IDF1,
identity switches and hand error are scored against the true joints as it
streams and kept in ``vision/run/vision.json``. Then the engine runs on each
log (``gt/run``, ``vision/run``, as ``walkout run`` writes them) and both are
scored against the same truth. ``walkout eval vision/run --truth truth.jsonl
--baseline gt/run`` shows the same comparison.

Target: receipts with the tracker's tracks within 0.3 percentage points of
receipts with ground-truth tracks.
"""

# ruff: noqa: E402  (threads are pinned before numpy loads)
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import json
import sys
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).parent))

from engine_common import engine_config, revision, run_to_dir  # noqa: I001

from walkout.cli.common import tune_gc_for_streaming
from walkout.evaluation.evaluator import evaluate_run
from walkout.evaluation.tracking import VISION_FILE, VisionRun, compare, comparison_rows
from walkout.eventlog.io import LogWriter, read_log
from walkout.eventlog.records import KeypointFrame, TrackFrame
from walkout.eventlog.truth import TruthWriter
from walkout.storefile import load_store, store_to_yaml
from walkout.stores import resolve_store
from walkout.twin.layout.cameras import place_cameras
from walkout.twin.layout.coverage import coverage_stats
from walkout.twin.scenario import load_scenario
from walkout.twin.sensors.keypoints import JointRecorder, KeypointCameras
from walkout.twin.simulation import Simulation
from walkout.vision.metrics import GroundTruth, TrackScorer
from walkout.vision.tracker import Tracker

cv2.setNumThreads(1)


def simulate_both(
    store_name: str,
    scenario: str,
    seed: int,
    minutes: float,
    out: Path,
    n_cameras: int | None = None,
) -> VisionRun:
    """The twin once; two logs (twin tracks / tracker tracks), the truth, the tracker's scores.
    ``n_cameras``: cameras placed by ``place_cameras(store, n, seed=1)`` instead of the store's."""
    store = resolve_store(store_name)
    if n_cameras:
        store = store.model_copy(update={"cameras": place_cameras(store, n_cameras, seed=1)})
    sc = load_scenario(scenario)
    (out / "gt").mkdir(parents=True, exist_ok=True)
    (out / "vision").mkdir(parents=True, exist_ok=True)
    (out / "store.yaml").write_text(store_to_yaml(store), encoding="utf-8")
    kp, jr = KeypointCameras(seed=seed), JointRecorder()
    trk = Tracker(store)
    scorer = TrackScorer(GroundTruth(jr.frames, jr.people))
    busy = 0.0
    first = last = None
    tune_gc_for_streaming()
    t_wall = time.perf_counter()
    with (
        TruthWriter(out / "truth.jsonl") as tw,
        LogWriter(out / "gt" / "log.wlog") as gt,
        LogWriter(out / "vision" / "log.wlog") as vis,
    ):
        sim = Simulation(store, sc, seed, minutes * 60, truth=tw.write, sensors=[kp, jr])
        for rec in sim.records():
            if isinstance(rec, KeypointFrame):
                first = rec.t if first is None else first
                last = rec.t
                t0 = time.perf_counter()
                outs = trk.push(rec)
                busy += time.perf_counter() - t0
                for o in outs:
                    vis.write(o)
                    scorer.add(o)
            elif isinstance(rec, TrackFrame):
                gt.write(rec)
            else:
                gt.write(rec)
                vis.write(rec)
        for o in trk.flush():
            vis.write(o)
            scorer.add(o)
    span = (last or 0.0) - (first or 0.0)
    return VisionRun(
        scores=scorer.result(),
        tracker_stats=dict(trk.stats.__dict__),
        cameras=len(store.cameras),
        span_s=round(span, 1),
        tracker_cpu_s=round(busy, 1),
        real_time_x=round(span / max(busy, 1e-9), 2),
        meta={
            "store": store_name,
            "scenario": scenario,
            "seed": seed,
            "minutes": minutes,
            "twin_and_tracker_wall_s": round(time.perf_counter() - t_wall, 1),
            "revision": revision(),
        },
    )


def one(a: argparse.Namespace, n_cameras: int | None) -> dict:
    """Simulate (or reuse), run the engine on both logs, score both; the comparison as a dict."""
    tag = f"-c{n_cameras}" if n_cameras else ""
    out = a.out or Path(
        f"runs/vision-receipts-{a.store}-{a.scenario}-{a.minutes:g}m-s{a.seed}{tag}"
    )
    if a.budget:
        out = out.parent / f"{out.name}{tag}" if a.out else out
    vfile = out / "vision" / "run" / VISION_FILE
    if a.reuse and vfile.is_file() and (out / "gt" / "log.wlog").is_file():
        vr = VisionRun.model_validate_json(vfile.read_text(encoding="utf-8"))
    else:
        vr = simulate_both(a.store, a.scenario, a.seed, a.minutes, out, n_cameras)
        store = load_store(out / "store.yaml")
        cfg = engine_config()
        for name in ("gt", "vision"):
            log = out / name / "log.wlog"
            run_to_dir(read_log(log), store, cfg, out / name / "run", str(log))
        vfile.write_text(vr.model_dump_json(indent=1), encoding="utf-8")
    print(json.dumps(vr.model_dump(mode="json")), flush=True)
    gt = evaluate_run(out / "gt" / "run", out / "truth.jsonl")
    vis = evaluate_run(out / "vision" / "run", out / "truth.jsonl")
    cmp = compare(gt, vis, vr)
    print()
    print(
        f"{out}: `walkout eval {out}/vision/run --truth {out}/truth.jsonl --baseline {out}/gt/run`"
    )
    print()
    print("| measure | ground-truth tracks | tracker's tracks | difference |")
    print("|---|---|---|---|")
    for label, g, v, d in comparison_rows(cmp):
        print(f"| {label} | {g} | {v} | {d} |")
    print()
    print(
        f"receipts within 0.3 points: {'yes' if cmp.within_target else 'NO'} "
        f"(exact final {100 * cmp.delta_exact_auto:+.2f} points, after review "
        f"{100 * cmp.delta_exact_after_review:+.2f}, review rate {100 * cmp.delta_review_rate:+.2f})",
        flush=True,
    )
    store = load_store(out / "store.yaml")
    return {
        **cmp.model_dump(mode="json"),
        "out": str(out),
        "coverage": coverage_stats(store, list(store.cameras)).model_dump(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--store", default="convenience")
    ap.add_argument("--scenario", default="realistic")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--out", type=Path, default=None, help="default runs/vision-receipts-...")
    ap.add_argument("--cameras", type=int, default=None, help="place this many instead")
    ap.add_argument("--budget", type=int, nargs="*", default=None, help="camera counts to compare")
    ap.add_argument("--plot", type=Path, default=None, help="write the budget curve here")
    ap.add_argument("--reuse", action="store_true", help="keep runs already made in --out")
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()
    results = [one(a, n) for n in (a.budget or [a.cameras])]
    if a.budget:
        print()
        print(
            "| cameras | floor seen by >= 2 | IDF1 | MOTA | moved to another account (flagged; matched afresh every frame) "
            "| hand error median / p90 | receipts exact (final), tracker / truth tracks "
            "| review rate, tracker / truth tracks | tracker speed |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for r in results:
            v, s = r["vision"], r["vision"]["scores"]
            ea, rr = r["values"]["receipts_exact_auto"], r["values"]["review_rate"]
            print(
                f"| {v['cameras']} | {100 * r['coverage']['seen_2']:.0f} % | {s['idf1']:.3f} "
                f"| {s['mota']:.3f} | {s['cross_account_switches']} ({s['cross_account_flagged']}; "
                f"{s.get('cross_account_switches_per_frame')}) "
                f"| {100 * s['hand_error_median_m']:.1f} / {100 * s['hand_error_p90_m']:.1f} cm "
                f"| {100 * ea[1]:.1f} % / {100 * ea[0]:.1f} % | {100 * rr[1]:.1f} % / {100 * rr[0]:.1f} % "
                f"| {v['real_time_x']:.1f}x |"
            )
    if a.json:
        a.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    if a.plot and len(results) > 1:
        plot(results, a.plot, a.store, a.minutes)


def plot(results: list[dict], path: Path, store: str, minutes: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["vision"]["cameras"] for r in results]
    sc = [r["vision"]["scores"] for r in results]
    fig, ax = plt.subplots(1, 3, figsize=(14, 4))
    ax[0].plot(
        n,
        [100 * r["values"]["receipts_exact_auto"][1] for r in results],
        "o-",
        label="receipts exact (final), tracker's tracks",
    )
    ax[0].plot(
        n,
        [100 * r["values"]["receipts_exact_auto"][0] for r in results],
        "o--",
        label="... ground-truth tracks",
    )
    ax[0].plot(
        n,
        [100 * r["values"]["review_rate"][1] for r in results],
        "s-",
        label="sessions to review, tracker's tracks",
    )
    ax[0].plot(
        n,
        [100 * r["values"]["review_rate"][0] for r in results],
        "s--",
        label="... ground-truth tracks",
    )
    ax[0].set_xlabel("cameras")
    ax[0].set_ylabel("%")
    ax[0].set_ylim(0, 102)
    ax[0].legend(loc="center right", fontsize=8)
    ax[0].set_title(f"{store}: receipts ({minutes:g} min, realistic)")
    ax[1].plot(n, [s["idf1"] for s in sc], "o-", label="IDF1")
    ax[1].plot(n, [s["mota"] for s in sc], "s-", label="MOTA")
    ax[1].plot(
        n, [r["coverage"]["seen_2"] for r in results], "^--", label="floor seen by >= 2 cameras"
    )
    ax[1].set_xlabel("cameras")
    ax[1].set_ylim(0, 1.02)
    ax[1].legend(loc="lower right")
    ax[1].set_title("tracking and coverage")
    ax[2].plot(n, [100 * s["hand_error_median_m"] for s in sc], "o-", label="median")
    ax[2].plot(n, [100 * s["hand_error_p90_m"] for s in sc], "s-", label="90th percentile")
    ax[2].set_xlabel("cameras")
    ax[2].set_ylabel("3-D hand error (cm)")
    ax[2].legend()
    ax[2].set_title("hand position error")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
