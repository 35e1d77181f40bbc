"""What the server benchmarks share: a ``walkout serve`` child process, a
dedicated Mosquitto on loopback with deploy/mosquitto.conf's limits, and the
store's status read through the API. Not a benchmark itself."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ADMIN = "wo_bench_admin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mosquitto:
    """A broker of our own on a free port, configured as docs/server.md says."""

    def __init__(self) -> None:
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(exe).exists():
            raise SystemExit("mosquitto is not installed (apt-get install mosquitto)")
        self.dir = Path(tempfile.mkdtemp(prefix="walkout-mosquitto-"))
        self.port = free_port()
        conf = self.dir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
            f"max_queued_bytes 0\nmax_inflight_messages 0\npersistence false\n"
        )
        self.proc = subprocess.Popen(
            [exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("mosquitto did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


class Serve:
    """``walkout serve`` as a child process (kill -9 able)."""

    def __init__(
        self, data: Path, store: str, env: dict[str, str] | None = None, log: Path | None = None
    ):
        self.data, self.store = data, store
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "WALKOUT_ADMIN_TOKEN": ADMIN,
            "WALKOUT_LOG_FORMAT": "json",
            **(env or {}),
        }
        self.log = log or data.parent / "serve.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30
        )

    def start(self) -> float:
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "walkout.cli.main",
                "serve",
                "--store",
                self.store,
                "--data-dir",
                str(self.data),
                "--port",
                str(self.port),
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"),  # noqa: SIM115
        )
        while True:
            try:
                if self.http.get("/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - t0
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit(f"walkout serve exited: {self.log.read_text()[-2000:]}")
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

    def store_id(self) -> str:
        return str(self.http.get("/api/stores").json()[0]["id"])

    def status(self, sid: str) -> dict[str, Any]:
        return dict(self.http.get(f"/api/stores/{sid}/status").json())

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
