"""The pipeline's commands: list the sites, serve the demo site, run the whole pipeline
(`run`, `demo`) or one step of it (`crawl`, `upload`, `clean`, `publish`, `check`)."""
from __future__ import annotations

from contextlib import contextmanager

from pipelines.cli import args as types
from pipelines.cli import ui


def cmd_sites(args) -> int:
    from spiders.siteconfig import load_sites

    sites, errors = load_sites(ui.settings(args).sites_dir)
    for site in sites:
        state = "enabled " if site.enabled else "disabled"
        ui.out().print(f"{site.name:<20} {state}  {site.schedule.cron:<15} {site.base_url}", highlight=False,
                       markup=False)
    for error in errors:
        ui.error(str(error), label="[red]invalid:[/]")
    return 1 if (errors and args.check) else 0


def cmd_demo_site(args) -> int:
    from demosite import serve

    serve(port=args.port, revision=args.revision, fault=args.fault)
    return 0


def _site(args, settings):
    """The command's site, read once: every step it runs gets this definition."""
    from spiders.siteconfig import load_site

    return load_site(args.site, settings.sites_dir)


def _step(args, name: str, run_id=None, **kwargs):
    """Run one step on the command's site and run: (its result, the settings)."""
    from pipelines.run import steps

    settings = ui.settings(args)
    step = getattr(steps, name)
    return step(_site(args, settings), run_id or args.run_id, settings, **kwargs), settings


def _say(text: str) -> None:
    ui.out().print(text, highlight=False)


def cmd_crawl(args) -> int:
    from spiders.runids import RunId

    run_id = args.run_id or RunId.new()
    with crawl_progress(args.site) as on_event:
        summary, settings = _step(args, "crawl", run_id, base_url=args.base_url, on_event=on_event)
    _say(f"run {run_id}: {summary['responses']} responses, {len(summary['warc_files'])} WARC files "
         f"({summary['warc_bytes']:,} bytes) shipped to {settings.store_uri}")
    return 0


def cmd_upload(args) -> int:
    keys, settings = _step(args, "upload")
    _say(f"uploaded {len(keys)} WARC files to {settings.store_uri}")
    return 0


def cmd_clean(args) -> int:
    with clean_progress() as progress:
        counts, _ = _step(args, "clean", progress=progress)
    _say(f"cleaned {counts['captures']} captures: {counts['articles']} articles; skipped {counts['skipped']}")
    return 0


def cmd_publish(args) -> int:
    manifest, _ = _step(args, "publish")
    _say(f"published run {args.run_id}: {manifest['versions_added']} new article versions, "
         f"articles table version {manifest['articles_table_version']}")
    return 0


def cmd_check(args) -> int:
    row, _ = _step(args, "check", kind=args.kind)
    _say(f"run {args.run_id} of {args.site}: {row['result']}")
    for warning in row["warnings"]:
        _say(f"  warning: {warning}")
    return 0


def cmd_run(args) -> int:
    from pipelines.run import steps

    settings = ui.settings(args)
    manifest = steps.run(_site(args, settings), settings, args.run_id, base_url=args.base_url,
                         watch=watch(args.site))
    return print_summary(manifest, settings)


def cmd_demo(args) -> int:
    from demosite import DemoSite
    from newsarchive.errors import StepError
    from pipelines.run import steps
    from pipelines.settings import open_checked_store
    from spiders.siteconfig import load_site

    settings = ui.settings(args)
    open_checked_store(settings)
    try:
        demo = DemoSite(port=args.port, revision=args.revision).start()
    except OSError as exc:
        raise StepError(f"cannot serve the demo site on 127.0.0.1:{args.port}: {exc.strerror}") from None
    ui.err().print(f"demo site (revision {args.revision}) serving at {demo.base_url}", highlight=False)
    try:
        manifest = steps.run(load_site("demo", settings.sites_dir), settings, args.run_id,
                             base_url=demo.base_url, watch=watch("demo"))
    finally:
        demo.stop()
    return print_summary(manifest, settings)


# -- progress of the steps -----------------------------------------------------------
STATUS = {"upload": "uploading WARC files (verified)…", "publish": "publishing to the archive…",
          "index": "updating the search index…"}


def watch(site: str):
    """What steps.run shows of each step: bars for crawl and clean, a status line for others."""
    @contextmanager
    def step(name: str):
        if name == "crawl":
            with crawl_progress(site) as on_event:
                yield on_event
        elif name == "clean":
            with clean_progress() as progress:
                yield progress
        elif name in STATUS:
            with ui.err().status(STATUS[name]):
                yield None
        else:
            yield None
    return step


