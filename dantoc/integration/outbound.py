"""Where this server may send webhooks: public Internet addresses only.

A subscriber names the URL that deliveries go to; without a check, a client could make the
server POST to itself, to the database or cache on the private network, or to a cloud
metadata service (server-side request forgery). So an address is refused when it is
loopback, private (RFC 1918, unique local), link-local, shared (CGNAT), multicast,
unspecified or otherwise reserved, i.e. not globally routable (``ipaddress.is_global``):

* at subscription time, the host is resolved and every address it resolves to is checked;
* at delivery time, again (DNS may have changed since), and the socket's peer address is
  checked once connected, so that a name re-bound between the check and the connection
  cannot slip through. Deliveries do not go through an HTTP proxy from the environment.

``INTEGRATION_WEBHOOK_ALLOW_PRIVATE`` (environment ``DANTOC_WEBHOOK_ALLOW_PRIVATE=1``; off by
default) lifts the check, for tests with a local receiver and for installations whose
subscribers are all on a closed network (e.g. behind LGSP).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError


class RefusedDestination(Exception):
    """The URL's host is, or resolves to, an address webhooks may not be sent to."""


def allow_private() -> bool:
    return bool(settings.INTEGRATION_WEBHOOK_ALLOW_PRIVATE)


def address_refusal(address: str) -> str | None:
    """Why ``address`` (an IP address as text) may not receive webhooks, or None."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return _("%(address)s không phải địa chỉ IP") % {"address": address}
    if ip.version == 6:
        # An IPv4 address carried in IPv6 is judged as the IPv4 address.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            refusal = address_refusal(str(embedded))
            if refusal:
                return refusal
    if ip.is_loopback:
        kind = _("địa chỉ vòng lặp (loopback)")
    elif ip.is_link_local:
        kind = _("địa chỉ link-local")
    elif ip.is_private:
        kind = _("địa chỉ mạng nội bộ")
    elif ip.is_multicast or ip.is_unspecified or ip.is_reserved or not ip.is_global:
        kind = _("địa chỉ dành riêng, không định tuyến trên Internet")
    else:
        return None
    return _("%(address)s là %(kind)s") % {"address": ip, "kind": kind}


def host_check(host: str, port: int | None) -> list[str]:
    """Resolve ``host`` and check every address; the addresses, or RefusedDestination."""
    host = (host or "").strip("[]")
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedDestination(
            _("Không phân giải được tên máy %(host)s / cannot resolve %(host)s: %(error)s")
            % {"host": host, "error": exc}
        ) from exc
    addresses = sorted({info[4][0] for info in infos})
    for address in addresses:
        refusal = address_refusal(address)
        if refusal:
            raise RefusedDestination(
                _(
                    "Không gửi webhook tới %(host)s: %(why)s. / Webhooks are not sent to "
                    "loopback, private, link-local or reserved addresses."
                )
                % {"host": host, "why": refusal}
            )
    return addresses


def url_check(url: str) -> None:
    """RefusedDestination unless the URL's host resolves to public addresses only (or the
    check is off)."""
    if allow_private():
        return
    parts = urlsplit(url)
    host_check(parts.hostname or "", parts.port)


class _PeerChecked:
    """A urllib3 connection that checks the address it actually connected to."""

    def _new_conn(self):
        if allow_private():
            return super()._new_conn()
        try:
            host_check(self._dns_host, self.port)
        except RefusedDestination as exc:
            raise NewConnectionError(self, str(exc)) from exc
        sock = super()._new_conn()
        try:
            refusal = address_refusal(sock.getpeername()[0])
        except OSError:
            refusal = None
        if refusal:
            sock.close()
            raise NewConnectionError(self, _("Không gửi webhook tới %(why)s") % {"why": refusal})
        return sock


class _CheckedHTTPConnection(_PeerChecked, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_PeerChecked, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


def post(url: str, *, data: bytes, headers: dict, timeout: float) -> requests.Response:
    """POST for a webhook delivery: destination checked, no redirects, no proxy from the
    environment (the peer would be the proxy, and the proxy would reach anything)."""
    url_check(url)
    with requests.Session() as session:
        session.trust_env = False
        adapter = _CheckedAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session.post(url, data=data, headers=headers, timeout=timeout, allow_redirects=False)
