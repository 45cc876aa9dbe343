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

Only the web ports are allowed (``INTEGRATION_WEBHOOK_ALLOWED_PORTS``, environment
``DANTOC_WEBHOOK_ALLOWED_PORTS``, default 80 and 443), whatever the address: otherwise the
server could be made to speak HTTP to a mail, database or admin port of a public host.

A refusal says only that the destination is not allowed. What a name resolves to, or that it
does not resolve, is the server's view of the network (internal DNS, split horizon): it goes
to the server log for the operator, never into an answer or a delivery log a client can read.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}


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


def not_allowed_message() -> str:
    """The one answer for a host that is refused: it does not tell why."""
    return _(
        "Không được phép gửi webhook tới địa chỉ này: chỉ gửi tới máy chủ có địa chỉ Internet "
        "công cộng. / Webhooks may not be sent to this address: receivers must be on the "
        "public Internet."
    )


def allowed_ports() -> list[int]:
    return sorted({int(p) for p in settings.INTEGRATION_WEBHOOK_ALLOWED_PORTS})


def port_check(port: int) -> None:
    """RefusedDestination unless ``port`` is one of the allowed ports."""
    ports = allowed_ports()
    if port not in ports:
        raise RefusedDestination(
            _(
                "Không được phép gửi webhook tới cổng %(port)s; các cổng được phép: %(ports)s. "
                "/ Port %(port)s is not allowed for webhooks (allowed: %(ports)s)."
            )
            % {"port": port, "ports": ", ".join(str(p) for p in ports)}
        )


def host_check(host: str, port: int | None) -> list[str]:
    """Resolve ``host`` and check every address; the addresses, or RefusedDestination (its
    message says only "not allowed"; the reason is logged)."""
    host = (host or "").strip("[]")
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        logger.warning("webhook destination %r refused: cannot resolve (%s)", host, exc)
        raise RefusedDestination(not_allowed_message()) from exc
    addresses = sorted({info[4][0] for info in infos})
    for address in addresses:
        refusal = address_refusal(address)
        if refusal:
            logger.warning("webhook destination %r refused: %s", host, refusal)
            raise RefusedDestination(not_allowed_message())
    return addresses


def url_check(url: str) -> None:
    """RefusedDestination unless the URL's port is allowed and its host resolves to public
    addresses only (or the address check is off)."""
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:  # a port out of range
        port = None
    if port is None:
        raise RefusedDestination(not_allowed_message())
    port_check(port)
    if allow_private():
        return
    host_check(parts.hostname or "", port)


class _PeerChecked:
    """A urllib3 connection that checks the address it actually connected to."""

    def _new_conn(self):
        try:
            port_check(self.port)
            if not allow_private():
                host_check(self._dns_host, self.port)
        except RefusedDestination as exc:
            raise NewConnectionError(self, str(exc)) from exc
        sock = super()._new_conn()
        if allow_private():
            return sock
        try:
            refusal = address_refusal(sock.getpeername()[0])
        except OSError:
            refusal = None
        if refusal:
            sock.close()
            logger.warning("webhook to %r refused once connected: %s", self._dns_host, refusal)
            raise NewConnectionError(self, not_allowed_message())
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
