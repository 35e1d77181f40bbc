"""Which load-cell channels in the data are real plates.

The NanoStore's controllers report more channels than store_meta has plates.
In BENCHMARK-1: gondolas 2 and 4 (9 plates a shelf) report 12 channels a
shelf, of which 10 and 12 sit at a constant 6067.4 and 11 repeats plate 9's
level to within a gram; gondola 1 shelf 4 reports 14, of which 13 and 14 are
frozen copies of plates 11 and 12. None carries a load.

Rules (``plan``):

* a channel in the layout is kept, and reported if it never changes;
* a channel absent from the layout that never changes is a ghost: dropped and
  reported;
* one that tracks a plate of its shelf (mean |difference| < ``SHADOW_G``) is a
  shadow: dropped and reported;
* any other is a real plate store_meta lacks: kept, added to the store at an
  extrapolated pose, and reported.

``keep_all`` keeps (and adds) every channel that is not all NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from walkout.importers.aifi.layout import Address, plate_address_id

SHADOW_G = 5.0


@dataclass
class _Stat:
    n: int = 0
    lo: float = np.inf
    hi: float = -np.inf
    first: float = np.nan


@dataclass
class ChannelSurvey:
    """Streaming statistics of every channel, fed one message at a time."""

    layout: set[Address]
    stats: dict[Address, _Stat] = field(default_factory=dict)
    # (outside channel, layout plate) -> [sum |diff|, count]
    pairs: dict[tuple[Address, Address], list[float]] = field(default_factory=dict)

    def feed(self, gondola: int, data: np.ndarray) -> None:
        """``data``: (samples, shelves + 1, plates + 1), NaN for no reading."""
        valid = ~np.isnan(data)
        for s, p in zip(*np.nonzero(valid.any(axis=0)), strict=True):
            if s == 0 or p == 0:
                continue
            a = (gondola, int(s), int(p))
            x = data[:, s, p][valid[:, s, p]]
            st = self.stats.setdefault(a, _Stat(first=float(x[0])))
            st.n += x.size
            st.lo = min(st.lo, float(x.min()))
            st.hi = max(st.hi, float(x.max()))
            if a in self.layout:
                continue
            for q in range(1, data.shape[2]):
                b = (gondola, int(s), q)
                if b not in self.layout:
                    continue
                d = np.abs(data[:, s, p] - data[:, s, q])
                d = d[~np.isnan(d)]
                acc = self.pairs.setdefault((a, b), [0.0, 0.0])
                acc[0] += float(d.sum())
                acc[1] += d.size


@dataclass
class ChannelPlan:
    keep: dict[int, list[tuple[int, int]]]  # gondola -> [(shelf, plate)] in report order
    added: set[Address]
    warnings: list[str]

    def plate_ids(self, gondola: int) -> list[str]:
        return [plate_address_id(gondola, s, p) for s, p in self.keep.get(gondola, [])]


def plan(survey: ChannelSurvey, keep_all: bool = False) -> ChannelPlan:
    keep: dict[int, list[tuple[int, int]]] = {}
    added: set[Address] = set()
    ghosts: list[str] = []
    shadows: list[str] = []
    dead: list[str] = []
    warnings: list[str] = []
    for a in sorted(survey.stats):
        st = survey.stats[a]
        pid = plate_address_id(*a)
        constant = st.hi == st.lo
        if a in survey.layout:
            if constant:
                dead.append(f"{pid} ({st.lo:.1f} g)")
            keep.setdefault(a[0], []).append(a[1:])
            continue
        twin = _shadowed(survey, a)
        if not keep_all and constant:
            ghosts.append(f"{pid} (always {st.lo:.1f} g)")
        elif not keep_all and twin is not None:
            shadows.append(f"{pid} (repeats {plate_address_id(*twin)})")
        else:
            keep.setdefault(a[0], []).append(a[1:])
            added.add(a)
    if dead:
        warnings.append(f"plates that never changed (dead load cell?): {', '.join(dead)}")
    if ghosts:
        warnings.append(
            f"dropped {len(ghosts)} constant channels absent from the layout: {', '.join(ghosts)}"
        )
    if shadows:
        warnings.append(
            f"dropped {len(shadows)} channels absent from the layout that repeat a plate of their shelf: "
            f"{', '.join(shadows)}"
        )
    if added:
        warnings.append(
            f"added {len(added)} plates absent from store_meta at extrapolated positions: "
            f"{', '.join(plate_address_id(*a) for a in sorted(added))}"
        )
    silent = sorted(survey.layout - set(survey.stats))
    if silent:
        warnings.append(f"{len(silent)} layout plates never reported: {_compress(silent)}")
    return ChannelPlan(keep, added, warnings)


def _shadowed(survey: ChannelSurvey, a: Address) -> Address | None:
    best: tuple[float, Address] | None = None
    for (x, b), (total, n) in survey.pairs.items():
        if x == a and n > 0 and total / n < SHADOW_G and (best is None or total / n < best[0]):
            best = (total / n, b)
    return None if best is None else best[1]


def _compress(addresses: list[Address]) -> str:
    """``G3.6.1-12, G5.*`` rather than 66 ids."""
    by_g: dict[int, dict[int, list[int]]] = {}
    for g, s, p in addresses:
        by_g.setdefault(g, {}).setdefault(s, []).append(p)
    parts = []
    for g, shelves in sorted(by_g.items()):
        for s, ps in sorted(shelves.items()):
            parts.append(f"G{g}.{s}.{min(ps)}-{max(ps)}" if len(ps) > 1 else f"G{g}.{s}.{ps[0]}")
    return ", ".join(parts)
