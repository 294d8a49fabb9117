"""Which IP addresses are public: the rule the crawl's resolver and the site files share
(no Scrapy here, so reading site files stays light)."""
from __future__ import annotations

import ipaddress


def is_public(address: str) -> bool:
    """Globally routable unicast: not private, loopback, link-local, multicast, reserved..."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def non_public_literal(host: str) -> str | None:
    """The address when `host` is an IP literal that is not public, else None (names are
    checked when they resolve)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    return None if is_public(host.strip("[]")) else host
