"""The example in docs/store-file.md is a valid store, and says what the docs say of it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from walkout.storefile import parse_store
from walkout.twin.layout import near_weight_pairs, reachability

DOC = Path(__file__).resolve().parents[4] / "docs" / "store-file.md"


def test_the_example_store_loads() -> None:
    block = re.search(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, "no yaml example in docs/store-file.md"
    store = parse_store(yaml.safe_load(block.group(1)), DOC)
    assert store.cameras[0].position().round(3).tolist() == [3.0, 2.5, 2.7]
    assert near_weight_pairs(store) == [("SNK00001", "SNK00002")]
    assert reachability(store).ok
