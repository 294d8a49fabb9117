"""Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
no port, no websocket library), recording every request a page makes and how it ended."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and os.access(p, os.X_OK)), None)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--disable-default-apps", "--disable-extensions", "--window-size=1280,900")


@dataclass
class Fetch:
    url: str
    status: int | None = None         # None: failed (see error) or never finished
    error: str | None = None


@dataclass
class PageLoad:
    fetches: dict[str, Fetch] = field(default_factory=dict)    # request id -> what happened
    value: object = None                                       # what `expression` gave, at the end

    def by_url(self) -> dict[str, Fetch]:
        return {f.url: f for f in self.fetches.values()}


class Chromium:
    def __init__(self, profile_dir, binary: str | None = None):
        binary = binary or CHROMIUM
        if binary is None:
            raise FileNotFoundError("no Chromium (/usr/bin/chromium or chromium on PATH)")
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()
        # the browser reads commands on fd 3 and writes replies on fd 4
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile_dir}", "--remote-debugging-pipe", "about:blank"],
            close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,   # closing would drop 3, 4
            preexec_fn=lambda: _onto_3_and_4(to_browser, from_browser))
        os.close(to_browser)
        os.close(from_browser)
        self._buffer, self._next_id, self._events = b"", 0, []

    def send(self, method: str, session: str | None = None, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive(timeout=30)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def _receive(self, timeout: float) -> dict:
        import select

        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise TimeoutError("no message from Chromium")
            chunk = os.read(self._read, 1 << 16)
            if not chunk:
                raise EOFError("Chromium closed its pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def load(self, url: str, settle: float = 2.0, timeout: float = 60, expression: str | None = None,
             scroll: int = 0) -> PageLoad:
        """Open `url` in a new tab; record requests until the load event and `settle` quiet seconds
        (after `scroll` viewport heights down, one a second); then evaluate `expression` in it."""
        tab = self.tab()
        try:
            page = tab.goto(url, settle, timeout, scroll)
            if expression:
                page.value = tab.evaluate(expression)
            return page
        finally:
            tab.close()

    def tab(self) -> "Tab":
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for method in ("Network.enable", "Page.enable", "Runtime.enable"):
            self.send(method, session)
        self.send("Network.setCacheDisabled", session, cacheDisabled=True)
        return Tab(self, target, session)

    def _settle(self, session: str, settle: float, timeout: float, scroll: int = 0) -> PageLoad:
        page, loaded, quiet_since = PageLoad(), False, time.monotonic()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (loaded and time.monotonic() - quiet_since > settle):
            if loaded and scroll and time.monotonic() - quiet_since > 1.0:
                scroll -= 1
                self.send("Runtime.evaluate", session, expression="window.scrollBy(0, window.innerHeight)")
                quiet_since = time.monotonic()
            try:
                event = self._events.pop(0) if self._events else self._receive(timeout=0.2)
            except TimeoutError:
                continue
            if event.get("sessionId") != session:
                continue
            loaded |= event.get("method") == "Page.loadEventFired"
            if _record(page, event.get("method"), event.get("params", {})):
                quiet_since = time.monotonic()
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (OSError, EOFError, TimeoutError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._write)
        os.close(self._read)

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Tab:
    """One page: go to a URL, click a link, read the page; each step records its requests."""

    def __init__(self, browser: Chromium, target: str, session: str):
        self.browser, self.target, self.session = browser, target, session

    def goto(self, url: str, settle: float = 2.0, timeout: float = 60, scroll: int = 0) -> PageLoad:
        self.browser._events.clear()
        self.browser.send("Page.navigate", self.session, url=url)
        return self.browser._settle(self.session, settle, timeout, scroll)

    def click(self, selector: str, settle: float = 2.0, timeout: float = 60) -> PageLoad:
        """Click the first element matching `selector`, as a user would, and wait for the page it opens."""
        self.browser._events.clear()
        found = self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                              f" if (!e) return false; e.click(); return true; }})()")
        if not found:
            raise LookupError(f"nothing matches {selector!r} on {self.evaluate('location.href')}")
        return self.browser._settle(self.session, settle, timeout)

    def evaluate(self, expression: str):
        reply = self.browser.send("Runtime.evaluate", self.session, expression=expression, returnByValue=True)
        return reply.get("result", {}).get("value")

    def close(self) -> None:
        self.browser.send("Target.closeTarget", targetId=self.target)


def _onto_3_and_4(reads: int, writes: int) -> None:
    """In the child: the command pipe on fd 3, the reply pipe on fd 4 (via high numbers,
    so that neither overwrites the other)."""
    os.dup2(reads, 200)
    os.dup2(writes, 201)
    os.dup2(200, 3)
    os.dup2(201, 4)


def _record(page: PageLoad, method: str | None, params: dict) -> bool:
    """Fold one Network event into `page`; True when it was about a request."""
    rid = params.get("requestId")
    if method == "Network.requestWillBeSent":
        url = params["request"]["url"]
        if not url.startswith(("http://", "https://")):
            return False                                    # data: URLs load nothing
        if params.get("redirectResponse"):                  # the same id goes on to the new URL
            page.fetches[f"{rid}@{len(page.fetches)}"] = Fetch(page.fetches[rid].url,
                                                               params["redirectResponse"]["status"])
        page.fetches[rid] = Fetch(url)
    elif method == "Network.responseReceived" and rid in page.fetches:
        page.fetches[rid].status = params["response"]["status"]
    elif method == "Network.loadingFailed" and rid in page.fetches:
        page.fetches[rid].error = params.get("errorText") or "failed"
    else:
        return False
    return True
