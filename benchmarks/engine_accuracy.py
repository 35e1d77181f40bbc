"""How right the fusion engine's receipts are on the twin, against issue 3's targets.

    python benchmarks/engine_accuracy.py                      # convenience, realistic, >= 1,000 sessions (15 h), seed 7
    python benchmarks/engine_accuracy.py --hours 1            # the lunch hour alone (quick)
    python benchmarks/engine_accuracy.py --ablation --jobs 2  # also --weight-only, --no-recognition, --no-rfid
    python benchmarks/engine_accuracy.py --preset hard        # the hard preset (no targets yet)
    python benchmarks/engine_accuracy.py --markdown           # also print the tables of docs/benchmarks.md

The twin's run is cached in runs/bench/STORE-SCENARIO-Hh-sSEED/ (log.wlog,
truth.jsonl, store.yaml; the same as ``walkout simulate ... --binary``) and
reused when complete; the engine is run again every time (``--reuse-runs`` to
only re-score), in-process exactly as ``walkout run`` runs it, and scored as
``walkout eval`` scores it (definitions: docs/evaluation.md).

Arrivals follow the time of day (the run starts at noon; quiet nights), so
``--sessions N`` picks the whole number of hours whose expected arrivals
exceed N by 3 %, and the verdict checks that N sessions were really scored.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from engine_common import (
    DEFAULT_CACHE,
    VARIANTS,
    command_line,
    ensure_sim,
    hours_for_sessions,
    markdown_table,
    pct,
    run_and_score,
    secs,
    stamp,
)
from walkout.fusion.engine import ENGINE_VERSION
from walkout.stores import resolve_store
from walkout.twin.scenario import load_scenario

#: Issue 3's targets on the twin (convenience, realistic): (label, key, bound, "min"/"max", shown as)
TARGETS = [
    ("receipts exactly right, of auto-finalized", "receipts_exact_auto", 0.995, "min", "rate"),
    ("sessions sent to review", "review_rate", 0.03, "max", "rate"),
    ("sessions overcharged (final receipts)", "overcharged_sessions", 0.001, "max", "rate"),
    ("receipt latency p99 (final receipts, exit to final)", "latency_p99_s", 1.0, "max", "s"),
]

#: Figures without a target, in reading order: (label, key, shown as)
OTHERS = [
    ("receipts exact after review (oracle reviewer)", "receipts_exact_after_review", "rate"),
    ("receipt lines exact, any status", "receipts_exact", "rate"),
    ("sessions undercharged (final receipts)", "undercharged_sessions", "rate"),
    ("overcharged after review", "overcharged_sessions_after_review", "rate"),
    ("undercharged after review", "undercharged_sessions_after_review", "rate"),
    ("item precision / recall", ("item_precision", "item_recall"), "rate"),
    ("mean session F1 (AiFi score)", "mean_session_f1", "rate"),
    ("shelf-event precision / recall", ("event_precision", "event_recall"), "rate"),
    ("item identification on true events", "item_id_accuracy", "rate"),
    ("attribution (event to the right session)", "attribution_accuracy", "rate"),
    ("receipt latency p50", "latency_p50_s", "s"),
    (
        "calibration error (ECE), receipt lines / events",
        ("calibration_ece", "event_calibration_ece"),
        "num",
    ),
    ("scored sessions without an engine receipt", "missing_receipts", "count"),
    ("engine sessions matching no true one", "unmatched_engine_sessions", "count"),
    ("review tasks raised", "review_tasks", "count"),
]

ABLATION_COLUMNS = [
    ("exact, of final", "receipts_exact_auto"),
    ("review", "review_rate"),
    ("overcharged", "overcharged_sessions"),
    ("undercharged", "undercharged_sessions"),
    ("exact after review", "receipts_exact_after_review"),
    ("event P", "event_precision"),
    ("event R", "event_recall"),
    ("item id", "item_id_accuracy"),
    ("attribution", "attribution_accuracy"),
    ("item F1", "item_f1"),
]


def fmt(v: object, kind: str) -> str:
    if kind == "rate":
        return pct(v, 2 if v is not None and (v > 0.99 or v < 0.01) else 1)  # type: ignore[arg-type]
    if kind == "s":
        return secs(v)  # type: ignore[arg-type]
    if kind == "num":
        return "n/a" if v is None else f"{v:.3f}"
    return "n/a" if v is None else f"{v:,}"


def value(d: dict, key: str | tuple[str, ...], kind: str) -> str:
    if isinstance(key, tuple):
        return " / ".join(fmt(d.get(k), kind) for k in key)
    return fmt(d.get(key), kind)


def verdict(v: float | None, bound: float, how: str) -> bool | None:
    if v is None:
        return None
    return v >= bound if how == "min" else v <= bound


def target_rows(d: dict, min_sessions: int | None, judged: bool) -> list[list[str]]:
    rows = []
    if min_sessions:
        ok = d["sessions"] >= min_sessions
        rows.append(
            [
                "scored sessions",
                f"{d['sessions']:,}",
                f">= {min_sessions:,}",
                "PASS" if ok else "FAIL",
            ]
        )
    for label, key, bound, how, kind in TARGETS:
        v = d.get(key)
        ok = verdict(v, bound, how)
        want = (">= " if how == "min" else "<= ") + fmt(bound, kind)
        word = "-" if not judged else "n/a" if ok is None else "PASS" if ok else "FAIL"
        rows.append([label, fmt(v, kind), want, word])
    lat = d.get("latencies_s") or []
    if lat:
        within = float(np.mean(np.asarray(lat) <= 1.0))
        rows.append(
            [
                "final receipts final within 1 s of exit",
                pct(within),
                "all",
                ("PASS" if within == 1.0 else "FAIL") if judged else "-",
            ]
        )
    return rows


def other_rows(d: dict) -> list[list[str]]:
    rows = [[label, value(d, key, kind)] for label, key, kind in OTHERS]
    lat = d.get("latencies_s") or []
    if lat:
        rows.append(["receipt latency max", secs(max(lat))])
    rows.append(
        [
            "engine wall time (log span / wall)",
            f"{d['wall_s']:,.0f} s ({d['log_span_s'] / max(d['wall_s'], 1e-9):,.0f}x real time)",
        ]
    )
    return rows


def behaviour_rows(d: dict) -> list[list[str]]:
    return [
        [
            r["behaviour"],
            f"{r['sessions']:,}",
            pct(r["receipts_exact_auto"]),
            pct(r["receipts_exact_after_review"]),
            pct(r["review_rate"]),
        ]
        for r in d["by_behaviour"]["sessions"]
    ]


def ablation_rows(results: dict[str, dict], flags: bool) -> list[list[str]]:
    """One row per variant, named by its ``walkout run`` flags (or by its short name)."""
    rows = []
    for name, d in results.items():
        label = f"`{VARIANTS[name][0] or '(all evidence)'}`" if flags else name
        rows.append([label, *(fmt(d.get(k), "rate") for _, k in ABLATION_COLUMNS)])
    return rows


def rich_table(title: str, header: list[str], rows: list[list[str]]) -> Table:
    t = Table(title=title)
    for i, h in enumerate(header):
        t.add_column(h, justify="left" if i == 0 else "right")
    for r in rows:
        style = None
        if r[-1] == "FAIL":
            style = "red"
        elif r[-1] == "PASS":
            style = "green"
        t.add_row(*r, style=style)
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default="convenience")
    ap.add_argument("--preset", "--scenario", dest="scenario", default="realistic")
    ap.add_argument("--seed", type=int, default=7)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--hours", type=float, help="simulated hours of arrivals (overrides --sessions)")
    g.add_argument(
        "--sessions",
        type=int,
        default=1000,
        help="at least this many scored sessions (default 1000)",
    )
    ap.add_argument(
        "--threshold", type=float, default=0.95, help="review threshold (walkout run --threshold)"
    )
    ap.add_argument("--ablation", action="store_true", help="also run the ablation flags")
    ap.add_argument("--jobs", type=int, default=1, help="engine runs in parallel (ablation)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--fresh", action="store_true", help="simulate again even when cached")
    ap.add_argument(
        "--reuse-runs",
        action="store_true",
        help="re-score cached engine runs, do not run the engine",
    )
    ap.add_argument("--markdown", action="store_true", help="also print the tables as markdown")
    ap.add_argument("--json", type=Path, help="write every figure to this JSON file")
    a = ap.parse_args()
    console = Console()
    cmd = command_line()
    console.print(f"[bold]{cmd}[/] ({stamp()})")

    st = resolve_store(a.store)
    sc = load_scenario(a.scenario)
    hours = a.hours if a.hours is not None else hours_for_sessions(st, sc, a.sessions)
    min_sessions = None if a.hours is not None else a.sessions
    sim = ensure_sim(a.store, a.scenario, hours, a.seed, a.cache, a.fresh, say=console.print)
    s = sim.summary
    console.print(
        f"twin run {sim.dir} ({'cached' if sim.reused else f'simulated in {s.wall_s:,.0f} s'}): "
        f"{s.shopper_sessions:,} shopper sessions, {s.takes:,} takes, {s.puts:,} puts, "
        f"{s.log_bytes / 1e9:.1f} GB log"
    )
    variants = list(VARIANTS) if a.ablation else ["all"]
    results: dict[str, dict] = {}
    with console.status(f"engine and evaluation: {', '.join(variants)}"):
        if a.jobs > 1 and len(variants) > 1:
            with ProcessPoolExecutor(max_workers=a.jobs) as pool:
                futs = {
                    v: pool.submit(run_and_score, sim.dir, v, a.threshold, a.reuse_runs)
                    for v in variants
                }
                results = {v: f.result() for v, f in futs.items()}
        else:
            for v in variants:
                results[v] = run_and_score(sim.dir, v, a.threshold, a.reuse_runs)
                console.print(f"  {v}: engine {results[v]['wall_s']:,.0f} s")

    d = results["all"]
    judged = sc.name == "realistic" and a.store == "convenience"
    what = f"{a.store} / {sc.name} / {hours:g} h from {sc.start_hour:g}:00 / seed {a.seed}"
    head_t = ["target", "measured", "target value", "verdict"]
    rows_t = target_rows(d, min_sessions, judged)
    head_o = ["figure", "measured"]
    rows_o = other_rows(d)
    head_b = ["session behaviour", "sessions", "exact (final)", "exact after review", "review"]
    rows_b = behaviour_rows(d)
    console.print(
        rich_table(f"engine v{ENGINE_VERSION} on {what}: issue 3 targets", head_t, rows_t)
    )
    if not judged:
        console.print("(the targets are for convenience / realistic; shown for comparison only)")
    console.print(rich_table("other figures", head_o, rows_o))
    console.print(rich_table("sessions by behaviour", head_b, rows_b))
    head_a = ["run", *(c for c, _ in ABLATION_COLUMNS)]
    if a.ablation:
        console.print(rich_table(f"ablation on {what}", head_a, ablation_rows(results, False)))

    if a.markdown:
        date = stamp()
        print()
        print(f"`{cmd}` ({date}; {what}; {d['sessions']:,} scored sessions):")
        print()
        print(markdown_table(head_t, rows_t))
        print()
        print(markdown_table(head_o, rows_o))
        print()
        print(markdown_table(head_b, rows_b))
        if a.ablation:
            print()
            print(markdown_table(head_a, ablation_rows(results, True)))
    if a.json:
        a.json.write_text(
            json.dumps(
                {
                    "command": cmd,
                    "twin": s.model_dump(mode="json"),
                    "hours": hours,
                    "results": results,
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        console.print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
