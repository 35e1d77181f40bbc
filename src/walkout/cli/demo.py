"""``walkout demo``: the first thing a newcomer runs. A store opens on the digital
twin; the store server starts on embedded defaults (SQLite in a temporary
folder, a file log, no broker); the twin's devices stream to it over HTTP at
accelerated time, through the same ingestion path live devices use; and each
receipt prints as its shopper leaves: what the engine charged, how sure it is
of each line, and whether that was exactly what the shopper carried out (the
twin knows). Doubtful receipts wait for a human instead of being charged.

Nothing to install beyond the package.
"""

from __future__ import annotations

import tempfile
import threading
import time
import zoneinfo
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from walkout.cli.common import console, friendly_errors, progress_bar, tune_gc_for_streaming
from walkout.cli.simulate import print_summary
from walkout.domain.money import format_money
from walkout.domain.store import Store
from walkout.evaluation.evaluator import evaluate_run
from walkout.evaluation.result import show as show_value
from walkout.evaluation.runfiles import RunInfo
from walkout.eventlog import read_log
from walkout.eventlog.records import Header
from walkout.eventlog.truth import TruthReceipt, TruthSession
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


class _Printer:
    """Prints each receipt once, checked against the twin's truth."""

    def __init__(
        self,
        st: Store,
        by_token: dict[str, TruthSession],
        truth: dict[str, TruthReceipt],
        show: int,
    ):
        self.st, self.by_token, self.truth, self.show = st, by_token, truth, show
        self.tz = zoneinfo.ZoneInfo(st.timezone)
        self.names = {p.sku: p.name for p in st.catalogue}
        self.done: set[str] = set()
        self.printed = 0

    def __call__(self, r: dict[str, Any]) -> None:
        if r["session"] in self.done:
            return
        self.done.add(r["session"])
        if self.show and self.printed >= self.show:
            return
        s = self.by_token.get(r["token"] or "")
        t = self.truth.get(s.id) if s else None
        when = datetime.fromtimestamp(r["t_exit"], self.tz).strftime("%H:%M:%S")
        who = (t.account if t else None) or "[red]no account (tailgater)[/]"
        people = f" · group of {len(s.people)}" if s and len(s.people) > 1 else ""
        lines = r["lines"]
        shown = [
            f"{ln['qty']}x {escape(self.names.get(ln['sku'], ln['sku']))}"
            + (f" [yellow]({ln['p']:.2f}?)[/]" if ln["review"] else "")
            for ln in lines[:3]
        ]
        if len(lines) > 3:
            shown.append(f"+{sum(ln['qty'] for ln in lines[3:])} more")
        items = ", ".join(shown) or "nothing"
        total = format_money(r["total"], self.st.currency, self.st.locale)
        got = {ln["sku"]: ln["qty"] for ln in lines}
        right = t is not None and got == {ln.sku: ln.qty for ln in t.lines}
        mark = "[green]✓[/]" if right else "[red]✗[/]"
        status = "" if r["status"] == "final" else " [yellow]→ review[/]"
        console.print(
            f"[dim]{when}[/] {mark} [bold]{total:>10}[/] {who}{people}: {items}{status}",
            highlight=False,
        )
        self.printed += 1


def _replay(
    log: Path, feeder: Any, speed: float, stop: threading.Event, batch_s: float = 0.25
) -> None:
    """The log's records to the server, paced at ``speed`` x the twin's clock."""
    from walkout.server.feeder import batches

    t_wall0 = time.monotonic()
    t_log0: float | None = None
    for b in batches((r for r in read_log(log) if not isinstance(r, Header)), 200):
        if stop.is_set():
            return
        if speed > 0:
            t_log0 = b[0].t if t_log0 is None else t_log0
            ahead = (b[-1].t - t_log0) / speed - (time.monotonic() - t_wall0)
            if ahead > 0:
                time.sleep(min(ahead, batch_s * 4))
        feeder.send(b)


