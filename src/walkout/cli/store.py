"""``walkout store``: make, check and draw store files. (Filled in by the layout work.)"""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
