"""``walkout``: one entry point, a sub-command per part."""

from __future__ import annotations

import typer

from walkout.cli import demo, evaluate, importer, logs, run, serve, simulate, store
from walkout.cli import ops as ops_cmd  # issue 5: store operations

app = typer.Typer(
    name="walkout",
    help="Walkout: just-walk-out checkout. A digital twin, a fusion engine, a store server.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(store.app, name="store", help="Make, check and draw store files.")
app.add_typer(
    importer.app, name="import", help="Convert real recorded data into Walkout's event log."
)
app.add_typer(logs.app, name="log", help="Inspect and convert event logs.")
demo.register(app)
run.register(app)
ops_cmd.register(app)
serve.register(app)
simulate.register(app)
evaluate.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
