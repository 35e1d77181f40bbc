"""Age-restricted items: a take of one opens an ID-check task tied to the
session; the store's policy says what happens until a member of staff has
verified the shopper:

- ``block_exit``: the exit gate holds the session (``exit_allowed`` is False)
  until verified; the receipt is charged as the engine made it.
- ``charge_on_verification``: the shopper may leave; the receipt waits
  (decision ``hold``) and is charged when the ID is verified. Refused: the
  restricted lines are taken off and staff recover the item.
- ``remove_item``: at the receipt, an unverified restricted line is taken off
  the charge (decision ``remove``), and a task asks staff to recover it.
- ``off``: no checks at all (every receipt is charged as made).

Under every policy a refused ID takes the restricted lines off, and the gate
opens once the ID was checked either way (staff have the item back).

Staff answers come in through ``verify`` (the console or a handheld): inputs
to the state machine like records (the server logs them as
``id_verification`` records), so a replay gives the same decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from walkout.domain.store import Store
from walkout.fusion.outputs import Receipt, ShelfEvent
from walkout.operations.config import OpsConfig
from walkout.operations.items import Alert, OpsItem, Task

Decision = Literal["charge", "hold", "remove"]


@dataclass
class IdCheck:
    id: str
    session: str
    t: float
    items: dict[str, int] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    verified: bool | None = None  # None: not yet checked


@dataclass
class AgeChecks:
    store: Store
    cfg: OpsConfig
    checks: dict[str, IdCheck] = field(default_factory=dict)  # by session
    held: dict[str, Receipt] = field(default_factory=dict)  # receipts waiting (by session)
    n: int = 0

    def restricted(self, sku: str) -> bool:
        p = self.store.products.get(sku)
        return bool(p and p.age_restricted)

    def on_event(self, ev: ShelfEvent) -> list[OpsItem]:
        if (
            self.cfg.age_policy == "off"
            or ev.op != "take"
            or ev.staff
            or ev.session is None
            or not ev.hypotheses
        ):
            return []
        skus = [(s, q) for s, q in ev.hypotheses[0].items if self.restricted(s)]
        if not skus:
            return []
        chk = self.checks.get(ev.session)
        new = chk is None
        if chk is None:
            self.n += 1
            chk = self.checks[ev.session] = IdCheck(f"idcheck-{self.n}", ev.session, ev.t_end)
        for s, q in skus:
            chk.items[s] = chk.items.get(s, 0) + q
        chk.events.append(ev.id)
        if not new or chk.verified is not None:
            return []
        return [
            Task(
                id=chk.id,
                kind="id_check",
                title="Check ID: age-restricted item taken",
                t=ev.t_end,
                data={
                    "session": ev.session,
                    "items": dict(chk.items),
                    "events": list(chk.events),
                    "policy": self.cfg.age_policy,
                },
            )
        ]

    def exit_allowed(self, session: str) -> bool:
        """Whether the exit gate may open for this session: ``block_exit`` holds it until
        the ID was checked (refused too: the restricted lines come off, staff have the item)."""
        chk = self.checks.get(session)
        return self.cfg.age_policy != "block_exit" or chk is None or chk.verified is not None

    def verify(self, session: str, ok: bool, t: float, by: str = "staff") -> list[OpsItem]:
        """Staff checked the ID: ``ok`` the shopper may buy it. A held receipt is decided now."""
        chk = self.checks.get(session)
        if chk is None or chk.verified is not None:
            return []
        chk.verified = ok
        out: list[OpsItem] = [
            Task(
                id=chk.id,
                kind="id_check",
                title="ID checked" if ok else "ID refused",
                t=t,
                status="done",
                data={"session": session, "verified": ok, "by": by},
            )
        ]
        rc = self.held.pop(session, None)
        if rc is not None:
            out.append(self._decided(rc, "charge" if ok else "remove", t))
        return out

    def decide(self, rc: Receipt) -> tuple[Decision, list[OpsItem]]:
        """What to do with a receipt under the store's policy."""
        chk = self.checks.get(rc.session)
        if chk is None or chk.verified is True or self.cfg.age_policy == "off":
            return "charge", []
        pol = self.cfg.age_policy
        if chk.verified is False:
            return "remove", [self._decided(rc, "remove", rc.t_exit)]
        if pol == "block_exit":
            return "charge", [
                Alert(
                    id=f"{chk.id}-exit",
                    kind="id_check_exit",
                    severity="critical",
                    message="Left with an age-restricted item before the ID check",
                    t=rc.t_exit,
                    data={"session": rc.session, "items": dict(chk.items)},
                )
            ]
        if pol == "charge_on_verification":
            self.held[rc.session] = rc
            return "hold", [self._decided(rc, "hold", rc.t_exit)]
        return "remove", [self._decided(rc, "remove", rc.t_exit)]

    def _decided(self, rc: Receipt, what: Decision, t: float) -> Alert:
        chk = self.checks[rc.session]
        lines = [ln.sku for ln in rc.lines if self.restricted(ln.sku)]
        msg = {
            "charge": "ID verified: charge the receipt",
            "hold": "Receipt waits for the ID check",
            "remove": "Age-restricted lines taken off the charge; recover the item",
        }[what]
        return Alert(
            id=f"{chk.id}-{what}",
            kind="age_receipt",
            severity="info" if what == "charge" else "warning",
            message=msg,
            t=t,
            data={
                "session": rc.session,
                "decision": what,
                "lines": lines,
                "policy": self.cfg.age_policy,
            },
        )
