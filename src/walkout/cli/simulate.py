"""``walkout simulate`` and ``walkout demo``: run the twin."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass
