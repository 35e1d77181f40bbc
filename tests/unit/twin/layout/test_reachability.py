"""Every shelf can be reached on foot from the entry, and the exit from there (grid search)."""

from __future__ import annotations

import pytest

from walkout.domain.geometry import Pose
from walkout.domain.store import Fixture, Store
from walkout.twin.layout import reachability

from .conftest import KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_every_plate_and_exit_reachable(stores: dict[str, Store], kind: str) -> None:
    r = reachability(stores[kind])
    assert r.unreachable_plates == [] and r.unreachable_exits == []


def test_a_blocked_aisle_is_caught(stores: dict[str, Store]) -> None:
    """A counter across the whole front zone walls the store off from its gates."""
    store = stores["corner-shop"]
    width = store.floor.outline[1][0]
    wall = Fixture(id="X1", kind="obstacle", pose=Pose(at=(0.0, 0.9, 0.0)), size=(width, 0.3, 1.0))
    blocked = store.model_copy(update={"fixtures": [*store.fixtures, wall]})
    r = reachability(blocked)
    assert len(r.unreachable_plates) == len(blocked.plate_ids)
    assert r.unreachable_exits == []  # entry and exit are both on the gate side


def test_a_tight_gap_is_caught(stores: dict[str, Store]) -> None:
    """Shoving a wall gondola 1.1 m out leaves no room to stand in front of it."""
    store = stores["corner-shop"]
    f = next(f for f in store.fixtures if f.kind == "wall")
    at = (f.pose.at[0] + 1.1, f.pose.at[1], 0.0)
    moved = f.model_copy(update={"pose": f.pose.model_copy(update={"at": at})})
    fixtures = [moved if x.id == f.id else x for x in store.fixtures]
    r = reachability(store.model_copy(update={"fixtures": fixtures}))
    assert r.unreachable_plates
