"""Who holds out which hand at a hand-off (twin.actions): an item stays in the hand
that took it, so the giver offers that hand and the receiver takes it in the other,
free one."""

from __future__ import annotations

from types import SimpleNamespace

from walkout.twin.actions import _free_hand
from walkout.twin.body import LEFT, RIGHT


def person_with(*actions: tuple[str, str, float]) -> SimpleNamespace:
    """A person whose session holds these (op, hand, time) shelf actions of theirs."""
    p = SimpleNamespace()
    p.session = SimpleNamespace(
        actions=[SimpleNamespace(person=p, op=op, hand=h, t_change0=t) for op, h, t in actions]
    )
    return p


def test_the_receiver_takes_it_in_the_hand_that_holds_nothing() -> None:
    assert _free_hand(person_with(("take", "left", 95.0)), 100.0, LEFT) == RIGHT
    assert _free_hand(person_with(("take", "right", 95.0)), 100.0, RIGHT) == LEFT


def test_an_item_put_back_or_taken_long_ago_leaves_the_choice_open() -> None:
    back = person_with(("take", "left", 90.0), ("put", "left", 94.0))
    assert _free_hand(back, 100.0, LEFT) == LEFT
    assert _free_hand(person_with(("take", "left", 50.0)), 100.0, LEFT) == LEFT


def test_both_hands_full_leaves_the_choice_open() -> None:
    both = person_with(("take", "left", 95.0), ("take", "right", 97.0))
    assert _free_hand(both, 100.0, RIGHT) == RIGHT
