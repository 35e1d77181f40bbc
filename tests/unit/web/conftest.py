"""The web pages on a live server (embedded defaults, a clock tests hold still),
fed with the twin's short stream of the corner shop; a browser-like client
per role, signed in through the login page (the cookie)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.web_server import feed_twin, link_twin_shoppers, seed_staff_work
from tests.unit.server.conftest import Clock, add_tokens, make_settings, wait_ready
from walkout.server.api.app import create_app
from walkout.server.bootstrap import Server
from walkout.web import mount


@dataclass
class Web:
    server: Server
    app: object
    clock: Clock
    store: str
    tokens: dict[str, str]

    def client(self, who: str | None = None) -> TestClient:
        """A browser: its own cookie jar, signed in as ``who`` (a key of ``tokens``)."""
        c = TestClient(self.app, follow_redirects=False)  # type: ignore[arg-type]
        if who is not None:
            r = c.post("/web/login", data={"token": self.tokens[who]})
            assert r.status_code == 303, r.text
        return c


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    tmp: Path = tmp_path_factory.mktemp("web")
    clock = Clock(1_772_481_600.0 + 240)
    server = Server(make_settings(tmp), clock=clock)
    app = create_app(server, extensions=[mount])
    with TestClient(app):
        sid = next(iter(server.stores))
        wait_ready(server)
        feed_twin(server, sid)
        link_twin_shoppers(server, sid)
        seed_staff_work(server, sid, clock.t - 30)
        yield Web(server, app, clock, sid, add_tokens(server, sid))
