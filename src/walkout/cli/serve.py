"""``walkout serve``: run stores live (ingestion, durable log, engine workers, API)."""

from __future__ import annotations

from pathlib import Path

import typer

from walkout.cli.common import console, friendly_errors


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


@friendly_errors
def serve(
    store: list[str] = typer.Option(
        None,
        "--store",
        help="store to run (built-in name or file; repeat for several); default convenience",
    ),
    data_dir: Path = typer.Option(
        None, help="log segments, checkpoints, SQLite (default walkout-data)"
    ),
    database_url: str = typer.Option(
        None, help="e.g. postgresql+psycopg://localhost/walkout; default SQLite"
    ),
    host: str = typer.Option(None),
    port: int = typer.Option(None),
    mqtt: bool = typer.Option(None, "--mqtt/--no-mqtt", help="subscribe to the MQTT broker"),
    log: str = typer.Option(None, help="durable log: file or nats"),
    log_format: str = typer.Option(None, help="console or json"),
) -> None:
    """Run the store server. Settings also come from WALKOUT_* variables (docs/server.md)."""
    import uvicorn

    from walkout.server.api.app import create_app
    from walkout.server.bootstrap import Server
    from walkout.server.settings import Settings
    from walkout.stores import resolve_store

    given = {
        "stores": store or None,
        "data_dir": data_dir,
        "database_url": database_url,
        "host": host,
        "port": port,
        "mqtt": mqtt,
        "log": log,
        "log_format": log_format,
    }
    settings = Settings(**{k: v for k, v in given.items() if v is not None})
    stores = {
        st.id: st for st in (resolve_store(ref) for ref in settings.stores)
    }  # bad input: exit 2
    from walkout.server.worker.ops_adapter import operations_watchers

    server = Server(settings, stores=stores, watchers=operations_watchers)  # issue 5: operations
    from walkout.web import mount

    app = create_app(server, extensions=[mount])  # the browser pages under /web (docs/web.md)
    console.print(
        f"[bold]walkout serve[/]: stores {', '.join(settings.stores)} on http://{settings.host}:{settings.port} "
        f"(pages /web/login, API docs /docs, metrics /metrics); data in {settings.data_dir}",
        highlight=False,
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
