"""Shelf events into the live inventory, in a way a reviewer's label can correct.

The engine's best guess for an event moves the counts at once (stock on the
floor plan should not wait for a human). When the event is in review, a
misplaced put it implies opens no task yet: staff should not be sent to fetch
what may not be there. A label (what really moved at that event, from the
review console or, in benchmarks, the oracle reviewer) undoes the guess and
applies the truth, and only then opens the tasks; a label that never comes
opens them after ``review_wait_s`` as guessed.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from walkout.domain.catalogue import Product
from walkout.fusion.outputs import ShelfEvent
from walkout.operations.config import OpsConfig
from walkout.operations.inventory import Change, Inventory
from walkout.operations.items import OpsItem

Op = Literal["take", "put"]
Move = tuple[Op, str, int]
"""(take or put, sku, units): one product's units that really moved at an event."""


def normal(moves: Iterable[Move]) -> list[Move]:
    """One move per (op, sku), units summed, none of zero, in a fixed order: the same
    label however it was written compares equal, so applying it again moves nothing."""
    n: Counter[tuple[Op, str]] = Counter()
    for op, sku, q in moves:
        n[(op, sku)] += q
    return [(op, sku, q) for (op, sku), q in sorted(n.items()) if q > 0]


def label_moves(op: Op, items: Iterable[tuple[str, int]]) -> list[Move]:
    """A reviewer's items for one take or put event (sku, units) as its moves: the
    form the server logs a review decision in (``shelf_label``)."""
    return normal((op, sku, q) for sku, q in items)


@dataclass
class Effect:
    t: float
    plates: dict[str, float]
    moves: list[Move]
    changes: list[Change]
    deferred: set[tuple[str, str]] = field(default_factory=set)


class Corrections:
    def __init__(self, inventory: Inventory, cfg: OpsConfig):
        self.inventory = inventory
        self.cfg = cfg
        self.effects: OrderedDict[str, Effect] = OrderedDict()
        # event in review -> when its deferred tasks open, and which
        self.waiting: dict[str, tuple[float, set[tuple[str, str]]]] = {}
        self.labels = 0  # events labelled (a label given again is not counted twice)
        self.unknown_labels = 0  # labels for events no longer (or never) remembered
        self._labelled: set[str] = set()

    def on_event(self, o: ShelfEvent, known: Mapping[str, Product]) -> list[OpsItem]:
        """The top hypothesis of one decided event (``known``: the store's products)."""
        if o.op not in ("take", "put") or not o.hypotheses:
            return []
        moves = normal(
            (o.op, sku, q) for sku, q in o.hypotheses[0].items if sku != "?" and sku in known
        )
        if o.staff and o.op == "take":
            moves = self._returned(moves, o, known)
        out, eff = self._apply(moves, o.plates, o.t_end, defer=o.review)
        self._remember(o.id, eff)
        if eff.deferred:
            self.waiting[o.id] = (o.t_end + self.cfg.review_wait_s, eff.deferred)
        return out

    def label(self, event: str, moves: list[Move], t: float) -> list[OpsItem]:
        """What really moved at ``event``: its guessed effect undone, ``moves`` applied.
        Idempotent: the same label again (a replayed log, a second task holding the
        event) finds its own effect in place and moves nothing."""
        moves = normal(moves)
        eff = self.effects.get(event)
        if eff is None:
            self.unknown_labels += 1
            return []
        if event not in self._labelled:
            self._labelled.add(event)
            self.labels += 1
        waited = self.waiting.pop(event, None)
        inv = self.inventory
        if moves == normal(eff.moves):
            # the guess was right: nothing to move (a take chooses its place from the
            # counts, so doing it again later could choose another), its tasks open now
            return inv.open_deferred(waited[1], t) if waited else []
        inv.undo(eff.changes)
        got, new = self._apply(moves, eff.plates, t, defer=False)
        self._remember(event, new)
        # what the guess moved and the label did not: its tasks close, its stock is checked
        return inv.settle([w for w, _ in eff.changes], t) + got

    def _returned(
        self, moves: list[Move], o: ShelfEvent, known: Mapping[str, Product]
    ) -> list[Move]:
        """A staff take of one unit's weight from a plate holding a misplaced unit
        whose weight fits is that unit going back (its task sent them there).

        The engine guesses a staff take from the plate's planogram and its own live
        planogram, which knows nothing of a label that put the unit there; staff
        events go to no review, so without this a return leaves the misplaced unit
        counted and takes one from the facing instead (seen in the 2-hour day)."""
        if len(moves) != 1:
            return moves
        _, sku, q = moves[0]
        grams = abs(o.delta_g)
        inv = self.inventory
        fits = [
            (abs(q * known[m].weight_g - grams), m)
            for (m, pid), n in sorted(inv.misplaced.items())
            if n >= q
            and pid in o.plates
            and m != sku
            and m in known
            and abs(q * known[m].weight_g - grams)
            <= max(3 * known[m].weight_sd_g * q**0.5, 0.05 * q * known[m].weight_g)
        ]
        return [("take", min(fits)[1], q)] if fits else moves

    def due(self, now: float) -> list[OpsItem]:
        """Deferred tasks of events whose label is overdue: opened as guessed."""
        out: list[OpsItem] = []
        for eid in sorted(e for e, (t, _) in self.waiting.items() if t <= now):
            out += self.inventory.open_deferred(self.waiting.pop(eid)[1], now)
        return out

    def _apply(
        self, moves: list[Move], plates: dict[str, float], t: float, defer: bool
    ) -> tuple[list[OpsItem], Effect]:
        """``moves`` applied, and journalled so that a label can undo them."""
        inv = self.inventory
        inv.journal = changes = []
        before = set(inv.deferred)
        out: list[OpsItem] = []
        try:
            for op, sku, q in moves:
                if op == "take":
                    out += inv.take(sku, q, plates, t)
                else:
                    out += inv.put(sku, q, plates, t, defer=defer)
        finally:
            inv.journal = None
        return out, Effect(t, plates, list(moves), changes, inv.deferred - before)

    def _remember(self, event: str, eff: Effect) -> None:
        self.effects[event] = eff
        self.effects.move_to_end(event)
        while len(self.effects) > self.cfg.label_memory:
            self.effects.popitem(last=False)
