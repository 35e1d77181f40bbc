"""What the server benchmarks share: a ``walkout serve`` child process
(``walkout.server.process``) and a dedicated Mosquitto on loopback with
deploy/mosquitto.conf's limits. Not a benchmark itself."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from walkout.server.process import ServeProcess, free_port

ADMIN = "wo_bench_admin"


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


def serve(data: Path, store: str, env: dict[str, str] | None = None) -> ServeProcess:
    return ServeProcess(data, store, ADMIN, env)
