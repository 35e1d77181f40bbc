"""``Operations``: every part of store operations behind one state machine, fed
the same records as the engine together with the engine's outputs for each.

Like the engine it is deterministic and checkpointable. When sensor health
finds a faulty plate it tells the engine (``Engine.set_plate_fault``) through
``on_plate_fault``, so that from then on events on that plate go to review
rather than being guessed; the engine keeps the mark in its own checkpoint.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy as np

from walkout.domain.layout import Layout
from walkout.domain.store import Store
from walkout.eventlog.records import (
    AgePolicySet,
    AnyRecord,
    IdVerification,
    ReviewThresholdSet,
    RfidRead,
    ShelfLabel,
    TrackFrame,
)
from walkout.fusion.outputs import AnyOutput, Receipt, Session, ShelfEvent
from walkout.operations.agecheck import AgeChecks
from walkout.operations.conceal import Concealment
from walkout.operations.config import AgePolicy, OpsConfig
from walkout.operations.corrections import Corrections, Move
from walkout.operations.health import Health
from walkout.operations.inventory import Inventory
from walkout.operations.items import Alert, OpsItem
from walkout.operations.lossprev import LossPrevention
from walkout.operations.shift import ShiftView, shift_view

SETTLE_EVERY_S = 10.0


class Operations:
    def __init__(
        self,
        store: Store,
        config: OpsConfig | None = None,
        on_plate_fault: Callable[[str, str], None] | None = None,
    ):
        self.store = store
        self.cfg = config or OpsConfig()
        self.layout = Layout.of(store)
        self.inventory = Inventory(store, self.cfg)
        self.corrections = Corrections(self.inventory, self.cfg)
        self.ages = AgeChecks(store, self.cfg)
        self.loss = LossPrevention(store, self.cfg)
        self.conceal = Concealment(self.layout, self.cfg)
        self.health = Health(self.cfg)
        self.items: dict[str, OpsItem] = {}  # latest state of everything raised, by id
        self.decisions: dict[str, str] = {}  # session -> age-check decision on its receipt
        self.now = -np.inf
        self._next_settle = -np.inf
        self._told: set[str] = set()
        self._n_conceal = 0
        self.on_plate_fault = on_plate_fault

    # -- the state machine -------------------------------------------------------------

    def apply(self, rec: AnyRecord, outputs: list[AnyOutput]) -> list[OpsItem]:
        if isinstance(rec, IdVerification):  # staff inputs: not a sensor's time or health
            return self.verify_id(rec.session, rec.verified, rec.t, rec.by)
        if isinstance(rec, AgePolicySet):
            self.set_age_policy(rec.policy)
            return []
        if isinstance(rec, ShelfLabel):
            return self.label(rec.event, list(rec.moves), rec.t)
        if isinstance(rec, ReviewThresholdSet):  # the engine's setting, not a device's record
            return []
        out: list[OpsItem] = []
        if rec.kind != "header":
            self.now = max(self.now, rec.t)  # type: ignore[union-attr]
        out += self.health.apply(rec)
        if isinstance(rec, TrackFrame) and self.cfg.conceal:
            self.conceal.on_frame(rec)
        elif isinstance(rec, RfidRead):
            self.loss.on_rfid(rec)
        for o in outputs:
            out += self._output(o)
        if self.now >= self._next_settle:
            self._next_settle = self.now + SETTLE_EVERY_S
            out += self._concealed(False)
            out += self.loss.settle_rfid(self.now)
            out += self.corrections.due(self.now)
        self._faults()
        return self._keep(out)

    def flush(self, outputs: list[AnyOutput] = ()) -> list[OpsItem]:  # type: ignore[assignment]
        """End of the log: the engine's last outputs, then everything still pending."""
        out: list[OpsItem] = []
        for o in outputs:
            out += self._output(o)
        out += self._concealed(True)
        out += self.loss.settle_rfid(self.now, force=True)
        return self._keep(out)

    def verify_id(self, session: str, ok: bool, t: float, by: str = "staff") -> list[OpsItem]:
        """A member of staff checked a shopper's ID (an input, like a record)."""
        got = self.ages.verify(session, ok, t, by)
        for x in got:
            if isinstance(x, Alert) and x.kind == "age_receipt":
                self.decisions[session] = x.data["decision"]
        return self._keep(got)

    def set_age_policy(self, policy: AgePolicy) -> None:
        """The store's age-check policy from now on (receipts decided after this)."""
        self.cfg = self.cfg.model_copy(update={"age_policy": policy})
        self.ages.cfg = self.cfg

    def label(self, event: str, moves: list[Move], t: float) -> list[OpsItem]:
        """A reviewer's word on what moved at a shelf event (an input, like a record):
        the inventory follows it, and a misplaced unit's task opens only now."""
        return self._keep(self.corrections.label(event, moves, t))

    def shift_view(self) -> ShiftView:
        return shift_view(self)

    # -- parts -------------------------------------------------------------------------

    def _output(self, o: AnyOutput) -> list[OpsItem]:
        out: list[OpsItem] = []
        if isinstance(o, ShelfEvent):
            out += self.corrections.on_event(o, self.store.products)
            out += self.ages.on_event(o)
            out += self.loss.on_event(o)
            if o.op == "take" and self.cfg.conceal:
                self.conceal.on_take(o)
        elif isinstance(o, Session):
            self.loss.on_session(o)
        elif isinstance(o, Receipt):
            decision, got = self.ages.decide(o)
            self.decisions[o.session] = decision
            out += got
            out += self.loss.on_receipt(o)
        return out

    def _concealed(self, force: bool) -> list[OpsItem]:
        out: list[OpsItem] = []
        for c, ev in self.conceal.due(force):
            key = c.session or c.track
            out += self.loss._alert(
                "concealment",
                key,
                "An item taken from a shelf went to the body, not into view",
                c.t1,
                ev,
            )
        return out

    def _faults(self) -> None:
        if self.on_plate_fault is None:
            return
        for pid, fault in sorted(self.health.faulty.items()):
            if pid not in self._told:
                self._told.add(pid)
                self.on_plate_fault(pid, fault)

    def _keep(self, items: list[OpsItem]) -> list[OpsItem]:
        for x in items:
            self.items[x.id] = x
        return items

    # -- persistence -------------------------------------------------------------------

    def checkpoint(self) -> bytes:
        state = {k: v for k, v in self.__dict__.items() if k != "on_plate_fault"}
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)

    def restore(self, blob: bytes) -> None:
        hook = self.on_plate_fault
        self.__dict__.update(pickle.loads(blob))  # our own checkpoint, never untrusted input
        self.on_plate_fault = hook


def state_summary(ops: Operations) -> dict[str, Any]:
    return ops.shift_view().model_dump()
