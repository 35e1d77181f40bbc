"""Merging device streams in arrival order."""

from __future__ import annotations

import pytest

from walkout.importers.ordering import merge, reorder


def test_reorder_fixes_small_inversions_stably() -> None:
    items = [(1.0, "a"), (1.2, "b"), (1.1, "c"), (1.2, "d"), (5.0, "e")]
    assert [x for _, x in reorder(items, key=lambda i: i[0], window=1.0)] == [
        "a",
        "c",
        "b",
        "d",
        "e",
    ]


def test_reorder_refuses_what_it_cannot_fix() -> None:
    items = [(1.0, "a"), (9.0, "b"), (10.5, "c"), (8.0, "late")]
    with pytest.raises(ValueError, match="out of order"):
        list(reorder(items, key=lambda i: i[0], window=1.0))


def test_merge_is_stable_across_streams() -> None:
    plates = [(1.0, "p1"), (2.0, "p2")]
    tracks = [(1.0, "t1"), (1.5, "t2")]
    assert [x for _, x in merge([plates, tracks], key=lambda i: i[0])] == ["p1", "t1", "t2", "p2"]
