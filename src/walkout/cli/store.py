"""``walkout store``: make, check and draw store files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from walkout.cli.common import console, friendly_errors
from walkout.domain.store import Store
from walkout.storefile import load_store, save_store
from walkout.stores import resolve_store

app = typer.Typer(no_args_is_help=True)


def summary_table(store: Store, title: str | None = None) -> Table:
    """The figures that say what a store is, for every ``store`` command."""
    from walkout.twin.layout import summarize

    table = Table(
        title=title or f"{store.name}  [dim]({store.id})[/]",
        show_header=False,
        title_justify="left",
    )
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    for what, value in summarize(store).rows():
        table.add_row(what, value)
    table.add_row("currency, locale", f"{store.currency}, {store.locale}")
    table.add_row(
        "tax",
        f"{'included' if store.tax.included else 'added'}, {float(store.tax.default) * 100:g} % default",
    )
    return table


@app.command("new")
@friendly_errors
def new(
    kind: Annotated[
        str, typer.Option("--kind", "-k", help="corner-shop, convenience or supermarket")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="store file to write (YAML)")],
    area: Annotated[
        float | None,
        typer.Option("--area", "-a", help="floor area in m² (default: the kind's own)"),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", "-s", help="same seed, same store, byte for byte")
    ] = 1,
) -> None:
    """Generate a store: floor, fixtures, catalogue, planogram, cameras and RFID readers."""
    from walkout.twin.layout import generate_store

    t0 = time.perf_counter()
    store = generate_store(kind, area, seed)
    save_store(store, out)
    took = time.perf_counter() - t0
    console.print(summary_table(store))
    console.print(f"wrote {out} ({out.stat().st_size / 1e6:,.2f} MB) in {took:.1f} s")


@app.command("show")
@friendly_errors
def show(
    store: Annotated[str, typer.Argument(help="a built-in store name or a store file")],
    out: Annotated[Path, typer.Option("--out", "-o", help="picture to write (.png, .svg or .pdf)")],
    coverage: Annotated[
        bool,
        typer.Option("--coverage/--no-coverage", help="shade the floor by the cameras that see it"),
    ] = True,
) -> None:
    """Print a store's figures and draw its floor plan."""
    from walkout.viz import draw_plan

    s = resolve_store(store)
    console.print(summary_table(s))
    draw_plan(s, out, coverage=coverage)
    console.print(f"wrote {out}")


@app.command("validate")
@friendly_errors
def validate(file: Annotated[Path, typer.Argument(help="store file to check (YAML)")]) -> None:
    """Check a store file; print its figures, or every problem with the field it is in (exit 2)."""
    s = load_store(file)
    console.print(summary_table(s, title=f"[green]OK[/] {file}: {s.name}"))
