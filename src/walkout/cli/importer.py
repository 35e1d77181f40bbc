"""``walkout import``: real recorded data into Walkout's store file and event log."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from walkout.cli.common import console, friendly_errors
from walkout.eventlog import LogWriter, read_header
from walkout.eventlog.io import encoding_of
from walkout.importers import ImportReport

app = typer.Typer(no_args_is_help=True)


@app.command("aifi")
@friendly_errors
def aifi(
    directory: Annotated[
        Path, typer.Argument(help="a session: Mongo JSON exports or per-plate CSVs")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="log to write; .jsonl or .wlog picks the encoding")
    ],
    store_out: Annotated[
        Path | None, typer.Option("--store-out", help="also write the session's store (YAML)")
    ] = None,
    layout: Annotated[
        Path | None,
        typer.Option(
            "--layout",
            help="store_meta directory [default: DIR/../store_meta, else the shared data's]",
        ),
    ] = None,
    keep_all_channels: Annotated[
        bool,
        typer.Option(
            "--keep-all-channels",
            help="keep constant and repeating channels absent from the layout",
        ),
    ] = False,
    overhead_cameras: Annotated[
        bool, typer.Option("--overhead-cameras", help="include the RGB-D cameras 21-26")
    ] = False,
) -> None:
    """Import one AiFi AutoCheckout session (layout detected from its files)."""
    from walkout.importers.aifi import detect_session
    from walkout.importers.aifi.csv import CsvSession
    from walkout.importers.aifi.mongo import MongoSession
    from walkout.storefile import save_store

    encoding_of(out)  # a wrong suffix fails before any work
    kind = detect_session(directory)
    opts = {"keep_all_channels": keep_all_channels, "include_overhead_cameras": overhead_cameras}
    with console.status(f"reading {directory} ({kind} layout)"):
        session = (
            MongoSession(directory, layout, **opts)
            if kind == "mongo"
            else CsvSession(directory, layout, **opts)
        )
    part = out.with_name(f".{out.stem}.part{out.suffix}")
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task(f"{directory.name} -> {out.name}", total=session.expected_records)
            with LogWriter(part) as w:
                for rec in session.records():
                    w.write(rec)
                    bar.advance(task)
        part.replace(out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    if store_out is not None:
        save_store(session.store, store_out)
    _summary(session.report, out, store_out)


@app.command("aifi-csv-export")
@friendly_errors
def aifi_csv_export(
    log: Annotated[Path, typer.Argument(help="a .jsonl or .wlog event log")],
    out: Annotated[Path, typer.Option("--out", "-o", help="directory for the per-plate CSV files")],
    store: Annotated[
        str | None, typer.Option("--store", help="store name or file [default: the log's]")
    ] = None,
) -> None:
    """Write a log's load-cell samples in the competition teams' per-plate CSV layout."""
    from walkout.importers.aifi.csv_export import export_csv
    from walkout.stores import resolve_store

    the_store = resolve_store(store or read_header(log).store)
    with console.status(f"writing {out}"):
        report = export_csv(log, the_store, out)
    console.print(
        f"{report.files} plate files, {report.rows:,} rows from {report.batches} batches; "
        f"products in {report.products_csv.name if report.products_csv else '-'}"
    )
    if report.skipped_devices:
        console.print(
            f"[yellow]plates not in store {the_store.id} skipped (devices {sorted(report.skipped_devices)})"
        )


@app.command("aim3s")
@friendly_errors
def aim3s(
    store_out: Annotated[Path, typer.Option("--store-out", help="store file to write (YAML)")],
    directory: Annotated[
        Path | None, typer.Argument(help="AIM3S Dataset directory [default: the shared data's]")
    ] = None,
) -> None:
    """Write the AIM3S 7-Eleven shelf replica as a store file."""
    from walkout.importers.aim3s import aim3s_with_report
    from walkout.paths import aim3s_dir
    from walkout.storefile import save_store

    d = directory or aim3s_dir()
    calib = d / "weight_calibration.json"
    store, report = aim3s_with_report(d / "product_info.json", calib if calib.is_file() else None)
    save_store(store, store_out)
    console.print(f"{store_out}: {len(store.catalogue)} products, {len(store.planogram)} facings")
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False)


def _summary(report: ImportReport, out: Path, store_out: Path | None) -> None:
    table = Table(title=f"{out}  ({report.source})", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    for kind, n in sorted(report.records.items()):
        table.add_row(f"{kind} records", f"{n:,}")
    table.add_row("load-cell samples", f"{report.samples:,}")
    table.add_row(
        "plates",
        f"{len(report.plates)} in {len({p.split('.')[0] for p in report.plates})} fixtures",
    )
    table.add_row("products", f"{report.products} ({report.facings} facings)")
    table.add_row("time span", f"{report.span_s:.2f} s")
    table.add_row("layout", report.layout)
    if store_out is not None:
        table.add_row("store", str(store_out))
    table.add_row("warnings", str(len(report.warnings)))
    console.print(table)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False)
