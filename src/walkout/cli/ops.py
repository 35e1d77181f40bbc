"""``walkout ops LOG --out RUN``: the engine and store operations over a log."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import typer

from walkout.cli.common import console, friendly_errors, progress_bar, tune_gc_for_streaming
from walkout.cli.run import store_for_log
from walkout.evaluation.runfiles import RunInfo, RunWriter
from walkout.eventlog import read_log
from walkout.fusion.config import EngineConfig
from walkout.fusion.engine import ENGINE_VERSION, Engine
from walkout.operations.config import OpsConfig
from walkout.operations.items import OpsItem
from walkout.operations.runner import run_operations
from walkout.operations.watcher import Operations


def register(app: typer.Typer) -> None:
    app.command("ops")(ops)


@friendly_errors
def ops(
    log: Path = typer.Argument(..., help="an event log (.jsonl or .wlog)"),
    out: Path = typer.Option(..., help="run directory to write"),
    store: str | None = typer.Option(None, help="store file or built-in name"),
    age_policy: str = typer.Option(
        "charge_on_verification", help="block_exit, charge_on_verification or remove_item"
    ),
    restock_share: float = typer.Option(0.5, help="restock below this share of capacity"),
) -> None:
    """Engine plus store operations: the run files, and tasks.jsonl, alerts.jsonl, shift.json."""
    st = store_for_log(log, store)
    cfg = OpsConfig(age_policy=age_policy, restock_share=restock_share)  # type: ignore[arg-type]
    tune_gc_for_streaming()
    engine = Engine(st, EngineConfig())
    operations = Operations(st, cfg)
    writer = RunWriter(out)
    files = {k: open(out / f"{k}s.jsonl", "wb") for k in ("task", "alert")}  # noqa: SIM115

    def ops_sink(x: OpsItem) -> None:
        files[x.type].write(
            orjson.dumps(x.model_dump(mode="json"), option=orjson.OPT_APPEND_NEWLINE)
        )

    try:
        with progress_bar(console) as bar:
            task = bar.add_task(f"engine + operations on {log.name}", total=None)
            stats = run_operations(
                read_log(log),
                engine,
                operations,
                writer.write,
                ops_sink,
                progress=lambda s: bar.update(task, description=f"operations: {s:,.0f} s of log"),
            )
    finally:
        for f in files.values():
            f.close()
    writer.close(
        RunInfo(
            store=st.id,
            log=str(log),
            source=stats.header.source if stats.header else "",
            engine={"version": ENGINE_VERSION},
            records=stats.records,
            log_span_s=round(stats.span_s, 3),
            wall_s=round(stats.wall_s, 3),
            meta={"operations": cfg.model_dump()},
        )
    )
    view = operations.shift_view()
    (out / "shift.json").write_text(json.dumps(view.model_dump(mode="json"), indent=1))
    for line in view.lines():
        console.print(line)
    console.print(f"wrote {out}/ (run files, tasks.jsonl, alerts.jsonl, shift.json)")
