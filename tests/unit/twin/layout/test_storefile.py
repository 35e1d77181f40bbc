"""Generated stores survive the store file: save, load, equal."""

from __future__ import annotations

from pathlib import Path

import pytest

from walkout.domain.store import Store
from walkout.storefile import load_store, save_store
from walkout.stores import resolve_store

from .conftest import KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_save_load_equal(stores: dict[str, Store], kind: str, tmp_path: Path) -> None:
    path = save_store(stores[kind], tmp_path / f"{kind}.yaml")
    assert load_store(path) == stores[kind]


def test_builtin_names_resolve(stores: dict[str, Store]) -> None:
    assert resolve_store("convenience") == stores["convenience"]
