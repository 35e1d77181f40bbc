"""List the engine's mistakes on a twin run, by kind, with what the truth says.

    python benchmarks/engine_errors.py RUN TRUTH [--show 20]

A development tool: which events were wrong (product, quantity, who), which were
false or missed, and why receipts went to review.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from walkout.evaluation.matching import match_events, match_sessions
from walkout.evaluation.runfiles import read_run
from walkout.eventlog.truth import TruthAction, TruthReceipt, TruthSession, read_truth


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=Path)
    ap.add_argument("truth", type=Path)
    ap.add_argument("--show", type=int, default=15)
    a = ap.parse_args()
    run = read_run(a.run)
    truth = list(read_truth(a.truth))
    actions = [r for r in truth if isinstance(r, TruthAction)]
    sessions = [r for r in truth if isinstance(r, TruthSession)]
    t0 = min(x.t_start for x in actions) if actions else 0.0
    sm = match_sessions(run.sessions, sessions)
    em = match_events(run.events, actions, sessions=sm)
    kinds: Counter[str] = Counter()
    shown: Counter[str] = Counter()

    def show(kind: str, text: str) -> None:
        kinds[kind] += 1
        if shown[kind] < a.show:
            shown[kind] += 1
            print(f"[{kind}] {text}")

    for e in run.events:
        acts = em.actions_of.get(e.id, [])
        top = dict(e.hypotheses[0].items) if e.hypotheses else {}
        if not acts:
            show(
                "false event",
                f"{e.id} t={e.t_start - t0:.1f} {e.op} {e.delta_g:+.1f} g {e.plates} top={top} p={e.p}",
            )
            continue
        true_items: Counter[str] = Counter()
        for x in acts:
            true_items[x.product] += x.qty
        if dict(true_items) != top:
            w = ", ".join(
                f"{x.product}x{x.qty} {sum(x.plates.values()):.0f}g {x.behaviours}" for x in acts
            )
            alts = [(h.items, h.p) for h in e.hypotheses[:3]]
            show(
                "wrong item",
                f"{e.id} t={e.t_start - t0:.1f} {e.op} {e.delta_g:+.1f} g on {list(e.plates)} truth: {w}; engine: {alts}",
            )
        sessions_true = {x.session for x in acts}
        if len(sessions_true) == 1 and acts[0].charged:
            want = sm.truth_to_engine.get(next(iter(sessions_true)))
            if e.session != want:
                show(
                    "wrong person",
                    f"{e.id} t={e.t_start - t0:.1f} {e.op} truth {acts[0].person}/{want} engine {e.session} p={e.p} "
                    f"attr={[(x.track, x.session, x.p) for x in e.attribution[:3]]} tags={acts[0].behaviours}",
                )
        if len(acts) > 1:
            show(
                "merged",
                f"{e.id} {len(acts)} actions {[(x.product, x.qty, x.op) for x in acts]} -> {top}",
            )
    for x in actions:
        if x.id not in em.event_of:
            show(
                "missed",
                f"{x.id} t={x.t_start - t0:.1f} {x.op} {x.product}x{x.qty} {x.plates} {x.behaviours}",
            )
    for r in run.reviews:
        kinds["review: " + r.reason] += 1
    true_bag = {
        r.session: Counter({ln.sku: ln.qty for ln in r.lines})
        for r in truth
        if isinstance(r, TruthReceipt)
    }
    tags = {s.id: s.behaviours for s in sessions}
    for rc in run.receipts:
        tid = sm.engine_to_truth.get(rc.session)
        if rc.status != "final" or tid is None:
            continue
        got: Counter[str] = Counter()
        for ln in rc.lines:
            got[ln.sku] += ln.qty
        want = true_bag.get(tid, Counter())
        if got != want:
            over, under = dict(got - want), dict(want - got)
            kind = "receipt overcharged" if over else "receipt undercharged"
            show(kind, f"{rc.session}/{tid} extra={over} missing={under} tags={tags.get(tid)}")
    print()
    for k, n in kinds.most_common():
        print(f"{n:5d}  {k}")


if __name__ == "__main__":
    main()
