"""Which product stands on which plates.

Each role's fixtures (produce tables, islands, wall, coolers, freezers) are
cut into contiguous sections, one per category. Within a section each fixture
(a bay) holds one to three product types, as stores block them; a bay's brand
lines are sorted heaviest first and packed shelf by shelf from the bottom up,
first fit, so heavy goods stand low and a line's flavours and sizes stand side
by side on one shelf. On shelves with narrow plates (<= 0.3 m) a facing covers
1-3 whole plates; on coarse ones several facings share a plate, as on the
AIM3S and NanoStore shelves. Each product gets one facing.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from walkout.domain.catalogue import Product
from walkout.domain.store import Facing, plate_id
from walkout.twin.layout.assortment import BY_NAME
from walkout.twin.layout.catalogue import CatalogueMaker, Draft, Line
from walkout.twin.layout.fixtures import Placement
from walkout.twin.layout.kinds import SEGMENT, FixtureType, KindSpec

GAP = 0.01  # m between lanes
SNAP_PITCH = 0.3  # plates at most this wide are given whole to a facing


@dataclass
class Slot:
    """A facing being planned: a product and how much shelf it takes."""

    draft: Draft
    width: float
    desired: float
    similar: bool = False


@dataclass(frozen=True)
class Section:
    category: str
    ftype: FixtureType
    fixtures: list[Placement]


def sections(spec: KindSpec, placements: list[Placement]) -> list[Section]:
    """Contiguous runs of each role's fixtures, shared out by the merchandising plan."""
    out: list[Section] = []
    for role, shares in spec.merch.items():
        fxs = [p for p in placements if p.role == role]
        if not fxs:
            continue
        kept = sorted(shares, key=lambda s: -s[1])[: len(fxs)]
        kept = [s for s in shares if s in kept]  # the plan's order, which keeps neighbours sensible
        counts = _apportion([s for _, s in kept], len(fxs))
        i = 0
        for (cat, _), n in zip(kept, counts, strict=True):
            out.append(Section(cat, fxs[i].ftype, fxs[i : i + n]))
            i += n
    return out


def _apportion(shares: list[float], n: int) -> list[int]:
    """Largest remainder, at least one each (callers keep no more shares than ``n``)."""
    total = sum(shares)
    raw = [s / total * n for s in shares]
    counts = [max(1, math.floor(r)) for r in raw]
    while sum(counts) > n:
        i = max(range(len(counts)), key=lambda k: (counts[k] - raw[k], counts[k]))
        counts[i] -= 1
    order = sorted(range(len(raw)), key=lambda k: counts[k] - raw[k])
    for k in range(n - sum(counts)):
        counts[order[k % len(order)]] += 1
    return counts


def fill(
    spec: KindSpec, placements: list[Placement], maker: CatalogueMaker, rng: np.random.Generator
) -> tuple[list[Facing], list[Product]]:
    """Facings for every shelf, and the products they place, numbered in planogram order."""
    facings: list[Facing] = []
    products: list[Product] = []
    for sec in sections(spec, placements):
        f, p = _fill_section(spec, sec, maker, rng)
        facings.extend(f)
        products.extend(p)
    return facings, products


@dataclass
class _Queued:
    slots: list[Slot]
    width: float  # least shelf length the whole line needs
    height: float  # tallest member
    desired: float
    weight: float  # mean unit weight, heaviest lines go lowest


def _fill_section(
    spec: KindSpec, sec: Section, maker: CatalogueMaker, rng: np.random.Generator
) -> tuple[list[Facing], list[Product]]:
    """Bay by bay: each fixture holds one to three product types, heaviest lines lowest."""
    ft = sec.ftype
    types = [t.name for t in BY_NAME[sec.category].types if t.where == ft.where]
    types = [types[i] for i in rng.permutation(len(types))]
    per_bay = max(1, min(3, math.ceil(len(types) / len(sec.fixtures))))
    facings: list[Facing] = []
    products: list[Product] = []
    for b, pl in enumerate(sec.fixtures):
        bay = _Bay(
            spec,
            sec.category,
            ft,
            [types[(b * per_bay + k) % len(types)] for k in range(per_bay)],
            maker,
            rng,
        )
        levels = len(ft.shelf_heights)
        bay.top_up(levels)
        for lvl in range(levels):
            chosen = _pack_shelf(bay, ft.clear_height(lvl), levels - lvl)
            x = 0.0
            for s in chosen:
                first = math.floor(x / bay.pitch + 1e-6)
                last = min(math.ceil((x + s.width) / bay.pitch - 1e-6) - 1, ft.plates - 1)
                x += s.width
                pids = [plate_id(pl.fixture.id, lvl + 1, k + 1) for k in range(first, last + 1)]
                product = maker.finish(s.draft, s.similar)
                facings.append(_facing(product.sku, s, pids, ft, lvl, rng))
                products.append(product)
    return facings, products


