"""What moved: ranked (product, units) explanations of a shelf event.

Each hypothesis is scored by
- weight: the event's net grams against the units' mean weight, with their
  spread, the plate's scale error and detection noise;
- place: whether the change happened on plates where those products are now
  (live planogram), allowing a little overhang onto the next plate, and whether
  its split over the plates fits a unit from one of the product's lanes; off
  with ``use_layout=False`` (weight only);
- quantity: one unit is likelier than several, two products than one rarely;
- recognition: the in-hand recogniser's scores for the product, tempered;
- for a put: what the shopper holds (their cart) is likelier than anything else;
- a swap: one unit taken from these plates while one held unit is set down on
  them, in one event (the net weight is their difference). Written with the
  set-down unit's count negative, ``((taken, 1), (put, -1))``; the engine
  splits such an event into its take and its put.
A catch-all "something else" hypothesis keeps probabilities honest when
nothing fits. Scores become probabilities by normalising over all of them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from walkout.domain.catalogue import Product
from walkout.fusion.config import EngineConfig
from walkout.fusion.planogram import LivePlanogram

UNKNOWN = "?"  # the sku of "something else"
MIX_SLACK = 0.7  # a mix's product is doubted when its plates carry under this share of its part
LEAK_SHARE = 0.04  # a unit across its facing's edge leaves about this share on the next plate
LEAK_FLOOR_G = 3.0  # ... plus detection noise on a plate that barely moved
FAR_WEIGHT = 3.0  # weight further than the next plate is that much less likely
STRAY_P = 1e-3  # weight where none of the products stands: the planogram is wrong
WIDE_FLOOR_G = 3.0  # the heavy tail of the weight error is at least this wide
UNIT_NEW = 0.2  # a put of a unit the engine did not weigh when taken (handed over, ...)
UNIT_SAME_PLATES = 0.8  # a put-back on the plates its unit came off: this share of its weight
UNIT_READ_SD = 0.01  # the error of one reading of a unit's weight, as a share of it
RESTOCK_UNITS = 3  # staff restocking set down up to this many units at a time
LANE_SD = 0.1  # a unit's share on a plate is off its lane's by about this much ...
LANE_FLOOR_G = 2.0  # ... plus this many grams of a plate's detection noise
LANE_OFF = 0.02  # a unit in none of its lanes (pushed aside, set down crooked)
LANE_MAX_UNITS = 3  # more units than this: too many ways to split to tell anything


@dataclass(frozen=True)
class Scored:
    items: tuple[tuple[str, int], ...]
    logp: float


def units_logprior(q: int, cfg: EngineConfig, restock: bool = False) -> float:
    """One unit is the rule; a second is rare; once people take several they take a few.
    Staff restocking set down a few at a time: up to ``RESTOCK_UNITS`` as likely as one."""
    if q <= 1 or (restock and q <= RESTOCK_UNITS):
        return 0.0
    return cfg.multi_unit_logprior + cfg.more_units_logprior * (q - 2)


def _weight_ll(grams: float, units: list[tuple[Product, int]], cfg: EngineConfig) -> float:
    """Log density of the measured grams: the units' spread, the scale's error and
    detection noise, with a heavy tail (a hand pressing or bumping the shelf as it
    settles puts 1 % of twin events over 9 % off)."""
    mu = sum(p.weight_g * q for p, q in units)
    var = (
        sum(q * p.weight_sd_g**2 for p, q in units)
        + (cfg.gain_sd * mu) ** 2
        + cfg.weight_floor_g**2
    )
    core = -0.5 * (grams - mu) ** 2 / var - 0.5 * math.log(2 * math.pi * var)
    if cfg.weight_outlier_p <= 0:
        return core
    wide_var = var + (cfg.weight_outlier_sd * mu + WIDE_FLOOR_G) ** 2
    wide = -0.5 * (grams - mu) ** 2 / wide_var - 0.5 * math.log(2 * math.pi * wide_var)
    return float(
        np.logaddexp(
            math.log1p(-cfg.weight_outlier_p) + core, math.log(cfg.weight_outlier_p) + wide
        )
    )


def place_loglik(
    mass: dict[str, float],
    skus: list[str],
    plan: LivePlanogram,
    shares: dict[str, float] | None = None,
) -> float:
    """How well the plates that moved match where these products stand now.

    ``shares``: for a mix, the part of the weight each product should carry (by
    default equal); a product is only doubted when its own plates moved clearly
    less than that (items straddle plates, so the split is never exact)."""
    total = sum(mass.values())
    if total <= 0:
        return 0.0
    where: set[str] = set()
    for s in skus:
        where |= plan.where(s)
    near = plan.near(list(where)) if where else set()
    # weight off the products' own plates: a unit overhanging its facing puts a little on
    # the plate next door, nothing further; more than that, only a planogram that is wrong
    # (or a misplacement nobody saw) explains
    stray = sum(m * (1.0 if p in near else FAR_WEIGHT) for p, m in mass.items() if p not in where)
    fit = math.exp(-stray / (LEAK_SHARE * total + LEAK_FLOOR_G))
    score = math.log((1.0 - STRAY_P) * fit + STRAY_P)
    if len(skus) > 1:  # each product of a mix must show up where it stands
        for s in skus:
            own = sum(m for p, m in mass.items() if p in plan.where(s))
            expected = (shares or {}).get(s, 1.0 / len(skus))
            score += 2.0 * math.log(max(min(1.0, own / total / (MIX_SLACK * expected)), 0.02))
    return score


def _unit_memory(
    grams: float,
    mass: dict[str, float],
    held: list[tuple[float, frozenset[str]]],
    product_ll: float,
    cfg: EngineConfig,
) -> float:
    """What knowing the held units' own weights adds to a put of one of them.

    A product's units spread (milk drinks 24 g apart) but each unit weighs what it
    weighs: set back on the plate it came off, it reads what that plate read when
    it left, within the error of the two readings (``UNIT_READ_SD`` each, and
    detection noise). On other plates the two scales' errors (2 %) and a take
    read off by a pressing hand (a twin gummy bag read 7 % light) make the
    memory no better than the product's spread, so it is used only for units
    set back on the plates they came off. ``UNIT_NEW`` of puts are a unit the
    engine did not weigh (handed over, or its take decided otherwise): the
    product's spread then. Returns the log ratio to the product's own density."""
    total = sum(mass.values())
    logs = []
    for g_u, plates in held:
        same = sum(m for p, m in mass.items() if p in plates) / total if total > 0 else 0.0
        if same < UNIT_SAME_PLATES:
            continue  # on other scales the two readings differ by their errors: no better
        var = 2 * cfg.weight_floor_g**2 + 2 * (UNIT_READ_SD * g_u) ** 2
        logs.append(-0.5 * (grams - g_u) ** 2 / var - 0.5 * math.log(2 * math.pi * var))
    if not logs:
        return 0.0
    seen = float(np.logaddexp.reduce(logs)) - math.log(len(logs))
    mixed = np.logaddexp(math.log1p(-UNIT_NEW) + seen, math.log(UNIT_NEW) + product_ll)
    return float(mixed) - product_ll


def lane_miss(mass: dict[str, float], sku: str, units: int, plan: LivePlanogram) -> float | None:
    """The squared distance from the split of the weight over the plates to the
    nearest split ``units`` units from this product's lanes give (None: it has no lanes)."""
    total = sum(mass.values())
    splits = plan.lane_splits(sku, units)
    if splits is None or total <= 0:
        return None
    plates, rows = splits
    mine = set(plates)
    seen = np.array([mass.get(p, 0.0) / total for p in plates])
    outside = sum((m / total) ** 2 for p, m in mass.items() if p not in mine)
    return float(((rows - seen) ** 2).sum(axis=1).min() + outside)


