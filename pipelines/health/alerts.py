"""Alerts for failed tasks (a failed health check above all) through Airflow's notifiers,
set up by the NEWSARCHIVE_ALERT_* variables (newsarchive/environment.py): e-mail through
SmtpNotifier, a JSON POST to a webhook; the addresses themselves can live in Airflow connections.
"""
from __future__ import annotations

from typing import Mapping

from airflow.sdk import BaseNotifier

from newsarchive import environment

SUBJECT = "newsarchive: {{ ti.dag_id }} {{ ti.task_id }} failed ({{ run_id }})"
BODY = ("<p><b>{{ ti.dag_id }}</b>, task <b>{{ ti.task_id }}</b>, run {{ run_id }} failed:</p>"
        "<p>{{ exception | e }}</p><p>Runbook: docs/operations.md, section “Run health checks”.</p>")


def alert_payload(context) -> dict:
    """What a webhook receives: where it failed and the one-line reason."""
    ti = context.get("ti") or context.get("task_instance")
    return {
        "source": "newsarchive",
        "dag_id": getattr(ti, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "run_id": context.get("run_id"),
        "message": str(context.get("exception") or "failed"),
    }


class WebhookNotifier(BaseNotifier):
    """POST the alert as JSON to a URL, given directly or by an Airflow connection."""

    template_fields = ("url",)

    def __init__(self, url: str | None = None, conn_id: str | None = None, timeout: float = 10):
        super().__init__()
        if not (url or conn_id):
            raise ValueError("WebhookNotifier needs a url or a conn_id")
        self.url, self.conn_id, self.timeout = url, conn_id, timeout

    def notify(self, context) -> None:
        import requests

        response = requests.post(self.url or connection_url(self.conn_id), json=alert_payload(context),
                                 timeout=self.timeout)
        response.raise_for_status()


def connection_url(conn_id: str) -> str:
    """An http(s) connection's URL: scheme from its type, path from its schema field."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    if conn.host and "://" in conn.host:
        return conn.host
    scheme = conn.conn_type if conn.conn_type in ("http", "https") else "http"
    port = f":{conn.port}" if conn.port else ""
    return f"{scheme}://{conn.host}{port}/{(conn.schema or '').lstrip('/')}"


def failure_notifiers(env: Mapping[str, str] | None = None) -> list[BaseNotifier]:
    """The notifiers `env` (default: the process environment) asks for (none: no alerts)."""
    def setting(name: str) -> str:
        return environment.value(f"NEWSARCHIVE_ALERT_{name}", env)

    notifiers: list[BaseNotifier] = []
    if setting("EMAIL_TO"):
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        notifiers.append(SmtpNotifier(
            to=[a.strip() for a in setting("EMAIL_TO").split(",") if a.strip()],
            from_email=setting("EMAIL_FROM"), smtp_conn_id=setting("SMTP_CONN"),
            subject=SUBJECT, html_content=BODY))
    if setting("WEBHOOK_URL") or setting("WEBHOOK_CONN"):
        notifiers.append(WebhookNotifier(url=setting("WEBHOOK_URL") or None, conn_id=setting("WEBHOOK_CONN") or None))
    return notifiers
