"""How right the fusion engine's receipts are on the twin, against issue 3's targets.

    python benchmarks/engine_accuracy.py --seeds 7 8 9 10 11 12 13 --ablation --jobs 2
        # 7 busy lunch hours (convenience, realistic, 12:00-13:00), 1,000+ sessions pooled,
        # with the ablations (--weight-only, --no-recognition, --no-rfid, weight alone)
    python benchmarks/engine_accuracy.py                      # one run, seed 7, >= 1,000 sessions (15 h)
    python benchmarks/engine_accuracy.py --hours 1            # the lunch hour alone (quick)
    python benchmarks/engine_accuracy.py --preset hard        # the hard preset (no targets yet)
    ... --markdown                                            # also print the tables of docs/benchmarks.md

Twin runs are cached in runs/bench/STORE-SCENARIO-Hh-sSEED/ (log.wlog,
truth.jsonl, store.yaml; the same as ``walkout simulate ... --binary``) and
reused when complete; the engine is run again every time (``--reuse-runs`` to
only re-score), in-process as ``walkout run`` runs it, and scored as ``walkout
eval`` scores it (definitions: docs/evaluation.md). Several seeds are pooled
exactly: sums of what each rate is made of, not means of rates (calibration
error is not pooled).

Arrivals follow the time of day (the run starts at noon; quiet nights), so
with one seed ``--sessions N`` picks the whole number of hours whose expected
arrivals exceed N by 3 %, and the verdict checks that N sessions were scored.
One long run also shows what hours do to the engine (a table by hour of
arrival): the twin's device clocks drift apart, about 20 ppm each.
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
    REVIEW_CAUSES,
    VARIANTS,
    command_line,
    ensure_sim,
    hours_for_sessions,
    markdown_table,
    pct,
    pool,
    run_and_score,
    secs,
    stamp,
)
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
    rows = [
        [label, value(d, key, kind)]
        for label, key, kind in OTHERS
        if not (d.get("seeds") and kind == "num")  # calibration error does not pool
    ]
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


def cause_rows(d: dict) -> list[list[str]]:
    n = d["sessions"]
    causes = sorted(d.get("review_causes", {}).items(), key=lambda kv: -kv[1])
    return [[REVIEW_CAUSES.get(k, k), f"{v:,}", pct(v / n if n else None)] for k, v in causes]


def seed_rows(per_seed: dict[int, dict]) -> list[list[str]]:
    return [
        [
            str(seed),
            f"{d['sessions']:,}",
            fmt(d["receipts_exact_auto"], "rate"),
            fmt(d["review_rate"], "rate"),
            fmt(d["overcharged_sessions"], "rate"),
            fmt(d["event_precision"], "rate"),
            fmt(d["event_recall"], "rate"),
            fmt(d["item_id_accuracy"], "rate"),
            fmt(d["attribution_accuracy"], "rate"),
            f"{secs(d['latency_p50_s'])} / {secs(d['latency_p99_s'])}",
        ]
        for seed, d in per_seed.items()
    ]


def hour_rows(d: dict, start_hour: float) -> list[list[str]]:
    rows = []
    for k, h in d["by_hour"].items():
        at = (start_hour + int(k)) % 24
        finals = h["final"]
        rows.append(
            [
                f"{int(at):02d}:00",
                f"{h['sessions']:,}",
                pct(h["exact_final"] / finals if finals else None),
                pct(1 - finals / h["sessions"] if h["sessions"] else None),
                secs(h["latency_p50_s"]),
                secs(h["latency_max_s"]),
                f"{h['unmatched_engine_sessions']}",
            ]
        )
    return rows


def run_all(a: argparse.Namespace, hours: float, variants: list[str], console: Console) -> dict:
    """{seed: {variant: result}}: the twin's runs (cached), then the engine runs, ``--jobs`` at once."""
    with ProcessPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        sims = {
            seed: pool.submit(ensure_sim, a.store, a.scenario, hours, seed, a.cache, a.fresh)
            for seed in a.seeds
        }
        dirs = {}
        for seed, f in sims.items():
            sim = f.result()
            s = sim.summary
            console.print(
                f"twin run {sim.dir} ({'cached' if sim.reused else f'simulated in {s.wall_s:,.0f} s'}): "
                f"{s.shopper_sessions:,} shopper sessions, {s.takes:,} takes, {s.puts:,} puts, "
                f"{s.log_bytes / 1e9:.1f} GB log"
            )
            dirs[seed] = sim.dir
        futs = {
            (seed, v): pool.submit(
                run_and_score, dirs[seed], v, a.threshold, a.reuse_runs, a.store_clock
            )
            for v in variants
            for seed in a.seeds
        }
        out: dict[int, dict[str, dict]] = {seed: {} for seed in a.seeds}
        for (seed, v), f in futs.items():
            out[seed][v] = r = f.result()
            console.print(f"  seed {seed}, {v}: engine {r['wall_s']:,.0f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default="convenience")
    ap.add_argument("--preset", "--scenario", dest="scenario", default="realistic")
    ap.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[7],
        help="one run per seed, pooled (several seeds: --hours defaults to 1)",
    )
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--hours", type=float, help="simulated hours of arrivals per seed")
    g.add_argument(
        "--sessions",
        type=int,
        default=1000,
        help="at least this many scored sessions in all (default 1000)",
    )
    ap.add_argument(
        "--threshold", type=float, default=0.95, help="review threshold (walkout run --threshold)"
    )
    ap.add_argument("--ablation", action="store_true", help="also run the ablation flags")
    ap.add_argument("--jobs", type=int, default=1, help="simulations and engine runs at once")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--fresh", action="store_true", help="simulate again even when cached")
    ap.add_argument(
        "--reuse-runs",
        action="store_true",
        help="re-score cached engine runs, do not run the engine",
    )
    ap.add_argument(
        "--store-clock",
        action="store_true",
        help="experiment: move each device's times onto the store clock (rx) before the engine",
    )
    ap.add_argument("--markdown", action="store_true", help="also print the tables as markdown")
    ap.add_argument("--json", type=Path, help="write every figure to this JSON file")
    a = ap.parse_args()
    console = Console()
    cmd = command_line()
    console.print(f"[bold]{cmd}[/] ({stamp()})")

    st = resolve_store(a.store)
    sc = load_scenario(a.scenario)
    many = len(a.seeds) > 1
    if a.hours is not None:
        hours = a.hours
    elif many:
        hours = 1.0
    else:
        hours = hours_for_sessions(st, sc, a.sessions)
    min_sessions = a.sessions if a.hours is None else None
    variants = list(VARIANTS) if a.ablation else ["all"]
    runs = run_all(a, hours, variants, console)
    if many:
        results = {v: pool([runs[seed][v] for seed in a.seeds]) for v in variants}
        seeds = f"seeds {', '.join(map(str, a.seeds))}, pooled"
    else:
        results = runs[a.seeds[0]]
        seeds = f"seed {a.seeds[0]}"
    d = results["all"]
    judged = sc.name == "realistic" and a.store == "convenience"
    what = f"{a.store} / {sc.name} / {hours:g} h from {sc.start_hour:g}:00 / {seeds}"
    if a.store_clock:
        what += " / device times on the store clock"
    tables = []
    head_t = ["target", "measured", "target value", "verdict"]
    tables.append((f"issue 3 targets: {what}", head_t, target_rows(d, min_sessions, judged)))
    tables.append(("other figures", ["figure", "measured"], other_rows(d)))
    head_b = ["session behaviour", "sessions", "exact (final)", "exact after review", "review"]
    tables.append(("sessions by behaviour", head_b, behaviour_rows(d)))
    head_c = [
        "why sessions went to review (a session may have several causes)",
        "sessions",
        "of all",
    ]
    tables.append(("review causes", head_c, cause_rows(d)))
    if many:
        head_s = ["seed", "sessions", "exact, of final", "review", "overcharged", "event P"]
        head_s += ["event R", "item id", "attribution", "latency p50 / p99"]
        per_seed = {seed: runs[seed]["all"] for seed in a.seeds}
        tables.append(("by seed", head_s, seed_rows(per_seed)))
    elif hours > 1:
        head_h = ["arrived", "sessions", "exact, of final", "review", "latency p50"]
        head_h += ["latency max", "engine sessions matching no true one"]
        tables.append(("by hour of arrival", head_h, hour_rows(d, sc.start_hour)))
    head_a = ["run", *(c for c, _ in ABLATION_COLUMNS)]
    for title, head, rows in tables:
        console.print(rich_table(title, head, rows))
    if not judged:
        console.print("(the targets are for convenience / realistic; shown for comparison only)")
    if a.ablation:
        console.print(rich_table(f"ablation: {what}", head_a, ablation_rows(results, False)))

    revs = sorted({r["revision"] for per in runs.values() for r in per.values()})
    console.print(f"engine runs made at commit {', '.join(revs)}")
    if a.markdown:
        print()
        print(
            f"`{cmd}` ({stamp()}; engine runs at {', '.join(revs)}; {what}; "
            f"{d['sessions']:,} scored sessions):"
        )
        for title, head, rows in tables:
            print()
            print(f"{title}:")
            print()
            print(markdown_table(head, rows))
        if a.ablation:
            print()
            print(f"ablation: {what}:")
            print()
            print(markdown_table(head_a, ablation_rows(results, True)))
    if a.json:
        a.json.write_text(
            json.dumps(
                {"command": cmd, "hours": hours, "seeds": a.seeds, "pooled": results, "runs": runs},
                indent=1,
            ),
            encoding="utf-8",
        )
        console.print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
