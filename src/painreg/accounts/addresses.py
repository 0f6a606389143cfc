"""The client's network address, taken from ``X-Forwarded-For`` only through trusted proxies.

Behind the region's reverse proxy every request comes from the proxy's
address; the client's is in the ``X-Forwarded-For`` header the proxy appends
to. That header is written by whoever sends the request, so it is believed
only when the request arrives from a proxy named in
``PAINREG_TRUSTED_PROXIES`` (addresses or networks; default none), and then
only up to the first hop that is not itself a trusted proxy: the rightmost
untrusted address is the one a trusted proxy actually saw (the rule of
MDN's *X-Forwarded-For*, "selecting an IP address"). Every throttle (the
patient link's, the staff login's through ``AXES_CLIENT_IP_CALLABLE``) uses
this one function.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request`` (``REMOTE_ADDR`` unless proxied)."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(getattr(settings, "PAINREG_TRUSTED_PROXIES", ())))
    if not networks or not _trusted(remote, networks):
        return remote
    address = remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed([h.strip() for h in hops if h.strip()]):
        try:
            address = str(ipaddress.ip_address(hop))
        except ValueError:
            break  # garbled: keep the last hop a trusted proxy vouched for
        if not _trusted(address, networks):
            break
    return address
