"""``walkout demo``: the first thing a newcomer runs. A store opens on the digital
twin, shoppers come and go, and each receipt prints as its shopper leaves.

Nothing to install beyond the package: no server, no database. Until the fusion
engine lands, the receipts shown are the twin's ground truth (what each
shopper really carried out); the engine's receipts will take their place.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from walkout.cli.common import console, friendly_errors, tune_gc_for_streaming
from walkout.cli.simulate import print_summary
from walkout.domain.money import format_money
from walkout.eventlog.truth import TruthReceipt, TruthSession
from walkout.storefile import store_to_yaml
from walkout.stores import resolve_store
from walkout.twin.runner import simulate_to_dir
from walkout.twin.scenario import load_scenario


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


@friendly_errors
def demo(
    store: str = typer.Option("convenience", help="built-in store name or a store file"),
    scenario: str = typer.Option("realistic", help="easy, realistic, hard, or a scenario file"),
    minutes: float = typer.Option(10.0, min=0.5, help="simulated minutes of arrivals"),
    seed: int = typer.Option(1),
    out: Path = typer.Option(Path("runs/demo"), help="where the log, truth and summary go"),
    show: int = typer.Option(25, help="receipts to print (0 for all)"),
) -> None:
    """Open a simulated store and print receipts as shoppers leave."""
    st = resolve_store(store)
    tune_gc_for_streaming()
    sc = load_scenario(scenario)
    tz = zoneinfo.ZoneInfo(st.timezone)
    names = {p.sku: p.name for p in st.catalogue}
    sessions: dict[str, TruthSession] = {}
    printed = 0
    console.rule(
        f"[bold]Walkout demo[/] · {escape(st.name)} · {sc.name} · {minutes:g} simulated minutes",
        style="dim",
    )
    console.print(
        "Shoppers enter with a QR code or a card tap, take what they want and walk out.\n"
        "Each line is a receipt as its shopper leaves (the twin's ground truth until the fusion engine lands).\n"
    )

    def on_truth(rec: object) -> None:
        nonlocal printed
        if isinstance(rec, TruthSession):
            sessions[rec.id] = rec
        elif isinstance(rec, TruthReceipt) and (show == 0 or printed < show):
            s = sessions.get(rec.session)
            when = datetime.fromtimestamp(s.exit, tz).strftime("%H:%M:%S") if s else "--:--:--"
            who = rec.account or "[red]no account (tailgater)[/]"
            people = f" · group of {len(s.people)}" if s and len(s.people) > 1 else ""
            notes = [
                b.replace("_", " ") for b in (s.behaviours if s else []) if b not in ("group",)
            ]
            shown = [f"{ln.qty}x {escape(names.get(ln.sku, ln.sku))}" for ln in rec.lines[:2]]
            if len(rec.lines) > 2:
                shown.append(f"+{sum(ln.qty for ln in rec.lines[2:])} more")
            items = ", ".join(shown) or "nothing"
            total = format_money(rec.total, st.currency, st.locale)
            console.print(
                f"[dim]{when}[/] [bold]{total:>10}[/] {who}{people}: {items}"
                + (f" [dim]({', '.join(notes)})[/]" if notes else ""),
                highlight=False,
            )
            printed += 1

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("simulating", total=minutes * 60)
        summary = simulate_to_dir(
            st,
            sc,
            seed,
            minutes * 60,
            out,
            "binary",
            progress=lambda t: bar.update(task, completed=min(t, minutes * 60)),
            store_yaml=store_to_yaml(st),
            on_truth=on_truth,
        )
    if show and summary.shopper_sessions > printed:
        console.print(
            f"[dim]... and {summary.shopper_sessions - printed} more receipts in {out}/truth.jsonl[/]"
        )
    console.print()
    print_summary(summary, st.currency, st.locale)
    console.print(
        f"The event log is {out}/log.wlog ([bold]walkout log info {out}/log.wlog[/]); "
        f"draw the store with [bold]walkout store show {store} --out plan.png[/]."
    )
