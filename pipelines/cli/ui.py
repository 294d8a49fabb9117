"""What every command shares on the terminal: the two consoles, progress bars, error lines,
and the store options. rich is imported on first use: building the parser imports none of it."""
from __future__ import annotations

import argparse
from functools import cache
from pathlib import Path

from pipelines.cli import args as types


@cache
def out():
    """The console for results (stdout)."""
    from rich.console import Console

    return Console()


@cache
def err():
    """The console for progress, warnings and errors (stderr)."""
    from rich.console import Console

    return Console(stderr=True)


def progress(transient: bool = False, spinner: bool = True):
    """A progress bar on stderr: [spinner] description, bar, done/total, elapsed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}")) if spinner else ()
    return Progress(*columns, BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err(),
                    transient=transient)


def error(message: str, label: str = "[bold red]error:[/]") -> None:
    """One line on stderr; the message may carry a site's or a page's text: printed as is,
    never read as markup."""
    from rich.markup import escape

    err().print(f"{label} {escape(message)}", highlight=False, soft_wrap=True)


def settings(args):
    """The pipeline settings, with --store and --staging where the command has them."""
    from pipelines.settings import PipelineSettings

    return PipelineSettings.from_env(store_uri=getattr(args, "store", None),
                                     staging_dir=getattr(args, "staging", None))


def add_store_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", type=types.store_uri, help="archive store: a folder or s3://bucket/prefix "
                                                         "(default: $NEWSARCHIVE_STORE or ./archive)")
    p.add_argument("--staging", type=Path, help="local folder for WARCs awaiting upload "
                                               "(default: $NEWSARCHIVE_STAGING_DIR or ./staging)")


def command(sub, name: str, func, text: str, store: bool = True) -> argparse.ArgumentParser:
    """A subcommand running `func(args)`, with the store options unless `store` is False."""
    p = sub.add_parser(name, help=text, description=text)
    p.set_defaults(func=func)
    if store:
        add_store_options(p)
    return p
