"""Scores split by what the shoppers did, so a weakness has a name.

Session rows cover the scored sessions carrying each session-level tag; action
rows cover all true actions carrying each action-level tag. A row "none"
holds those without any tag: the easy cases, for comparison.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from walkout.evaluation.events import ActionOutcome
from walkout.evaluation.result import ActionBehaviourRow, SessionBehaviourRow, ratio
from walkout.evaluation.truth_index import Bag, TruthIndex
from walkout.eventlog.truth import BEHAVIOURS

NO_TAG = "none"


@dataclass
class SessionOutcome:
    final: bool
    exact_auto: bool
    """the engine's receipt equals the truth (only counted when final)"""
    exact_after_review: bool
    pred: Bag
    true: Bag
    settled: Bag


def _order(tags: Iterable[str]) -> list[str]:
    """Known tags in the truth format's order, then any others, then "none"."""
    have = set(tags)
    known = [b for b in BEHAVIOURS if b in have]
    rest = sorted(have - set(known) - {NO_TAG})
    return [*known, *rest, *([NO_TAG] if NO_TAG in have else [])]


def session_rows(
    truth: TruthIndex, outcomes: dict[str, SessionOutcome]
) -> list[SessionBehaviourRow]:
    groups: dict[str, list[SessionOutcome]] = {}
    for sid, o in outcomes.items():
        tags = truth.sessions[sid].behaviours or [NO_TAG]
        for t in tags:
            groups.setdefault(t, []).append(o)
    rows = []
    for tag in _order(groups):
        g = groups[tag]
        finals = [o for o in g if o.final]
        rows.append(
            SessionBehaviourRow(
                behaviour=tag,
                sessions=len(g),
                receipts_exact_auto=ratio(sum(o.exact_auto for o in finals), len(finals)),
                receipts_exact_after_review=ratio(sum(o.exact_after_review for o in g), len(g)),
                review_rate=ratio(sum(not o.final for o in g), len(g)),
            )
        )
    return rows


def action_rows(truth: TruthIndex, outcomes: dict[str, ActionOutcome]) -> list[ActionBehaviourRow]:
    groups: dict[str, list[ActionOutcome]] = {}
    for a in truth.actions:
        for t in a.behaviours or [NO_TAG]:
            groups.setdefault(t, []).append(outcomes[a.id])
    rows = []
    for tag in _order(groups):
        g = groups[tag]
        found = [o for o in g if o.detected]
        attr = [o.attributed for o in found if o.attributed is not None]
        rows.append(
            ActionBehaviourRow(
                behaviour=tag,
                actions=len(g),
                detected=ratio(len(found), len(g)),
                item_id_accuracy=ratio(sum(bool(o.item_ok) for o in found), len(found)),
                attribution_accuracy=ratio(sum(attr), len(attr)),
            )
        )
    return rows
