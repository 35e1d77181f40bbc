"""What the engine benchmarks share: twin runs cached on disk, the engine run
in-process exactly as ``walkout run`` does it, and scoring as ``walkout eval``.

Not a benchmark itself; ``engine_accuracy.py``, ``engine_real.py`` and
``engine_speed.py`` import it (run them from the repository root).
"""

from __future__ import annotations

import math
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from walkout.cli.common import tune_gc_for_streaming
from walkout.domain.store import Store
from walkout.evaluation.evaluator import evaluate_run
from walkout.evaluation.result import EvalResult
from walkout.evaluation.runfiles import RunInfo, RunWriter
from walkout.eventlog import read_log
from walkout.eventlog.records import AnyRecord
from walkout.fusion.config import EngineConfig
from walkout.fusion.engine import ENGINE_VERSION, Engine
from walkout.fusion.runner import RunStats, run_engine
from walkout.storefile import load_store, store_to_yaml
from walkout.stores import resolve_store
from walkout.twin.arrivals import ArrivalCurve
from walkout.twin.runner import simulate_to_dir
from walkout.twin.scenario import Scenario, load_scenario
from walkout.twin.summary import RunSummary

DEFAULT_CACHE = Path("runs/bench")

#: The ablations of ``walkout run``: name -> (CLI flags, config overrides).
VARIANTS: dict[str, tuple[str, dict[str, bool]]] = {
    "all": ("", {}),
    "weight-only": ("--weight-only", {"use_layout": False}),
    "no-recognition": ("--no-recognition", {"use_recognition": False}),
    "no-rfid": ("--no-rfid", {"use_rfid": False}),
    "weight alone": (
        "--weight-only --no-recognition --no-rfid",
        {"use_layout": False, "use_recognition": False, "use_rfid": False},
    ),
}


def command_line() -> str:
    """The command that is running, to print beside its figures."""
    return "python " + " ".join(shlex.quote(a) for a in sys.argv)


def stamp() -> str:
    """Date, commit and engine version, for the line above a table."""
    import datetime as dt

    return f"{dt.date.today().isoformat()}, commit {revision()}, engine v{ENGINE_VERSION}"


def revision() -> str:
    """The checkout's commit (``-dirty`` with uncommitted changes), to print beside figures."""
    import subprocess

    try:
        r = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return r.stdout.strip()


def pin_one_core() -> int | None:
    """Run on one CPU (the first this process may use); returns it, or None where unsupported."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def expected_sessions(store: Store, scenario: Scenario, hours: float) -> float:
    """Sessions the twin's arrival curve expects in the first ``hours`` of a run."""
    from walkout.domain.geometry import polygon_area

    a = scenario.arrivals
    curve = ArrivalCurve(a, a.peak_for(polygon_area(store.floor.outline)))
    steps = max(1, int(hours * 60))
    total = 0.0
    for i in range(steps):
        h = scenario.start_hour + (i + 0.5) * hours / steps
        total += float(curve.per_hour(h)) * hours / steps
    return total


def hours_for_sessions(
    store: Store, scenario: Scenario, sessions: int, margin: float = 1.03
) -> int:
    """Whole hours of arrivals the curve expects to bring ``margin`` x ``sessions``.

    The rate follows the time of day (lunch, afternoon and evening peaks, quiet
    nights), so 1,000 sessions of ``realistic`` in a convenience store take 15
    hours from noon, not 7 busy ones."""
    for h in range(1, 24 * 7):
        if expected_sessions(store, scenario, h) >= margin * sessions:
            return h
    raise ValueError(f"{sessions} sessions need more than a week of {scenario.name}")


@dataclass
class SimRun:
    dir: Path
    store: Store
    summary: RunSummary
    reused: bool

    @property
    def log(self) -> Path:
        return self.dir / "log.wlog"

    @property
    def truth(self) -> Path:
        return self.dir / "truth.jsonl"


