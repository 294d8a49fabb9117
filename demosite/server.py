"""HTTP front end of the demo news site: routing, encoding and the server thread."""
from __future__ import annotations

import gzip
import hashlib
import re
import threading
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import faults, images, pages
from spiders.dates import parse_http_date
from .content import SECTIONS, DemoArticle, build_articles, check_revision
from .origins import AGENCY_ADDRESS, CDN_ADDRESS, Origins, agency_route, cdn_route

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
CSS = "text/css; charset=utf-8"
PNG = "image/png"
GZIP = "application/x-gzip"
UNCOMPRESSED = ("image/", "font/", GZIP)
COOKIES = ("ki_consent=essential; Path=/; SameSite=Lax",
           "ki_ab=b; Path=/; Max-Age=2592000; SameSite=Lax")
_SECTION_PAGE = re.compile(r"^/([a-z]+)/page/(\d+)/$")
_SITEMAP = re.compile(r"^/sitemaps/(\d{4}-\d{2})\.xml$")
_IMAGE = re.compile(r"^/images/([a-z0-9-]+)\.png$")
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


def _html(text: str, status: int = 200, headers=()) -> Response:
    return Response(status, HTML, text.encode("utf-8"), list(headers))


def _redirect(base: str, target: str) -> Response:
    location = base + target
    return Response(301, HTML, pages.redirect_page(location).encode(), [("Location", location)])


def _article(cat: pages.Catalog, base: str, article: DemoArticle, origins: Origins) -> Response:
    # Last-Modified comes from the article, never the clock, so headers stay stable too.
    last = format_datetime(article.modified.astimezone(timezone.utc), usegmt=True)
    return _html(pages.article_page(cat, base, article, origins), headers=[("Last-Modified", last)])


def _faulty_article(cat: pages.Catalog, base: str, article: DemoArticle, fault: str | None,
                    origins: Origins) -> Response:
    if fault == "forbidden":
        return _html(faults.FORBIDDEN_PAGE, status=403)
    response = _article(cat, base, article, origins)
    if fault == "markup":
        response.body = faults.client_rendered(response.body.decode()).encode()
    return response


def _listing(cat: pages.Catalog, base: str, path: str) -> Response | None:
    if path == "/":
        return _html(pages.home_page(cat, base), headers=[("Set-Cookie", c) for c in COOKIES])
    if path[1:-1] in SECTIONS and path == f"/{path[1:-1]}/":
        return _html(pages.section_page(cat, base, path[1:-1], 1))
    match = _SECTION_PAGE.match(path)
    if match and match.group(1) in SECTIONS:
        section, page = match.group(1), int(match.group(2))
        if page == 1:
            return _redirect(base, f"/{section}/")
        if 1 < page <= pages.section_pages(cat, section) and match.group(2) == str(page):
            return _html(pages.section_page(cat, base, section, page))
    return None


def _feeds(cat: pages.Catalog, base: str, path: str) -> Response | None:
    if path == "/robots.txt":
        return Response(200, TEXT, pages.robots(base).encode())
    if path == "/rss.xml":
        return Response(200, RSS, pages.rss(cat, base).encode())
    if path == "/sitemap_index.xml.gz":
        return Response(200, GZIP, gzip.compress(pages.root_sitemap_index(cat, base).encode(), mtime=0))
    if path == "/sitemap.xml":
        return Response(200, XML, pages.sitemap_index(cat, base).encode())
    match = _SITEMAP.match(path)
    if match and match.group(1) in pages.months(cat):
        return Response(200, XML, pages.monthly_sitemap(cat, base, match.group(1)).encode())
    return None


def _assets(cat: pages.Catalog, path: str) -> Response | None:
    if path == "/static/style.css":
        return Response(200, CSS, pages.STYLE_CSS.encode())
    if path == "/static/logo.png":
        return Response(200, PNG, images.logo_png())
    match = _IMAGE.match(path)
    if match and any(a.slug == match.group(1) for a in cat.articles):
        return Response(200, PNG, images.article_png(match.group(1)))
    return None


def route(path: str, base: str, revision: int, fault: str | None = None,
          origins: Origins = Origins()) -> Response:
    """Map a URL path to a response; the body depends only on (path, base, revision, fault, origins)."""
    cat = pages.catalog(revision)
    if path in cat.by_path:
        return _faulty_article(cat, base, cat.by_path[path], fault, origins)
    if path == "/robots.txt" and fault == "robots":
        return Response(200, TEXT, faults.robots_blocking_articles(base).encode())
    if path == "/latest/":
        return _redirect(base, "/")
    if path == "/private/" or path.startswith("/private/"):
        return _html(pages.private_page(base, path))
    if path in pages.INFO_PAGES:
        title, text = pages.INFO_PAGES[path]
        return _html(pages.info_page(base, path, title, text))
    found = _listing(cat, base, path) or _feeds(cat, base, path) or _assets(cat, path)
    if found:
        return found
    if not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
        if route(path + "/", base, revision, fault, origins).status == 200:
            return _redirect(base, path + "/")
    return _html(pages.not_found_page(base, path), status=404)


def other_origin(role: str, path: str) -> Response:
    """A response of the CDN or the photo agency."""
    found = (cdn_route(path, pages.catalog(1).by_slug) if role == "cdn" else agency_route(path))
    if found is None:
        return Response(404, TEXT, b"Not Found\n")
    return Response(200, *found)


