"""``walkout run LOG --out RUN``: the fusion engine over an event log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.table import Table

from walkout.cli.common import console, friendly_errors, progress_bar, tune_gc_for_streaming
from walkout.domain.store import Store
from walkout.evaluation.runfiles import RunInfo, RunWriter
from walkout.eventlog import read_header, read_log
from walkout.fusion.config import EngineConfig
from walkout.fusion.engine import ENGINE_VERSION, Engine
from walkout.fusion.outputs import AnyOutput
from walkout.fusion.runner import RunStats, run_engine
from walkout.storefile import load_store
from walkout.stores import BUILTIN, builtin_store, resolve_store


def register(app: typer.Typer) -> None:
    app.command("run")(run)


def store_for_log(log: Path, store: str | None) -> Store:
    """The store a log refers to: given, or beside the log, or a built-in with its id."""
    if store:
        return resolve_store(store)
    beside = log.parent / "store.yaml"
    if beside.is_file():
        return load_store(beside)
    header = read_header(log)
    for name in BUILTIN:
        if header.store == name:
            return builtin_store(name)
    raise ValueError(
        f"{log}: which store? The log names {header.store!r}; give --store (a file or one of {', '.join(BUILTIN)})"
    )


def run_to_dir(
    log: Path,
    st: Store,
    cfg: EngineConfig,
    out: Path,
    on_output: Callable[[AnyOutput], None] | None = None,
) -> tuple[RunStats, RunWriter]:
    """The engine over a log into a run directory, with a progress line."""
    tune_gc_for_streaming()
    engine = Engine(st, cfg)
    writer = RunWriter(out)
    size = log.stat().st_size

    def sink(o: AnyOutput) -> None:
        writer.write(o)
        if on_output is not None:
            on_output(o)

    with progress_bar(console) as bar:
        task = bar.add_task(f"engine on {log.name}", total=None)
        stats = run_engine(
            read_log(log),
            engine,
            sink,
            progress=lambda s: bar.update(task, description=f"engine: {s:,.0f} s of log"),
        )
    header = stats.header
    writer.close(
        RunInfo(
            store=st.id,
            log=str(log),
            source=header.source if header else "",
            engine={"version": ENGINE_VERSION, **cfg.model_dump()},
            records=stats.records,
            log_span_s=round(stats.span_s, 3),
            wall_s=round(stats.wall_s, 3),
            meta={"log_bytes": size},
        )
    )
    return stats, writer


@friendly_errors
def run(
    log: Path = typer.Argument(..., help="an event log (.jsonl or .wlog)"),
    out: Path = typer.Option(..., help="run directory to write"),
    store: str | None = typer.Option(
        None, help="store file or built-in name (default: store.yaml beside the log)"
    ),
    threshold: float = typer.Option(0.95, help="review threshold for receipt lines"),
    weights_only: bool = typer.Option(
        False, "--weight-only", help="ablation: ignore the planogram"
    ),
    no_recognition: bool = typer.Option(
        False, "--no-recognition", help="ablation: ignore in-hand recognition"
    ),
    no_rfid: bool = typer.Option(False, "--no-rfid", help="ablation: ignore exit RFID"),
) -> None:
    """Run the fusion engine over a log: shelf events, sessions, receipts, review tasks."""
    st = store_for_log(log, store)
    cfg = EngineConfig(
        review_threshold=threshold,
        use_layout=not weights_only,
        use_recognition=not no_recognition,
        use_rfid=not no_rfid,
    )
    stats, writer = run_to_dir(log, st, cfg, out)
    t = Table(
        title=f"engine on {log} ({stats.span_s:,.0f} s of log in {stats.wall_s:,.1f} s, {stats.span_s / max(stats.wall_s, 1e-9):,.0f}x real time)"
    )
    t.add_column("output")
    t.add_column("count", justify="right")
    for k, n in writer.counts.items():
        t.add_row(k, f"{n:,}")
    console.print(t)
    console.print(
        f"wrote {out}/ (events.jsonl, sessions.jsonl, receipts.jsonl, reviews.jsonl, run.json)"
    )
