"""Why receipts went to review, and whether the engine's own answer was right.

    python benchmarks/engine_reviews.py RUN TRUTH [--show 30]

A development tool. For every reviewed session: each event the review task
holds, why it was flagged (the product, who took it, an identity in doubt
after the tracks met, another visit's event, nothing named), whether the
engine's top product and its chosen session were right, and whether the
receipt as the engine had it was exactly right anyway (a review a better
calibrated engine could have skipped) or wrong (a review that saved a bad bill).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from walkout.evaluation.matching import match_events, match_sessions
from walkout.evaluation.runfiles import read_run
from walkout.eventlog.truth import (
    TruthAction,
    TruthReceipt,
    TruthSession,
    TruthTrackSwap,
    read_truth,
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=Path)
    ap.add_argument("truth", type=Path)
    ap.add_argument("--show", type=int, default=30)
    a = ap.parse_args()
    run = read_run(a.run)
    truth = list(read_truth(a.truth))
    actions = [r for r in truth if isinstance(r, TruthAction)]
    sessions = [r for r in truth if isinstance(r, TruthSession)]
    swaps = [r for r in truth if isinstance(r, TruthTrackSwap)]
    bags = {
        r.session: Counter({ln.sku: ln.qty for ln in r.lines})
        for r in truth
        if isinstance(r, TruthReceipt)
    }
    person_session = {p.id: s.id for s in sessions for p in s.people}
    t0 = min(x.t_start for x in actions) if actions else 0.0
    sm = match_sessions(run.sessions, sessions)
    em = match_events(run.events, actions, sessions=sm)
    events = {e.id: e for e in run.events}
    tasks = {t.session: t for t in run.reviews}
    causes: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    shown = 0
    for rc in run.receipts:
        if rc.status != "review" or rc.session not in tasks:
            continue
        tid = sm.engine_to_truth.get(rc.session)
        got = Counter({ln.sku: ln.qty for ln in rc.lines})
        right = tid is not None and got == bags.get(tid, Counter())
        task = tasks[rc.session]
        rows = []
        why_s: set[str] = set()
        for eid in task.events:
            e = events.get(eid)
            if e is None:
                continue
            acts = em.actions_of.get(eid, [])
            top = e.hypotheses[0] if e.hypotheses else None
            items = dict(top.items) if top else {}
            true_items: Counter[str] = Counter()
            for x in acts:
                true_items[x.product] += x.qty
            item_ok = bool(acts) and dict(true_items) == items
            want = {sm.truth_to_engine.get(x.session) for x in acts}
            who_ok = bool(acts) and want == {e.session}
            p_item = top.p if top else 0.0
            p_who = e.p / p_item if p_item > 0 else 0.0
            if e.session != rc.session:
                why = "other visit's event"
            elif top is not None and top.items and top.items[0][0] == "?":
                why = "nothing named"
            elif e.session is None:
                why = "nobody"
            elif p_item < 0.95:
                why = "product"
            elif p_who < 0.95:
                near = [
                    s
                    for s in swaps
                    if abs(s.t - e.t_start) < 120
                    and {person_session.get(p) for p in s.persons} & {tid}
                ]
                why = "who (true swap nearby)" if near else "who (no swap)"
            else:
                why = "hand-off or other"
            why_s.add(why)
            rows.append(
                f"    {eid} {why}: {e.op} p_item={p_item:.3f} p_who={p_who:.3f} item "
                f"{'ok' if item_ok else 'WRONG'} who {'ok' if who_ok else 'WRONG'} "
                f"engine={items} -> {e.session}; truth={dict(true_items)} -> {sorted(w or '-' for w in want)}"
            )
        for w in why_s:
            causes[w] += 1
        verdict = "needed (receipt was wrong)" if not right else "not needed (receipt was right)"
        verdicts[verdict] += 1
        if shown < a.show:
            shown += 1
            print(f"{rc.session}/{tid} t={rc.t_exit - t0:.0f} {verdict}; {task.reason}")
            print("\n".join(rows))
    print()
    for k, n in verdicts.most_common():
        print(f"{n:5d}  {k}")
    print()
    for k, n in causes.most_common():
        print(f"{n:5d}  sessions with a '{k}' event")


if __name__ == "__main__":
    main()