def not_modified(request_headers, etag: str, last_modified: str | None) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when sent; else If-Modified-Since."""
    if (tags := request_headers.get("If-None-Match")) is not None:
        return tags.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in tags.split(",")]
    since, last = request_headers.get("If-Modified-Since"), last_modified
    last_time, since_time = parse_http_date(last), parse_http_date(since)
    return bool(last_time and since_time) and last_time <= since_time


def wants_gzip(accept_encoding: str) -> bool:
    for item in accept_encoding.lower().split(","):
        name, _, params = item.strip().partition(";")
        if name.strip() in ("gzip", "x-gzip"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive; every response carries Content-Length
    server_version = "demosite/1.0"
    sys_version = ""
    timeout = 30                    # idle keep-alive connections must not pin threads forever

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args) -> None:
        """Silent by default so tests and the CLI stay quiet."""

    def _base_url(self) -> str:
        host = self.headers.get("Host", "")
        if not _HOST.match(host):
            name, port = self.server.server_address[:2]
            host = f"[{name}]:{port}" if ":" in name else f"{name}:{port}"
        return f"http://{host}"

    def _respond(self, send_body: bool) -> None:
        path, server = urlsplit(self.path).path or "/", self.server
        try:
            if server.role != "site":
                response = other_origin(server.role, path)
            else:
                base = self._base_url()
                response = route(path, base, server.revision, server.fault, Origins.beside(base, server.roles))
        except Exception:  # a broken page must not kill the connection silently
            response = Response(500, TEXT, b"Internal Server Error\n")
        body, headers = response.body, list(response.headers)
        if not response.content_type.startswith(UNCOMPRESSED):
            headers.append(("Vary", "Accept-Encoding"))
            if wants_gzip(self.headers.get("Accept-Encoding", "")):
                body = gzip.compress(body, compresslevel=6, mtime=0)  # mtime=0: same bytes every time
                headers.append(("Content-Encoding", "gzip"))
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:20]
        headers.append(("ETag", etag))
        if response.status == 200 and not_modified(self.headers, etag, dict(headers).get("Last-Modified")):
            self.send_response(304)
            for name, value in headers:
                if name in ("ETag", "Last-Modified", "Vary"):
                    self.send_header(name, value)
            self.end_headers()
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, revision: int, fault: str | None = None, role: str = "site"):
        self.revision = check_revision(revision)
        self.fault = faults.check_fault(fault)
        self.role, self.roles = role, ()       # roles: the other origins serving beside this site
        super().__init__(address, _Handler)


def _other_origins(site: _Server) -> list[_Server]:
    """The CDN and the photo agency on the site's port at other loopback addresses, when the
    site is on 127.0.0.1 and those addresses can be bound; the site's pages then refer to them."""
    host, port = site.server_address[:2]
    if host != "127.0.0.1":
        return []
    servers = []
    for role, address in (("cdn", CDN_ADDRESS), ("agency", AGENCY_ADDRESS)):
        try:
            servers.append(_Server((address, port), site.revision, role=role))
        except OSError:
            continue
    site.roles = tuple(s.role for s in servers)
    return servers


def _serve_in_background(server: _Server) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name=f"demosite-{server.role}", daemon=True)
    thread.start()
    return thread


class DemoSite:
    """The demo site on a background thread; also a context manager. `fault` breaks it
    on purpose (see faults.FAULTS); it can be changed while the site runs."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, revision: int = 1, fault: str | None = None):
        self.host, self.port = host, port
        self._revision = check_revision(revision)
        self._fault = faults.check_fault(fault)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._others: list[tuple[_Server, threading.Thread]] = []

    @property
    def revision(self) -> int:
        return self._revision

    @revision.setter
    def revision(self, value: int) -> None:
        self._revision = check_revision(value)
        if self._server is not None:
            self._server.revision = value   # picked up by the next request

    @property
    def fault(self) -> str | None:
        return self._fault

    @fault.setter
    def fault(self, value: str | None) -> None:
        self._fault = faults.check_fault(value)
        if self._server is not None:
            self._server.fault = value

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("DemoSite is not running; call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.server_address[1]}"

    def articles(self) -> list[DemoArticle]:
        return build_articles(self._revision)

    def start(self) -> "DemoSite":
        if self._server is None:
            self._server = _Server((self.host, self.port), self._revision, self._fault)
            self._others = [(s, _serve_in_background(s)) for s in _other_origins(self._server)]
            self._thread = _serve_in_background(self._server)
        return self

    @property
    def origins(self) -> Origins:
        """Base URLs of the CDN and the photo agency, as the pages name them."""
        return Origins.beside(self.base_url, self._server.roles) if self._server else Origins()

    def stop(self) -> None:
        if self._server is None:
            return
        for server, thread in [(self._server, self._thread), *self._others]:
            server.shutdown()
            server.server_close()
            thread.join()
        self._server = self._thread = None
        self._others = []

    def __enter__(self) -> "DemoSite":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(host: str = "127.0.0.1", port: int = 8765, revision: int = 1, fault: str | None = None) -> None:
    """Serve in the foreground until Ctrl-C."""
    server = _Server((host, port), revision, fault)
    others = [(s, _serve_in_background(s)) for s in _other_origins(server)]
    shown = f"[{host}]" if ":" in host else host
    print(f"Demo news site on http://{shown}:{server.server_address[1]}/ (revision {revision}"
          f"{', fault ' + fault if fault else ''}); "
          "press Ctrl-C to stop", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        for other, _ in others:
            other.shutdown()
            other.server_close()
