"""Site definitions: one TOML file per site, validated on load.

A site file says where a crawl starts (pages, feeds, sitemaps), which URLs are
articles, how politely to fetch, and when to run. Every error names the file,
the field and the problem, so one broken file is easy to find and fix.
"""
from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from urllib.parse import urljoin, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from newsarchive.errors import SiteError

SITES_DIR = Path(__file__).with_name("sites")
NAME_RE = r"^[a-z0-9][a-z0-9_-]*$"


class _Section(BaseModel):
    """A table of a site file: unknown keys are errors (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid")


class Politeness(_Section):
    obey_robots: bool = True
    download_delay: float = Field(1.0, ge=0)
    concurrency_per_domain: int = Field(2, ge=1, le=16)
    autothrottle: bool = True
    autothrottle_target_concurrency: float = Field(1.0, gt=0)


class Limits(_Section):
    max_pages: int = Field(5000, ge=1)
    max_depth: int = Field(3, ge=0)
    max_response_bytes: int = Field(20 * 1024 * 1024, ge=1024)   # on the wire, and once inflated
    max_fetch_seconds: float = Field(60, gt=0)        # one request, first byte to last
    max_pages_per_pattern: int = Field(1000, ge=1)    # URLs of one path shape (calendars, traps)
    max_retry_after_seconds: float = Field(30, ge=0)  # a longer Retry-After is cut to this


def _checked_hosts(hosts: list[str], pattern: str, what: str) -> list[str]:
    for host in hosts:
        if not re.fullmatch(pattern, host):
            raise ValueError(f"{host!r} is not {what}")
    return [h.lower() for h in hosts]


class Scope(_Section):
    """Where the crawl may go: the base URL's host and port, plus `hosts` (an asset CDN:
    `cdn.example.com` or `cdn.example.com:8443`); private, loopback and link-local
    addresses only with `allow_private_networks` (a local test or demo site)."""

    allow_private_networks: bool = False
    hosts: list[str] = []

    @field_validator("hosts")
    @classmethod
    def _host_port(cls, hosts: list[str]) -> list[str]:
        return _checked_hosts(hosts, r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9a-fA-F:.]+\](:\d{1,5})?", "a host or host:port")


class Requisites(_Section):
    """Page requisites (stylesheets, scripts, images, fonts) of articles, fetched from any
    host unless `enabled` is false; `skip_hosts` (ads, trackers) are never fetched, a name
    covering its subdomains. Links to other hosts are still not followed (see Scope)."""

    enabled: bool = True
    skip_hosts: list[str] = []

    @field_validator("skip_hosts")
    @classmethod
    def _names(cls, hosts: list[str]) -> list[str]:
        return [h.strip(".") for h in _checked_hosts(hosts, r"[A-Za-z0-9.-]+", "a host name")]

    def skips(self, host: str) -> bool:
        host = (host or "").lower()
        return any(host == h or host.endswith("." + h) for h in self.skip_hosts)


class Schedule(_Section):
    """When runs happen and which stretch of time each one covers.

    A run covers its data interval: from the previous cron tick to this one, in
    the site's time zone. `lookback_hours` widens the window backwards so that
    entries whose date is set late are still caught (at the price of overlap).
    """

    cron: str = "0 */6 * * *"
    timezone: str = "UTC"
    start_date: date = date(2024, 1, 1)
    catchup: bool = False
    lookback_hours: float = Field(0, ge=0, le=24 * 31)
    max_active_runs: int = Field(1, ge=1, le=16)
    pool_slots: int = Field(1, ge=1, le=64)      # crawls of this site at once, across all runs
    recheck_days: float = Field(14, ge=0, le=365)  # re-fetch articles younger than this; 0: never

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError("must be a 5-field cron expression")
        try:
            from croniter import croniter     # Airflow's own cron parser
        except ImportError:                   # pragma: no cover - Airflow is always installed here
            return value
        if not croniter.is_valid(value):
            raise ValueError(f"not a valid cron expression: {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as 'Europe/Kyiv')") from None
        return value


class Discovery(_Section):
    """How a run restricted to a time window finds its articles.

    `dates`: sitemap <lastmod> and feed item dates pick the articles of the
    window, and sitemap-index entries older than the window are never fetched.
    `sections`: for sites with no dated sources, walk the start and listing
    pages; `url_date_pattern` (named groups year, month, day) then drops
    articles whose URL date lies outside the window.
    """

    by_window: Literal["dates", "sections"] = "dates"
    url_date_pattern: str | None = None
    sitemaps_from_robots: bool = False      # also read the sitemaps robots.txt announces

    @field_validator("url_date_pattern")
    @classmethod
    def _date_groups(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            groups = set(re.compile(value).groupindex)
        except re.error as exc:
            raise ValueError(f"bad regular expression {value!r}: {exc}") from None
        if not {"year", "month", "day"} <= groups:
            raise ValueError("needs the named groups (?P<year>…), (?P<month>…) and (?P<day>…)")
        return value


class Health(_Section):
    """Thresholds of the checks run after publish, against the median of the site's own
    last `baseline_runs` healthy runs (no comparison until `min_baseline_runs` exist)."""

    baseline_runs: int = Field(7, ge=1, le=100)
    min_baseline_runs: int = Field(2, ge=1, le=100)
    min_sample: int = Field(20, ge=1)                     # judge rates and medians of at least this many
    yield_drop: float = Field(0.5, gt=0, le=1)            # fail: articles seen fell by this share or more
    error_rate_rise: float = Field(0.10, gt=0, le=1)      # fail: error rate rose by this many points
    blocked_min: int = Field(5, ge=1)                     # fail: robots/scope blocks rose by this many
    empty_body_rise: float = Field(0.25, gt=0, le=1)      # fail: article pages without body, in points
    words_drop: float = Field(0.5, gt=0, le=1)            # fail: median words per article fell by this share
    max_hours_without_new: float = Field(72, gt=0)        # fail: no new article version for this long
    warn_factor: float = Field(0.5, gt=0, le=1)           # warn at this fraction of a threshold


class SiteDefinition(_Section):
    """What the generic news spider needs to know about one site."""

    name: str = Field(pattern=NAME_RE)
    title: str = ""
    enabled: bool = True
    base_url: str
    start_urls: list[str] = ["/"]
    feeds: list[str] = []
    sitemaps: list[str] = []
    article_patterns: list[str] = Field(min_length=1)
    follow_patterns: list[str] = []
    politeness: Politeness = Politeness()
    limits: Limits = Limits()
    scope: Scope = Scope()
    requisites: Requisites = Requisites()
    schedule: Schedule = Schedule()
    discovery: Discovery = Discovery()
    health: Health = Health()

    @field_validator("base_url")
    @classmethod
    def _absolute_http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/") + "/"

    @field_validator("article_patterns", "follow_patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
        return patterns

    def with_base_url(self, base_url: str | None) -> "SiteDefinition":
        """The same site served elsewhere (a mirror, or the demo on another port)."""
        if not base_url:
            return self
        try:
            site = self.model_validate({**self.model_dump(), "base_url": base_url})
        except ValidationError as exc:
            raise SiteError(f"--base-url {base_url!r}: {exc.errors()[0]['msg']}") from None
        return check_addresses(site, "--base-url")

    def absolute(self, url: str) -> str:
        return urljoin(self.base_url, url)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def is_article(self, url: str) -> bool:
        return _matches(self.article_patterns, url)

    def is_listing(self, url: str) -> bool:
        return _matches(self.follow_patterns, url)

    @property
    def window_by_dates(self) -> bool:
        """Whether a windowed run selects articles by sitemap/feed dates (else by section pages)."""
        dated = self.sitemaps or self.feeds or self.discovery.sitemaps_from_robots
        return self.discovery.by_window == "dates" and bool(dated)

    @property
    def dag_id(self) -> str:
        return f"newsarchive_{self.name}"

    @property
    def pool(self) -> str:
        """The Airflow pool that bounds this site's concurrent crawls."""
        return f"newsarchive_{self.name}"


