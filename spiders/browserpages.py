"""Browser capture: pages of a site with `[browser] enabled` are rendered in headless Chromium
after the crawl has fetched them, and every request the page makes while it renders is
fetched by the crawl's own downloader, not by the browser.

So each browser request passes the same downloader middlewares as any other fetch (scope by
host, port and address, robots.txt, size and time caps, retries, failure records) and is
written to the WARC by the capture extension from the bytes the server sent, deduplicated
against the digest index like the rest; the browser receives the decoded body through the
DevTools Fetch domain. The page itself is answered from the response the crawl already has.

When a page is done, `page_rendered` is sent with its rendered DOM and screenshot; the
capture extension writes them (spiders.browserrecords)."""
from __future__ import annotations

import asyncio
import base64
import logging
import shutil
import tempfile
from pathlib import Path

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from .browsertab import TARGET_KEY, PageRender, render
from .chromium import Chromium
from .processmemory import tree_pss

logger = logging.getLogger(__name__)

page_rendered = object()            # signal: (request, response, render: PageRender)
BROWSER_META = "browser"            # request meta: "page" (a top-level navigation) or "subresource"
MEMORY_SAMPLE_SECONDS = 1.0
PAGES_PER_BROWSER = 100             # then a fresh browser: what one leaks, it leaks for a while only
_HOP_BY_HOP = {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
_NOT_FORWARDED = {"user-agent", "accept-encoding", "host", "connection", "proxy-connection"}


class BrowserPages:
    def __init__(self, crawler, settings):
        self.crawler = crawler
        self.settings = settings              # the site's [browser] section
        self.tabs = asyncio.Semaphore(settings.tabs)
        self.browser: Chromium | None = None
        self.rendered_by_browser = 0
        self._profiles = tempfile.mkdtemp(prefix="newsarchive-chromium-")
        self._serial = 0
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        self._sampler = None

    def _sample_memory(self) -> None:
        """The crawl's peak memory with its browser (PSS of the whole process tree), for the summary."""
        peak = max(tree_pss(), self.crawler.stats.get_value("browser/peak_tree_pss", 0))
        self.crawler.stats.set_value("browser/peak_tree_pss", peak)

    async def render(self, response) -> PageRender:
        """Render a fetched page; its records are written when `page_rendered` is handled."""
        async with self.tabs:
            browser = await self._browser()
            result = await render(browser, response.url, self._fetcher(response, browser), self.settings,
                                  self.settings.screenshot)
            self.rendered_by_browser += 1
        self._count(result)
        self.crawler.signals.send_catch_log(signal=page_rendered, request=response.request,
                                            response=response, render=result)
        return result

    async def _browser(self) -> Chromium:
        if self.browser is not None and (not self.browser.alive or self.rendered_by_browser >= PAGES_PER_BROWSER):
            old, self.browser = self.browser, None
            if not any(old.listeners.values()):
                await old.close()           # idle: ended now; else when its last tab is done
            else:
                asyncio.ensure_future(self._close_when_idle(old))
        if self._sampler is None:
            from twisted.internet.task import LoopingCall
            self._sampler = LoopingCall(self._sample_memory)
            self._sampler.start(MEMORY_SAMPLE_SECONDS)
        if self.browser is None:
            self._serial += 1
            user_agent = self.crawler.settings.get("USER_AGENT")
            self.browser = Chromium(Path(self._profiles) / str(self._serial), user_agent).start()
            self.rendered_by_browser = 0
        return self.browser

    @staticmethod
    async def _close_when_idle(browser: Chromium) -> None:
        while browser.listeners and browser.alive:
            await asyncio.sleep(0.5)
        await browser.close()

    def _fetcher(self, response, browser: Chromium):
        served = {"pending": True}

        async def fetch(paused: dict) -> dict | str:
            request = paused["request"]
            # a page target's main frame has the target's id
            navigation = paused.get("resourceType") == "Document" and paused.get("frameId") == paused.get(TARGET_KEY)
            if served["pending"] and navigation and request["url"] == response.url:
                served["pending"] = False       # the page: answered with what the crawl fetched
                return fulfilment(response)
            return await self.download(browser_request(request, "page" if navigation else "subresource"))
        return fetch

    async def download(self, request: scrapy.Request) -> dict | str:
        try:
            answer = await self.crawler.engine.download_async(request)
        except IgnoreRequest:
            return "BlockedByClient"         # refused by scope or robots.txt: a failure record says which
        except Exception as exc:             # refused, reset, timed out: the failure record is written
            logger.debug("browser request %s failed: %s", request.url, exc)
            return "Failed"
        return fulfilment(answer)

    def _count(self, result: PageRender) -> None:
        stats = self.crawler.stats
        stats.inc_value("browser/pages")
        stats.inc_value("browser/requests", result.requests)
        stats.inc_value("browser/refused", result.refused)
        if result.truncated:
            stats.inc_value(f"browser/truncated/{result.truncated}")
        if result.crashed:
            stats.inc_value("browser/crashed")

    async def close(self) -> None:
        if self.browser is not None:
            await self.browser.close()
            self.browser = None
        shutil.rmtree(self._profiles, ignore_errors=True)

    def spider_closed(self, spider, reason):
        if self._sampler is not None and self._sampler.running:
            self._sampler.stop()
        if self.browser is not None:
            self.browser.kill()          # nothing is waiting on it any more: no grace needed
            self.browser = None
        shutil.rmtree(self._profiles, ignore_errors=True)


def browser_request(request: dict, kind: str) -> scrapy.Request:
    """The browser's request as the crawl's: its method, headers and body; the crawl's own
    User-Agent and Accept-Encoding (the codings it can undo, under its size cap)."""
    headers = {name: value for name, value in request.get("headers", {}).items()
               if name.lower() not in _NOT_FORWARDED}
    body = request.get("postData")
    if body is None and request.get("postDataEntries"):
        body = b"".join(base64.b64decode(e.get("bytes", "")) for e in request["postDataEntries"])
    return scrapy.Request(request["url"], method=request.get("method", "GET"), headers=headers,
                          body=body or None, dont_filter=True, priority=5,
                          meta={BROWSER_META: kind, "dont_redirect": True, "handle_httpstatus_all": True})


def fulfilment(response) -> dict:
    """Fetch.fulfillRequest parameters for a crawl response: its status, its headers but the
    framing ones (the body is handed over decoded) and its body."""
    headers = [{"name": name.decode("latin-1"), "value": value.decode("latin-1")}
               for name, values in response.headers.items() for value in values
               if name.decode("latin-1").lower() not in _HOP_BY_HOP]
    answer = {"responseCode": response.status, "responseHeaders": headers,
              "body": base64.b64encode(response.body).decode("ascii")}
    return answer