@friendly_errors
def demo(
    store: str = typer.Option("convenience", help="built-in store name or a store file"),
    scenario: str = typer.Option("realistic", help="easy, realistic, hard, or a scenario file"),
    minutes: float = typer.Option(10.0, min=0.5, help="simulated minutes of arrivals"),
    seed: int = typer.Option(1),
    out: Path = typer.Option(Path("runs/demo"), help="where the log, truth, run and summary go"),
    show: int = typer.Option(25, help="receipts to print (0 for all)"),
    speed: float = typer.Option(
        30.0, min=0, help="replay at this many times the twin's clock (0: at once)"
    ),
    port: int = typer.Option(8000, help="the server's port (another free one if taken)"),
    data_dir: Path | None = typer.Option(
        None, help="the server's data (default: a temporary folder)"
    ),
    stay: bool = typer.Option(
        False, "--stay", help="keep serving the pages after the day, until Ctrl-C (docs/web.md)"
    ),
) -> None:
    """Open a simulated store, stream it to the store server and print its receipts."""
    from walkout.server.embedded import EmbeddedServer, free_port
    from walkout.server.export import export_run
    from walkout.server.feeder import Feeder
    from walkout.server.settings import Settings

    st = resolve_store(store)
    tune_gc_for_streaming()
    sc = load_scenario(scenario)
    by_token: dict[str, TruthSession] = {}
    truth: dict[str, TruthReceipt] = {}
    console.rule(
        f"[bold]Walkout demo[/] · {escape(st.name)} · {sc.name} · {minutes:g} simulated minutes",
        style="dim",
    )
    console.print(
        "Shoppers enter with a QR code or a card tap, take what they want and walk out.\n"
        "The store's devices stream to the store server. Each line is the engine's\n"
        "receipt as its shopper leaves; ✓ when it is exactly what they carried out\n"
        "(the twin knows); → review when the engine is unsure.\n"
    )

    def on_truth(rec: object) -> None:
        if isinstance(rec, TruthSession) and rec.token:
            by_token[rec.token] = rec
        elif isinstance(rec, TruthReceipt):
            truth[rec.session] = rec

    with progress_bar(console) as bar:
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
    tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="walkout-demo-")
    settings = Settings(
        data_dir=data_dir or Path(tmp.name),  # type: ignore[union-attr]
        stores=[],
        port=free_port(port),
        log_level="warning",
        admin_token=f"wo_demo_{seed}",
    )
    printer = _Printer(st, by_token, truth, show)
    from walkout.web import mount

    with EmbeddedServer(settings, extensions=[mount]) as emb:
        emb.server.stores[st.id] = st
        emb.server.start_store(st)
        import httpx

        admin = httpx.Client(
            base_url=emb.url,
            headers={"Authorization": f"Bearer {settings.admin_token}"},
            timeout=30,
        )
        console.print(
            f"The store server runs at [bold]{emb.url}[/] (pages: {emb.url}/web/login; API and its docs: {emb.url}/docs, "
            f"metrics: {emb.url}/metrics; admin token [bold]{settings.admin_token}[/]).\n",
            highlight=False,
        )
        device = admin.post(
            f"/api/stores/{st.id}/tokens", json={"role": "device", "name": "twin"}
        ).json()["token"]
        feeder = Feeder(emb.url, st.id, device)
        stop = threading.Event()
        errors: list[BaseException] = []

        def feed() -> None:
            try:
                _replay(out / "log.wlog", feeder, speed, stop)
            except BaseException as e:  # shown by the main thread
                errors.append(e)

        th = threading.Thread(target=feed, name="twin-devices", daemon=True)
        th.start()

        def poll() -> None:
            for r in admin.get(f"/api/stores/{st.id}/receipts", params={"limit": 10000}).json():
                printer(r)

        try:
            while th.is_alive():
                th.join(0.5)
                poll()
            if errors:
                raise errors[0]
            admin.post(f"/api/stores/{st.id}/close")  # the store closes: every receipt is issued
            while not admin.get(f"/api/stores/{st.id}/status").json()["closed"]:
                time.sleep(0.1)
            poll()
            if stay:
                _stay(admin, st.id, emb.url)
        finally:
            stop.set()
        n = len(printer.done)
        if show and n > printer.printed:
            console.print(f"[dim]... and {n - printer.printed} more in {out}/run/receipts.jsonl[/]")
        export_run(
            emb.server.session_factory,
            st.id,
            out / "run",
            RunInfo(store=st.id, log=str(out / "log.wlog"), source="twin", records=feeder.sent),
        )
        feeder.close()
        admin.close()
    if tmp is not None:
        tmp.cleanup()
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
        f"the engine's run as the server stored it ([bold]walkout eval {out}/run --truth {out}/truth.jsonl[/] "
        f"for the full score), and the twin's truth. [bold]walkout serve[/] runs the server on its own."
    )


def _stay(admin: Any, store: str, url: str) -> None:
    """The pages stay up with the day's data: a token per role to sign in with."""
    console.print(f"\n[bold]The pages[/]: {url}/web/login (Ctrl-C to stop). Sign in with:")
    for role in ("reviewer", "staff", "admin"):
        tok = admin.post(
            f"/api/stores/{store}/tokens", json={"role": role, "name": f"demo {role}"}
        ).json()["token"]
        console.print(f"  {role:9} {tok}", highlight=False)
    console.print(f"  shoppers sign up at {url}/web/{store}/signup", highlight=False)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
