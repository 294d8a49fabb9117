"""Headless Chromium in the crawl process's reactor, spoken to over the DevTools protocol on a
pipe (--remote-debugging-pipe): no debugging port anyone on the machine could connect to, and
no websocket client to carry.

The browser is started in a session of its own (setsid), so that stopping it ends every
process it started (zygote, renderers, network service); it also ends by itself when the
crawl process dies, as its end of the pipe closes. Its own network is pointed at a proxy
address that refuses every connection: what a page loads is answered by the crawl through
the Fetch domain (spiders.browsertab), so anything that escapes interception (a WebSocket, a
preconnect, a request of a worker) fails instead of leaving the crawl's rules behind."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import socket
from pathlib import Path
from typing import Callable

from twisted.internet import protocol

logger = logging.getLogger(__name__)

BINARIES = ("/usr/bin/chromium", "chromium", "chromium-browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         "--disable-breakpad", "--disable-domain-reliability", "--no-pings", "--disable-features="
         "IsolateOrigins,site-per-process,Translate,MediaRouter,OptimizationHints,InterestFeedContentSuggestions",
         "--dns-prefetch-disable", "--renderer-process-limit=4",
         "--proxy-bypass-list=<-loopback>",       # loopback too goes to the (refusing) proxy
         "--window-size=1280,900")
COMMAND_SECONDS = 20            # a command the browser does not answer in this time has failed


class BrowserGone(RuntimeError):
    """The browser process ended (or never started)."""


class CommandFailed(RuntimeError):
    pass


def find_chromium(binary: str | None = None) -> str:
    for candidate in ((binary,) if binary else BINARIES):
        path = shutil.which(candidate) if candidate else None
        if path and os.access(path, os.X_OK):
            return path
    raise BrowserGone(f"no Chromium found (looked for {binary or ', '.join(BINARIES)}): "
                      "install Debian's chromium package")


class _Pipe(protocol.ProcessProtocol):
    def __init__(self, browser: "Chromium"):
        self.browser = browser

    def childDataReceived(self, fd: int, data: bytes) -> None:
        if fd == 4:
            self.browser._received(data)

    def processEnded(self, reason) -> None:
        self.browser._ended(reason)


class _RefusingAddress:
    """A loopback port that refuses every connection: bound, never listening, held for the
    browser's life so no other process takes it."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self.socket.getsockname()[1]

    def close(self) -> None:
        self.socket.close()


class Chromium:
    """One browser process. `send` returns an asyncio future of the command's result; events
    go to the listener registered for their session (a tab)."""

    def __init__(self, profile_dir: Path, user_agent: str, binary: str | None = None):
        self.binary = find_chromium(binary)
        self.profile_dir = Path(profile_dir)
        self.user_agent = user_agent
        self.listeners: dict[str, Callable[[str, dict], None]] = {}
        self.on_exit: list[Callable[[], None]] = []
        self._pending: dict[int, asyncio.Future] = {}
        self._buffer = b""
        self._next_id = 0
        self._process = None
        self._proxy: _RefusingAddress | None = None
        self.alive = False

    def start(self) -> "Chromium":
        from twisted.internet import reactor

        self.profile_dir.mkdir(parents=True, exist_ok=True)
        self._proxy = _RefusingAddress()
        args = ["setsid", self.binary, *FLAGS, f"--user-data-dir={self.profile_dir}",
                f"--user-agent={self.user_agent}", f"--proxy-server=http://{self._proxy.address}",
                "--remote-debugging-pipe", "about:blank"]
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            # the browser reads commands on its fd 3 and writes replies on its fd 4
            self._process = reactor.spawnProcess(
                _Pipe(self), shutil.which("setsid") or "/usr/bin/setsid", args, env=dict(os.environ),
                childFDs={0: devnull, 1: devnull, 2: devnull, 3: "w", 4: "r"})
        finally:
            os.close(devnull)
        self.alive = True
        logger.info("started Chromium (pid %s)", self._process.pid)
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def send(self, method: str, session: str | None = None, timeout: float = COMMAND_SECONDS,
             **params) -> asyncio.Future:
        future = asyncio.get_event_loop().create_future()
        if not self.alive:
            future.set_exception(BrowserGone("the browser is not running"))
            return future
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._pending[self._next_id] = future
        self._process.writeToChild(3, json.dumps(message).encode() + b"\0")
        return asyncio.ensure_future(asyncio.wait_for(future, timeout))

    def _received(self, data: bytes) -> None:
        self._buffer += data
        while b"\0" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\0", 1)
            message = json.loads(raw)
            if "id" in message:
                future = self._pending.pop(message["id"], None)
                if future is None or future.done():
                    continue
                if "error" in message:
                    future.set_exception(CommandFailed(message["error"].get("message", "error")))
                else:
                    future.set_result(message.get("result", {}))
            elif (listener := self.listeners.get(message.get("sessionId"))) is not None:
                listener(message.get("method", ""), message.get("params", {}))

    def _ended(self, reason) -> None:
        self.alive = False
        logger.info("Chromium ended: %s", getattr(reason, "value", reason))
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(BrowserGone("the browser process ended"))
        for callback in self.on_exit:
            callback()
        if self._proxy is not None:
            self._proxy.close()

    async def close(self, grace: float = 5.0) -> None:
        """Ask the browser to close; after `grace` seconds, kill its whole session."""
        if self.alive:
            try:
                await self.send("Browser.close", timeout=grace)
            except Exception:        # gone already, or not answering: killed below
                pass
        for _ in range(int(grace * 10)):
            if not self.alive:
                break
            await asyncio.sleep(0.1)
        self.kill()

    def kill(self) -> None:
        """Every process of the browser's session, at once (a crawl that ends kills its browser)."""
        if self.pid is None:
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
