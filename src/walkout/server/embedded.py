"""A server inside this process, on a real port (uvicorn in a thread): what
``walkout demo`` and the benchmarks run, on embedded defaults."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Sequence
from types import TracebackType

import uvicorn
from fastapi import FastAPI

from walkout.server.api.app import create_app
from walkout.server.bootstrap import Server
from walkout.server.settings import Settings


def free_port(preferred: int = 8000) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise OSError("no free port")


class EmbeddedServer:
    def __init__(self, settings: Settings, extensions: Sequence[Callable[[FastAPI], None]] = ()):
        self.server = Server(settings)
        self.app = create_app(self.server, manage=False, extensions=extensions)
        self.url = f"http://{settings.host}:{settings.port}"
        self._uv = uvicorn.Server(
            uvicorn.Config(
                self.app,
                host=settings.host,
                port=settings.port,
                log_level="warning",
                access_log=False,
            )
        )
        self._thread = threading.Thread(target=self._uv.run, name="uvicorn", daemon=True)

    def __enter__(self) -> EmbeddedServer:
        self.server.start()
        self._thread.start()
        t0 = time.monotonic()
        while not self._uv.started:
            if time.monotonic() - t0 > 30 or not self._thread.is_alive():
                raise RuntimeError(f"the server did not start on {self.url}")
            time.sleep(0.02)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._uv.should_exit = True
        self._thread.join(timeout=10)
        self.server.stop()
