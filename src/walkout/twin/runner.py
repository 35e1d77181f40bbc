"""Run the twin to a directory: the event log, the truth, the store and the
scenario used, and a summary. What ``walkout simulate`` calls."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import yaml

from walkout.domain.store import Store
from walkout.eventlog.io import LogWriter
from walkout.eventlog.records import PlateBatch
from walkout.eventlog.truth import TruthWriter
from walkout.twin.scenario import Scenario
from walkout.twin.simulation import Simulation
from walkout.twin.summary import RunSummary, SummaryBuilder


def simulate_to_dir(
    store: Store,
    scenario: Scenario,
    seed: int,
    duration_s: float,
    out: Path,
    encoding: str = "jsonl",
    progress: Callable[[float], None] | None = None,
    store_yaml: str | None = None,
    on_truth: Callable[[object], None] | None = None,
) -> RunSummary:
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / ("log.wlog" if encoding == "binary" else "log.jsonl")
    for old in (out / "log.wlog", out / "log.jsonl"):
        if old != log_path and old.exists():
            old.unlink()
    sb = SummaryBuilder()
    kinds: Counter[str] = Counter()
    samples = 0
    t_start = time.perf_counter()
    with TruthWriter(out / "truth.jsonl") as tw, LogWriter(log_path) as lw:

        def keep(rec: object) -> None:
            tw.write(rec)  # type: ignore[arg-type]
            sb.truth(rec)
            if on_truth is not None:
                on_truth(rec)

        sim = Simulation(store, scenario, seed, duration_s, truth=keep)
        for rec in sim.records(progress):
            lw.write(rec)
            kinds[rec.kind] += 1
            if isinstance(rec, PlateBatch):
                samples += rec.grams.size
    wall = time.perf_counter() - t_start
    if store_yaml is not None:
        (out / "store.yaml").write_text(store_yaml, encoding="utf-8")
    (out / "scenario.yaml").write_text(
        yaml.safe_dump(
            {"seed": seed, "duration_s": duration_s, **scenario.model_dump(mode="json")},
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    s = sb.finish()
    s.store, s.scenario, s.seed = store.id, scenario.name, seed
    s.simulated_s = duration_s
    s.wall_s = round(wall, 3)
    s.records = dict(sorted(kinds.items()))
    s.samples = samples
    s.log_bytes = log_path.stat().st_size
    (out / "summary.json").write_text(s.model_dump_json(indent=2), encoding="utf-8")
    return s
