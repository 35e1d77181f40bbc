"""Plate changes become shelf events: changes on neighbouring plates of one
shelf that happen together are one item (items stand across 1-3 plates);
changes apart in time or place are separate events."""

from __future__ import annotations

from dataclasses import dataclass, field

from walkout.fusion.detect import PlateChange
from walkout.fusion.planogram import LivePlanogram


@dataclass
class PendingEvent:
    id: str
    fixture: str
    shelf: int
    changes: list[PlateChange]
    t0: float
    t1: float
    plates: dict[str, float] = field(default_factory=dict)
    at: float | None = None  # a part split off at one jump of the weight: that jump's time

    @property
    def delta(self) -> float:
        return sum(self.plates.values())

    @property
    def t_step(self) -> float:
        """When the weight moved fastest: the moment the hand lifted or set down the unit."""
        if self.at is not None:
            return self.at
        best = max(
            (c for c in self.changes if c.ts is not None), key=lambda c: c.step, default=None
        )
        return best.ts if best is not None and best.ts is not None else self.t_move

    @property
    def t_move(self) -> float:
        """When the weight itself started to change (a shake may wake a plate earlier)."""
        tms = [c.tm for c in self.changes if c.tm is not None]
        return min(tms) if tms else self.t0


def cluster(
    changes: list[PlateChange], plan: LivePlanogram, gap_s: float
) -> list[list[PlateChange]]:
    """Group changes of one shelf: same sign, neighbouring plates, overlapping in time.

    Connected components: a change that links two groups joins them (plates 1
    and 3 changing first, plate 2 a moment later, are one item of three plates).
    """
    cs = sorted(changes, key=lambda c: (c.t0, c.plate))
    parent = list(range(len(cs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(cs):
        ia = plan.index[a.plate][2]
        for j in range(i):
            b = cs[j]
            if (a.delta < 0) != (b.delta < 0) or abs(plan.index[b.plate][2] - ia) > 1:
                continue
            if a.t0 <= b.t1 + gap_s and b.t0 <= a.t1 + gap_s:
                parent[root(i)] = root(j)
    groups: dict[int, list[PlateChange]] = {}
    for i, c in enumerate(cs):
        groups.setdefault(root(i), []).append(c)
    return list(groups.values())
