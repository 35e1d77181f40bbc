"""``walkout simulate`` and ``walkout demo``: run the store's digital twin."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from walkout.cli.common import console, fail, friendly_errors, tune_gc_for_streaming
from walkout.domain.money import format_money
from walkout.storefile import store_to_yaml
from walkout.stores import resolve_store
from walkout.twin.runner import simulate_to_dir
from walkout.twin.scenario import ScenarioError, load_scenario
from walkout.twin.summary import RunSummary

BEHAVIOUR_LABELS = {
    "group": "groups (2-4 people, one account)",
    "put_back": "pick, look, put back",
    "wrong_shelf": "put back on the wrong shelf",
    "swap_similar": "swap for a look-alike",
    "handoff_group": "hand-off within a group",
    "handoff_other": "hand-off to another account",
    "long_hold": "long hold",
    "lean": "lean on a shelf",
    "conceal": "conceal an item",
    "tailgate": "tailgating",
    "reach_across": "reach across someone",
    "simultaneous": "two takes within 1 s",
    "multi_unit": "several units in one grab",
    "crowded": "someone within arm's reach",
}


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)


@friendly_errors
def simulate(
    store: str = typer.Option("convenience", help="built-in store name or a store file"),
    scenario: str = typer.Option(
        "realistic", help="easy, realistic, hard, or a scenario YAML file"
    ),
    hours: float = typer.Option(
        1.0, min=0.001, help="simulated hours of arrivals (people inside then finish)"
    ),
    seed: int = typer.Option(7, help="the same seed gives the same bytes"),
    out: Path = typer.Option(Path("runs/sim"), help="output directory"),
    binary: bool = typer.Option(
        False, "--binary", help="write log.wlog (compact) instead of log.jsonl"
    ),
) -> None:
    """Simulate a store: an event log, its ground truth, and a summary."""
    try:
        sc = load_scenario(scenario)
    except ScenarioError as e:
        fail(str(e))
    st = resolve_store(store)
    tune_gc_for_streaming()
    duration = hours * 3600.0
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(f"{st.id} / {sc.name}", total=duration)
        s = simulate_to_dir(
            st,
            sc,
            seed,
            duration,
            out,
            "binary" if binary else "jsonl",
            progress=lambda t: bar.update(task, completed=min(t, duration)),
            store_yaml=store_to_yaml(st),
        )
    print_summary(s, st.currency, st.locale)
    console.print(f"wrote {out}/ (log, truth.jsonl, store.yaml, scenario.yaml, summary.json)")


def print_summary(s: RunSummary, currency: str, locale: str) -> None:
    t = Table(
        title=f"{s.store} · {s.scenario} · seed {s.seed} · {s.simulated_s / 3600:.2f} h simulated in {s.wall_s:.1f} s ({s.realtime_factor:,.0f}x real time)"
    )
    t.add_column("what")
    t.add_column("count", justify="right")
    for label, v in (
        ("shopper sessions", s.shopper_sessions),
        ("people", s.people),
        ("staff restocking visits", s.staff_visits),
        ("takes", s.takes),
        ("put-backs and restocks", s.puts),
        ("items on receipts", s.items_on_receipts),
        ("hand-offs", s.handoffs),
        ("tracker id swaps", s.track_swaps),
    ):
        t.add_row(label, f"{v:,}")
    t.add_row("sales (true receipts)", format_money(s.revenue_minor, currency, locale))
    console.print(t)
    b = Table(title="behaviours")
    b.add_column("behaviour")
    b.add_column("share", justify="right")
    b.add_column("of")
    for k, v in s.session_rates.items():
        if k in BEHAVIOUR_LABELS:
            b.add_row(BEHAVIOUR_LABELS[k], f"{100 * v:.1f} %", "sessions")
    for k, v in s.take_rates.items():
        if k in ("multi_unit", "crowded"):
            b.add_row(BEHAVIOUR_LABELS[k], f"{100 * v:.1f} %", "takes")
    console.print(b)
    r = Table(title="event log")
    r.add_column("records")
    r.add_column("count", justify="right")
    for k, v in s.records.items():
        r.add_row(k, f"{v:,}")
    r.add_row("load-cell samples", f"{s.samples:,}")
    r.add_row("bytes", f"{s.log_bytes / 1e6:,.1f} MB")
    console.print(r)
