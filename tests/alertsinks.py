"""Local receivers for alerts: an SMTP sink (aiosmtpd) and a webhook receiver, on 127.0.0.1.
Test modules import the fixtures they need from here."""
from __future__ import annotations

import email
import json
import socket
import threading
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _MailBox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def bodies(self) -> list[str]:
        return [m.get_body(("html", "plain")).get_content() for m in self.messages]


@pytest.fixture(scope="module")
def smtp_sink():
    """(mailbox, Airflow connection URI for it)."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:         # the controller checks itself on its port: not 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = _MailBox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, f"smtp://127.0.0.1:{port}?disable_ssl=true&disable_tls=true&retry_limit=0&timeout=10"
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def webhook_sink():
    """(list of received JSON bodies, URL to post to)."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received, f"http://127.0.0.1:{server.server_address[1]}/alerts"
    finally:
        server.shutdown()
        server.server_close()
