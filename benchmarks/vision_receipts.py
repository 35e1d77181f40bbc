"""What tracking errors cost in receipts (issue 4): the engine on the twin's own
tracks against the engine on the 3-D tracker's tracks, same twin hour.

    python benchmarks/vision_receipts.py                       # convenience, realistic, 1 h, seed 7
    python benchmarks/vision_receipts.py --minutes 10 --out runs/vr10

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
from walkout.storefile import store_to_yaml
from walkout.stores import resolve_store
from walkout.twin.scenario import load_scenario
from walkout.twin.sensors.keypoints import JointRecorder, KeypointCameras
from walkout.twin.simulation import Simulation
from walkout.vision.metrics import GroundTruth, TrackScorer
from walkout.vision.tracker import Tracker

cv2.setNumThreads(1)


def simulate_both(
    store_name: str, scenario: str, seed: int, minutes: float, out: Path
) -> VisionRun:
    """The twin once; two logs (twin tracks / tracker tracks), the truth, the tracker's scores."""
    store = resolve_store(store_name)
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


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--store", default="convenience")
    ap.add_argument("--scenario", default="realistic")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--out", type=Path, default=None, help="default runs/vision-receipts-...")
    ap.add_argument("--reuse", action="store_true", help="keep logs already made in --out")
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()
    out = a.out or Path(f"runs/vision-receipts-{a.store}-{a.scenario}-{a.minutes:g}m-s{a.seed}")
    vfile = out / "vision" / "run" / VISION_FILE
    if a.reuse and vfile.is_file() and (out / "gt" / "log.wlog").is_file():
        vr = VisionRun.model_validate_json(vfile.read_text(encoding="utf-8"))
    else:
        vr = simulate_both(a.store, a.scenario, a.seed, a.minutes, out)
    print(json.dumps(vr.model_dump(mode="json")), flush=True)
    from walkout.storefile import load_store

    store = load_store(out / "store.yaml")
    cfg = engine_config()
    for name in ("gt", "vision"):
        log = out / name / "log.wlog"
        run_to_dir(read_log(log), store, cfg, out / name / "run", str(log))
    vfile.write_text(vr.model_dump_json(indent=1), encoding="utf-8")
    gt = evaluate_run(out / "gt" / "run", out / "truth.jsonl")
    vis = evaluate_run(out / "vision" / "run", out / "truth.jsonl")
    cmp = compare(gt, vis, vr)
    print()
    print("| measure | ground-truth tracks | tracker's tracks | difference |")
    print("|---|---|---|---|")
    for label, g, v, d in comparison_rows(cmp):
        print(f"| {label} | {g} | {v} | {d} |")
    print()
    print(
        f"receipts within 0.3 points: {'yes' if cmp.within_target else 'NO'} "
        f"(exact final {100 * cmp.delta_exact_auto:+.2f} points, after review "
        f"{100 * cmp.delta_exact_after_review:+.2f}, review rate {100 * cmp.delta_review_rate:+.2f})"
    )
    if a.json:
        a.json.write_text(cmp.model_dump_json(indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