def sim_name(store: str, scenario: str, hours: float, seed: int) -> str:
    return f"{store}-{Path(scenario).stem}-{hours:g}h-s{seed}"


def ensure_sim(
    store: str,
    scenario: str,
    hours: float,
    seed: int,
    cache: Path = DEFAULT_CACHE,
    fresh: bool = False,
    say: Callable[[str], object] = print,
) -> SimRun:
    """The twin's run for these settings: from the cache when it is there and
    complete (``summary.json`` is written last), else simulated now (binary log).
    Same as ``walkout simulate --store S --scenario SC --hours H --seed N --out DIR --binary``."""
    out = cache / sim_name(store, scenario, hours, seed)
    sc = load_scenario(scenario)
    done = out / "summary.json"
    if done.is_file() and (out / "log.wlog").is_file() and not fresh:
        s = RunSummary.model_validate_json(done.read_text(encoding="utf-8"))
        if s.seed == seed and math.isclose(s.simulated_s, hours * 3600) and s.scenario == sc.name:
            return SimRun(out, load_store(out / "store.yaml"), s, True)
    st = resolve_store(store)
    say(
        f"simulating: walkout simulate --store {store} --scenario {scenario} --hours {hours:g} "
        f"--seed {seed} --out {out} --binary"
    )
    tune_gc_for_streaming()
    done.unlink(missing_ok=True)
    s = simulate_to_dir(st, sc, seed, hours * 3600, out, "binary", store_yaml=store_to_yaml(st))
    return SimRun(out, load_store(out / "store.yaml"), s, False)


def engine_config(variant: str = "all", threshold: float = 0.95) -> EngineConfig:
    return EngineConfig(review_threshold=threshold, **VARIANTS[variant][1])


def run_to_dir(
    records: Iterable[AnyRecord],
    store: Store,
    cfg: EngineConfig,
    out: Path,
    log_name: str = "",
) -> RunStats:
    """The engine over ``records`` into run directory ``out``, as ``walkout run`` writes it."""
    tune_gc_for_streaming()
    engine = Engine(store, cfg)
    writer = RunWriter(out)
    stats = run_engine(records, engine, writer.write)
    header = stats.header
    writer.close(
        RunInfo(
            store=store.id,
            log=log_name,
            source=header.source if header else "",
            engine={"version": ENGINE_VERSION, **cfg.model_dump()},
            records=stats.records,
            log_span_s=round(stats.span_s, 3),
            wall_s=round(stats.wall_s, 3),
        )
    )
    return stats


def run_and_score(sim_dir: Path, variant: str, threshold: float, reuse: bool) -> dict:
    """Run one variant of the engine over a cached twin run and score it.

    A process-pool worker: takes and returns plain data. Returns the
    ``EvalResult`` as a dict plus ``wall_s``, ``log_span_s`` and ``latencies_s``."""
    name = "run-" + variant.replace(" ", "-")
    out = sim_dir / (name if threshold == 0.95 else f"{name}-t{threshold:g}")
    info_path = out / "run.json"
    if not (reuse and info_path.is_file()):
        info_path.unlink(missing_ok=True)
        run_to_dir(
            read_log(sim_dir / "log.wlog"),
            load_store(sim_dir / "store.yaml"),
            engine_config(variant, threshold),
            out,
            str(sim_dir / "log.wlog"),
        )
    info = RunInfo.model_validate_json(info_path.read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    res = evaluate_run(out, sim_dir / "truth.jsonl")
    return {
        **res.model_dump(mode="json"),
        "latencies_s": res.latencies_s,
        "variant": variant,
        "run_dir": str(out),
        "wall_s": info.wall_s,
        "log_span_s": info.log_span_s,
        "eval_s": round(time.perf_counter() - t0, 1),
    }


def as_result(d: dict) -> EvalResult:
    keep = {k: v for k, v in d.items() if k in EvalResult.model_fields}
    return EvalResult.model_validate(keep)


def pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f} %"


def secs(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f} s"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)
