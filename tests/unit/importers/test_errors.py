"""Bad input names the file, the line and what is wrong."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from walkout.importers.aifi.mongo import MongoSession
from walkout.importers.sources import SourceError


def _session_copy(benchmark1: Path, tmp: Path, lines: int = 20) -> Path:
    """A short copy of BENCHMARK-1 in a temporary directory, to break."""
    d = tmp / "SESSION"
    d.mkdir(parents=True)
    for name in ("plate_data.jsonl", "full_targets.jsonl"):
        with open(benchmark1 / name, "rb") as fh:
            (d / name).write_bytes(
                b"".join(line for _, line in zip(range(lines), fh, strict=False))
            )
    for name in ("products.jsonl", "planogram.jsonl"):
        (d / name).write_bytes((benchmark1 / name).read_bytes())
    return d


def _rewrite(path: Path, lineno: int, change) -> None:  # type: ignore[no-untyped-def]
    lines = path.read_bytes().splitlines(keepends=True)
    lines[lineno - 1] = change(lines[lineno - 1])
    path.write_bytes(b"".join(lines))


def test_corrupt_json_line(benchmark1: Path, store_meta: Path, tmp_path: Path) -> None:
    d = _session_copy(benchmark1, tmp_path)
    _rewrite(d / "plate_data.jsonl", 7, lambda line: line[:50] + b"\n")
    with pytest.raises(SourceError, match=r"plate_data\.jsonl:7: not JSON"):
        MongoSession(d, store_meta)


def test_wrong_shape(benchmark1: Path, store_meta: Path, tmp_path: Path) -> None:
    d = _session_copy(benchmark1, tmp_path)

    def flatten(line: bytes) -> bytes:
        doc = orjson.loads(line)
        doc["document"]["plate_data"]["values"]["shape"] = [12, 7]
        return orjson.dumps(doc) + b"\n"

    _rewrite(d / "plate_data.jsonl", 17, flatten)
    with pytest.raises(
        SourceError,
        match=r"plate_data\.jsonl:17: values\.shape \[12, 7\] has 2 dimensions, expected 3",
    ):
        MongoSession(d, store_meta)


def test_bad_target_names_the_line(benchmark1: Path, store_meta: Path, tmp_path: Path) -> None:
    d = _session_copy(benchmark1, tmp_path)

    def no_id(line: bytes) -> bytes:
        doc = orjson.loads(line)
        del doc["document"]["targets"]["targets"][0]["target_id"]
        return orjson.dumps(doc) + b"\n"

    _rewrite(d / "full_targets.jsonl", 3, no_id)
    s = MongoSession(d, store_meta)
    with pytest.raises(
        SourceError, match=r"full_targets\.jsonl:3: targets\[0\]: target_id\.id is missing"
    ):
        list(s.records())


def test_missing_files_are_named(benchmark1: Path, store_meta: Path, tmp_path: Path) -> None:
    d = _session_copy(benchmark1, tmp_path)
    (d / "products.jsonl").unlink()
    with pytest.raises(SourceError, match=r"products\.jsonl: no such file"):
        MongoSession(d, store_meta)
    (d / "plate_data.jsonl").unlink()
    with pytest.raises(SourceError, match=r"plate_data\.jsonl: no such file"):
        MongoSession(d, store_meta)
    with pytest.raises(SourceError, match=r"Gondolas\.json: no such file"):
        MongoSession(_session_copy(benchmark1, tmp_path / "x"), tmp_path)
