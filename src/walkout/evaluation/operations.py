"""Scoring store operations against the twin's ground truth (issue 5).

The truth side is derived with the very rules operations use, applied to
what really happened: the same ``Inventory`` fed the truth's shelf actions
gives the true counts, the true restock moments and the true misplaced
items, so a miss or a false alert is the sensors' and the engine's doing, not
a difference of definitions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from walkout.domain.store import Store, parse_plate_id
from walkout.operations.config import OpsConfig
from walkout.operations.inventory import Inventory
from walkout.operations.items import Alert, OpsItem, Task

MATCH_S = 120.0  # an alert this close in time to the true moment counts
HEALTH_KINDS = {
    "dead": "plate_dead",
    "stuck": "plate_stuck",
    "drift": "plate_drift",
    "noisy": "plate_noisy",
    "clock_skew": "clock_jump",
    "offline": "device_offline",
}


def true_inventory(
    store: Store, cfg: OpsConfig, truth: list[Any]
) -> tuple[Inventory, list[OpsItem]]:
    inv = Inventory(store, cfg)
    items: list[OpsItem] = []
    for a in sorted((r for r in truth if r.kind == "action"), key=lambda a: (a.t_change, a.id)):
        f = inv.take if a.op == "take" else inv.put
        items += f(a.product, a.qty, dict(a.plates), a.t_change)
    return inv, items


def _opened(items: list[OpsItem], kind: str) -> list[Task]:
    seen: dict[str, Task] = {}
    for x in items:
        if isinstance(x, Task) and x.kind == kind and x.status == "open" and x.id not in seen:
            seen[x.id] = x
    return list(seen.values())


def _match(found: list[Task], true: list[Task], same: Any) -> int:
    """Greedy one-to-one matching by time; returns the matches."""
    used: set[int] = set()
    hits = 0
    for f in sorted(found, key=lambda x: x.t):
        best, best_dt = None, MATCH_S
        for i, t in enumerate(true):
            dt = abs(f.t - t.t)
            if i not in used and dt <= best_dt and same(f, t):
                best, best_dt = i, dt
        if best is not None:
            used.add(best)
            hits += 1
    return hits


def _pr(hits: int, n_found: int, n_true: int) -> dict[str, Any]:
    return {
        "found": n_found,
        "true": n_true,
        "matched": hits,
        "precision": round(hits / n_found, 4) if n_found else 1.0,
        "recall": round(hits / n_true, 4) if n_true else 1.0,
    }


def _shelf(pid: str) -> tuple[str, int]:
    fx, sh, _ = parse_plate_id(pid)
    return fx, sh


@dataclass
class OpsScore:
    inventory: dict[str, Any] = field(default_factory=dict)
    restock: dict[str, Any] = field(default_factory=dict)
    misplaced: dict[str, Any] = field(default_factory=dict)
    tailgating: dict[str, Any] = field(default_factory=dict)
    concealment: dict[str, Any] = field(default_factory=dict)
    health: dict[str, Any] = field(default_factory=dict)
    misplaced_detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def score_operations(
    store: Store, cfg: OpsConfig, truth: list[Any], items: list[OpsItem], inventory: Inventory
) -> OpsScore:
    sc = OpsScore()
    tinv, titems = true_inventory(store, cfg, truth)
    # inventory at the end: per plate, every facing standing on it and every misplaced unit
    exact_f = [a.units == b.units for a, b in zip(inventory.facings, tinv.facings, strict=True)]
    plate_ok: dict[str, bool] = defaultdict(lambda: True)
    for ok, f in zip(exact_f, inventory.facings, strict=True):
        for p in f.plates:
            plate_ok[p] = plate_ok[p] and ok
    for key in set(inventory.misplaced) | set(tinv.misplaced):
        if inventory.misplaced.get(key, 0) != tinv.misplaced.get(key, 0):
            plate_ok[key[1]] = False
    err = sum(abs(a.units - b.units) for a, b in zip(inventory.facings, tinv.facings, strict=True))
    n_ok = sum(plate_ok.values())
    sc.inventory = {
        "plates": len(plate_ok),
        "plates_exact": n_ok,
        "plates_exact_share": round(n_ok / max(len(plate_ok), 1), 4),
        "facings_exact_share": round(sum(exact_f) / max(len(exact_f), 1), 4),
        "unit_error_total": err,
        "misplaced_units": {
            "found": sum(inventory.misplaced.values()),
            "true": sum(tinv.misplaced.values()),
        },
    }
    f_r, t_r = _opened(items, "restock"), _opened(titems, "restock")
    sc.restock = _pr(
        _match(f_r, t_r, lambda a, b: a.data["sku"] == b.data["sku"]), len(f_r), len(t_r)
    )
    f_m, t_m = _opened(items, "misplaced"), _opened(titems, "misplaced")
    sc.misplaced_detail = {
        "found": [(round(x.t, 1), x.data["sku"], x.data["plate"]) for x in f_m],
        "true": [(round(x.t, 1), x.data["sku"], x.data["plate"]) for x in t_m],
    }
    sc.misplaced = _pr(
        _match(
            f_m,
            t_m,
            lambda a, b: (
                a.data["sku"] == b.data["sku"]
                and _shelf(a.data["plate"]) == _shelf(b.data["plate"])
            ),
        ),
        len(f_m),
        len(t_m),
    )
    sessions = [r for r in truth if r.kind == "session"]
    n_sess = sum(1 for s in sessions if not s.staff)
    alerts = [x for x in items if isinstance(x, Alert)]
    # tailgating: the tailgater's track named in a flag
    tg = {
        p.track: s.id
        for s in sessions
        if "tailgate" in s.behaviours
        for p in s.people
        if p.role == "tailgater"
    }
    flags = [a for a in alerts if a.kind == "tailgating"]
    hit_s = {tg[t] for a in flags for t in a.data.get("tracks", []) if t in tg}
    false = [a for a in flags if not any(t in tg for t in a.data.get("tracks", []))]
    sc.tailgating = _flags(len(set(tg.values())), len(hit_s), len(flags), len(false), n_sess)
    # concealment: a concealing person's track named in a flag
    person_track = {p.id: p.track for s in sessions for p in s.people}
    cons: dict[str, str] = {}
    for a in truth:
        if a.kind == "action" and "conceal" in a.behaviours:
            cons[person_track.get(a.person, "")] = a.session
    flags = [a for a in alerts if a.kind == "concealment"]
    hit_s = {cons[a.data["track"]] for a in flags if a.data.get("track") in cons}
    false = [a for a in flags if a.data.get("track") not in cons]
    sc.concealment = _flags(len(set(cons.values())), len(hit_s), len(flags), len(false), n_sess)
    sc.concealment["flags_detail"] = [
        {**a.data, "true": a.data.get("track") in cons} for a in flags
    ]
    sc.health = score_health(truth, alerts)
    return sc


def _flags(n_true: int, hits: int, n_flags: int, n_false: int, n_sess: int) -> dict[str, Any]:
    return {
        "true": n_true,
        "flagged": hits,
        "recall": round(hits / n_true, 4) if n_true else None,
        "flags": n_flags,
        "false_flags": n_false,
        "sessions": n_sess,
        "false_per_500_sessions": round(500 * n_false / max(n_sess, 1), 3),
    }


def score_health(truth: list[Any], alerts: list[Alert]) -> dict[str, Any]:
    faults = [r for r in truth if r.kind == "fault"]
    health = [
        a for a in alerts if a.kind in {*HEALTH_KINDS.values(), "clock_skew"} and not a.cleared
    ]
    rows = []
    used: set[str] = set()
    for f in faults:
        want = HEALTH_KINDS[f.fault]
        key = f.plate if f.plate else f.device
        got = [
            a
            for a in health
            if a.kind == want and (a.data.get("plate") or a.data.get("device")) == key
        ]
        lat = round(min(a.t for a in got) - f.t_start, 2) if got else None
        used.update(a.id for a in got)
        if f.plate:  # a faulty plate found under another name still goes to review
            used.update(a.id for a in health if a.data.get("plate") == f.plate)
        rows.append({"fault": f.fault, "where": key, "t_start": f.t_start, "latency_s": lat})
    false = [
        {"kind": a.kind, "where": a.data.get("plate") or a.data.get("device"), "t": a.t}
        for a in health
        if a.id not in used and a.kind != "clock_skew"
    ]
    skews = [a for a in health if a.kind == "clock_skew"]
    return {
        "faults": rows,
        "false_alarms": false,
        "clock_skew_alerts": [
            {"where": a.data.get("device"), "skew_s": a.data.get("skew_s"), "t": a.t} for a in skews
        ],
    }
