"""Store files: valid ones load, broken ones say where and why."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.fixtures.mini_store import mini_store
from walkout.domain.layout import Layout
from walkout.domain.store import parse_plate_id
from walkout.storefile import StoreFileError, load_store, save_store

BASE = """
id: t
name: T
currency: USD
floor: {outline: [[0,0],[5,0],[5,5],[0,5]]}
gates: [{id: in, kind: entry, a: [1,0], b: [2,0]}, {id: out, kind: exit, a: [3,0], b: [4,0]}]
fixtures:
  - id: G1
    pose: {at: [1,3,0]}
    size: [1.2,0.4,2]
    shelves:
      - {index: 1, pose: {at: [0,0,0.3]}, size: [1.2, 0.4], plates: 12}
catalogue: [{sku: a, name: A, price: 100, weight_g: 500, gtin: "96385074"}]
planogram: [{product: a, plates: [G1.1.1, G1.1.2], capacity: 8}]
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "store.yaml"
    p.write_text(text)
    return p


def test_a_valid_store_loads_with_world_geometry(tmp_path: Path) -> None:
    s = load_store(write(tmp_path, BASE))
    lay = Layout.of(s)
    assert len(lay.plates) == 12
    g = lay.plate("G1.1.1")
    assert np.allclose(g.front, [1.05, 3.0, 0.3])
    assert np.allclose(g.outward, [0, -1, 0])
    assert s.planogram[0].initial_stock == 8


def test_turned_fixture_faces_the_right_way() -> None:
    lay = Layout.of(mini_store())
    south, north = lay.plate("G1.1.1"), lay.plate("G2.1.1")
    assert np.allclose(south.outward, [0, -1, 0])
    assert np.allclose(north.outward, [0, 1, 0], atol=1e-9)


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        (("currency: USD", "currency: USX"), "currency: 'USX' is not an ISO 4217 currency code"),
        (
            ("size: [1.2, 0.4], plates: 12", "size: [1.2, -0.4], plates: 12"),
            r"fixtures\[0\] \(G1\)\.shelves\[0\]\.size\[1\]: Input should be greater than 0",
        ),
        (
            ("plates: 12}", "plates: 0}"),
            r"fixtures\[0\] \(G1\)\.shelves\[0\]\.plates: a shelf needs at least one plate",
        ),
        (
            ('gtin: "96385074"', 'gtin: "12345678"'),
            r"catalogue\[0\] \(a\)\.gtin: '12345678' is not a GTIN",
        ),
        (("product: a,", "product: b,"), r"planogram\[0\] \(b\)\.product: not in the catalogue"),
        (
            ("G1.1.2]", "G1.1.3]"),
            r"planogram\[0\] \(a\)\.plates: a facing's plates must be adjacent",
        ),
        (
            ("G1.1.2]", "G1.9.2]"),
            r"planogram\[0\] \(a\)\.plates\[1\]: no plate 'G1.9.2' in the layout",
        ),
        (
            ("a: [1,0], b: [2,0]", "a: [2,0], b: [1,0]"),
            r"gates\[0\] \(in\): the left of a->b must be the store's inside",
        ),
        (
            ("at: [1,3,0]", "at: [4.5,3,0]"),
            r"fixtures\[0\] \(G1\)\.pose: corner .* outside the floor outline",
        ),
    ],
)
def test_errors_name_the_file_the_field_and_why(
    tmp_path: Path, change: tuple[str, str], expect: str
) -> None:
    text = BASE.replace(*change)
    assert text != BASE
    p = write(tmp_path, text)
    with pytest.raises(StoreFileError) as e:
        load_store(p)
    msg = str(e.value)
    assert str(p) in msg
    assert re.search(expect, msg), msg


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    text = BASE.replace("product: a,", "product: b,").replace(
        "capacity: 8", "capacity: 8, stock: 9"
    )
    with pytest.raises(StoreFileError) as e:
        load_store(write(tmp_path, text))
    assert len(e.value.problems) == 2


def test_yaml_errors_give_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(StoreFileError, match=r"line \d+, column \d+: not valid YAML"):
        load_store(write(tmp_path, "id: [\n"))


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoreFileError, match="no such file"):
        load_store(tmp_path / "nope.yaml")


def test_catalogue_may_live_in_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "products.yaml").write_text("- {sku: a, name: A, price: 100, weight_g: 500}\n")
    text = BASE.replace(
        'catalogue: [{sku: a, name: A, price: 100, weight_g: 500, gtin: "96385074"}]',
        "catalogue: products.yaml",
    )
    s = load_store(write(tmp_path, text))
    assert s.products["a"].weight_g == 500


def test_save_then_load_gives_the_same_store(tmp_path: Path) -> None:
    s = mini_store()
    p = save_store(s, tmp_path / "mini.yaml")
    assert load_store(p) == s


def test_plate_ids_parse() -> None:
    assert parse_plate_id("G1.5.11") == ("G1", 5, 11)
    with pytest.raises(ValueError):
        parse_plate_id("G1-5-11")
