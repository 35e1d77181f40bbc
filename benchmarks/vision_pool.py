"""Issue 4's targets over several runs of ``vision_receipts.py``, pooled.

    python benchmarks/vision_receipts.py --seed 8 --out runs/vr60-s8     # one per seed
    python benchmarks/vision_pool.py runs/vr60 runs/vr60-s8 ... [--markdown]

Identity switches between accounts are rare, so 1 per 1,000 sessions can only be
judged over about 1,000 sessions: seven busy hours. Each run directory holds
``vision/run`` (the engine on the tracker's tracks, with ``vision.json``),
``gt/run`` (the engine on the twin's own tracks) and ``truth.jsonl``. Rates are
pooled by summing numerators and denominators over the runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from walkout.evaluation.evaluator import evaluate_run
from walkout.evaluation.tracking import read_vision


def _counts(run: Path, truth: Path) -> dict[str, float]:
    r = evaluate_run(run, truth)
    n = r.sessions
    review = round((r.review_rate or 0.0) * n)
    final = n - review
    return {
        "sessions": n,
        "review": review,
        "final": final,
        "exact_final": round((r.receipts_exact_auto or 0.0) * final),
        "exact_after": round((r.receipts_exact_after_review or 0.0) * n),
        "over": round((r.overcharged_sessions or 0.0) * n),
        "under": round((r.undercharged_sessions or 0.0) * n),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument(
        "--name", default="run", help="engine run directory in gt/ and vision/ (a re-run's)"
    )
    a = ap.parse_args()
    tot: dict[str, dict[str, float]] = {"gt": {}, "vision": {}}
    track: dict[str, float] = {}
    rows = []
    for d in a.runs:
        v = read_vision(d / "vision" / a.name)
        if v is None:
            raise SystemExit(f"{d}: no vision/{a.name}/vision.json (vision_receipts.py --out {d})")
        s = v.scores
        row = {"run": str(d), "seed": v.meta.get("seed"), "revision": v.meta.get("revision")}
        for k in ("sessions", "cross_account_switches", "cross_account_flagged", "id_switches"):
            track[k] = track.get(k, 0) + getattr(s, k)
            row[k] = getattr(s, k)
        track["per_frame"] = track.get("per_frame", 0) + (s.cross_account_switches_per_frame or 0)
        track["cpu_s"] = track.get("cpu_s", 0.0) + v.tracker_cpu_s
        track["span_s"] = track.get("span_s", 0.0) + v.span_s
        row["idf1"], row["real_time_x"] = s.idf1, v.real_time_x
        for side in ("gt", "vision"):
            c = _counts(d / side / a.name, d / "truth.jsonl")
            row[side] = c
            for k, x in c.items():
                tot[side][k] = tot[side].get(k, 0) + x
        rows.append(row)
        print(json.dumps(row), flush=True)

    def rate(side: str, num: str, den: str) -> float:
        return tot[side][num] / max(tot[side][den], 1)

    out = {
        "runs": rows,
        "sessions": track["sessions"],
        "cross_account_switches": track["cross_account_switches"],
        "cross_account_flagged": track["cross_account_flagged"],
        "cross_account_per_1000_sessions": 1000
        * track["cross_account_switches"]
        / track["sessions"],
        "cross_account_switches_per_frame": track["per_frame"],
        "tracker_real_time_x": track["span_s"] / max(track["cpu_s"], 1e-9),
    }
    for side in ("gt", "vision"):
        out[side] = {
            **tot[side],
            "exact_final": rate(side, "exact_final", "final"),
            "exact_after_review": rate(side, "exact_after", "sessions"),
            "review_rate": rate(side, "review", "sessions"),
            "overcharged": rate(side, "over", "sessions"),
            "undercharged": rate(side, "under", "sessions"),
        }
    if a.json:
        a.json.write_text(json.dumps(out, indent=1), encoding="utf-8")
    if a.markdown:
        print()
        print(
            f"| runs | sessions (tracker) | cross-account moves, CLEAR-MOT (flagged) "
            f"| per 1,000 sessions | matched afresh every frame | tracker speed |\n|---|---|---|---|---|---|\n"
            f"| {len(rows)} | {track['sessions']:.0f} | {track['cross_account_switches']:.0f} "
            f"({track['cross_account_flagged']:.0f}) | {out['cross_account_per_1000_sessions']:.1f} "
            f"| {track['per_frame']:.0f} | {out['tracker_real_time_x']:.1f}x |"
        )
        print()
        print("| receipts (pooled) | ground-truth tracks | tracker's tracks | difference |")
        print("|---|---|---|---|")
        for key, label in (
            ("exact_final", "exact, of final ones"),
            ("exact_after_review", "exact after review"),
            ("review_rate", "sent to review"),
            ("overcharged", "overcharged (final)"),
            ("undercharged", "undercharged (final)"),
        ):
            g, v = out["gt"][key], out["vision"][key]
            print(f"| {label} | {100 * g:.2f} % | {100 * v:.2f} % | {100 * (v - g):+.2f} points |")
        print(
            f"| scored sessions | {out['gt']['sessions']:.0f} | {out['vision']['sessions']:.0f} | |"
        )


if __name__ == "__main__":
    main()
