"""Browser tests: a real store server (uvicorn on a free port, embedded
defaults, the web pages mounted) and Debian's chromium driven by Playwright.

Two stores on one server:

- the corner shop, fed the twin's short stream (6 receipts, 2 in review, real
  evidence), with a restock task and alerts as operations (issue 5) raises
  them: the review console and the dashboard work on it;
- the small unit-test store, where the shopper test scripts one visit exactly
  (``tests/fixtures/fusion_script``): the gate admits the browser's QR code,
  the script walks the group in, takes a product and walks out.

The server's clock is held by the test (the twin's and the script's times), so
entry codes, holds and leases run on store time. Screenshots go to
``test-artifacts/e2e/`` (ignored by git; ``WALKOUT_E2E_ARTIFACTS`` moves them)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn

from tests.fixtures.mini_store import mini_store
from tests.fixtures.web_server import feed_twin, link_twin_shoppers, seed_staff_work
from tests.unit.server.conftest import Clock, add_tokens, make_settings, wait_ready
from walkout.server.api.app import create_app
from walkout.server.bootstrap import Server
from walkout.server.embedded import free_port
from walkout.server.settings import Settings
from walkout.storefile import store_to_yaml
from walkout.web import mount

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(
    os.environ.get("WALKOUT_E2E_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts" / "e2e")
)
SHIFT = 1000.0  # the scripted visit happens this long after the twin's stream starts
PHONE = {"width": 375, "height": 812}
WIDE = {"width": 1440, "height": 900}


@dataclass
class Site:
    url: str
    server: Server
    clock: Clock
    shop: str  # the corner shop (twin)
    mini: str  # the scripted store
    tokens: dict[str, str]
    mini_tokens: dict[str, str]
    shots: list[Path] = field(default_factory=list)

    def api(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp, mini_file = browser_site_dir(tmp_path_factory, "e2e")
    clock = Clock(1_772_481_600.0 + 240)
    settings = make_settings(tmp, stores=["corner-shop", str(mini_file)], port=free_port(0))
    with serving(settings, clock) as (url, server):
        shop = next(s for s in server.stores if s.startswith("corner-shop"))
        mini = "mini"
        feed_twin(server, shop)
        link_twin_shoppers(server, shop)
        seed_staff_work(server, shop, clock.t - 30)
        yield Site(
            url,
            server,
            clock,
            shop,
            mini,
            add_tokens(server, shop),
            add_tokens(server, mini),
        )


def browser_site_dir(factory: pytest.TempPathFactory, name: str) -> tuple[Path, Path]:
    """A temp dir for a browser test's server and the scripted store's file in
    it; skips without chromium."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install -y chromium; .ci/run does)")
    tmp = factory.mktemp(name)
    mini_file = tmp / "mini.yaml"
    mini_file.write_text(store_to_yaml(mini_store()))
    return tmp, mini_file


@contextlib.contextmanager
def serving(settings: Settings, clock: Clock) -> Iterator[tuple[str, Server]]:
    """The server with the pages mounted, under uvicorn on ``settings.port``,
    ready; yields its URL and the server; stops both afterwards."""
    server = Server(settings, clock=clock)
    app = create_app(server, manage=False, extensions=[mount])
    uv = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=settings.port, log_level="warning", access_log=False
        )
    )
    server.start()
    th = threading.Thread(target=uv.run, daemon=True)
    th.start()
    t0 = time.monotonic()
    while not uv.started:
        assert time.monotonic() - t0 < 30 and th.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        wait_ready(server)
        yield f"http://127.0.0.1:{settings.port}", server
    finally:
        uv.should_exit = True
        th.join(timeout=10)
        server.stop()


@pytest.fixture
def browser() -> Iterator[object]:
    """Chromium for one test. Playwright's sync API holds an event loop on the
    thread while it runs, so it must not outlive the test (other tests in the
    same worker call asyncio.run)."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


def shot(page: object, name: str) -> Path:
    """A full-page screenshot kept as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(out), full_page=True)  # type: ignore[attr-defined]
    return out


def sign_in(browser: object, site: Site, token: str, viewport: dict[str, int] = WIDE) -> object:
    """A fresh browser context (its own cookies), signed in on the login page."""
    page = new_page(browser, viewport)
    page.goto(f"{site.url}/web/login")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def new_page(browser: object, viewport: dict[str, int]) -> object:
    ctx = browser.new_context(viewport=viewport, accept_downloads=True)  # type: ignore[attr-defined]
    ctx.set_default_timeout(10_000)
    return ctx.new_page()


def no_horizontal_scroll(page: object) -> bool:
    return bool(
        page.evaluate(  # type: ignore[attr-defined]
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
        )
    )
