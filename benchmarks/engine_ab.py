"""Two versions of the engine timed back to back on the same records held in memory.

    git archive BASE src | tar -x -C /tmp/before      # the version to compare with
    python benchmarks/engine_ab.py LOG --src /tmp/before/src src --records 300000 --rounds 3

On a shared machine one run's speed moves by a fifth with what else runs, so
a speed change is judged by alternating the versions (A B A B ...), each in
its own process pinned to one CPU, over the same first ``--records`` of the
log decoded into memory before the clock starts: only ``Engine.apply`` and
``Engine.flush`` are timed. Each ``--src`` is a directory put first on
``PYTHONPATH`` (a checkout's ``src``). The load average is printed beside
each figure.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def worker(log: Path, records: int) -> None:
    """One timing, printed as JSON: the engine over the log's first records."""
    from engine_common import engine_config, pin_one_core
    from walkout.cli.common import tune_gc_for_streaming
    from walkout.eventlog import read_log
    from walkout.fusion.engine import Engine
    from walkout.storefile import load_store

    pin_one_core()
    recs = list(itertools.islice(read_log(log), records))
    tune_gc_for_streaming()
    engine = Engine(load_store(log.parent / "store.yaml"), engine_config())
    n_out = 0
    t0 = time.process_time()
    for rec in recs:
        n_out += len(engine.apply(rec))
    n_out += len(engine.flush())
    cpu = time.process_time() - t0
    import walkout

    print(json.dumps({"cpu_s": cpu, "outputs": n_out, "module": walkout.__file__}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", type=Path)
    ap.add_argument("--src", nargs="+", type=Path, default=[Path("src")])
    ap.add_argument("--records", type=int, default=300_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(a.log, a.records)
        return
    here = Path(__file__).resolve().parent
    times: dict[Path, list[float]] = {s: [] for s in a.src}
    for r in range(a.rounds):
        for src in a.src:
            env = {**os.environ, "PYTHONPATH": f"{src.resolve()}{os.pathsep}{here}"}
            cmd = [sys.executable, __file__, str(a.log), "--records", str(a.records), "--worker"]
            res = json.loads(
                subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
            )
            load = os.getloadavg()[0]
            times[src].append(res["cpu_s"])
            print(
                f"round {r + 1} {src}: {res['cpu_s']:.2f} s CPU, {res['outputs']} outputs, "
                f"load {load:.2f} ({res['module']})",
                flush=True,
            )
    for src, ts in times.items():
        print(f"{src}: min {min(ts):.2f} s, median {statistics.median(ts):.2f} s over {len(ts)}")


if __name__ == "__main__":
    main()
