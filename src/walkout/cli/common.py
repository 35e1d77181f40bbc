"""What every command shares: one console, and errors that read as sentences."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from walkout.domain.store import StoreProblems
from walkout.eventlog import LogError
from walkout.paths import DataNotFound
from walkout.storefile import StoreFileError

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

#: Exceptions that mean "the input is wrong", not "walkout is broken".
USER_ERRORS: tuple[type[BaseException], ...] = (
    StoreFileError,
    StoreProblems,
    LogError,
    DataNotFound,
    FileNotFoundError,
    IsADirectoryError,
    ValueError,
)


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def friendly_errors(fn: F) -> F:
    """Turn known input errors into a message and exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except USER_ERRORS as e:
            if os.environ.get("WALKOUT_DEBUG"):
                raise
            lines = str(e).splitlines() or [type(e).__name__]
            err_console.print(f"[bold red]error:[/] {escape(lines[0])}", highlight=False)
            for line in lines[1:]:
                err_console.print(f"       {line}", highlight=False, markup=False)
            if type(e) in (
                ValueError,
                TypeError,
            ):  # not one of ours: maybe a bug, say how to see it
                err_console.print(
                    "       (set WALKOUT_DEBUG=1 to see where this came from)", highlight=False
                )
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def tune_gc_for_streaming() -> None:
    """Long runs allocate millions of small acyclic records while a large store
    model stays alive; the cyclic collector would re-scan that model again and
    again (30 % of the twin's time on the supermarket). Freeze what exists now
    and collect less often. For command-line processes only, never the library."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def progress_bar(console: Console) -> Progress:
    """The bar of a long command: what it is doing, how far, for how long; gone when done."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
