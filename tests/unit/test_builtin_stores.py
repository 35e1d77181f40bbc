"""Every built-in store loads, validates and draws."""

from __future__ import annotations

from pathlib import Path

import pytest

from walkout.paths import shared_data_dir
from walkout.stores import BUILTIN, builtin_store, resolve_store
from walkout.viz.plan import draw_plan

NEEDS_DATA = {"nanostore", "aim3s"}


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_store_validates_and_draws(name: str, tmp_path: Path) -> None:
    if name in NEEDS_DATA and shared_data_dir(required=False) is None:
        pytest.skip("needs ../shared/data")
    store = builtin_store(name)
    assert store.plate_ids and store.catalogue and store.planogram
    out = draw_plan(store, tmp_path / f"{name}.png", coverage=name != "supermarket")
    assert Path(out).stat().st_size > 10_000


def test_unknown_store_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no store 'grocery'"):
        resolve_store("grocery")
