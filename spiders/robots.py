"""robots.txt, obeyed by every request of a host, however many wait for it.

Scrapy 2.19's RobotsTxtMiddleware makes the second and later requests of a host
wait on one Deferred while the first fetches robots.txt; each waiter adds a
callback that returns None, so the third waiter and later ones receive None,
read as "no robots.txt", and go out unchecked. Here every waiter gets a
Deferred of its own, fed from the shared one without consuming its result.

The spider is handed each robots.txt fetched (`robots_fetched`), for its Sitemap: lines.

A robots.txt answered with a server error is read as "disallow everything",
as RFC 9309 (section 2.3.1.4) asks of an unreachable one.
"""
from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            own: Deferred = Deferred()

            def feed(result):
                own.callback(result)
                return result           # the shared Deferred keeps its result for the next waiter
            pending.addCallback(feed)
            return await maybe_deferred_to_future(own)
        return await super().robot_parser(request)

    async def _parse_robots(self, response, netloc, request):
        if response.status >= 500:
            response = response.replace(body=DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)
        # the spider may read more from it (its Sitemap: lines) without fetching it twice
        read_more = getattr(self.crawler.spider, "robots_fetched", None)
        if read_more is not None and response.status == 200:
            for follow in read_more(response) or ():
                self.crawler.engine.crawl(follow)
