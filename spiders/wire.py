"""Keep the parts of a response that Scrapy's HTTP/1.1 handler drops before the
capture sees it: the server's reason phrase and the connection-control headers
(Content-Length, Transfer-Encoding, Connection, Keep-Alive...), which Twisted
parses apart from the others.

Neither Twisted nor Scrapy offers a hook for this, so two methods are wrapped,
once per crawl process, by the capture extension: Twisted's parser notes those
headers on its Response, and Scrapy's agent copies them, with the phrase, into
the request's meta, where `warcrecords` reads them. If a future Scrapy or
Twisted moves these methods, the wrapping is skipped (with a warning) and the
records fall back to the standard phrase and Scrapy's Content-Length.
"""
from __future__ import annotations

import functools
import logging

logger = logging.getLogger(__name__)

REASON_PHRASE_META = "warc_reason_phrase"
CONN_HEADERS_META = "warc_connection_headers"
_INSTALLED = False


def install() -> bool:
    global _INSTALLED
    if _INSTALLED:
        return True
    try:
        from scrapy.core.downloader.handlers.http11 import _ScrapyAgent
        from twisted.web._newclient import HTTPClientParser
        parser_hook, agent_hook = HTTPClientParser.allHeadersReceived, _ScrapyAgent._cb_bodyready
    except (ImportError, AttributeError) as exc:
        logger.warning("reason phrases and connection headers will not be captured: %s", exc)
        return False
    HTTPClientParser.allHeadersReceived = _keep_connection_headers(parser_hook)
    _ScrapyAgent._cb_bodyready = _copy_to_meta(agent_hook)
    _INSTALLED = True
    return True


def _keep_connection_headers(original):
    @functools.wraps(original)
    def allHeadersReceived(self):
        response = getattr(self, "response", None)
        if response is not None:
            response.newsarchive_connection_headers = [
                (name, value) for name, values in self.connHeaders.getAllRawHeaders() for value in values]
        return original(self)
    return allHeadersReceived


def _copy_to_meta(original):
    @functools.wraps(original)
    def _cb_bodyready(self, txresponse, request):
        request.meta[REASON_PHRASE_META] = getattr(txresponse, "phrase", None)
        request.meta[CONN_HEADERS_META] = getattr(txresponse, "newsarchive_connection_headers", None)
        return original(self, txresponse, request)
    return _cb_bodyready
