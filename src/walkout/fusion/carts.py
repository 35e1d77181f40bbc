"""Carts and receipts: what each session holds, line by line, and how sure we are.

A line's probability is the product of the probabilities of the events that
made it (independent decisions) and of each doubt that some other event,
given to someone else, was in fact this session's. A receipt is final only
when every line clears the store's threshold and no doubt is left over;
otherwise it waits for a human, and the doubtful events go with it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from walkout.domain.catalogue import Product
from walkout.fusion.outputs import ReceiptLine


@dataclass
class Contribution:
    event: str
    sku: str
    qty: int  # units added (take) or removed (put)
    p: float
    review: bool


@dataclass
class Doubt:
    event: str
    sku: str
    qty: int
    p_here: float  # chance this session did it though it was given to another


@dataclass
class Cart:
    session: str
    items: list[Contribution] = field(default_factory=list)
    doubts: list[Doubt] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)  # takes of something we cannot name
    #: each unit taken, as its plates weighed it: (grams, the plates it came off)
    units: dict[str, list[tuple[float, frozenset[str]]]] = field(default_factory=dict)

    def took_unit(self, sku: str, grams: float, plates: frozenset[str]) -> None:
        units = self.__dict__.setdefault("units", {})  # older checkpoints lack it
        units.setdefault(sku, []).append((grams, plates))

    def put_unit(self, sku: str, grams: float) -> None:
        """A unit of ``sku`` set down: forget the one it most likely was."""
        lst = self.__dict__.get("units", {}).get(sku)
        if lst:
            lst.pop(min(range(len(lst)), key=lambda i: abs(lst[i][0] - grams)))

    def held(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for c in self.items:
            out[c.sku] += c.qty
        return {k: v for k, v in out.items() if v > 0}

    def lines(
        self, products: dict[str, Product], threshold: float
    ) -> tuple[list[ReceiptLine], list[str]]:
        """Receipt lines, and the events a reviewer must settle."""
        by_sku: dict[str, list[Contribution]] = defaultdict(list)
        for c in self.items:
            by_sku[c.sku].append(c)
        doubts_by_sku: dict[str, list[Doubt]] = defaultdict(list)
        for d in self.doubts:
            doubts_by_sku[d.sku].append(d)
        lines: list[ReceiptLine] = []
        review: list[str] = []
        for sku in sorted(set(by_sku) | set(doubts_by_sku)):
            cs = by_sku.get(sku, [])
            qty = sum(c.qty for c in cs)
            p = 1.0
            for c in cs:
                p *= c.p
            for d in doubts_by_sku.get(sku, []):
                p *= 1.0 - d.p_here
            doubtful = p < threshold or any(c.review for c in cs)
            if doubtful:
                review.extend(c.event for c in cs if c.review or c.p < threshold)
                review.extend(
                    d.event for d in doubts_by_sku.get(sku, []) if d.p_here > 1 - threshold
                )
            if qty <= 0:
                continue
            price = products[sku].price if sku in products else 0
            lines.append(
                ReceiptLine(
                    sku=sku,
                    qty=qty,
                    unit_price=price,
                    p=round(p, 6),
                    events=[c.event for c in cs],
                    review=doubtful,
                )
            )
        review.extend(self.unexplained)  # the shopper left with it: a human must say what it was
        return lines, list(dict.fromkeys(review))
