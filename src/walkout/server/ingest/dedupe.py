"""Devices resend what was not acknowledged (MQTT QoS 1, an HTTP retry), so the
same message can arrive twice; it must be logged once. Messages of one device
also arrive out of order (networks reorder), so a record with a ``seq`` is a
duplicate only when that very seq was seen: each device keeps the seqs of its
last ``WINDOW`` messages. One without a seq is keyed by (device, kind, t),
remembered for the last ``KEEP`` such records. A seq older than the window
is taken as new: a late message is never thrown away."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

KEEP = 100_000
WINDOW = 20_000


class _Seqs:
    __slots__ = ("max", "seen")

    def __init__(self) -> None:
        self.max = -1
        self.seen: set[int] = set()

    def add(self, seq: int) -> bool:
        if seq in self.seen:
            return False
        self.seen.add(seq)
        if seq > self.max:
            self.max = seq
            if len(self.seen) > 2 * WINDOW:
                floor = self.max - WINDOW
                self.seen = {s for s in self.seen if s > floor}
        return True


class Dedupe:
    def __init__(self) -> None:
        self.seqs: dict[str, _Seqs] = {}
        self.seen: OrderedDict[tuple[str, str, float], None] = OrderedDict()

    def fresh(self, device: str, kind: str, t: float, seq: int | None) -> bool:
        """True the first time a message is seen (and remembers it)."""
        if seq is not None:
            s = self.seqs.get(device)
            if s is None:
                s = self.seqs[device] = _Seqs()
            return s.add(seq)
        key = (device, kind, round(t, 6))
        if key in self.seen:
            return False
        self.seen[key] = None
        if len(self.seen) > KEEP:
            self.seen.popitem(last=False)
        return True

    def forget(self, device: str, kind: str, t: float, seq: int | None) -> None:
        """Undo ``fresh`` for a record that could not be logged after all (so its resend is new)."""
        if seq is not None:
            s = self.seqs.get(device)
            if s is not None:
                s.seen.discard(seq)
        else:
            self.seen.pop((device, kind, round(t, 6)), None)

    def see_obj(self, obj: dict[str, Any]) -> None:
        """Remember a record read back from the log (recovery)."""
        if obj.get("kind") != "header":
            self.fresh(obj["device"], obj["kind"], obj["t"], obj.get("seq"))


def message_id(rec: Any) -> str:
    """A message id for brokers that dedupe themselves (JetStream's Nats-Msg-Id)."""
    if rec.seq is not None:
        return f"{rec.device}:{rec.seq}"
    return f"{rec.device}:{rec.kind}:{rec.t:.6f}"
