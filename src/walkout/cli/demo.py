"""``walkout demo``: the first thing a newcomer runs. A store opens on the digital
twin, shoppers come and go, the fusion engine watches the sensors, and each
receipt prints as its shopper leaves: what the engine charged, how sure it is of
each line, and whether that was exactly what the shopper carried out (the twin
knows). Doubtful receipts wait for a human instead of being charged.

Nothing to install beyond the package: no server, no database.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from walkout.cli.common import console, friendly_errors, tune_gc_for_streaming
from walkout.cli.run import run_to_dir
from walkout.cli.simulate import print_summary
from walkout.domain.money import format_money
from walkout.evaluation.evaluator import evaluate_run
from walkout.evaluation.result import show as show_value
from walkout.eventlog.truth import TruthReceipt, TruthSession
from walkout.fusion.config import EngineConfig
from walkout.fusion.outputs import AnyOutput, Receipt
from walkout.storefile import store_to_yaml
from walkout.stores import resolve_store
from walkout.twin.runner import simulate_to_dir
from walkout.twin.scenario import load_scenario

DEMO_METRICS = [
    ("receipts_exact_auto", "receipts charged at once that were exactly right", "rate"),
    ("review_rate", "receipts that waited for a human", "rate"),
    ("overcharged_sessions", "shoppers overcharged", "rate"),
    ("latency_p50_s", "receipt after exit, median", "seconds"),
]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


@friendly_errors
def demo(
    store: str = typer.Option("convenience", help="built-in store name or a store file"),
    scenario: str = typer.Option("realistic", help="easy, realistic, hard, or a scenario file"),
    minutes: float = typer.Option(10.0, min=0.5, help="simulated minutes of arrivals"),
    seed: int = typer.Option(1),
    out: Path = typer.Option(Path("runs/demo"), help="where the log, truth, run and summary go"),
    show: int = typer.Option(25, help="receipts to print (0 for all)"),
) -> None:
    """Open a simulated store, run the fusion engine on it and print its receipts."""
    st = resolve_store(store)
    tune_gc_for_streaming()
    sc = load_scenario(scenario)
    tz = zoneinfo.ZoneInfo(st.timezone)
    names = {p.sku: p.name for p in st.catalogue}
    by_token: dict[str, TruthSession] = {}
    truth: dict[str, TruthReceipt] = {}
    console.rule(
        f"[bold]Walkout demo[/] · {escape(st.name)} · {sc.name} · {minutes:g} simulated minutes",
        style="dim",
    )
    console.print(
        "Shoppers enter with a QR code or a card tap, take what they want and walk out.\n"
        "Each line: the engine's receipt as its shopper leaves; ✓ when it is exactly what\n"
        "they carried out (the twin knows); → review when the engine is unsure.\n"
    )

    def on_truth(rec: object) -> None:
        if isinstance(rec, TruthSession) and rec.token:
            by_token[rec.token] = rec
        elif isinstance(rec, TruthReceipt):
            truth[rec.session] = rec

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("simulating the store", total=minutes * 60)
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
    receipts: list[Receipt] = []

    def on_output(o: AnyOutput) -> None:
        if isinstance(o, Receipt):
            receipts.append(o)

    run_to_dir(out / "log.wlog", st, EngineConfig(), out / "run", on_output)
    printed = 0
    for r in sorted(receipts, key=lambda r: r.t_exit):
        if show and printed >= show:
            break
        s = by_token.get(r.token or "")
        t = truth.get(s.id) if s else None
        when = datetime.fromtimestamp(r.t_exit, tz).strftime("%H:%M:%S")
        who = (t.account if t else None) or "[red]no account (tailgater)[/]"
        people = f" · group of {len(s.people)}" if s and len(s.people) > 1 else ""
        shown = [
            f"{ln.qty}x {escape(names.get(ln.sku, ln.sku))}"
            + (f" [yellow]({ln.p:.2f}?)[/]" if ln.review else "")
            for ln in r.lines[:3]
        ]
        if len(r.lines) > 3:
            shown.append(f"+{sum(ln.qty for ln in r.lines[3:])} more")
        items = ", ".join(shown) or "nothing"
        total = format_money(r.total, st.currency, st.locale)
        got = {ln.sku: ln.qty for ln in r.lines}
        right = t is not None and got == {ln.sku: ln.qty for ln in t.lines}
        mark = "[green]✓[/]" if right else "[red]✗[/]"
        status = "" if r.status == "final" else " [yellow]→ review[/]"
        console.print(
            f"[dim]{when}[/] {mark} [bold]{total:>10}[/] {who}{people}: {items}{status}",
            highlight=False,
        )
        printed += 1
    if show and len(receipts) > printed:
        console.print(f"[dim]... and {len(receipts) - printed} more in {out}/run/receipts.jsonl[/]")
    console.print()
    print_summary(summary, st.currency, st.locale)
    res = evaluate_run(out / "run", out / "truth.jsonl")
    tab = Table(title="the engine, scored against the twin's truth")
    tab.add_column("metric")
    tab.add_column("value", justify="right")
    for key, label, kind in DEMO_METRICS:
        tab.add_row(label, show_value(getattr(res, key), kind, res.currency))
    console.print(tab)
    console.print(
        f"Everything is in {out}/: the event log ([bold]walkout log info {out}/log.wlog[/]), "
        f"the engine's run ([bold]walkout eval {out}/run --truth {out}/truth.jsonl[/] for the "
        f"full score), and the twin's truth."
    )
