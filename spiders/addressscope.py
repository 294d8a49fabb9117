"""Which network addresses a crawl may connect to.

A hostile page can send the crawler anywhere its host name resolves, and a
redirect or DNS answer can point at the cloud metadata service, the office
network or the crawler's own machine; what comes back would be archived and
replayed to the public. So the check is made on the resolved address, at
connect time, for every connection (redirects included): the resolver below
hands the connecting endpoint only public addresses. A name that resolves to
nothing else then fails as a DNS error, and the address it resolved to is
noted for the failure record.
"""
from __future__ import annotations

from typing import Any

from scrapy.resolver import CachingHostnameResolver
from twisted.internet.interfaces import IResolutionReceiver
from zope.interface import provider

from .addresses import is_public
from .settings import ALLOW_PRIVATE_SETTING



@provider(IResolutionReceiver)
class _PublicOnlyReceiver:
    def __init__(self, receiver, host: str, blocked: dict[str, str]):
        self.receiver, self.host, self.blocked = receiver, host, blocked

    def resolutionBegan(self, resolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address) -> None:
        if is_public(getattr(address, "host", "")):
            self.receiver.addressResolved(address)
        else:
            self.blocked[self.host] = getattr(address, "host", "?")

    def resolutionComplete(self) -> None:
        self.receiver.resolutionComplete()


class PublicAddressResolver(CachingHostnameResolver):
    """Scrapy's caching resolver, passing on only public addresses unless the site allows
    private networks. `blocked` maps a host name to the last non-public address it gave."""

    def __init__(self, reactor: Any, cache_size: int, allow_private: bool = False):
        super().__init__(reactor, cache_size)
        self.allow_private = allow_private
        self.blocked: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler, reactor):
        settings = crawler.settings
        cache = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache, settings.getbool(ALLOW_PRIVATE_SETTING))

    def resolveHostName(self, resolutionReceiver, hostName: str, *args, **kwargs):
        if not self.allow_private:
            resolutionReceiver = _PublicOnlyReceiver(resolutionReceiver, hostName, self.blocked)
        return super().resolveHostName(resolutionReceiver, hostName, *args, **kwargs)


def blocked_address(host: str) -> str | None:
    """The non-public address `host` resolved to in this crawl, if the resolver refused one."""
    from twisted.internet import reactor

    resolver = getattr(reactor, "nameResolver", None)
    return getattr(resolver, "blocked", {}).get(host)
