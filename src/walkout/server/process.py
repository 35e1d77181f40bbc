"""``walkout serve`` as a child process: what the crash test and the server
benchmarks start, kill -9 and restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServeProcess:
    def __init__(
        self,
        data: Path,
        store: str,
        admin_token: str,
        env: dict[str, str] | None = None,
        log: Path | None = None,
    ):
        self.data, self.store = data, store
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "WALKOUT_ADMIN_TOKEN": admin_token,
            "WALKOUT_LOG_FORMAT": "json",
            **(env or {}),
        }
        self.log = log or data.parent / "serve.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=30
        )

    def start(self, timeout: float = 300.0) -> float:
        """Start it and wait for /healthz; returns the seconds that took."""
        t0 = time.monotonic()
        data = self.data
        data.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "walkout.cli.main",
                    "serve",
                    "--store",
                    self.store,
                    "--data-dir",
                    str(data),
                    "--port",
                    str(self.port),
                ],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        while True:
            try:
                if self.http.get("/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - t0
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"walkout serve exited: {self.log.read_text()[-2000:]}")
            if time.monotonic() - t0 > timeout:
                raise TimeoutError("walkout serve did not start")
            time.sleep(0.05)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.kill9()
        self.http.close()

    def api(self, method: str, path: str, **kw: Any) -> Any:
        r = self.http.request(method, path, **kw)
        if r.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
        return r.json()

    def store_id(self) -> str:
        return str(self.api("GET", "/api/stores")[0]["id"])

    def status(self, sid: str) -> dict[str, Any]:
        return dict(self.api("GET", f"/api/stores/{sid}/status"))

    def wait_caught_up(
        self, sid: str, n: int | None = None, timeout: float = 3600
    ) -> dict[str, Any]:
        t0 = time.monotonic()
        while True:
            s = self.status(sid)
            if s["caught_up"] and (n is None or s["log_end"] >= n):
                return s
            if time.monotonic() - t0 > timeout:
                raise TimeoutError(s)
            time.sleep(0.1)

    def close_day(self, sid: str, timeout: float = 600) -> None:
        self.api("POST", f"/api/stores/{sid}/close")
        t0 = time.monotonic()
        while not self.status(sid)["closed"]:
            if time.monotonic() - t0 > timeout:
                raise TimeoutError("the day did not close")
            time.sleep(0.1)