@dataclass
class _Bay:
    """The lines waiting to go on one fixture's shelves."""

    spec: KindSpec
    category: str
    ft: FixtureType
    types: list[str]
    maker: CatalogueMaker
    rng: np.random.Generator
    queue: list[_Queued] = field(default_factory=list)

    @property
    def pitch(self) -> float:
        return SEGMENT / self.ft.plates

    @property
    def snap(self) -> bool:
        return self.pitch <= SNAP_PITCH + 1e-9

    def top_up(self, shelves_left: int, room: float | None = None) -> None:
        """Lines of the bay's types for ``shelves_left`` shelves; or, given the ``room`` left
        on a shelf, lines of any type until one of them fits it."""
        any_type = room is not None
        fresh: list[_Queued] = []
        have = 0.0 if any_type else sum(q.desired for q in self.queue)
        while have < shelves_left * SEGMENT * 1.3 or (
            room is not None
            and len(fresh) < 12
            and all(q.slots[0].width > room + 1e-9 for q in fresh)
        ):
            ptype = None if any_type else self.types[len(fresh) % len(self.types)]
            line = self.maker.line(self.category, self.ft.where, ptype)
            q = _queued(_slots(line, self.spec, self.pitch, self.snap, self.rng))
            have += q.desired
            fresh.append(q)
        fresh.sort(key=lambda q: -q.weight)
        self.queue.extend(fresh)


def _pack_shelf(bay: _Bay, clear: float, shelves_left: int) -> list[Slot]:
    """First fit from the bay's queue: whole lines at their wished widths, then squeezed into
    what is left; should nothing fit, the queue is topped up with the bay's types, then any."""
    queue, pitch, snap = bay.queue, bay.pitch, bay.snap
    refills = [lambda room: bay.top_up(shelves_left), lambda room: bay.top_up(1, room)]
    chosen: list[Slot] = []
    room = SEGMENT
    for attempt in range(len(refills) + 1):
        for wished in (True, False):
            if not wished and room <= _slack(chosen, pitch, snap) + 1e-9:
                break  # widening the facings already there fills the shelf
            i = 0
            while i < len(queue) and room > 1e-9:
                q = queue[i]
                if q.height > clear + 1e-9:
                    i += 1
                elif wished and q.desired <= room + 1e-9:
                    for s in q.slots:
                        s.width = s.desired
                    chosen.extend(q.slots)
                    room -= q.desired
                    queue.pop(i)
                elif not wished and q.slots[0].width <= room + 1e-9:
                    # as much of the line as fits, from its start: neighbours stay neighbours
                    take = list(itertools.accumulate(s.width for s in q.slots))
                    n = sum(1 for t in take if t <= room + 1e-9)
                    part = q.slots[:n]
                    if n == 1:
                        part[0].similar = False
                    chosen.extend(part)
                    room -= take[n - 1]
                    queue.pop(i)
                else:
                    i += 1
        if attempt == len(refills) or room < pitch - 1e-9 or (not snap and room < 0.1):
            break
        refills[attempt](room)
    _widen(chosen, room, pitch, snap)
    return chosen


def _queued(slots: list[Slot]) -> _Queued:
    return _Queued(
        slots,
        width=sum(s.width for s in slots),
        height=max(s.draft.size.h for s in slots),
        desired=sum(s.desired for s in slots),
        weight=sum(s.draft.weight_g for s in slots) / len(slots),
    )


def _slots(
    line: Line, spec: KindSpec, pitch: float, snap: bool, rng: np.random.Generator
) -> list[Slot]:
    """Each member's least and wished-for width; a line wider than a shelf loses members."""
    out: list[Slot] = []
    for d in line.members:
        lane = d.size.w + GAP
        want = spec.facing_width * rng.uniform(0.7, 1.3) * (0.8 + 1.5 * d.size.w)
        if snap:
            k_min = math.ceil(lane / pitch - 1e-9)
            k = min(3, max(k_min, round(want / pitch)))
            out.append(Slot(d, k_min * pitch, k * pitch))
        else:
            lanes = max(1, round(want / lane))
            out.append(Slot(d, lane, min(lanes * lane, pitch)))
    while len(out) > 1 and sum(s.desired for s in out) > SEGMENT + 1e-9:
        out.pop()
    for s in out:
        s.similar = len(out) > 1
    return out


def _slack(chosen: list[Slot], pitch: float, snap: bool) -> float:
    """How much more shelf the chosen facings could take before they reach their cap."""
    if snap:
        return sum(3 * pitch - s.width for s in chosen)
    return sum(max(0.0, pitch - s.width) for s in chosen)


def _widen(chosen: list[Slot], room: float, pitch: float, snap: bool) -> None:
    """Share a shelf's spare length: first up to what each facing wished for, then more."""
    step = (lambda s: pitch) if snap else (lambda s: s.draft.size.w + GAP)
    cap = 3 * pitch if snap else pitch
    for limit in ((lambda s: s.desired), (lambda s: cap)):
        grew = True
        while grew:
            grew = False
            for s in chosen:
                st = step(s)
                if s.width + st <= limit(s) + 1e-9 and st <= room + 1e-9:
                    s.width += st
                    room -= st
                    grew = True


def _facing(
    sku: str, s: Slot, pids: list[str], ft: FixtureType, lvl: int, rng: np.random.Generator
) -> Facing:
    w, d, h = s.draft.unit
    lanes = max(1, int((s.width + 1e-9) // (w + GAP)))
    deep = max(1, int(ft.shelf_depth // (d + 0.005)))
    stack = max(1, min(3, int(ft.clear_height(lvl) // (h + 0.005)))) if s.draft.ptype.stack else 1
    cap = lanes * deep * stack
    stock = None
    if cap >= 2 and rng.random() < 0.2:  # some facings were not refilled before opening
        stock = int(rng.integers(math.ceil(cap * 0.25), cap))
    return Facing(product=sku, plates=pids, facings=lanes, capacity=cap, stock=stock)
