"""Reading source files with errors that point at the file and line.

Importers read other people's exports; when one is broken the user needs to
know where (``plate_data.jsonl:17``) and what, not a traceback from numpy.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson


class SourceError(ValueError):
    """Input that cannot be imported; ``str()`` starts with ``file:line:``."""


def at(path: str | Path, line: int | None = None) -> str:
    """``'dir/plate_data.jsonl:17'``: the address used at the start of messages."""
    return f"{path}:{line}" if line is not None else str(path)


def require_file(path: Path, what: str = "file") -> Path:
    if not path.is_file():
        raise SourceError(f"{path}: no such {what}")
    return path


def read_json(path: Path) -> Any:
    """A whole JSON document."""
    require_file(path)
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as e:
        raise SourceError(f"{path}: not valid JSON ({e})") from None


def iter_json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, document)`` for each non-blank line of a JSON Lines file."""
    require_file(path)
    with open(path, "rb") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield lineno, orjson.loads(line)
            except orjson.JSONDecodeError as e:
                raise SourceError(f"{at(path, lineno)}: not JSON ({e})") from None


def count_lines(path: Path) -> int:
    """Non-blank lines, for progress bars; cheap (no parsing)."""
    if not path.is_file():
        return 0
    with open(path, "rb") as fh:
        return sum(1 for line in fh if line.strip())


_MISSING = object()


def dig(obj: Any, dotted: str, where: str, default: Any = _MISSING) -> Any:
    """``obj['a']['b']`` for ``'a.b'``; a missing key is an error naming the
    field (or ``default`` when given)."""
    cur = obj
    for part in dotted.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif default is not _MISSING:
            return default
        else:
            raise SourceError(f"{where}: {dotted} is missing")
    return cur


def number(value: Any, field: str, where: str) -> float:
    """A JSON number (or numeric string, as protobuf writes 64-bit ints)."""
    if isinstance(value, bool):
        raise SourceError(f"{where}: {field} is {value!r}, expected a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise SourceError(f"{where}: {field} is {value!r}, expected a number")


def sku_from_name(name: str) -> str:
    """``"Trolli, Sour Brite Eggs"`` -> ``"trolli-sour-brite-eggs"``: for
    sources that give a product no barcode."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    return (slug or "product")[:64].rstrip("-")
