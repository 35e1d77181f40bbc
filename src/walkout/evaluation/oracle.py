"""The run a perfect engine would write: the evaluator's fixed point and upper bound.

One shelf event per true action (true product, qty and session, p = 1),
spanning the weight change as an engine's event would (0.15 s either side),
sessions as the truth has them (initial tracks and token), and final receipts
equal to the true ones half a second after each exit. Scoring it must give 1
for every rate of success and 0 for every error; tests perturb it to check
that each metric moves the right way.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from walkout.domain.store import Store, parse_plate_id
from walkout.evaluation.runfiles import RunInfo, RunWriter
from walkout.evaluation.truth_index import TruthIndex, load_truth
from walkout.eventlog.truth import TruthAction, TruthSession
from walkout.fusion.outputs import (
    AnyOutput,
    Attribution,
    Hypothesis,
    Receipt,
    ReceiptLine,
    Session,
    ShelfEvent,
)

#: Seconds from the event or exit to the oracle's decision.
DECIDE_S = 0.5
#: Half the span of an oracle event around the true weight change (real changes take 0.05-0.3 s).
HALF_SPAN_S = 0.15


def _credential(s: TruthSession) -> str | None:
    if s.staff:
        return "staff"
    if not s.token:
        return None
    return "card" if s.token.startswith("card") else "qr"


def session_of(s: TruthSession) -> Session:
    return Session(
        id=s.id,
        token=s.token,
        credential=_credential(s),  # type: ignore[arg-type]
        admits=len(s.people),
        tracks=[p.track for p in s.people],
        t_enter=s.enter,
        t_exit=s.exit,
        staff=s.staff,
        status="closed",
    )


def event_of(a: TruthAction, truth: TruthIndex) -> ShelfEvent:
    where = max(a.plates, key=lambda k: (a.plates[k], k))
    fixture, shelf, _ = parse_plate_id(where)
    sign = -1.0 if a.op == "take" else 1.0
    plates = {k: sign * g for k, g in a.plates.items()}
    staff = not a.charged or truth.sessions[a.session].staff
    session = None if staff else a.session
    return ShelfEvent(
        id=f"e-{a.id}",
        t_start=a.t_change - HALF_SPAN_S,
        t_end=a.t_change + HALF_SPAN_S,
        fixture=fixture,
        shelf=shelf,
        plates=plates,
        delta_g=sum(plates.values()),
        op=a.op,
        hypotheses=[Hypothesis(items=[(a.product, a.qty)], p=1.0)],
        attribution=[Attribution(session=session, track=truth.person_track.get(a.person), p=1.0)],
        session=session,
        p=1.0,
        staff=staff,
        t_decided=a.t_change + HALF_SPAN_S + DECIDE_S,
    )


def receipt_of(
    s: TruthSession, truth: TruthIndex, currency: str, events: dict[tuple[str, str], list[str]]
) -> Receipt:
    """The true receipt; each line lists the session's events on that product."""
    bag = truth.receipt(s.id)
    lines = [
        ReceiptLine(
            sku=sku,
            qty=q,
            unit_price=truth.prices.get(sku, 0),
            p=1.0,
            events=events.get((s.id, sku), []),
        )
        for sku, q in sorted(bag.items())
    ]
    return Receipt(
        session=s.id,
        token=s.token,
        tracks=[p.track for p in s.people],
        t_exit=s.exit,
        t_final=s.exit + DECIDE_S,
        status="final",
        lines=lines,
        total=sum(ln.qty * ln.unit_price for ln in lines),
        currency=currency,
    )


def perfect_outputs(truth: TruthIndex, currency: str) -> list[AnyOutput]:
    """Everything a perfect engine would say, in the order it would say it."""
    timed: list[tuple[float, int, AnyOutput]] = []
    evs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a in truth.actions:
        e = event_of(a, truth)
        evs[(a.session, a.product)].append(e.id)
        timed.append((e.t_decided, 1, e))
    for s in truth.sessions.values():
        timed.append((s.exit + DECIDE_S, 0, session_of(s)))
        if s.staff or s.id not in truth.receipts:
            continue
        timed.append((s.exit + DECIDE_S, 2, receipt_of(s, truth, currency, evs)))
    timed.sort(key=lambda x: (x[0], x[1]))
    return [o for _, _, o in timed]


def perfect_run(truth_path: Path, out_dir: Path, store: Store) -> Path:
    """Write the perfect engine's run directory for ``truth_path`` into ``out_dir``."""
    truth = load_truth(truth_path)
    w = RunWriter(out_dir)
    outs = perfect_outputs(truth, store.currency)
    for o in outs:
        w.write(o)
    span = (truth.header.duration_s if truth.header else 0.0) or 0.0
    w.close(
        RunInfo(
            store=store.id,
            log=str(truth_path),
            source="oracle",
            engine={"name": "oracle", "decide_s": DECIDE_S},
            records=len(outs),
            log_span_s=span,
        )
    )
    return out_dir
