"""The AiFi NanoStore (CPS-IoT Week 2020 "AutoCheckout" competition).

Two session layouts exist: MongoDB JSON exports (``plate_data.jsonl``,
``full_targets.jsonl``, ...; see ``mongo``) and the per-plate CSV files that
competition teams published (``gondola_G_shelf_S_plate_P.csv``; see ``csv``).
The store itself comes from ``store_meta`` (see ``store``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from walkout.importers.sources import SourceError

SessionKind = Literal["mongo", "csv"]


def detect_session(directory: Path) -> SessionKind:
    """Which of the two layouts ``directory`` holds."""
    if not directory.is_dir():
        raise SourceError(f"{directory}: no such directory")
    if (directory / "plate_data.jsonl").is_file():
        return "mongo"
    if any(directory.glob("gondola_*_shelf_*_plate_*.csv")):
        return "csv"
    raise SourceError(
        f"{directory}: neither an AiFi Mongo export (plate_data.jsonl) nor per-plate CSV files "
        "(gondola_G_shelf_S_plate_P.csv)"
    )


__all__ = ["SessionKind", "detect_session"]
