"""A deliberately hostile news site for tests, on 127.0.0.1, and canaries that count hits.

`FaultSite` answers on raw sockets so it can misbehave below HTTP: resets mid-headers,
bodies cut short of their Content-Length, trickles, endless headers. `Canary` listens
where the crawl must never go (another loopback address, another port) and counts
every connection. `PAGES` lists every path the site serves, with what each tests.
"""
from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
import zlib
from collections import Counter
from functools import lru_cache

ARTICLE_TEXT = ("The council met on Tuesday to discuss the new budget for the coming year. "
                "Members argued over road repairs, the library and the swimming pool. ") * 6
CYRILLIC = "Новини міста: рада ухвалила бюджет на наступний рік після довгої дискусії"

# path -> what it is; every one of them must end as a WARC record of some kind
PAGES = {
    "/": "home: links to every page below",
    "/err/500/": "server error",
    "/err/503/": "unavailable, Retry-After: 1",
    "/slow/": "no answer for longer than the download timeout",
    "/trickle/": "one byte a second for longer than the time limit",
    "/reset/": "connection reset in the middle of the headers",
    "/short/": "body cut short of its Content-Length",
    "/bomb/": "gzip bomb: 1 GiB of zeros",
    "/huge/": "60 MB page",
    "/a/cp1251/": "article declaring utf-8, in cp1251",
    "/a/badcharset/": "article declaring an unknown charset",
    "/loop/": "redirect loop",
    "/redir/port/": "redirect to the same host on another port",
    "/redir/loopback/": "redirect to another loopback address (the canary)",
    "/redir/name/": "redirect to a name that resolves to loopback",
    "/redir/metadata/": "redirect to the cloud metadata address",
    "/refresh/": "meta refresh to the canary",
    "/cal/2024/01/": "endless calendar",
    "/deep/1/": "endless depth chain",
    "/pdf/": "a PDF served as text/html",
    "/empty/": "an empty body",
    "/nested/": "20,000 nested elements",
    "/headers/": "500 headers, one of them 64 KB long",
    "/odd/": "status 799 without a reason phrase",
    "/a/notype/": "article without Content-Type",
    "/a/plain/": "an ordinary article",
    "/private/a/": "disallowed by robots.txt (a start URL)",
    "/private/b/": "disallowed by robots.txt (a start URL)",
    "/private/c/": "disallowed by robots.txt (a start URL)",
    "/sitemap.xml": "sitemap index with an XML entity bomb",
}
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
ENTITY_BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
               + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                          for i in range(1, 10))
               + b']>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                 b"<sitemap><loc>&lol9;</loc></sitemap></sitemapindex>")


def article(title: str, author: str = "Test Writer", text: str = ARTICLE_TEXT) -> str:
    return (f"<!DOCTYPE html><html><head><title>{title}</title>"
            f'<meta name="author" content="{author}"></head><body><article><h1>{title}</h1>'
            f"<p>{text}</p><p>{text}</p></article></body></html>")


@lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """1 GiB of zeros, gzipped (about 1 MB)."""
    deflate = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * (16 * 1024 * 1024)
    return b"".join([deflate.compress(zeros) for _ in range(64)] + [deflate.flush()])


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Listener:
    def __init__(self, host: str, handler):
        self.hits: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                try:
                    path = _read_request(self.rfile)
                    outer.hits[path] += 1
                    outer.times.setdefault(path, []).append(time.monotonic())
                    handler(outer, self, path)
                except (BrokenPipeError, ConnectionResetError, socket.timeout):
                    pass

        self.server = _Server((host, 0), Handler)
        self.host, self.port = host, self.server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _read_request(rfile) -> str:
    line = rfile.readline(65536).decode("latin-1")
    while rfile.readline(65536) not in (b"\r\n", b"\n", b""):
        pass
    return line.split()[1] if len(line.split()) > 1 else "/"


class Canary(_Listener):
    """Answers 200 to anything, and counts it: a hit is a scope failure."""

    def __init__(self, host: str = "127.0.0.2"):
        super().__init__(host, lambda listener, req, path: _send(req, 200, b"canary", "text/html"))

    @property
    def total(self) -> int:
        return sum(self.hits.values())


def _send(req, status, body: bytes, content_type: str | None = "text/html; charset=utf-8",
          headers=(), phrase: str | None = None):
    from http import HTTPStatus
    reason = phrase if phrase is not None else HTTPStatus(status).phrase
    head = [f"HTTP/1.1 {status} {reason}".rstrip(), "Connection: close", f"Content-Length: {len(body)}"]
    if content_type:
        head.append(f"Content-Type: {content_type}")
    head += [f"{n}: {v}" for n, v in headers]
    req.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


