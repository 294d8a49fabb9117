"""The pipeline's commands: list the sites, serve the demo site, run the whole pipeline
(`run`, `demo`) or one step of it (`crawl`, `upload`, `clean`, `publish`)."""
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
    from spiders.demosite import serve

    serve(port=args.port, revision=args.revision, fault=args.fault)
    return 0


def cmd_crawl(args) -> int:
    from pipelines import steps

    settings = ui.settings(args)
    run_id = args.run_id or steps.new_run_id()
    with crawl_progress(args.site) as on_event:
        summary = steps.crawl(args.site, run_id, settings, args.base_url, on_event=on_event)
    ui.out().print(f"run {run_id}: {summary['responses']} responses, {len(summary['warc_files'])} WARC files "
                   f"({summary['warc_bytes']:,} bytes) shipped to {settings.store_uri}", highlight=False)
    return 0


def cmd_upload(args) -> int:
    from pipelines import steps

    settings = ui.settings(args)
    keys = steps.upload(args.site, args.run_id, settings)
    ui.out().print(f"uploaded {len(keys)} WARC files to {settings.store_uri}", highlight=False)
    return 0


def cmd_clean(args) -> int:
    from pipelines import steps

    with clean_progress() as progress:
        counts = steps.clean(args.site, args.run_id, ui.settings(args), progress=progress)
    ui.out().print(f"cleaned {counts['captures']} captures: {counts['articles']} articles; "
                   f"skipped {counts['skipped']}", highlight=False)
    return 0


def cmd_publish(args) -> int:
    from pipelines import steps

    manifest = steps.publish(args.site, args.run_id, ui.settings(args))
    ui.out().print(f"published run {args.run_id}: {manifest['versions_added']} new article versions, "
                   f"articles table version {manifest['articles_table_version']}", highlight=False)
    return 0


def cmd_run(args) -> int:
    from pipelines import steps

    settings = ui.settings(args)
    manifest = steps.run(args.site, settings, args.run_id, base_url=args.base_url, watch=watch(args.site))
    return print_summary(manifest, settings)


def cmd_demo(args) -> int:
    from pipelines import steps
    from pipelines.errors import StepError
    from spiders.demosite import DemoSite

    settings = ui.settings(args)
    steps.open_checked_store(settings)
    try:
        site = DemoSite(port=args.port, revision=args.revision).start()
    except OSError as exc:
        raise StepError(f"cannot serve the demo site on 127.0.0.1:{args.port}: {exc.strerror}") from None
    ui.err().print(f"demo site (revision {args.revision}) serving at {site.base_url}", highlight=False)
    try:
        manifest = steps.run("demo", settings, args.run_id, base_url=site.base_url, watch=watch("demo"))
    finally:
        site.stop()
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
    crawl = manifest["crawl"]
    health = manifest["health"]
    from pipelines.store import layout

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
        f"  run manifest       {store}/{layout.manifest_key(site, manifest['run_id'])}",
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

    p = ui.command(sub, "run", cmd_run, "crawl, upload, clean and publish one site")
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
