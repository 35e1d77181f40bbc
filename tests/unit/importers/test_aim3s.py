"""The AIM3S shelf replica as a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from walkout.domain.store import Store
from walkout.importers.aim3s import aim3s_with_report, build_aim3s_store
from walkout.stores import resolve_store


@pytest.fixture(scope="module")
def aim3s(shared_data: Path) -> Path:
    d = shared_data / "aim3s"
    if not (d / "product_info.json").is_file():
        pytest.skip("AIM3S not in the reference data")
    return d


def test_store_validates_with_81_products(aim3s: Path) -> None:
    store = build_aim3s_store(aim3s / "product_info.json", aim3s / "weight_calibration.json")
    assert len(store.catalogue) == 81
    assert Store.model_validate(store.model_dump()) == store
    assert [f.id for f in store.fixtures] == ["household", "candy"]
    assert [len(f.shelves) for f in store.fixtures] == [5, 8]
    assert resolve_store("aim3s") == store


def test_weights_from_repeated_measurements(aim3s: Path) -> None:
    store, report = aim3s_with_report(aim3s / "product_info.json")
    by_name = {p.name: p for p in store.catalogue}
    assert by_name["Toilet bowl cleaner"].weight_g == 799.0  # one measurement
    assert by_name["Toilet bowl cleaner"].weight_sd_g == 0.5  # ... the floor
    snickers = by_name["4 Creamy Snickers Peanut Butter"]  # 63.5 among ~84: dropped
    assert snickers.weight_g == pytest.approx(84.02, abs=0.01) and snickers.weight_sd_g < 1
    assert by_name["Kit Kat King Size"].weight_g == pytest.approx(
        (90.8 + 86.8 + 89.6 + 89.9) / 4, abs=0.01
    )
    assert any("never weighed" in w and "Reese's Pieces Cups" in w for w in report.warnings)
    assert all(p.price > 0 for p in store.catalogue)


def test_confusable_products_share_a_group(aim3s: Path) -> None:
    store = build_aim3s_store(aim3s / "product_info.json")
    by_name = {p.name: p for p in store.catalogue}
    assert (
        by_name["Kit Kat King Size"].similar
        == by_name["Kit Kat White King Size"].similar
        is not None
    )
    assert by_name["Snickers"].similar == by_name["Snickers Almond"].similar is not None
    assert by_name["Snickers"].similar != by_name["2 Snickers"].similar
    assert by_name["Windex Original"].similar is None