def _matches(patterns: list[str], url: str) -> bool:
    """Patterns match the URL's path (plus query), so they survive a change of host."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return any(re.search(p, target) for p in patterns)


def load_site_file(path: Path) -> SiteDefinition:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(f"{path}: not valid TOML: {exc}") from None
    try:
        site = SiteDefinition.model_validate(data)
    except ValidationError as exc:
        raise SiteError(f"{path}: {_first_problem(exc)}") from None
    check_addresses(site, f"{path}: field 'base_url'")
    if site.name != path.stem:
        raise SiteError(f"{path}: field 'name': {site.name!r} must match the file name {path.stem!r}")
    return site


def check_addresses(site: SiteDefinition, where: str) -> SiteDefinition:
    """A base URL naming a non-public address needs the site's explicit consent."""
    from .addresses import non_public_literal

    address = non_public_literal(site.host)
    if address and not site.scope.allow_private_networks:
        raise SiteError(f"{where}: {address} is a private, loopback or link-local address; "
                        "set [scope] allow_private_networks = true to crawl it")
    return site


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "(file)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"field '{field}': {err['msg']}{more}"


def site_files(sites_dir: Path = SITES_DIR) -> list[Path]:
    return sorted(Path(sites_dir).glob("*.toml"))


def load_sites(sites_dir: Path = SITES_DIR) -> tuple[list[SiteDefinition], list[SiteError]]:
    """Every valid site, and the errors of the invalid ones (one bad file spoils nothing else)."""
    sites, errors = [], []
    for path in site_files(sites_dir):
        try:
            sites.append(load_site_file(path))
        except SiteError as exc:
            errors.append(exc)
    return sites, errors


def load_site(name: str, sites_dir: Path = SITES_DIR) -> SiteDefinition:
    path = Path(sites_dir) / f"{name}.toml"
    if not re.match(NAME_RE, name) or not path.is_file():
        known = ", ".join(p.stem for p in site_files(sites_dir)) or "none"
        raise SiteError(f"unknown site {name!r} (known sites: {known})")
    return load_site_file(path)