def lane_loglik(mass: dict[str, float], sku: str, units: int, plan: LivePlanogram) -> float:
    """How well the split of the weight over the plates fits units from this product's
    lanes. Neighbours that share a plate (AIM3S's candy bars) each rest partly on a
    plate of their own, so the split tells which of them moved where the plate
    alone cannot. A product also standing where it was put back by mistake, or
    many units at once, say nothing here."""
    if units > LANE_MAX_UNITS or plan.foreign_on(sku, mass):
        return 0.0
    d2 = lane_miss(mass, sku, units, plan)
    if d2 is None:
        return 0.0
    sd = LANE_SD + LANE_FLOOR_G / sum(mass.values())
    fit = math.exp(-d2 / (2 * sd * sd))
    return math.log((1.0 - LANE_OFF) * fit + LANE_OFF)


def _swaps(
    removed: float,
    mass: dict[str, float],
    taken: set[str],
    held: dict[str, float],
    products: dict[str, Product],
    plan: LivePlanogram,
    cfg: EngineConfig,
) -> list[Scored]:
    """One unit of a product here taken and one held unit set down, ``removed`` grams
    net (negative: more came than went). Only pairs the weight fits within 4 sd."""
    out: list[Scored] = []
    for x in sorted(taken):
        px = products.get(x)
        if px is None:
            continue
        place = place_loglik(mass, [x], plan) if cfg.use_layout else 0.0
        for b, h in sorted(held.items()):
            pb = products.get(b)
            if pb is None or b == x or h <= 0.5:
                continue
            mu = px.weight_g - pb.weight_g
            var = (
                px.weight_sd_g**2
                + pb.weight_sd_g**2
                + (cfg.gain_sd * (px.weight_g + pb.weight_g)) ** 2
                + 2 * cfg.weight_floor_g**2
            )
            if (removed - mu) ** 2 > 16 * var or abs(mu) < 3 * math.sqrt(var):
                continue
            ll = -0.5 * (removed - mu) ** 2 / var - 0.5 * math.log(2 * math.pi * var)
            # a held unit set down among other products: as unlikely as any wrong shelf
            lp = ll + cfg.mixed_logprior + place + math.log(0.05) + math.log(h)
            out.append(Scored(((x, 1), (b, -1)), lp))
    return out


