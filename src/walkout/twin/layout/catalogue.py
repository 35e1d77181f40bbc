"""Brand lines for the catalogue: names, weights and their spread, prices, GTINs.

A line is one brand's flavours and sizes of one product type: what a camera
confuses, and what stands side by side on the shelf. Products are drafted
first and numbered (SKU, GTIN) only once the planogram has placed them, so
that a product that did not fit leaves no gap in the numbering.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from walkout.domain.catalogue import Product
from walkout.twin.layout.assortment import (
    BRAND_HEADS,
    BRAND_SUFFIXES,
    BRAND_TAILS,
    BY_NAME,
    LINE_EDITIONS,
    Category,
    ProductType,
    Size,
)

# Relative standard deviation of a unit's weight (sd / mean), lognormal, fitted
# to the 77 AIM3S products with >= 2 distinct repeated weighings (one product
# with identical weighings left out) by
# walkout.twin.layout.calibration.aim3s_weight_spread("../shared/data/aim3s/product_info.json"):
# mu = -4.470, sigma = 1.335 (ln scale), i.e. a median of 1.14 % and a 90th
# percentile of 6.3 % (empirical: median 1.30 %, p90 4.9 %). Draws are clipped to
# 0.1 %..10 % (about 5 % of draws hit the top), the largest spread AIM3S shows
# apart from one mis-weighed bar.
REL_SD_MU = -4.470
REL_SD_SIGMA = 1.335
REL_SD_CLIP = (0.001, 0.10)

METRIC_IN_US = ("White Wine", "Red Wine", "Spirits")
TIGHT_SD = (
    0.006  # flavours of one size in a "tight" line: weights ~0.6 % apart (same can, same fill)
)
LOOSE_SPREAD = 0.12  # other lines: recipes differ by up to +-12 %


@dataclass
class Draft:
    """A product before it is numbered."""

    category: Category
    ptype: ProductType
    brand: str
    line: str  # similarity group id
    name: str
    size: Size
    weight_g: float
    weight_sd_g: float
    price: int  # minor units
    product: Product | None = None

    @property
    def unit(self) -> tuple[float, float, float]:
        return (self.size.w, self.size.d, self.size.h)


@dataclass
class Line:
    group: str
    members: list[Draft]

    @property
    def weight(self) -> float:
        return float(np.mean([m.weight_g for m in self.members]))


@dataclass
class CatalogueMaker:
    """Draws brand lines for a store; one per call, each new."""

    rng: np.random.Generator
    market: str = "US"  # "US" (fl oz, UPC-style GTINs) or "DE" (metric, 40-44 prefixes)
    _brands: dict[str, list[str]] = field(default_factory=dict)
    _used_brands: set[str] = field(default_factory=set)
    _lines: set[tuple[str, str, str]] = field(default_factory=set)
    _company: dict[str, str] = field(default_factory=dict)
    _items: dict[str, int] = field(default_factory=dict)
    _skus: dict[str, int] = field(default_factory=dict)
    _gtins: set[str] = field(default_factory=set)

    def line(self, category: str, where: str, ptype: str | None = None) -> Line:
        """A new brand line of ``category`` kept in a ``where`` fixture, of type ``ptype`` if given."""
        cat = BY_NAME[category]
        types = [t for t in cat.types if t.where == where and ptype in (None, t.name)]
        if not types:
            raise ValueError(f"no {category} products are kept in a {where} fixture")
        for attempt in range(200):
            brand = self._brand(
                cat, new=attempt >= 20
            )  # an own brand's lines all taken: a new brand
            ptype = types[int(self.rng.integers(len(types)))]
            free = [e for e in LINE_EDITIONS if (brand, ptype.name, e) not in self._lines]
            if free:
                edition = (
                    free[0] if self.rng.random() < 0.6 else free[int(self.rng.integers(len(free)))]
                )
                self._lines.add((brand, ptype.name, edition))
                return self._draw(cat, ptype, brand, edition)
        raise RuntimeError(f"ran out of {category} lines")  # pragma: no cover

    def _brand(self, cat: Category, new: bool = False) -> str:
        own = self._brands.setdefault(cat.name, [])
        if new or len(own) < 2 or (len(own) < 25 and self.rng.random() < 0.3):
            for _ in range(1000):
                b = BRAND_HEADS[int(self.rng.integers(len(BRAND_HEADS)))]
                b += BRAND_TAILS[int(self.rng.integers(len(BRAND_TAILS)))]
                b += (
                    BRAND_SUFFIXES[int(self.rng.integers(len(BRAND_SUFFIXES)))]
                    if len(self._used_brands) > 300
                    else ""
                )
                if b not in self._used_brands:
                    self._used_brands.add(b)
                    own.append(b)
                    return b
        return own[int(self.rng.integers(len(own)))]

    def _draw(self, cat: Category, ptype: ProductType, brand: str, edition: str) -> Line:
        rng = self.rng
        n_sizes = 1 if len(ptype.sizes) == 1 or rng.random() < 0.5 else 2
        size_idx = sorted(rng.choice(len(ptype.sizes), size=n_sizes, replace=False).tolist())
        n_flav = min(len(ptype.flavours), int(rng.choice([1, 2, 3, 3, 4, 4, 5])), 6 // n_sizes)
        flavours = [
            ptype.flavours[i]
            for i in sorted(rng.choice(len(ptype.flavours), n_flav, replace=False))
        ]
        tight = rng.random() < ptype.tight
        brand_factor = rng.uniform(0.97, 1.03)
        price_factor = rng.uniform(0.85, 1.25)
        base = " ".join(x for x in (brand, edition, ptype.name) if x)
        group = "-".join(base.lower().replace("&", "and").split())
        members: list[Draft] = []
        for si in size_idx:
            size = ptype.sizes[si]
            for flav in flavours:
                if tight:
                    eps = min(0.015, max(-0.015, rng.normal(0, TIGHT_SD)))
                else:
                    eps = rng.uniform(-LOOSE_SPREAD, LOOSE_SPREAD)
                lo, hi = cat.grams
                w = min(hi, max(lo, size.grams * brand_factor * (1 + eps)))
                rel = min(
                    REL_SD_CLIP[1], max(REL_SD_CLIP[0], rng.lognormal(REL_SD_MU, REL_SD_SIGMA))
                )
                members.append(
                    Draft(
                        category=cat,
                        ptype=ptype,
                        brand=brand,
                        line=group,
                        name=f"{base} {flav} {self._size_label(size, ptype.name in METRIC_IN_US)}",
                        size=size,
                        weight_g=round(w, 1),
                        weight_sd_g=round(w * rel, 2),
                        price=_price(size.price * price_factor),
                    )
                )
        return Line(group, members)

    def _size_label(self, s: Size, metric: bool = False) -> str:
        """US customary units in the US, except where US law wants metric (wine, spirits)."""
        if s.unit == "ct":
            return f"{s.amount:g} ct" if self.market == "US" else f"{s.amount:g} St."
        if s.amount >= 1000:
            litres = s.amount / 1000
            if self.market == "US" and s.unit == "g":
                return f"{s.amount / 453.592:.1f} lb"
            return f"{litres:g} {'L' if s.unit == 'ml' else 'kg'}"
        if self.market == "US" and not metric:
            oz = s.amount / (29.5735 if s.unit == "ml" else 28.3495)
            return f"{oz:.1f}".removesuffix(".0") + (" fl oz" if s.unit == "ml" else " oz")
        return f"{s.amount:g} {s.unit}"

    def finish(self, d: Draft, similar: bool) -> Product:
        """Number a placed draft: SKU by category, GTIN-13 from its brand's company prefix."""
        if d.product is not None:
            return d.product
        n = self._skus[d.category.code] = self._skus.get(d.category.code, 0) + 1
        d.product = Product(
            sku=f"{d.category.code}{n:05d}",
            gtin=self._gtin(d.brand),
            name=d.name,
            price=d.price,
            weight_g=d.weight_g,
            weight_sd_g=d.weight_sd_g,
            category=d.category.name,
            age_restricted=d.category.age_restricted,
            rfid=d.ptype.rfid,
            similar=d.line if similar else None,
            size=d.unit,
        )
        return d.product

    def _gtin(self, brand: str) -> str:
        if brand not in self._company:
            for _ in range(1000):
                if self.market == "US":  # a UPC-A company prefix, padded to 13 digits
                    c = "0" + str(int(self.rng.integers(100000, 1000000)))
                else:
                    c = f"4{int(self.rng.integers(0, 5))}{int(self.rng.integers(10000, 100000))}"
                if c not in self._company.values():
                    self._company[brand] = c
                    break
        item = self._items[brand] = self._items.get(brand, 0) + 1
        body = f"{self._company[brand]}{item:05d}"
        return body + str(gtin_check_digit(body))


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits before it."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _price(dollars: float) -> int:
    """Shelf prices end in 9: 1.639 -> 159 (cents)."""
    return max(9, math.floor(dollars * 10 + 0.5) * 10 - 1)
