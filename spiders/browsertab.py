"""One page rendered in a tab: every request the page makes is paused by the DevTools Fetch
domain and handed to `fetch` (the crawl's downloader, spiders.browserpages), whose answer
the browser gets instead of going to the network. Then the behaviours: wait for the load
event, scroll down a viewport at a time while the page grows (lazy images, "load more"),
wait for the network to go quiet; all within the page's time limit, after which the page is
taken as it stands and marked truncated. The rendered DOM and a screenshot are read last.

A page that crashes its tab, or a browser that dies under it, ends as `crashed`."""
from __future__ import annotations

import asyncio
import base64
import logging
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from .chromium import BrowserGone, Chromium, CommandFailed

logger = logging.getLogger(__name__)

# (paused request, its Fetch.requestPaused params) -> Fetch.fulfillRequest params, or a Fetch
# error reason (str) to fail it with
Fetcher = Callable[[dict], Awaitable[dict | str]]

_DOM = ("(document.doctype ? new XMLSerializer().serializeToString(document.doctype) + '\\n' : '')"
        " + document.documentElement.outerHTML")
# A viewport down, then two frames (IntersectionObserver reports on a rendered frame) and a
# pause for the page's callbacks; a second at most, should frames not come.
_SCROLL = ("new Promise(function (done) { window.scrollBy(0, window.innerHeight);"
           " var end = function () { done([window.scrollY + window.innerHeight, document.documentElement.scrollHeight]); };"
           " var timer = setTimeout(end, 1000); requestAnimationFrame(function () { requestAnimationFrame(function () {"
           " setTimeout(function () { clearTimeout(timer); end(); }, %d); }); }); })")
_SCROLL_PAUSE_MS = 100
_SETTLE_STEP = 0.05
TARGET_KEY = "targetId"                   # added to a paused request's params: the tab's target


@dataclass
class PageRender:
    """What a tab made of one page."""
    url: str
    dom: bytes | None = None
    screenshot: bytes | None = None
    truncated: str | None = None          # "time" (the page's limit), "requests" (too many)
    crashed: str | None = None            # why the tab ended without a page
    requests: int = 0                     # requests the page made
    refused: int = 0                      # of which refused or failed
    scrolls: int = 0
    seconds: float = 0.0
    loaded: bool = False                  # the load event fired
    errors: list[str] = field(default_factory=list)


