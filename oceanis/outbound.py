"""Outgoing HTTP calls to addresses someone else chose: webhook subscribers, SMS/voice gateways.

The workers run inside Oceanis' network, so a URL written by a client, a staff member or an
environment variable must not make them reach internal services (SSRF, port scans, a cloud
metadata endpoint). One policy for every such call:

* only globally routable addresses: ``ipaddress``'s ``is_global``, with the IPv4 hidden in
  IPv4-mapped, 6to4, Teredo and NAT64 forms checked too, and deprecated site-local IPv6 refused;
  an administrator lists internal networks allowed on purpose in ``OUTBOUND_ALLOWED_NETWORKS``;
* every address the name resolves to must pass, and the connection goes to an address that was
  checked (no second resolution by the HTTP client: no DNS-rebinding window), with the Host
  header and the TLS server name (SNI, certificate check) kept for the real host name;
* redirects are answers, never followed; proxies from the environment are not used.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class OutboundRefused(Exception):
    """The URL's host is not an address outgoing calls may reach; the message says why."""


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    port: int
    addresses: tuple[str, ...]


@cache
def _allowed_networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(net, strict=False) for net in spec)


def allowed_networks() -> tuple:
    return _allowed_networks(tuple(settings.OUTBOUND_ALLOWED_NETWORKS))


def embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (and would be routed to by a relay)."""
    if ip.version == 4:
        return []
    found = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    for prefix in NAT64_PREFIXES:
        if ip in prefix:
            found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def address_is_public(ip: IPAddress) -> bool:
    for candidate in (ip, *embedded_ipv4(ip)):
        if not candidate.is_global or candidate.is_multicast:
            return False
        # fec0::/10 was deprecated but is still routed inside some networks; Python calls it
        # global.
        if candidate.version == 6 and candidate.is_site_local:
            return False
    return True


def address_allowed(address: str | IPAddress, *, for_client: bool = False) -> bool:
    """Public, or inside a network the administrator allowed (never for a client's URL)."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    if not for_client and any(ip in net for net in allowed_networks()):
        return True
    return address_is_public(ip)


def resolve(url: str, *, for_client: bool = False) -> Target:
    """Check a URL against the policy and return the addresses to connect to.

    A client's URL (``for_client``) must be HTTPS and public: the administrator's allowed
    internal networks are for Oceanis' own integrations. Raises ``OutboundRefused`` with a
    message fit for the person who wrote the URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or (for_client and parts.scheme != "https"):
        raise OutboundRefused(
            _("Adresse HTTPS attendue.") if for_client else _("Adresse HTTP(S) attendue.")
        )
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise OutboundRefused(_("Port invalide.")) from exc
    if not host:
        raise OutboundRefused(_("Hôte manquant."))
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise OutboundRefused(_("Hôte introuvable : %s") % host) from exc
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not addresses or not all(address_allowed(a, for_client=for_client) for a in addresses):
        raise OutboundRefused(_("Adresse interne ou réservée refusée : %s") % host)
    return Target(url=url, host=host, port=port, addresses=addresses)


def problem(url: str, *, for_client: bool = False) -> str:
    """Why the URL is refused, or "" (for form and serializer validation)."""
    try:
        resolve(url, for_client=for_client)
    except OutboundRefused as exc:
        return str(exc)
    return ""


def post(
    url: str, *, content: bytes, headers: dict, timeout: float, for_client: bool = False
) -> httpx.Response:
    """POST to the URL through an address that passed the policy.

    Raises ``OutboundRefused`` (policy) or ``httpx.HTTPError`` (network, TLS, timeout)."""
    target = resolve(url, for_client=for_client)
    parts = urlsplit(url)
    default_port = 443 if parts.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host:  # an IPv6 literal keeps its brackets in the Host header
        host_header = f"[{target.host}]" + (
            "" if target.port == default_port else f":{target.port}"
        )
    last_error: Exception | None = None
    with httpx.Client(follow_redirects=False, trust_env=False, timeout=timeout) as client:
        for address in target.addresses:
            netloc = f"[{address}]" if ":" in address else address
            pinned = urlunsplit(
                (parts.scheme, f"{netloc}:{target.port}", parts.path or "/", parts.query, "")
            )
            request = client.build_request(
                "POST",
                pinned,
                content=content,
                headers={**headers, "Host": host_header},
                extensions={"sni_hostname": target.host},
            )
            try:
                return client.send(request)
            except httpx.ConnectError as exc:  # try the host's next address
                last_error = exc
    assert last_error is not None
    raise last_error