class FaultSite(_Listener):
    def __init__(self, other_port: Canary, loopback: Canary):
        self.other_port, self.loopback = other_port, loopback
        super().__init__("127.0.0.1", FaultSite._route)

    def _route(self, req, path: str) -> None:
        handler = getattr(self, "_" + path.strip("/").split("/")[0].replace(".", "_") if path != "/" else "_home",
                          None)
        if path.startswith("/a/"):
            handler = self._articles
        if handler is None:
            return _send(req, 404, b"not here")
        handler(req, path)

    def _home(self, req, path):
        links = "".join(f'<a href="{p}">{p}</a> ' for p in PAGES if p != "/")
        links += (f'<a href="{self.other_port.base_url}/x/">port</a> <a href="{self.loopback.base_url}/x/">lo</a>'
                  f' <a href="http://localhost:{self.other_port.port}/x/">name</a>'
                  f' <a href="http://169.254.169.254/latest/meta-data/">md</a>')
        _send(req, 200, f"<html><body>{links}</body></html>".encode())

    def _robots_txt(self, req, path):
        _send(req, 200, ROBOTS, "text/plain")

    def _sitemap_xml(self, req, path):
        _send(req, 200, ENTITY_BOMB, "application/xml")

    def _private(self, req, path):
        _send(req, 200, article("Secret").encode())

    def _err(self, req, path):
        if path == "/err/503/":
            return _send(req, 503, b"busy", headers=[("Retry-After", "1")])
        _send(req, 500, b"oops")

    def _slow(self, req, path):
        time.sleep(8)

    def _trickle(self, req, path):
        req.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100\r\n\r\n")
        for _ in range(12):
            req.wfile.write(b"x")
            req.wfile.flush()
            time.sleep(1)

    def _reset(self, req, path):
        req.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Ty")
        req.wfile.flush()
        req.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        req.connection.close()

    def _short(self, req, path):
        req.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n"
                        + b"<html>" + b"z" * 994)

    def _bomb(self, req, path):
        _send(req, 200, gzip_bomb(), headers=[("Content-Encoding", "gzip")])

    def _huge(self, req, path):
        size = 60 * 1024 * 1024
        req.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % size)
        block = b"h" * 65536
        for _ in range(size // len(block)):
            req.wfile.write(block)

    def _articles(self, req, path):
        if path == "/a/cp1251/":
            return _send(req, 200, article(CYRILLIC, text=CYRILLIC * 5).encode("cp1251"))
        if path == "/a/badcharset/":
            return _send(req, 200, article("Bad charset").encode(), "text/html; charset=x-no-such-thing")
        if path == "/a/notype/":
            return _send(req, 200, article("No content type").encode(), None)
        _send(req, 200, article("A plain article").encode())

    def _loop(self, req, path):
        _send(req, 302, b"", headers=[("Location", "/loop/")])

    def _redir(self, req, path):
        target = {"/redir/port/": f"{self.other_port.base_url}/r/",
                  "/redir/loopback/": f"{self.loopback.base_url}/r/",
                  "/redir/name/": f"http://localhost:{self.other_port.port}/r/",
                  "/redir/metadata/": "http://169.254.169.254/latest/meta-data/"}.get(path, "/")
        _send(req, 302, b"", headers=[("Location", target)])

    def _refresh(self, req, path):
        _send(req, 200, f'<html><head><meta http-equiv="refresh" content="0;url={self.loopback.base_url}/m/">'
                        f"</head><body>moving</body></html>".encode())

    def _cal(self, req, path):
        parts = path.strip("/").split("/")
        year, month = int(parts[1]), int(parts[2])
        nxt = f"/cal/{year + month // 12}/{month % 12 + 1:02d}/"
        prev = f"/cal/{year - (month == 1)}/{(month - 2) % 12 + 1:02d}/"
        _send(req, 200, f'<html><body><a href="{nxt}">next</a> <a href="{prev}">prev</a></body></html>'.encode())

    def _deep(self, req, path):
        deeper = path + f"{len(path.split('/'))}/"
        _send(req, 200, f'<html><body><a href="{deeper}">deeper</a></body></html>'.encode())

    def _pdf(self, req, path):
        _send(req, 200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + bytes(range(256)) * 20)

    def _empty(self, req, path):
        _send(req, 200, b"")

    def _nested(self, req, path):
        _send(req, 200, b"<html><body>" + b"<div>" * 20000 + b"deep" + b"</div>" * 20000 + b"</body></html>")

    def _headers(self, req, path):
        head = [b"HTTP/1.1 200 OK", b"Content-Type: text/html", b"Content-Length: 2"]
        head += [b"X-Filler-%d: %s" % (i, b"v" * (65536 if i == 0 else 10)) for i in range(500)]
        req.wfile.write(b"\r\n".join(head) + b"\r\n\r\nok")

    def _odd(self, req, path):
        req.wfile.write(b"HTTP/1.1 799\r\nContent-Type: text/html\r\nContent-Length: 3\r\n\r\nodd")


SITE_FILE = """
name = "fault"
base_url = "http://127.0.0.1:1/"
start_urls = ["/", "/private/a/", "/private/b/", "/private/c/"]
sitemaps = ["/sitemap.xml"]
article_patterns = ['^/a/', '^/private/']
follow_patterns = ['^/cal/', '^/deep/', '^/redir/', '^/refresh/', '^/loop/', '^/err/', '^/(slow|trickle|reset|short|bomb|huge|pdf|empty|nested|headers|odd)/$']

[politeness]
obey_robots = true
download_delay = 0.0
concurrency_per_domain = 8
autothrottle = false

[limits]
max_pages = 2000
max_depth = 4
max_response_bytes = 2_000_000
max_fetch_seconds = 3
max_pages_per_pattern = 15
max_retry_after_seconds = 2

[scope]
allow_private_networks = true
"""


def start_all():
    """(site, other-port canary on 127.0.0.1, canary on 127.0.0.2), all serving."""
    gzip_bomb()                      # built before serving: it takes seconds
    other_port, loopback = Canary("127.0.0.1").start(), Canary("127.0.0.2").start()
    return FaultSite(other_port, loopback).start(), other_port, loopback


if __name__ == "__main__":          # serve it by hand: python -m tests.faultsite
    site, port_canary, lo_canary = start_all()
    print(f"fault site at {site.base_url}/, canaries at {port_canary.base_url} and {lo_canary.base_url}")
    threading.Event().wait()
