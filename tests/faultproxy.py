"""An S3 endpoint that fails a share of requests: a proxy in front of another S3 server
(moto's), run in its own process on loopback.

    python -m tests.faultproxy --upstream http://127.0.0.1:5000 --port 5001 --control FILE

Each request is, by the control file's current mode (read per request, so a test switches
modes while the proxy runs):

    ok          forwarded
    flaky RATE  with probability RATE one of: 503 SlowDown, 500 InternalError, the connection
                reset before forwarding, or forwarded and then the connection reset (the request
                took effect; its answer is lost)
    down        every request answered 503 SlowDown
    down-delta  as `down` for requests other than boto3's (delta-rs's own client), forwarded otherwise

One line per request is appended to the log (`<fault or ok> <boto|delta> <method> <path>`).
"""
from __future__ import annotations

import argparse
import http.client
import random
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

FAULTS = ("503", "500", "reset", "reset-after")
XML = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>'
       '<RequestId>fault</RequestId></Error>')
ANSWERS = {"503": (503, "SlowDown", "Please reduce your request rate."),
           "500": (500, "InternalError", "We encountered an internal error. Please try again.")}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "trailer", "upgrade"}


class Proxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, upstream: str, control: Path, log: Path, seed: int):
        super().__init__(("127.0.0.1", port), Handler)
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.control, self.log = control, log
        self.rng, self.lock = random.Random(seed), threading.Lock()

    def handle_error(self, request, client_address) -> None:
        pass          # a client that hung up (or a reset we made): nothing to report

    def fault_for(self, user_agent: str) -> str | None:
        words = (self.control.read_text().split() if self.control.exists() else []) or ["ok"]
        mode = words[0]
        if mode == "down" or (mode == "down-delta" and "botocore" not in user_agent.lower()):
            return "503"
        if mode == "flaky":
            with self.lock:
                if self.rng.random() < float(words[1]):
                    return self.rng.choice(FAULTS)
        return None

    def record(self, line: str) -> None:
        with self.lock, open(self.log, "a") as out:
            out.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Proxy

    def log_message(self, *args) -> None:
        pass

    def _handle(self) -> None:
        body = self._body()
        agent = self.headers.get("User-Agent", "")
        fault = self.server.fault_for(agent)
        client = "boto" if "botocore" in agent.lower() else "delta"
        self.server.record(f"{fault or 'ok'} {client} {self.command} {self.path}")
        if fault in ANSWERS:
            status, code, message = ANSWERS[fault]
            data = XML.format(code=code, message=message).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if fault == "reset":
            return self._reset()
        status, reason, headers, data = self._forward(body)
        if fault == "reset-after":
            return self._reset()
        self.send_response(status, reason)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        length = next((v for n, v in headers if n.lower() == "content-length"), None)
        self.send_header("Content-Length", length if self.command == "HEAD" and length else str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

    def _body(self) -> bytes:
        """The request body as sent (chunked framing kept: it is forwarded as it came)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raw = bytearray()
            while True:
                line = self.rfile.readline()
                raw += line
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while True:          # trailers, up to the empty line
                        trailer = self.rfile.readline()
                        raw += trailer
                        if trailer in (b"\r\n", b"\n", b""):
                            return bytes(raw)
                raw += self.rfile.read(size + 2)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _forward(self, body: bytes):
        connection = http.client.HTTPConnection(*self.server.upstream, timeout=60)
        try:
            connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in ("connection", "keep-alive", "proxy-connection"):
                    connection.putheader(name, value)
            connection.endheaders()
            if body:
                connection.send(body)
            response = connection.getresponse()
            data = response.read()
            return response.status, response.reason, response.getheaders(), data
        finally:
            connection.close()

    def _reset(self) -> None:
        """Close with a TCP reset (SO_LINGER 0): the client reads 'connection reset by peer'."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--control", type=Path, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args()
    Proxy(args.port, args.upstream, args.control, args.log, args.seed).serve_forever()


if __name__ == "__main__":
    main()