@contextmanager
def crawl_progress(site: str):
    """A bar that follows the crawl's events: its response count, and its errors printed."""
    with ui.progress() as bar:
        task = bar.add_task(f"crawling {site}", total=None)

        def on_event(event: dict) -> None:
            if event["event"] == "progress":
                bar.update(task, completed=event["responses"])
            elif event["event"] == "log":
                ui.err().print(event["line"], highlight=False, markup=False)
        yield on_event


@contextmanager
def clean_progress():
    with ui.progress() as bar:
        task = bar.add_task("cleaning captures", total=None)
        yield lambda record: bar.advance(task)


def print_summary(manifest: dict, settings) -> int:
    """Print what the run did; its exit code: 1 when its health check failed."""
    from pipelines.run.manifest import Manifest
    from pipelines.store import layout, open_store

    crawl = manifest["crawl"]
    health = manifest["health"]
    store, site = settings.store_uri, manifest["site"]
    ui.out().print(
        f"\n[bold]run {manifest['run_id']}[/] of [bold]{manifest['site']}[/]\n"
        f"  pages fetched      {crawl.get('responses', 0)}  (statuses {crawl.get('statuses', {})})\n"
        f"  WARC files         {len(manifest['warc_keys'])}  ({crawl.get('warc_bytes', 0):,} bytes)\n"
        f"  articles seen      {manifest['articles_seen']}\n"
        f"  versions added     {manifest['versions_added']}  "
        f"({manifest['new_articles']} new, {manifest['changed_articles']} changed)\n"
        f"  table version      articles {manifest['articles_table_version']}, "
        f"captures {manifest['captures_table_version']}\n"
        f"  health check       {health['result']}\n"
        f"  search index       {_search_line(manifest.get('search') or {})}\n"
        f"\nWhere to look next:\n"
        f"  WARC files         {store}/{layout.warc_prefix(site)}\n"
        f"  articles table     {store}/{layout.ARTICLES_TABLE}  (a Delta table: deltalake, DuckDB, pandas, Spark)\n"
        f"  run manifest       {Manifest(open_store(store), site, manifest['run_id']).location}",
        highlight=False)
    if health["result"] == "failed":
        ui.error(health["message"])
        return 1
    return 0


def _search_line(search: dict) -> str:
    if "error" in search:
        return f"not updated ({search['error']}); `newsarchive reindex-search` catches up"
    return f"{search.get('indexed', 0)} versions indexed in {search.get('seconds', 0):.1f} s"


def register(sub) -> None:
    p = ui.command(sub, "sites", cmd_sites, "list the site definitions", store=False)
    p.add_argument("--check", action="store_true", help="exit non-zero if any site file is invalid")

    p = ui.command(sub, "demo-site", cmd_demo_site, "serve the bundled demo news site", store=False)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--revision", type=int, choices=(1, 2), default=1,
                   help="2 publishes revised versions of some articles")
    p.add_argument("--fault", choices=("markup", "robots", "forbidden"),
                   help="break the site on purpose: article markup changed, robots.txt disallowing "
                        "articles, or 403 for every article")

    p = ui.command(sub, "demo", cmd_demo, "serve the demo site and run the whole pipeline on it")
    p.add_argument("--revision", type=int, choices=(1, 2), default=1,
                   help="2 publishes revised versions of some articles")
    p.add_argument("--port", type=int, default=8765, help="port of the demo site (default 8765)")
    p.add_argument("--run-id", type=types.run_id)

    p = ui.command(sub, "run", cmd_run, "crawl, upload, clean, publish and check one site (steps 1-5); "
                                        "exit 1 when the health check fails")
    p.add_argument("site")
    p.add_argument("--base-url", help="fetch the site from another address")
    p.add_argument("--run-id", type=types.run_id)

    p = ui.command(sub, "crawl", cmd_crawl, "step 1: crawl a site into WARC files in the staging folder")
    p.add_argument("site")
    p.add_argument("--base-url", help="fetch the site from another address")
    p.add_argument("--run-id", type=types.run_id, help="default: run-<UTC time>")

    for name, func, text in (("upload", cmd_upload, "step 2: upload a run's WARC files (verified)"),
                             ("clean", cmd_clean, "step 3: extract articles from a run's WARC files"),
                             ("publish", cmd_publish, "step 4: commit a run's articles to the archive")):
        p = ui.command(sub, name, func, text)
        p.add_argument("site")
        p.add_argument("--run-id", required=True, type=types.run_id)

    p = ui.command(sub, "check", cmd_check, "step 5: check a published run's health against the site's baseline")
    p.add_argument("site")
    p.add_argument("--run-id", required=True, type=types.run_id)
    p.add_argument("--kind", default="manual", choices=("manual", "scheduled", "backfill"),
                   help="the kind of run: baselines compare runs of one kind")