def rank(
    grams: float,
    mass: dict[str, float],
    candidates: set[str],
    products: dict[str, Product],
    plan: LivePlanogram,
    cfg: EngineConfig,
    recognition: dict[str, float] | None = None,
    held: dict[str, float] | None = None,
    swap: tuple[bool, set[str], dict[str, float]] | None = None,
    restock: bool = False,
    units: dict[str, list[tuple[float, frozenset[str]]]] | None = None,
) -> list[tuple[tuple[tuple[str, int], ...], float]]:
    """Ranked (items, probability) for an event of ``grams`` (positive) spread as ``mass`` over plates.

    ``held``: for a put, products the shopper holds, with how sure we are they hold them.
    ``swap``: (is the event a take, products that can be taken here, products held):
    also weigh a take and a put in one event.
    ``restock``: staff setting down stock (a put): a few units at a time, onto what
    runs low.
    ``units``: for a put, the units the shopper holds as their plates weighed them
    when taken (grams, plates); one set back is likeliest one of those.
    """
    cands = sorted(c for c in candidates if c in products)
    scored: list[Scored] = []
    for s in cands:
        p = products[s]
        q0 = max(1, round(grams / p.weight_g))
        for q in range(max(1, q0 - 1), min(cfg.max_units, q0 + 1) + 1):
            ll = _weight_ll(grams, [(p, q)], cfg) + units_logprior(q, cfg, restock)
            if q == 1 and units and units.get(s):
                ll += _unit_memory(grams, mass, units[s], ll, cfg)
            if restock and cfg.use_layout:
                ll += plan.restock_logprior(s)
            scored.append(Scored(((s, q),), ll))
    best_single = max((x.logp for x in scored), default=-math.inf)
    if cfg.use_layout and len(cands) > 1 and len(cands) <= 12:
        # two products in one event: only worth the cost when one product fits badly
        for a, b in itertools.combinations(cands, 2):
            pa, pb = products[a], products[b]
            for qa, qb in ((1, 1), (2, 1), (1, 2)):
                ll = _weight_ll(grams, [(pa, qa), (pb, qb)], cfg) + cfg.mixed_logprior
                ll += units_logprior(qa, cfg) + units_logprior(qb, cfg)
                if ll > best_single - 6:
                    scored.append(Scored(((a, qa), (b, qb)), ll))
    out: list[Scored] = []
    for h in scored:
        skus = [s for s, _ in h.items]
        lp = h.logp
        if cfg.use_layout:
            mu = {s: products[s].weight_g * q for s, q in h.items}
            place = place_loglik(mass, skus, plan, {s: w / sum(mu.values()) for s, w in mu.items()})
            if len(h.items) == 1 and cfg.use_lanes:
                place += lane_loglik(mass, *h.items[0], plan)
            if held is not None and all(held.get(s, 0.0) > 0.5 for s in skus):
                # something in hand can be put down anywhere: a wrong shelf is only a little unlikely
                place = max(place, math.log(0.05))
            lp += place
        if recognition is not None and cfg.use_recognition:
            lp += cfg.recognition_weight * sum(
                math.log(max(recognition.get(s, 0.0), 0.02)) for s in skus
            )
        if held is not None:
            lp += sum(math.log(max(held.get(s, 0.0), 0.01)) for s in skus)
        out.append(Scored(h.items, lp))
    if swap is not None:
        take, taken, held_any = swap
        out += _swaps(grams if take else -grams, mass, taken, held_any, products, plan, cfg)
    out.append(Scored(((UNKNOWN, 1),), cfg.unknown_loglik))
    logps = np.array([h.logp for h in out])
    probs = np.exp(logps - logps.max())
    probs /= probs.sum()
    order = np.argsort(-probs, kind="stable")
    return [(out[i].items, float(probs[i])) for i in order[:8]]
