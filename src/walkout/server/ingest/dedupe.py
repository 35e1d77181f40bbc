"""Devices resend what was not acknowledged (MQTT QoS 1, an HTTP retry), so the
same message can arrive twice; it must be logged once. A record with a ``seq``
is a duplicate when its device already sent that seq or a later one; one
without is keyed by (device, kind, t), remembered for the last 100,000."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

KEEP = 100_000


class Dedupe:
    def __init__(self) -> None:
        self.last_seq: dict[str, int] = {}
        self.seen: OrderedDict[tuple[str, str, float], None] = OrderedDict()

    def fresh(self, device: str, kind: str, t: float, seq: int | None) -> bool:
        """True the first time a message is seen (and remembers it)."""
        if seq is not None:
            last = self.last_seq.get(device)
            if last is not None and seq <= last:
                return False
            self.last_seq[device] = seq
            return True
        key = (device, kind, round(t, 6))
        if key in self.seen:
            return False
        self.seen[key] = None
        if len(self.seen) > KEEP:
            self.seen.popitem(last=False)
        return True

    def see_obj(self, obj: dict[str, Any]) -> None:
        """Remember a record read back from the log (recovery)."""
        if obj.get("kind") != "header":
            self.fresh(obj["device"], obj["kind"], obj["t"], obj.get("seq"))

    def key(self, device: str, kind: str, t: float, seq: int | None) -> str:
        """A message id for brokers that dedupe themselves (JetStream's Nats-Msg-Id)."""
        return f"{device}:{seq}" if seq is not None else f"{device}:{kind}:{t:.6f}"
