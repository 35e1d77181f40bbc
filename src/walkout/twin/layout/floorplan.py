"""The floor: a rectangle with its gates on the front wall, and the RFID readers at the exits.

The front wall runs along y = 0 from x = 0 to x = width; the store lies at
positive y. Entries are at the left of the front wall, exits at the right,
so a shopper crosses the store rather than turning round in the doorway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from walkout.domain.store import Floor, Gate, RfidReader
from walkout.twin.layout.kinds import KindSpec

DOORWAY = 1.0  # m between a gate's posts
GATE_PITCH = 1.6  # m from one gate's left post to the next one's


@dataclass(frozen=True)
class FloorPlan:
    width: float
    depth: float
    floor: Floor
    gates: list[Gate]

    @property
    def area(self) -> float:
        return self.width * self.depth


def plan_floor(spec: KindSpec, area: float) -> FloorPlan:
    """A ``width x depth`` rectangle of about ``area`` m^2, to 0.1 m."""
    width = round(math.sqrt(area * spec.aspect), 1)
    depth = round(area / width, 1)
    outline = [(0.0, 0.0), (width, 0.0), (width, depth), (0.0, depth)]
    return FloorPlan(width, depth, Floor(outline=outline, height=spec.ceiling), _gates(spec, width))


def _gates(spec: KindSpec, width: float) -> list[Gate]:
    # a->b runs along +x, so the store (+y) is on the left, as the store file wants.
    margin = min(1.0, width * 0.1)
    gates: list[Gate] = []
    for i in range(spec.entries):
        x = round(margin + i * GATE_PITCH, 2)
        gates.append(Gate(id=f"entry-{i + 1}", kind="entry", a=(x, 0.0), b=(x + DOORWAY, 0.0)))
    for i in range(spec.exits):
        x = round(width - margin - DOORWAY - i * GATE_PITCH, 2)
        gates.append(Gate(id=f"exit-{i + 1}", kind="exit", a=(x, 0.0), b=(x + DOORWAY, 0.0)))
    return gates


def rfid_readers(gates: list[Gate]) -> list[RfidReader]:
    """One reader in each post of every exit, antennas at hip height facing the doorway."""
    out: list[RfidReader] = []
    for g in gates:
        if g.kind not in ("exit", "both"):
            continue
        for side, post in (("a", g.a), ("b", g.b)):
            out.append(
                RfidReader(
                    id=f"rfid-{g.id}-{side}", gate=g.id, at=(post[0], post[1], 1.0), range_m=1.5
                )
            )
    return out
