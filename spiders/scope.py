"""Which URLs a crawl may fetch: http(s) on the site's own hosts and ports.

Scrapy's offsite check compares host names only (any port, any subdomain);
this downloader middleware sees every request, redirects and meta refreshes
included, and refuses the rest before anything is sent. The resolved address
is checked later, at connect time (spiders.addressscope)."""
from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from .addresses import non_public_literal
from .browserpages import BROWSER_META
from .requisites import REQUISITE_META
from .siteconfig import SiteDefinition

DEFAULT_PORTS = {"http": 80, "https": 443}
BLOCKED_LIST_MAX = 200          # URLs listed in the run summary; all are counted


class OutOfScope(IgnoreRequest):
    """The request was refused before it was sent; str() says why."""


def _basic_refusal(url: str) -> str | None:
    """Why no crawl may fetch `url` (scheme, credentials, a broken URL), or None."""
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError:
        return "malformed URL"
    if parts.scheme not in DEFAULT_PORTS:
        return f"scheme {parts.scheme or '(none)'} is not http(s)"
    if parts.username or parts.password:
        return "URL carries credentials"
    if not parts.hostname:
        return "URL has no host"
    return None


class SiteScope:
    def __init__(self, site: SiteDefinition):
        base = urlsplit(site.base_url)
        port = base.port or DEFAULT_PORTS[base.scheme]
        # a base URL on a default port also covers the other scheme's (the http -> https move)
        ports = set(DEFAULT_PORTS.values()) if port in DEFAULT_PORTS.values() else {port}
        self.allowed = {(base.hostname, p) for p in ports}
        for entry in site.scope.hosts:
            named = urlsplit(f"//{entry}")
            ports = {named.port} if named.port else set(DEFAULT_PORTS.values())
            self.allowed |= {(named.hostname, p) for p in ports}

    def refusal(self, url: str) -> str | None:
        """Why `url` is out of scope, or None when it may be fetched."""
        reason = _basic_refusal(url)
        if reason:
            return reason
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
        if (parts.hostname, port) not in self.allowed:
            return f"host {parts.hostname}:{port} is not one of the site's hosts"
        return None


class RequisiteScope:
    """Requisites of a page (requests marked REQUISITE_META) may come from any http(s)
    host but the site's skipped ones; robots.txt of a host a requisite was admitted from
    may be fetched too, so that the host's rules are read, not presumed."""

    def __init__(self, site: SiteDefinition):
        self.settings = site.requisites
        self.hosts: set[str] = set()

    def refusal(self, request) -> str | None:
        parts = urlsplit(request.url)
        if request.meta.get(REQUISITE_META):
            return self.admit(request.url)
        if parts.path == "/robots.txt" and parts.netloc in self.hosts:
            return _basic_refusal(request.url)
        return "not a requisite"

    def admit(self, url: str) -> str | None:
        """Why a requisite at `url` may not be fetched, or None (its host's robots.txt may then be)."""
        parts = urlsplit(url)
        if not self.settings.enabled:
            return "requisites are not fetched for this site"
        if self.settings.skips(parts.hostname):
            return f"host {parts.hostname} is skipped for requisites"
        reason = _basic_refusal(url)
        if reason is None:
            self.hosts.add(parts.netloc)
        return reason


class BrowserScope:
    """What a page rendered in the browser may load (spiders.browserpages). Its navigations
    stay on the site's hosts and ports. Its subresources may come from other hosts, as
    requisites do (never `skip_hosts`), but only on ports 80 and 443 and never from a
    loopback or private address the site file does not name: a site's permission for
    private networks covers its own hosts, not wherever a page's script points."""

    def __init__(self, scope: SiteScope, requisites: RequisiteScope):
        self.scope, self.requisites = scope, requisites
        self.site_hosts = {host for host, _ in scope.allowed}

    def refusal(self, url: str, kind: str) -> str | None:
        reason = self.scope.refusal(url)
        if reason is None or kind == "page":
            return reason
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host in self.site_hosts or _basic_refusal(url):
            return reason
        if (parts.port or DEFAULT_PORTS[parts.scheme]) not in DEFAULT_PORTS.values():
            return f"port {parts.port} of {host}: a page may load from other hosts on ports 80 and 443 only"
        if non_public_literal(host) or host == "localhost" or host.endswith(".localhost"):
            return f"{host} is a loopback or private address the site does not name"
        return self.requisites.admit(url)


class ScopeMiddleware:
    """Out-of-scope requests are counted and listed in the run summary, and never sent.
    As a downloader middleware it refuses them (OutOfScope, so a failure record is
    written: redirects, meta refreshes, start URLs); as a spider middleware it drops the
    links found in pages before they are scheduled (Scrapy's offsite filters, which
    ignore ports, are replaced by it)."""

    def __init__(self, crawler, scope: SiteScope, requisites: RequisiteScope | None = None):
        self.crawler, self.scope, self.requisites = crawler, scope, requisites
        self.browser = BrowserScope(scope, requisites) if requisites is not None else None

    @classmethod
    def from_crawler(cls, crawler):
        site = crawler.spider.site
        return cls(crawler, SiteScope(site), RequisiteScope(site))

    def process_request(self, request, spider=None):
        reason = self._refuse(request)
        if reason:
            raise OutOfScope(f"out of scope: {reason}")

    def process_spider_output(self, response, result, spider=None):
        for item in result:
            if not isinstance(item, Request) or not self._refuse(item):
                yield item

    async def process_spider_output_async(self, response, result, spider=None):
        async for item in result:
            if not isinstance(item, Request) or not self._refuse(item):
                yield item

    def _refuse(self, request) -> str | None:
        kind = request.meta.get(BROWSER_META)
        if kind is not None and self.browser is not None:
            reason = self.browser.refusal(request.url, kind)
        else:
            reason = self._crawl_refusal(request)
        if reason is None:
            return None
        stats = self.crawler.stats
        stats.inc_value("scope/blocked")
        listed = stats.get_value("scope/blocked_urls") or []
        if len(listed) < BLOCKED_LIST_MAX:
            stats.set_value("scope/blocked_urls", listed + [f"{request.url} ({reason})"])
        return reason

    def _crawl_refusal(self, request) -> str | None:
        reason = self.scope.refusal(request.url)
        if reason is not None and self.requisites is not None:
            other = self.requisites.refusal(request)
            reason = other if other is None or request.meta.get(REQUISITE_META) else reason
        return reason
