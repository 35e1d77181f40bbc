"""What the server benchmarks share: a ``walkout serve`` child process
(``walkout.server.process``) and a dedicated Mosquitto on loopback with
deploy/mosquitto.conf's limits. Not a benchmark itself."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from walkout.eventlog.records import AnyRecord, GateEntry
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

    def server_env(self) -> dict[str, str]:
        """What ``walkout serve`` needs to ingest from this broker."""
        return {
            "WALKOUT_MQTT": "true",
            "WALKOUT_MQTT_PORT": str(self.port),
            "WALKOUT_MQTT_SESSION_S": "0",
        }

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def serve(data: Path, store: str, env: dict[str, str] | None = None) -> ServeProcess:
    return ServeProcess(data, store, ADMIN, env)


def bind_accounts(srv: ServeProcess, sid: str, tokens: list[str], api: str | None) -> None:
    """An account with a card for each credential the twin's shoppers show, so that
    every final receipt is charged (``api``: localstripe's URL; None: the fake provider)."""
    import stripe

    client = stripe.StripeClient("sk_test_bench", base_addresses={"api": api}) if api else None
    for tok in tokens:
        acc = srv.http.post(f"/api/stores/{sid}/accounts", json={}).json()["id"]
        shopper = srv.http.post(
            f"/api/stores/{sid}/tokens", json={"role": "shopper", "account": acc}
        ).json()["token"]
        pm = "pm_card_visa"
        if client is not None:
            pm = client.v1.payment_methods.create(
                params={
                    "type": "card",
                    "card": {
                        "number": "4242424242424242",
                        "exp_month": 12,
                        "exp_year": 2030,
                        "cvc": "123",
                    },
                }
            ).id
        r = srv.http.post(
            f"/api/stores/{sid}/me/cards",
            json={"payment_method": pm},
            headers={"Authorization": f"Bearer {shopper}"},
        )
        r.raise_for_status()
        srv.http.post(
            f"/api/stores/{sid}/credentials", json={"token": tok, "account": acc}
        ).raise_for_status()


def credentials(recs: Iterable[AnyRecord]) -> list[str]:
    """The shoppers' entry tokens in a log (staff badges excluded)."""
    return sorted(
        {
            r.credential.token
            for r in recs
            if isinstance(r, GateEntry) and r.credential.kind != "staff"
        }
    )


def provider_charges(api: str) -> dict[str, int]:
    """Succeeded payment intents per walkout charge key, as localstripe holds
    them: the provider's own count, not ours (localstripe ignores idempotency
    keys, so only our side can keep this at one)."""
    import stripe

    client = stripe.StripeClient("sk_test_bench", base_addresses={"api": api})
    n: dict[str, int] = {}
    for pi in client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter():
        md = pi.metadata.to_dict() if pi.metadata else {}
        if pi.status == "succeeded":
            k = md.get("walkout_key", pi.id)
            n[k] = n.get(k, 0) + 1
    return n
