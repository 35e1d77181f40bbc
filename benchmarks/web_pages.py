"""Every web page loads in under 1 s on the demo store (issue 7).

The demo's store (convenience, realistic scenario) is simulated for
``--minutes``; the server runs on embedded defaults with the pages mounted
(``walkout.server.embedded``, as ``walkout demo`` does); the twin's records
go in through the HTTP ingestion path. Pages are timed twice: mid-stream
(60 % of the records in, people in the store) and at the end (all in, the
day closed). Each page is fetched ``--repeat`` times by a signed-in client
(its cookie, as a browser sends it); the table gives the median and the
worst wall time, client side, over loopback.

``--screenshots DIR`` also saves one screenshot of each page (chromium at
/usr/bin/chromium through Playwright), mid-stream: docs/img/ holds them.

    python benchmarks/web_pages.py [--minutes 10] [--repeat 5] [--screenshots docs/img]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from walkout.eventlog.records import Header
from walkout.server.auth.principal import Role
from walkout.server.auth.tokens import issue
from walkout.server.db.system import AccountRow
from walkout.server.db.visits import CredentialRow, ReceiptRow
from walkout.server.embedded import EmbeddedServer, free_port
from walkout.server.feeder import Feeder, batches
from walkout.server.settings import Settings
from walkout.stores import resolve_store
from walkout.twin.scenario import load_scenario
from walkout.twin.simulation import Simulation
from walkout.web import mount

ADMIN = "wo_bench_admin"
LIMIT_S = 1.0


def _records(store: str, minutes: float, seed: int) -> list[object]:
    st = resolve_store(store)
    sim = Simulation(st, load_scenario("realistic"), seed, minutes * 60, truth=lambda r: None)
    return [r for r in sim.records(None) if not isinstance(r, Header)]


def _feed(feeder: Feeder, recs: list[object]) -> None:
    for b in batches(iter(recs), 500):
        feeder.send(b)


def _wait(admin: httpx.Client, store: str, closed: bool = False) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < 600:
        s = admin.get(f"/api/stores/{store}/status").json()
        if s["closed"] if closed else s["caught_up"]:
            return
        time.sleep(0.2)
    raise SystemExit("the engine did not catch up")


def _people(emb: EmbeddedServer, store: str) -> dict[str, str]:
    """A token per role; the shopper owns the first receipt's visit."""
    srv = emb.server
    out: dict[str, str] = {}
    with srv.session_factory() as db:
        db.add(AccountRow(id="a_bench"))
        db.flush()
        rec = db.query(ReceiptRow).filter(ReceiptRow.store_id == store).first()
        if rec is not None and rec.token and db.get(CredentialRow, rec.token) is None:
            db.add(CredentialRow(token=rec.token, account_id="a_bench"))
        for role in (Role.SHOPPER, Role.REVIEWER, Role.STAFF, Role.ADMIN):
            acc = "a_bench" if role is Role.SHOPPER else None
            out[role.value], _ = issue(db, role, store, account=acc, name=f"bench {role.value}")
        db.commit()
        out["receipt"] = rec.session if rec is not None else ""
    return out


def _pages(store: str, tok: dict[str, str], admin: httpx.Client) -> list[tuple[str, str, str]]:
    """(role, name, path) of every page."""
    tasks = (
        admin.get(f"/api/stores/{store}/review/tasks").json()
        or admin.get(f"/api/stores/{store}/review/tasks", params={"status": "decided"}).json()
    )
    task = tasks[0]["id"] if tasks else None
    out = [
        ("shopper", "shop", f"/web/{store}/shop"),
        ("shopper", "live cart", f"/web/{store}/shop/live"),
        ("shopper", "privacy", f"/web/{store}/shop/privacy"),
        ("reviewer", "review queue", f"/web/{store}/review"),
        ("staff", "floor", f"/web/{store}/ops"),
        ("staff", "floor (live part)", f"/web/{store}/ops/live"),
        ("staff", "analytics", f"/web/{store}/ops/analytics"),
        ("staff", "settings", f"/web/{store}/ops/settings"),
        ("", "sign in", "/web/login"),
    ]
    if tok["receipt"]:
        out.insert(1, ("shopper", "receipt", f"/web/{store}/shop/receipts/{tok['receipt']}"))
    if task:
        out.insert(5, ("reviewer", "review task", f"/web/{store}/review/tasks/{task}"))
    return out