class _Tab:
    def __init__(self, browser: Chromium, fetch: Fetcher, url: str, limits):
        self.browser, self.fetch, self.limits = browser, fetch, limits
        self.result = PageRender(url)
        self.session: str | None = None
        self.target: str | None = None
        self.loaded = asyncio.Event()
        self.ended = asyncio.Event()            # crashed, or the browser went away
        self.in_flight = 0
        self.last_activity = time.monotonic()
        self.tasks: set[asyncio.Task] = set()
        self.deadline = time.monotonic() + limits.page_seconds

    # -- events ------------------------------------------------------------------------------
    def on_event(self, method: str, params: dict) -> None:
        if method == "Fetch.requestPaused":
            task = asyncio.ensure_future(self._answer(params))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        elif method == "Page.loadEventFired":
            self.result.loaded = True
            self.loaded.set()
        elif method in ("Inspector.targetCrashed", "Target.targetCrashed"):
            self._end("the tab crashed")
        elif method == "Inspector.detached":
            self._end(f"the tab was detached ({params.get('reason', '')})")

    def _end(self, reason: str) -> None:
        if self.result.crashed is None:
            self.result.crashed = reason
        self.ended.set()
        self.loaded.set()

    async def _answer(self, params: dict) -> None:
        result = self.result
        result.requests += 1
        if result.requests > self.limits.max_requests:
            # left paused, never answered: a request loop stalls instead of spinning
            result.truncated = result.truncated or "requests"
            self.ended.set()
            return
        self.in_flight += 1
        self.last_activity = time.monotonic()
        try:
            answer = await self.fetch({**params, TARGET_KEY: self.target})
        except Exception as exc:         # the fetcher names every refusal: this is a bug, failed safe
            logger.exception("browser request %s", params.get("request", {}).get("url"))
            answer = f"Failed ({type(exc).__name__})"
        finally:
            self.in_flight -= 1
            self.last_activity = time.monotonic()
        try:
            if isinstance(answer, str):
                result.refused += 1
                await self._command("Fetch.failRequest", requestId=params["requestId"], errorReason="BlockedByClient")
            else:
                await self._command("Fetch.fulfillRequest", requestId=params["requestId"], **answer)
        except (CommandFailed, BrowserGone, asyncio.TimeoutError):
            pass                         # the page went on (navigated, closed) without it

    # -- the page ----------------------------------------------------------------------------
    def _left(self) -> float:
        return self.deadline - time.monotonic()

    async def _command(self, method: str, **params):
        return await self.browser.send(method, self.session, **params)

    async def _within(self, awaitable, seconds: float | None = None) -> bool:
        """Whether `awaitable` finished in time (the page's remaining time at most)."""
        seconds = min(self._left(), seconds) if seconds is not None else self._left()
        ender = asyncio.ensure_future(self.ended.wait())
        work = asyncio.ensure_future(awaitable)
        done, _ = await asyncio.wait({work, ender}, timeout=max(seconds, 0), return_when=asyncio.FIRST_COMPLETED)
        ender.cancel()
        if work not in done:
            work.cancel()
            return False
        return True

    async def _quiet(self, seconds: float) -> bool:
        """Wait until no request has been in flight for `seconds`; False if time ran out."""
        while self._left() > 0 and not self.ended.is_set():
            if self.in_flight == 0 and time.monotonic() - self.last_activity >= seconds:
                return True
            await asyncio.sleep(_SETTLE_STEP)
        return False

    async def open(self, url: str) -> None:
        self.target = (await self.browser.send("Target.createTarget", url="about:blank", newWindow=True))["targetId"]
        self.session = (await self.browser.send("Target.attachToTarget", targetId=self.target,
                                                flatten=True))["sessionId"]
        self.browser.listeners[self.session] = self.on_event
        await self._command("Fetch.enable", patterns=[{"urlPattern": "*", "requestStage": "Request"}])
        await self._command("Page.enable")
        await self._command("Inspector.enable")
        await self._command("Network.setBypassServiceWorker", bypass=True)
        await self._command("Page.navigate", url=url)

    async def behave(self) -> None:
        limits, result = self.limits, self.result
        if not await self._within(self.loaded.wait()):
            result.truncated = result.truncated or "time"
        if self.ended.is_set():
            return
        last_height = -1
        for _ in range(limits.max_scrolls):
            if self._left() <= 0 or self.ended.is_set():
                break
            reply = await self._command("Runtime.evaluate", expression=_SCROLL % _SCROLL_PAUSE_MS,
                                        returnByValue=True, awaitPromise=True)
            bottom, height = reply.get("result", {}).get("value") or (0, 0)
            result.scrolls += 1
            await self._quiet(min(limits.idle_seconds, 0.5))
            if bottom >= height and height == last_height:
                break                       # at the end, and the last scroll loaded nothing more
            last_height = height
        if not await self._quiet(limits.idle_seconds) and not self.ended.is_set():
            result.truncated = result.truncated or "time"
        if self._left() <= 0:
            result.truncated = result.truncated or "time"

    async def read(self, screenshot: bool) -> None:
        """The DOM and a screenshot, as the page stands (a few seconds allowed past its limit)."""
        reply = await self._command("Runtime.evaluate", expression=_DOM, returnByValue=True, timeout=10)
        value = reply.get("result", {}).get("value")
        if isinstance(value, str):
            self.result.dom = value.encode("utf-8")
        if screenshot:
            await self._command("Runtime.evaluate", expression="window.scrollTo(0, 0)", timeout=5)
            shot = await self._command("Page.captureScreenshot", format="png", timeout=15)
            self.result.screenshot = base64.b64decode(shot["data"])

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.session:
            self.browser.listeners.pop(self.session, None)
        if self.target and self.browser.alive:
            try:
                await self.browser.send("Target.closeTarget", targetId=self.target, timeout=5)
            except (CommandFailed, BrowserGone, asyncio.TimeoutError):
                pass


async def render(browser: Chromium, url: str, fetch: Fetcher, limits, screenshot: bool = True) -> PageRender:
    """Render `url` in a new tab of `browser`; every request it makes is answered by `fetch`."""
    started = time.monotonic()
    tab = _Tab(browser, fetch, url, limits)
    gone = lambda: tab._end("the browser process ended")      # noqa: E731
    browser.on_exit.append(gone)
    try:
        await tab.open(url)
        await tab.behave()
        if tab.result.crashed is None:
            await tab.read(screenshot)
    except (CommandFailed, BrowserGone, asyncio.TimeoutError) as exc:
        if tab.result.crashed is None and tab.result.dom is None:
            tab.result.crashed = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    finally:
        browser.on_exit.remove(gone)
        await tab.close()
        tab.result.seconds = time.monotonic() - started
    return tab.result
