"""How fast the fusion engine runs, alone, on one core: issue 3's speed targets.

    python benchmarks/engine_speed.py                      # convenience 1 h and supermarket 10 min, seed 7
    python benchmarks/engine_speed.py --only convenience
    python benchmarks/engine_speed.py --supermarket-minutes 5 --markdown

The twin's logs are cached in runs/bench/ (as ``walkout simulate ... --binary``
writes them). The process is pinned to one CPU and numpy's BLAS to one thread.
The log is decoded record by record as ``walkout run`` does; the clock runs
only inside ``Engine.apply`` and ``Engine.flush`` ("engine"), and apart over
the decoding ("decode"), so "x real time" is the engine's alone: log seconds
over engine seconds. Outputs are counted, not written.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import resource
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from engine_common import (
    DEFAULT_CACHE,
    command_line,
    engine_config,
    ensure_sim,
    markdown_table,
    pin_one_core,
    stamp,
)
from walkout.cli.common import tune_gc_for_streaming
from walkout.domain.store import Store
from walkout.eventlog import read_log
from walkout.eventlog.records import Header, PlateBatch
from walkout.fusion.engine import ENGINE_VERSION, Engine

TARGET_X = {"convenience": 50.0, "supermarket": 10.0}


def time_engine(sim_dir: Path, store: Store) -> dict:
    tune_gc_for_streaming()
    engine = Engine(store, engine_config())
    outputs: Counter[str] = Counter()
    decode = work = 0.0
    n = samples = 0
    first = last = None
    it = iter(read_log(sim_dir / "log.wlog"))
    clock = time.perf_counter
    while True:
        t0 = clock()
        rec = next(it, None)
        t1 = clock()
        decode += t1 - t0
        if rec is None:
            break
        out = engine.apply(rec)
        work += clock() - t1
        n += 1
        if not isinstance(rec, Header):
            first = rec.t if first is None else first
            last = rec.t if last is None else max(last, rec.t)
            if isinstance(rec, PlateBatch):
                samples += rec.grams.size
        for o in out:
            outputs[o.kind] += 1
    t1 = clock()
    for o in engine.flush():
        outputs[o.kind] += 1
    work += clock() - t1
    span = (last - first) if first is not None and last is not None else 0.0
    return {
        "span_s": span,
        "engine_s": work,
        "decode_s": decode,
        "records": n,
        "samples": samples,
        "x_real_time": span / work if work else None,
        "x_with_decode": span / (work + decode) if work + decode else None,
        "records_per_s": n / work if work else None,
        "samples_per_s": samples / work if work else None,
        "outputs": dict(outputs),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["convenience", "supermarket"])
    ap.add_argument("--convenience-hours", type=float, default=1.0)
    ap.add_argument("--supermarket-minutes", type=float, default=10.0)
    ap.add_argument("--scenario", default="realistic")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    console = Console()
    cmd = command_line()
    console.print(f"[bold]{cmd}[/] ({stamp()})")
    cpu = None if a.no_pin else pin_one_core()
    console.print(f"pinned to CPU {cpu}" if cpu is not None else "not pinned")
    runs = {
        "convenience": a.convenience_hours,
        "supermarket": a.supermarket_minutes / 60,
    }
    if a.only:
        runs = {a.only: runs[a.only]}
    res = {}
    for store, hours in runs.items():
        sim = ensure_sim(store, a.scenario, hours, a.seed, a.cache, say=console.print)
        with console.status(f"engine on {sim.dir}"):
            r = time_engine(sim.dir, sim.store)
        r["plates"] = len(sim.store.plate_ids)
        r["sessions"] = sim.summary.shopper_sessions
        r["log_bytes"] = sim.summary.log_bytes
        res[store] = r
        console.print(f"  {store}: {r['x_real_time']:,.1f}x real time, outputs {r['outputs']}")
    head = [
        "store (log)",
        "log seconds",
        "engine wall",
        "x real time",
        "target",
        "verdict",
        "records/s",
        "load-cell samples/s",
        "decode wall",
        "with decode",
        "peak memory",
    ]
    rows = []
    for store, r in res.items():
        hours = runs[store]
        want = TARGET_X[store]
        ok = r["x_real_time"] is not None and r["x_real_time"] >= want
        span = f"{hours:g} h" if hours >= 1 else f"{hours * 60:g} min"
        rows.append(
            [
                f"{store} ({r['plates']:,} plates; {span}, {r['sessions']} sessions)",
                f"{r['span_s']:,.0f} s",
                f"{r['engine_s']:,.1f} s",
                f"{r['x_real_time']:,.1f}x",
                f">= {want:g}x",
                "PASS" if ok else "FAIL",
                f"{r['records_per_s']:,.0f}",
                f"{r['samples_per_s'] / 1e6:,.1f} M",
                f"{r['decode_s']:,.1f} s",
                f"{r['x_with_decode']:,.1f}x",
                f"{r['peak_rss_mb']:,.0f} MB",
            ]
        )
    t = Table(title=f"engine v{ENGINE_VERSION} alone, one core, {a.scenario}, seed {a.seed}")
    for i, h in enumerate(head):
        t.add_column(h, justify="left" if i == 0 else "right")
    for r in rows:
        t.add_row(*r, style="red" if r[5] == "FAIL" else "green")
    console.print(t)
    if a.markdown:
        print()
        print(f"`{cmd}` ({stamp()}):")
        print()
        print(markdown_table(head, rows))
    if a.json:
        a.json.write_text(json.dumps({"command": cmd, "results": res}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