def _time_pages(
    url: str, pages: list[tuple[str, str, str]], tok: dict[str, str], repeat: int
) -> list[tuple[str, float, float, int]]:
    clients: dict[str, httpx.Client] = {}
    out = []
    for role, name, path in pages:
        if role not in clients:
            c = httpx.Client(base_url=url, timeout=30)
            if role:
                c.post("/web/login", data={"token": tok[role]})
            clients[role] = c
        c = clients[role]
        times = []
        size = 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            r = c.get(path)
            times.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise SystemExit(f"{path}: {r.status_code} {r.text[:300]}")
            size = len(r.content)
        out.append((name, statistics.median(times), max(times), size))
    for c in clients.values():
        c.close()
    return out


def _screenshots(
    url: str, pages: list[tuple[str, str, str]], tok: dict[str, str], out: Path
) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for role, name, path in pages:
            if "live" in name:
                continue
            phone = role == "shopper" or name == "sign in"
            ctx = b.new_context(
                viewport={"width": 375 if phone else 1440, "height": 812 if phone else 900}
            )
            page = ctx.new_page()
            if role:
                page.goto(f"{url}/web/login")
                page.fill("#token", tok[role])
                page.click("button[type=submit]")
                page.wait_for_load_state()
            page.goto(url + path)
            if name == "shop":  # show the entry code, as a shopper sees it at the door
                page.select_option("#payment_method", "pm_card_visa")
                page.click("#add-card")
                page.select_option("#guests", "2")
                page.click("#get-code")
            page.screenshot(path=str(out / f"{name.replace(' ', '-')}.png"), full_page=True)
            ctx.close()
        b.close()


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--store", default="convenience")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--screenshots", type=Path, default=None)
    a = ap.parse_args()

    t0 = time.monotonic()
    recs = _records(a.store, a.minutes, a.seed)
    print(
        f"simulated {a.minutes:g} min of {a.store}: {len(recs):,} records in {time.monotonic() - t0:.1f} s"
    )
    with tempfile.TemporaryDirectory(prefix="walkout-web-bench-") as tmp:
        settings = Settings(
            data_dir=Path(tmp), stores=[], port=free_port(0), log_level="warning", admin_token=ADMIN
        )
        with EmbeddedServer(settings, extensions=[mount]) as emb:
            st = resolve_store(a.store)
            emb.server.stores[st.id] = st
            emb.server.start_store(st)
            admin = httpx.Client(
                base_url=emb.url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60
            )
            device = admin.post(f"/api/stores/{st.id}/tokens", json={"role": "device"}).json()[
                "token"
            ]
            feeder = Feeder(emb.url, st.id, device)
            cut = int(len(recs) * 0.6)
            t1 = time.monotonic()
            _feed(feeder, recs[:cut])
            _wait(admin, st.id)
            print(f"fed 60 % in {time.monotonic() - t1:.1f} s")
            tok = _people(emb, st.id)
            pages = _pages(st.id, tok, admin)
            mid = _time_pages(emb.url, pages, tok, a.repeat)
            if a.screenshots:
                _screenshots(emb.url, pages, tok, a.screenshots)
            _feed(feeder, recs[cut:])
            admin.post(f"/api/stores/{st.id}/close")
            _wait(admin, st.id, closed=True)
            recs_end = admin.get(f"/api/stores/{st.id}/receipts", params={"limit": 10000}).json()
            n_rec = len(recs_end)
            n_rev = sum(r["status"] == "review" for r in recs_end)
            seen = {name for _r, name, _p in pages}
            pages = _pages(st.id, tok, admin)
            end = _time_pages(emb.url, pages, tok, a.repeat)
            if a.screenshots:  # pages that had nothing to show mid-stream (a review task)
                _screenshots(emb.url, [p for p in pages if p[1] not in seen], tok, a.screenshots)
            feeder.close()
            admin.close()
    print(f"\n{n_rec} receipts at the end of the day, {n_rev} waiting for review")
    print(f"{a.repeat} loads a page, wall time client side")
    print("\n| page | mid-stream median | worst | end of day median | worst | size |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    by_mid = {n: (m, w) for n, m, w, _s in mid}
    for name, em, ew, es in end:
        m, w = by_mid.get(name, (None, None))
        worst = max(worst, w or 0.0, ew)
        mid_txt = (
            f"{1000 * m:.0f} ms | {1000 * w:.0f} ms" if m is not None and w is not None else "- | -"
        )
        print(
            f"| {name} | {mid_txt} | {1000 * em:.0f} ms | {1000 * ew:.0f} ms | {es / 1024:.0f} KiB |"
        )
    print(
        f"\nworst page load {1000 * worst:.0f} ms: {'OK' if worst < LIMIT_S else 'OVER'} (target < {LIMIT_S:g} s)"
    )


if __name__ == "__main__":
    main()
