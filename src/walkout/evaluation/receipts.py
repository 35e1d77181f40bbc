"""Receipts against the truth: exact or not, over or under, items found.

A receipt is compared as a multiset {sku: units}. Wrong money is counted per
sku: the units charged beyond the truth (overcharge) or short of it
(undercharge), times the unit price.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from walkout.evaluation.truth_index import Bag
from walkout.fusion.outputs import Receipt, ReceiptLine


def bag(lines: Iterable[ReceiptLine]) -> Bag:
    out: Bag = {}
    for ln in lines:
        out[ln.sku] = out.get(ln.sku, 0) + ln.qty
    return out


def line_bag(items: Iterable[tuple[str, int]]) -> Bag:
    out: Bag = {}
    for sku, n in items:
        if n > 0:
            out[sku] = out.get(sku, 0) + n
    return out


def same(a: Mapping[str, int], b: Mapping[str, int]) -> bool:
    return {k: v for k, v in a.items() if v} == {k: v for k, v in b.items() if v}


def common(pred: Mapping[str, int], true: Mapping[str, int]) -> int:
    """Units on both: sum over skus of min(qty)."""
    return sum(min(q, true.get(s, 0)) for s, q in pred.items())


def excess(a: Mapping[str, int], b: Mapping[str, int]) -> Bag:
    """Units a has beyond b, per sku."""
    return {s: q - b.get(s, 0) for s, q in a.items() if q > b.get(s, 0)}


def session_f1(pred: Mapping[str, int], true: Mapping[str, int]) -> float:
    """AiFi's per-session score: F1 of the item multisets, 1 when both are empty."""
    np_, nt = sum(pred.values()), sum(true.values())
    if np_ == 0 and nt == 0:
        return 1.0
    tp = common(pred, true)
    return 2 * tp / (np_ + nt)


@dataclass
class ItemScores:
    precision: float | None
    recall: float | None
    f1: float | None
    mean_session_f1: float | None


def item_scores(pairs: list[tuple[Bag, Bag]]) -> ItemScores:
    """Micro precision/recall/F1 over all (predicted, true) pairs, and the mean per-session F1."""
    tp = sum(common(p, t) for p, t in pairs)
    n_pred = sum(sum(p.values()) for p, _ in pairs)
    n_true = sum(sum(t.values()) for _, t in pairs)
    prec = tp / n_pred if n_pred else None
    rec = tp / n_true if n_true else None
    f1 = 2 * tp / (n_pred + n_true) if n_pred + n_true else None
    mean = sum(session_f1(p, t) for p, t in pairs) / len(pairs) if pairs else None
    return ItemScores(prec, rec, f1, mean)


@dataclass
class Money:
    """Sessions charged too much or too little, and by how much."""

    sessions: int = 0
    over: int = 0
    under: int = 0
    over_minor: int = 0
    under_minor: int = 0

    def add(
        self,
        charged: Bag | None,
        true: Bag,
        charged_price: Mapping[str, int],
        true_price: Mapping[str, int],
    ) -> None:
        """One scored session; ``charged`` None while its receipt waits for review."""
        self.sessions += 1
        if charged is None:
            return
        more, less = excess(charged, true), excess(true, charged)
        if more:
            self.over += 1
            self.over_minor += sum(
                q * charged_price.get(s, true_price.get(s, 0)) for s, q in more.items()
            )
        if less:
            self.under += 1
            self.under_minor += sum(
                q * true_price.get(s, charged_price.get(s, 0)) for s, q in less.items()
            )


def prices_of(receipts: Iterable[Receipt]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in receipts:
        for ln in r.lines:
            out.setdefault(ln.sku, ln.unit_price)
    return out
