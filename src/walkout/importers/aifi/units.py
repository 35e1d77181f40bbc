"""Units and clocks of the AiFi exports.

Lengths: store_meta is in metres, but calibration.json and full_targets.jsonl
are in inches (a head at z = 66 is 1.68 m, not 66 m). Times come as ISO 8601
strings, Mongo extended JSON (``{"$date": ...}``) or protobuf Timestamps
(``{"seconds": "...", "nanos": ...}``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from walkout.importers.sources import SourceError

INCH = 0.0254  # metres


def epoch(value: Any, field: str, where: str) -> float:
    """Seconds since the Unix epoch from any of the time encodings AiFi used."""
    if isinstance(value, dict):
        if "$date" in value:
            return epoch(value["$date"], field, where)
        if "$numberLong" in value:
            return _number(value["$numberLong"], field, where) / 1000.0
        if "seconds" in value:
            return (
                _number(value["seconds"], field, where)
                + _number(value.get("nanos", 0), field, where) * 1e-9
            )
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise SourceError(f"{where}: {field} {value!r} is not an ISO 8601 time") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise SourceError(f"{where}: {field} {value!r} is not a time")


def _number(v: Any, field: str, where: str) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        raise SourceError(f"{where}: {field} has {v!r} where a number belongs") from None
