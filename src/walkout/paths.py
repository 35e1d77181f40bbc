"""Where reference data lives: ``../shared/data`` beside the checkout, or
``$WALKOUT_SHARED_DATA``. Nothing is downloaded; absent data is an error that
says where it was looked for."""

from __future__ import annotations

import os
from pathlib import Path

ENV = "WALKOUT_SHARED_DATA"


class DataNotFound(FileNotFoundError):
    pass


def shared_data_dir(required: bool = True) -> Path | None:
    candidates: list[Path] = []
    if os.environ.get(ENV):
        candidates.append(Path(os.environ[ENV]))
    here = Path(__file__).resolve()
    for base in [Path.cwd(), *Path.cwd().parents, *here.parents]:
        candidates.append(base / "shared" / "data")
        candidates.append(base.parent / "shared" / "data")
    for c in candidates:
        if (c / "aifi-autocheckout").is_dir() or (c / "aim3s").is_dir():
            return c
    if required:
        raise DataNotFound(
            f"reference data not found: set {ENV} or put it at ../shared/data "
            f"(looked in {', '.join(str(c) for c in candidates[:3])}, ...)"
        )
    return None


def aifi_dir() -> Path:
    d = shared_data_dir()
    assert d is not None
    return d / "aifi-autocheckout"


def aim3s_dir() -> Path:
    d = shared_data_dir()
    assert d is not None
    return d / "aim3s"
