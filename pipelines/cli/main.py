"""`newsarchive`: run the pipeline's steps by hand, or the whole demo in one go.

Building the parser imports argparse and the standard library only: each command imports
what it needs when it runs, so `newsarchive --help` answers at once."""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

# Modules that add commands: each has `register(sub)`.
COMMAND_MODULES: tuple[str, ...] = (
    "pipelines.cli.pipeline",
    "pipelines.cli.archive",
    "pipelines.cli.backfill",
    "pipelines.cli.warc",
    "pipelines.cli.extract",
    "pipelines.cli.health",
    "pipelines.cli.access",
    "pipelines.cli.search",
)


class Parser(argparse.ArgumentParser):
    """Bad arguments are one line on stderr and exit 2, like every expected failure."""

    def error(self, message: str):
        self.exit(2, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="newsarchive", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from newsarchive.errors import NewsarchiveError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args) or 0
    except NewsarchiveError as exc:       # every expected failure: one line, exit 2
        from pipelines.cli import ui

        ui.error(str(exc))
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    """The `newsarchive` command. deltalake and Arrow leave native threads that can abort
    the interpreter's shutdown (exit 134, "terminate called without an active exception")
    after a good result; once the output is flushed, the process ends with its own status
    without running that shutdown. Nothing is left to do by then: every file and store
    write has completed and been closed inside main()."""
    try:
        code = main()
    except SystemExit as exc:           # argparse's usage errors and --help
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):       # a closed pipe: nothing more to say
            code = code or 1
    os._exit(code)


if __name__ == "__main__":
    entry()
