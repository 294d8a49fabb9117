"""`newsarchive`: run the pipeline's steps by hand, or the whole demo in one go."""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from spiders.progress import responses_in
from spiders.runids import run_id_arg
from spiders.siteconfig import SiteError, load_site, load_sites

from pipelines import steps
from pipelines.archive.writer import ArchiveError
from pipelines.settings import PipelineSettings
from pipelines.store import StoreError

console = Console(stderr=True)
out = Console()

# Modules that add commands of their own: each has `register(sub, add_store_options)`.
COMMAND_MODULES: tuple[str, ...] = (
    "pipelines.cli.archive",
    "pipelines.cli.backfill",
    "pipelines.cli.warc",
    "pipelines.cli.extract",
    "pipelines.cli.health",
)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args) or 0
    except (SiteError, StoreError, steps.StepError, ArchiveError) as exc:
        # the message may carry a site's or a page's text: printed as is, never read as markup
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        console.print("interrupted")
        return 130


def _settings(args) -> PipelineSettings:
    return PipelineSettings.from_env(store_uri=getattr(args, "store", None),
                                     staging_dir=getattr(args, "staging", None))


# -- commands ------------------------------------------------------------------
def cmd_sites(args) -> int:
    settings = _settings(args)
    sites, errors = load_sites(settings.sites_dir)
    for site in sites:
        state = "enabled " if site.enabled else "disabled"
        out.print(f"{site.name:<20} {state}  {site.schedule.cron:<15} {site.base_url}", highlight=False,
                  markup=False)
    for error in errors:
        console.print(f"[red]invalid:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    return 1 if (errors and args.check) else 0


def cmd_demo_site(args) -> int:
    from spiders.demosite import serve
    serve(port=args.port, revision=args.revision, fault=args.fault)
    return 0


def cmd_crawl(args) -> int:
    settings = _settings(args)
    run_id = args.run_id or steps.new_run_id()
    summary = _crawl_with_progress(args.site, run_id, settings, args.base_url)
    out.print(f"run {run_id}: {summary['responses']} responses, {len(summary['warc_files'])} WARC files "
              f"({summary['warc_bytes']:,} bytes) in {settings.run_dir(args.site, run_id)}", highlight=False)
    return 0


def cmd_upload(args) -> int:
    settings = _settings(args)
    keys = steps.upload(args.site, args.run_id, settings)
    out.print(f"uploaded {len(keys)} WARC files to {settings.store_uri}", highlight=False)
    return 0


def cmd_clean(args) -> int:
    counts = _clean_with_progress(args.site, args.run_id, _settings(args))
    out.print(f"cleaned {counts['captures']} captures: {counts['articles']} articles; "
              f"skipped {counts['skipped']}", highlight=False)
    return 0


def cmd_publish(args) -> int:
    manifest = steps.publish(args.site, args.run_id, _settings(args))
    out.print(f"published run {args.run_id}: {manifest['versions_added']} new article versions, "
              f"articles table version {manifest['articles_table_version']}", highlight=False)
    return 0


def cmd_run(args) -> int:
    settings = _settings(args)
    manifest = run_pipeline(args.site, settings, args.base_url, args.run_id)
    return _print_summary(manifest, settings)


def cmd_demo(args) -> int:
    from spiders.demosite import DemoSite

    settings = _settings(args)
    steps.open_checked_store(settings)
    try:
        site = DemoSite(port=args.port, revision=args.revision).start()
    except OSError as exc:
        raise steps.StepError(f"cannot serve the demo site on 127.0.0.1:{args.port}: {exc.strerror}") from None
    console.print(f"demo site (revision {args.revision}) serving at {site.base_url}", highlight=False)
    try:
        manifest = run_pipeline("demo", settings, site.base_url, args.run_id)
    finally:
        site.stop()
    return _print_summary(manifest, settings)


# -- the whole pipeline, with progress ----------------------------------------------
def run_pipeline(site: str, settings: PipelineSettings, base_url: str | None, run_id: str | None) -> dict:
    load_site(site, settings.sites_dir)
    steps.open_checked_store(settings)        # an unreachable store fails before anything is fetched
    run_id = run_id or steps.new_run_id()
    _crawl_with_progress(site, run_id, settings, base_url)
    with console.status("uploading WARC files (verified)…"):
        steps.upload(site, run_id, settings)
    _clean_with_progress(site, run_id, settings)
    with console.status("publishing to the archive…"):
        manifest = steps.publish(site, run_id, settings)
    return manifest | {"health": _checked(site, run_id, settings)}


def _checked(site: str, run_id: str, settings: PipelineSettings) -> dict:
    """The run's health (step 5); a failed check is reported after the summary, not raised."""
    from pipelines.health.runcheck import CheckFailed, check
    try:
        return check(site, run_id, settings)
    except CheckFailed as exc:
        return {"result": "failed", "message": str(exc)}


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def _crawl_with_progress(site: str, run_id: str, settings: PipelineSettings, base_url: str | None) -> dict:
    with _progress() as bar:
        task = bar.add_task(f"crawling {site}", total=None)

        def on_line(line: str) -> None:
            if (done := responses_in(line)) is not None:
                bar.update(task, completed=done)
            elif " ERROR" in line or "Traceback" in line:
                console.print(line, highlight=False, markup=False)
        return steps.crawl(site, run_id, settings, base_url, on_line=on_line)


def _clean_with_progress(site: str, run_id: str, settings: PipelineSettings) -> dict:
    with _progress() as bar:
        task = bar.add_task("cleaning captures", total=None)
        return steps.clean(site, run_id, settings, progress=lambda record: bar.advance(task))


def _print_summary(manifest: dict, settings: PipelineSettings) -> int:
    """Print what the run did; its exit code: 1 when its health check failed."""
    crawl = manifest["crawl"]
    health = manifest["health"]
    store = settings.store_uri
    out.print(
        f"\n[bold]run {manifest['run_id']}[/] of [bold]{manifest['site']}[/]\n"
        f"  pages fetched      {crawl.get('responses', 0)}  (statuses {crawl.get('statuses', {})})\n"
        f"  WARC files         {len(manifest['warc_keys'])}  ({crawl.get('warc_bytes', 0):,} bytes)\n"
        f"  articles seen      {manifest['articles_seen']}\n"
        f"  versions added     {manifest['versions_added']}  "
        f"({manifest['new_articles']} new, {manifest['changed_articles']} changed)\n"
        f"  table version      articles {manifest['articles_table_version']}, "
        f"captures {manifest['captures_table_version']}\n"
        f"  health check       {health['result']}\n"
        f"\nWhere to look next:\n"
        f"  WARC files         {store}/warcs/{manifest['site']}/\n"
        f"  articles table     {store}/articles  (a Delta table: deltalake, DuckDB, pandas, Spark)\n"
        f"  run manifest       {store}/runs/{manifest['site']}/{manifest['run_id']}.json",
        highlight=False)
    if health["result"] == "failed":
        console.print(f"[bold red]error:[/] {escape(health['message'])}", highlight=False, soft_wrap=True)
        return 1
    return 0


# -- argument parsing ----------------------------------------------------------------
def add_store_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", help="archive store: a folder or s3://bucket/prefix "
                                   "(default: $NEWSARCHIVE_STORE or ./archive)")
    p.add_argument("--staging", type=Path, help="local folder for WARCs awaiting upload "
                                               "(default: $NEWSARCHIVE_STAGING_DIR or ./staging)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsarchive", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name, func, help_text, store=True):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        if store:
            add_store_options(p)
        return p

    p = command("sites", cmd_sites, "list the site definitions", store=False)
    p.add_argument("--check", action="store_true", help="exit non-zero if any site file is invalid")

    p = command("demo-site", cmd_demo_site, "serve the bundled demo news site", store=False)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--revision", type=int, default=1, help="2 publishes revised versions of some articles")
    p.add_argument("--fault", choices=("markup", "robots", "forbidden"),
                   help="break the site on purpose: article markup changed, robots.txt disallowing "
                        "articles, or 403 for every article")

    p = command("demo", cmd_demo, "serve the demo site and run the whole pipeline on it")
    p.add_argument("--revision", type=int, default=1, help="2 publishes revised versions of some articles")
    p.add_argument("--port", type=int, default=8765, help="port of the demo site (default 8765)")
    p.add_argument("--run-id", type=run_id_arg)

    p = command("run", cmd_run, "crawl, upload, clean and publish one site")
    p.add_argument("site")
    p.add_argument("--base-url", help="fetch the site from another address")
    p.add_argument("--run-id", type=run_id_arg)

    p = command("crawl", cmd_crawl, "step 1: crawl a site into WARC files in the staging folder")
    p.add_argument("site")
    p.add_argument("--base-url", help="fetch the site from another address")
    p.add_argument("--run-id", type=run_id_arg, help="default: run-<UTC time>")

    for name, func, text in (("upload", cmd_upload, "step 2: upload a run's WARC files (verified)"),
                             ("clean", cmd_clean, "step 3: extract articles from a run's WARC files"),
                             ("publish", cmd_publish, "step 4: commit a run's articles to the archive")):
        p = command(name, func, text)
        p.add_argument("site")
        p.add_argument("--run-id", required=True, type=run_id_arg)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, add_store_options)
    return parser


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
