"""Every web page loads in under 1 s on the demo store (issue 7).

The demo's store (convenience, realistic scenario) is simulated for
``--minutes``; the server runs on embedded defaults with the pages mounted
(``walkout.server.embedded``, as ``walkout demo`` does); the twin's records
go in through the HTTP ingestion path. Pages are timed twice: mid-stream
(60 % of the records in, people in the store) and at the end (all in, the
day closed). Each page is fetched ``--repeat`` times by a signed-in client
(its cookie, as a browser sends it); the table gives the median and the
worst wall time, client side, over loopback.

Every page is timed (the polled fragments too); the actions that make a page
(the entry code, a review decision, deleting an account) are timed as the
POST they are, and a decision and a deletion only once.

``--screenshots DIR`` also saves a screenshot of every page at 1440 px and of
the phone's pages at 375 px (``NAME-375.png``), through chromium at
/usr/bin/chromium and Playwright, as 256-colour PNGs: docs/img/ holds them
(docs/web.md shows them all).

    python benchmarks/web_pages.py [--minutes 10] [--repeat 5] [--screenshots docs/img]
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from walkout.eventlog.records import Header
from walkout.server.auth.principal import Role
from walkout.server.auth.tokens import issue
from walkout.server.db.system import AccountRow
from walkout.server.db.visits import CredentialRow, ReceiptRow, SessionRow, ShelfEventRow
from walkout.server.embedded import EmbeddedServer, free_port
from walkout.server.feeder import Feeder, batches
from walkout.server.settings import Settings
from walkout.stores import resolve_store
from walkout.twin.scenario import load_scenario
from walkout.twin.simulation import Simulation
from walkout.web import mount

ADMIN = "wo_bench_admin"
LIMIT_S = 1.0
WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 375, "height": 812}


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


SHOPPERS = ("a_bench", "a_bench_new", "a_bench_gone", "a_bench_gone2")


def _people(emb: EmbeddedServer, store: str) -> dict[str, str]:
    """A token per role. The shopper (a_bench) owns the first receipt's visit and
    a visit still open (the live cart), and has a card; "new" has none (the
    add-card page); "gone" and "gone2" are deleted (the page after deletion)."""
    srv = emb.server
    out: dict[str, str] = {}
    with srv.session_factory() as db:
        for acc in SHOPPERS:
            db.add(AccountRow(id=acc))
        db.flush()
        rec = db.query(ReceiptRow).filter(ReceiptRow.store_id == store).first()
        linked = {c.token for c in db.query(CredentialRow)}
        busy = Counter(  # the visit in the store with the most shelf events: a full cart
            s for (s,) in db.query(ShelfEventRow.session).filter(ShelfEventRow.store_id == store)
        )
        open_ = sorted(
            db.query(SessionRow).filter(SessionRow.store_id == store, SessionRow.status == "open"),
            key=lambda r: -busy.get(r.id, 0),
        )
        for tok in [rec.token if rec is not None else None] + [s.token for s in open_[:1]]:
            if tok and tok not in linked:
                db.add(CredentialRow(token=tok, account_id="a_bench"))
        for role in (Role.SHOPPER, Role.REVIEWER, Role.STAFF, Role.ADMIN):
            acc = "a_bench" if role is Role.SHOPPER else None
            out[role.value], _ = issue(db, role, store, account=acc, name=f"bench {role.value}")
        for acc in SHOPPERS[1:]:
            out[acc], _ = issue(db, Role.SHOPPER, store, account=acc, name=acc)
        db.commit()
        out["receipt"] = rec.session if rec is not None else ""
        out["open"] = open_[0].id if open_ else ""
    with httpx.Client(base_url=emb.url, timeout=30) as c:
        r = c.post(
            f"/api/stores/{store}/me/cards",
            json={"payment_method": "pm_card_visa"},
            headers={"Authorization": f"Bearer {out['shopper']}"},
        )
        assert r.status_code == 201, r.text
    return out


@dataclass(frozen=True)
class WebPage:
    role: str  # a key of the tokens ("" = public)
    name: str  # the table's row; the screenshot's file (``shot``)
    path: str
    method: str = "GET"
    data: dict[str, str] | None = None
    status: int = 200
    once: bool = False  # an action done once (a decision, a deletion)
    shot: str = ""  # docs/img/<shot>.png at 1440 (and -375 for PHONE_SHOTS)


PHONE_SHOTS = {"sign-in", "shop", "cart", "receipt", "dispute", "receipt-dispute", "privacy"}
PHONE_SHOTS |= {"review-task", "floor", "refused"}


def _disputes(url: str, store: str, tok: dict[str, str], admin: httpx.Client) -> None:
    """On the shopper's last final receipt: one line refunded at once, one sent to a
    reviewer (the auto-refund limit set to 0 for it, then put back)."""
    h = {"Authorization": f"Bearer {tok['shopper']}"}
    with httpx.Client(base_url=url, timeout=30, headers=h) as c:
        mine = [r for r in c.get(f"/api/stores/{store}/receipts").json() if r["status"] == "final"]
        for r in reversed(mine):
            bill = c.get(f"/api/stores/{store}/receipts/{r['session']}/itemized").json()
            if not bill["lines"] or bill["payment"]["status"] != "succeeded":
                continue
            tok["disputed"] = r["session"]
            # the twin's day is months before the wall clock the server runs on
            admin.put(f"/api/stores/{store}/policy", json={"dispute_window_days": 365})
            url_d = f"/api/stores/{store}/receipts/{r['session']}/disputes"
            d = c.post(url_d, json={"line": bill["lines"][-1]["n"], "qty": 1, "reason": "bench"})
            if d.status_code != 201:
                print(f"dispute refused: {d.status_code} {d.text[:200]}")
            tok["outcome"] = d.json().get("id", "") if d.status_code == 201 else ""
            limit = admin.get(f"/api/stores/{store}/policy").json()["dispute_auto_refund_max"]
            admin.put(f"/api/stores/{store}/policy", json={"dispute_auto_refund_max": 0})
            d = c.post(url_d, json={"line": bill["lines"][0]["n"], "qty": 1, "reason": "bench"})
            admin.put(f"/api/stores/{store}/policy", json={"dispute_auto_refund_max": limit})
            if d.status_code != 201:
                print(f"dispute refused: {d.status_code} {d.text[:200]}")
            tok["dispute"] = d.json().get("id", "") if d.status_code == 201 else ""
            return


def _pages(store: str, tok: dict[str, str], admin: httpx.Client, end: bool) -> list[WebPage]:
    """Every page; those whose data is not there yet are left out."""
    tasks = [t["id"] for t in admin.get(f"/api/stores/{store}/review/tasks").json()]
    task = tasks[0] if tasks else None
    w = f"/web/{store}"
    out = [
        WebPage("", "sign in", "/web/login", shot="sign-in"),
        WebPage("", "sign up", f"{w}/signup", shot="sign-up"),
        WebPage("a_bench_new", "add a card (no card yet)", f"{w}/shop", shot="add-card"),
        WebPage("shopper", "shop (cards, entry, receipts)", f"{w}/shop", shot="cart"),
        WebPage("shopper", "entry QR code (POST)", f"{w}/shop/entry", "POST", {"guests": "2"}),
        WebPage("shopper", "live cart and receipts (polled)", f"{w}/shop/live"),
        WebPage("shopper", "privacy", f"{w}/shop/privacy", shot="privacy"),
        WebPage("reviewer", "review queue and reviewer stats", f"{w}/review", shot="review-queue"),
        WebPage("reviewer", "review queue (polled)", f"{w}/review/queue"),
        WebPage("reviewer", "review disputes", f"{w}/review/disputes", shot="review-disputes"),
        WebPage("staff", "floor, alerts and tasks", f"{w}/ops", shot="floor"),
        WebPage("staff", "floor (polled)", f"{w}/ops/live"),
        WebPage("staff", "analytics", f"{w}/ops/analytics", shot="analytics"),
        WebPage("admin", "settings", f"{w}/ops/settings", shot="settings"),
        WebPage("shopper", "refused (403)", f"{w}/ops", status=403, shot="refused"),
        WebPage(
            "shopper", "not found (404)", f"{w}/shop/receipts/S0", status=404, shot="not-found"
        ),
    ]
    if tok["receipt"]:
        out.insert(
            6, WebPage("shopper", "receipt", f"{w}/shop/receipts/{tok['receipt']}", shot="receipt")
        )
    if tok.get("disputed"):
        r = f"{w}/shop/receipts/{tok['disputed']}"
        out.insert(7, WebPage("shopper", "dispute form", f"{r}/lines/0/dispute", shot="dispute"))
        if tok.get("outcome"):
            o = f"{r}?opened={tok['outcome']}"
            out.insert(8, WebPage("shopper", "dispute outcome", o, shot="receipt-dispute"))
    if tok.get("dispute"):
        d = f"{w}/review/disputes/{tok['dispute']}"
        out.append(WebPage("reviewer", "review dispute", d, shot="review-dispute"))
    if task:
        out.append(WebPage("reviewer", "review task", f"{w}/review/tasks/{task}"))
    if end and len(tasks) > 1:  # decided once (the last; the first is left to the screenshots)
        t = f"{w}/review/tasks/{tasks[-1]}"
        out.append(WebPage("reviewer", "claim a task (POST)", f"{t}/claim", "POST", once=True))
        out.append(WebPage("reviewer", "decision (POST)", f"{t}/decision", "POST", once=True))
    if end:
        d = {"confirm": "delete my account"}
        out.append(
            WebPage(
                "a_bench_gone", "account deleted (POST)", f"{w}/shop/delete", "POST", d, once=True
            )
        )
    return out


def _time_pages(url: str, pages: list[WebPage], tok: dict[str, str], repeat: int) -> list[Timed]:
    clients: dict[str, httpx.Client] = {}
    out = []
    for p in pages:
        if p.role not in clients:
            c = httpx.Client(base_url=url, timeout=30)
            if p.role:
                c.post("/web/login", data={"token": tok[p.role]})
            clients[p.role] = c
        c = clients[p.role]
        times = []
        size = 0
        for _ in range(1 if p.once else repeat):
            t0 = time.perf_counter()
            r = c.request(p.method, p.path, data=p.data)
            times.append(time.perf_counter() - t0)
            if r.status_code not in (p.status, 303 if p.method == "POST" else p.status):
                raise SystemExit(f"{p.method} {p.path}: {r.status_code} {r.text[:300]}")
            size = len(r.content)
        out.append(Timed(p.name, statistics.median(times), max(times), size))
    for c in clients.values():
        c.close()
    return out


@dataclass
class Timed:
    name: str
    median: float
    worst: float
    size: int


def _save(page: Any, out: Path, name: str) -> None:
    """A full-page screenshot as a 256-colour PNG (a third of the size)."""
    from PIL import Image

    raw = page.screenshot(full_page=True)
    img = Image.open(io.BytesIO(raw)).convert("RGB")
    img.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
        out / f"{name}.png", optimize=True
    )


def _screenshots(
    url: str, store: str, pages: list[WebPage], tok: dict[str, str], out: Path, end: bool
) -> list[Timed]:
    """Each page with a ``shot`` at 1440 px (and the phone's at 375 px); then the
    pages an action makes: the entry code (mid-stream), a review task taken and
    decided, an account deleted (end of day)."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    timed: list[Timed] = []
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        ctxs: dict[str, Any] = {}

        def ctx(role: str) -> Any:
            if role not in ctxs:
                ctxs[role] = c = b.new_context(viewport=WIDE)
                if role:
                    c.request.post(f"{url}/web/login", form={"token": tok[role]}, max_redirects=0)
            return ctxs[role]

        def snap(role: str, path: str, name: str, steps: Any = None) -> None:
            for vw in (WIDE, PHONE) if name in PHONE_SHOTS else (WIDE,):
                page = ctx(role).new_page()
                page.set_viewport_size(vw)
                page.goto(url + path)
                if steps is not None:
                    steps(page)
                _save(page, out, name if vw is WIDE else f"{name}-375")
                page.close()

        def entry(page: Any) -> None:
            page.select_option("#guests", "2")
            page.click("#get-code")
            page.wait_for_selector("#qr svg")

        def delete(page: Any) -> None:
            page.fill("#confirm", "delete my account")
            page.click("#delete")
            page.wait_for_selector("#deleted")

        for p in pages:
            if p.shot:
                snap(p.role, p.path, p.shot)
        if not end:  # the entry code, as a shopper sees it at the door
            snap("shopper", f"/web/{store}/shop", "shop", entry)
        else:
            q = ctx("reviewer").new_page()
            q.goto(f"{url}/web/{store}/review")
            if q.locator("#queue .task-row").count():
                q.click("#take-next")
                q.wait_for_selector("#decision")
                task = q.url.split(url, 1)[1]
                snap("reviewer", task, "review-task")
                t0 = time.perf_counter()
                q.click("#decide")
                q.wait_for_selector("#finalized")
                timed.append(
                    Timed("decision (in the browser, once)", *[time.perf_counter() - t0] * 2, 0)
                )
                _save(q, out, "review-decided")
            q.close()
            snap("a_bench_gone2", f"/web/{store}/shop/privacy", "deleted", delete)
        for c in ctxs.values():
            c.close()
        b.close()
    return timed


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
            pages = _pages(st.id, tok, admin, end=False)
            mid = _time_pages(emb.url, pages, tok, a.repeat)
            if a.screenshots:
                _screenshots(emb.url, st.id, pages, tok, a.screenshots, end=False)
            _feed(feeder, recs[cut:])
            admin.post(f"/api/stores/{st.id}/close")
            _wait(admin, st.id, closed=True)
            recs_end = admin.get(f"/api/stores/{st.id}/receipts", params={"limit": 10000}).json()
            n_rec = len(recs_end)
            n_rev = sum(r["status"] == "review" for r in recs_end)
            _disputes(emb.url, st.id, tok, admin)
            seen = {p.name for p in pages}
            pages = _pages(st.id, tok, admin, end=True)
            end = _time_pages(emb.url, pages, tok, a.repeat)
            if a.screenshots:  # pages that had nothing to show mid-stream (disputes, a task)
                new = [p for p in pages if p.name not in seen]
                end += _screenshots(emb.url, st.id, new, tok, a.screenshots, end=True)
            feeder.close()
            admin.close()
    print(f"\n{n_rec} receipts at the end of the day, {n_rev} waiting for review")
    print(f"{a.repeat} loads a page, wall time client side")
    print("\n| page | mid-stream median | worst | end of day median | worst | size |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    by_mid = {t.name: (t.median, t.worst) for t in mid}
    for t in end:
        name, em, ew, es = t.name, t.median, t.worst, t.size
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
