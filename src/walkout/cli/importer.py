"""``walkout import``: real recorded data into the event log. (Filled in by the importer work.)"""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
