"""Loss prevention: flags for a human to look at, never accusations. Each
holds its evidence (sessions, tracks, events, times, reads).

- ``tailgating``: a person came in on no credential (the engine gave their
  track a session with no token) and took something.
- ``no_session_take``: a product taken by nobody the engine can name.
- ``concealment``: right after a take, the hand that took it is held at the
  body, above the other hand (a pocket, a bag under a coat) rather than at the
  side or out in front to look (``conceal.py``).
- ``exit_unresolved``: a visit ended with lines still waiting for review.
- ``rfid_unpaid``: a tag read at the exit whose product is on no receipt of
  anyone leaving then.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from walkout.domain.rfid import gtin_from_sgtin
from walkout.domain.store import Store
from walkout.eventlog.records import RfidRead
from walkout.fusion.outputs import Receipt, Session, ShelfEvent
from walkout.operations.config import OpsConfig
from walkout.operations.items import Alert, OpsItem

RFID_SETTLE_S = 300.0  # receipts of a moment's exits are all out by then


@dataclass
class LossPrevention:
    store: Store
    cfg: OpsConfig
    no_credential: dict[str, Session] = field(default_factory=dict)
    flagged: set[str] = field(default_factory=set)
    exits: list[tuple[float, str, dict[str, int]]] = field(default_factory=list)
    reads: list[tuple[float, str, str]] = field(default_factory=list)  # t, sku, serial
    seen_tags: set[tuple[str, str]] = field(default_factory=set)
    n: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.by_gtin = {
            p.gtin.zfill(14): s for s, p in self.store.products.items() if p.gtin and p.rfid
        }

    def _alert(
        self, kind: str, key: str, msg: str, t: float, data: dict, sev: str = "warning"
    ) -> list[OpsItem]:
        if (kind, key) in self.flagged:
            return []
        self.flagged.add((kind, key))  # type: ignore[arg-type]
        self.n[kind] += 1
        return [
            Alert(
                id=f"{kind}-{self.n[kind]}",
                kind=kind,
                severity=sev,  # type: ignore[arg-type]
                message=msg,
                t=t,
                data=data,
            )
        ]

    def on_session(self, s: Session) -> None:
        if s.token is None and not s.staff:
            self.no_credential[s.id] = s

    def on_event(self, ev: ShelfEvent) -> list[OpsItem]:
        if ev.op != "take" or ev.staff or not ev.hypotheses:
            return []
        items = [list(x) for x in ev.hypotheses[0].items if x[0] != "?"]
        if not items:
            return []
        if ev.session is not None and ev.session in self.no_credential:
            s = self.no_credential[ev.session]
            return self._alert(
                "tailgating",
                s.id,
                "Someone came in without a credential and took an item",
                ev.t_end,
                {
                    "session": s.id,
                    "tracks": list(s.tracks),
                    "t_enter": s.t_enter,
                    "event": ev.id,
                    "items": items,
                    "p": ev.p,
                },
            )
        if ev.session is None:
            tracks = [a.track for a in ev.attribution if a.track]
            return self._alert(
                "no_session_take",
                ev.id,
                "An item was taken by nobody with a session",
                ev.t_end,
                {"event": ev.id, "tracks": tracks[:4], "items": items, "plates": ev.plates},
            )
        return []

    def on_receipt(self, rc: Receipt) -> list[OpsItem]:
        self.exits.append((rc.t_exit, rc.session, {ln.sku: ln.qty for ln in rc.lines}))
        out: list[OpsItem] = []
        open_lines = [ln for ln in rc.lines if ln.review]
        if rc.status == "review":
            out += self._alert(
                "exit_unresolved",
                rc.session,
                "A visit ended with items still in review",
                rc.t_exit,
                {
                    "session": rc.session,
                    "tracks": list(rc.tracks),
                    "lines": [{"sku": ln.sku, "qty": ln.qty, "p": ln.p} for ln in open_lines],
                    "events": sorted({e for ln in open_lines for e in ln.events}),
                },
                "info",
            )
        return out

    def on_rfid(self, rec: RfidRead) -> None:
        for tag in rec.tags:
            try:
                g, serial = gtin_from_sgtin(tag.epc)
            except ValueError:
                continue
            sku = self.by_gtin.get(g)
            if sku is not None and (sku, serial) not in self.seen_tags:
                self.seen_tags.add((sku, serial))
                self.reads.append((rec.t, sku, serial))

    def settle_rfid(self, now: float, force: bool = False) -> list[OpsItem]:
        """Reads old enough that every receipt of their moment is out: each product
        read more often than the receipts leaving then carry is flagged."""
        due = [r for r in self.reads if force or r[0] < now - RFID_SETTLE_S]
        if not due:
            return []
        self.reads = [r for r in self.reads if not (force or r[0] < now - RFID_SETTLE_S)]
        out: list[OpsItem] = []
        groups: dict[tuple[int, str], list[tuple[float, str, str]]] = {}
        for r in due:  # reads of one product within a window are one exit's
            groups.setdefault((int(r[0] // self.cfg.rfid_window_s), r[1]), []).append(r)
        w = self.cfg.rfid_window_s
        for (_, sku), rs in sorted(groups.items()):
            t = rs[0][0]
            near = [e for e in self.exits if abs(e[0] - t) <= w]
            paid = sum(lines.get(sku, 0) for _, _, lines in near)
            if len(rs) > paid:
                out += self._alert(
                    "rfid_unpaid",
                    f"{sku}:{rs[0][2]}",
                    "A tagged item left the store on no receipt",
                    t,
                    {
                        "sku": sku,
                        "read": len(rs),
                        "on_receipts": paid,
                        "serials": [r[2] for r in rs][:8],
                        "sessions": [e[1] for e in near],
                    },
                )
        self.exits = [e for e in self.exits if e[0] > now - 2 * RFID_SETTLE_S] if not force else []
        return out
