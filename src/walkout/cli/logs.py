"""``walkout log``: look inside a log, or convert it between encodings."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from walkout.cli.common import console, friendly_errors
from walkout.eventlog import Header, LogWriter, PlateBatch, read_log
from walkout.eventlog.jsonl import encode

app = typer.Typer(no_args_is_help=True)


@app.command("info")
@friendly_errors
def info(log: Path = typer.Argument(..., help="a .jsonl or .wlog event log")) -> None:
    """Records by kind, devices, and the time the log spans."""
    kinds: Counter[str] = Counter()
    devices: Counter[str] = Counter()
    samples = 0
    t_min, t_max = float("inf"), float("-inf")
    header: Header | None = None
    for rec in read_log(log):
        if isinstance(rec, Header):
            header = rec
            continue
        kinds[rec.kind] += 1
        devices[rec.device] += 1
        t_min, t_max = min(t_min, rec.t), max(t_max, rec.t)
        if isinstance(rec, PlateBatch):
            samples += rec.grams.size
    assert header is not None
    table = Table(title=f"{log}  (store {header.store}, source {header.source}, v{header.version})")
    table.add_column("kind")
    table.add_column("records", justify="right")
    for k, n in sorted(kinds.items()):
        table.add_row(k, f"{n:,}")
    console.print(table)
    span = t_max - t_min if kinds else 0.0
    console.print(
        f"{sum(kinds.values()):,} records from {len(devices)} devices over {span:,.1f} s; "
        f"{samples:,} load-cell samples; {log.stat().st_size / 1e6:,.2f} MB on disk"
    )


@app.command("convert")
@friendly_errors
def convert(
    src: Path = typer.Argument(..., help="log to read"),
    dst: Path = typer.Argument(..., help="log to write; .jsonl or .wlog decides the encoding"),
) -> None:
    """Re-encode a log (JSON Lines <-> binary) without changing a value."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        task = bar.add_task(f"{src.name} -> {dst.name}", total=src.stat().st_size)
        with LogWriter(dst) as w, open(src, "rb") as fh:
            for rec in read_log(src):
                w.write(rec)
                if w.count % 1000 == 0:
                    bar.update(task, completed=min(fh.tell(), src.stat().st_size))
            bar.update(task, completed=src.stat().st_size)
    console.print(f"wrote {w.count:,} records to {dst} ({dst.stat().st_size / 1e6:,.2f} MB)")


@app.command("head")
@friendly_errors
def head(
    log: Path = typer.Argument(..., help="log to read"),
    n: int = typer.Option(10, "-n", help="how many records"),
    kind: str | None = typer.Option(None, help="only records of this kind"),
) -> None:
    """Print the first records as JSON Lines."""
    shown = 0
    for rec in read_log(log):
        if kind and rec.kind != kind:
            continue
        typer.echo(encode(rec).decode().rstrip("\n"))
        shown += 1
        if shown >= n:
            break
