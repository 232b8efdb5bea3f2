"""Which server addresses reflect may talk to: a small, pure policy with no traffic of its own.

A model server (``model_url``) or an index server (``index_url``) is allowed only when **every**
address its host resolves to is private: loopback (127/8, ::1), the private ranges 10/8, 172.16/12,
192.168/16 and fc00::/7, or link-local (169.254/16, fe80::/10); an IPv4-mapped IPv6 address
(``::ffff:10.0.0.5``) is judged by its IPv4 address. A host listed in ``allowed_hosts`` (by name, as
written in the URL, any case) is allowed whatever it resolves to: the coach's explicit choice.

Host names are resolved *before* deciding (a name that resolves to a public address is public), with
the resolver passed in so tests decide with addresses only. Only ``http`` and ``https`` URLs without
credentials in them are accepted (a token belongs in the environment or the keyring, never in a URL).

Imports nothing heavy and opens no socket except the resolver's DNS lookup.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from reflect.core.errors import InputError

Resolver = Callable[[str, int], list[str]]
"""host, port -> the addresses the host resolves to (strings)."""

PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "::1/128", "fc00::/7", "fe80::/10")
)


class AddressRefused(InputError):
    """A server address reflect will not send anything to (not private, and not in ``allowed_hosts``)."""


@dataclass(frozen=True)
class Endpoint:
    """A server URL that passed the policy."""

    url: str
    """The URL as configured, without a trailing slash."""
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    """What the host resolved to when it was checked (empty when allowed by name)."""
    allowed_by_name: bool = False
    """True when the host is in ``allowed_hosts`` (its addresses were not judged)."""

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer (getaddrinfo), as address strings."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(f"server host {host!r} could not be resolved ({exc.__class__.__name__}); check the URL") from None
    return sorted({str(info[4][0]) for info in infos})


def is_private(address: str) -> bool:
    """True for loopback, private-range and link-local addresses (IPv4-mapped IPv6 judged as IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in PRIVATE_NETWORKS)


def parse(url: str, what: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a server URL, or one line saying what is wrong with it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise AddressRefused(f"{what} {url!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise AddressRefused(f"{what} {url!r} must start with http:// or https://")
    if parts.username or parts.password:
        raise AddressRefused(f"{what} must not carry credentials; put a token in the environment or the OS keyring (see the README, 'Servers')")
    if not parts.hostname:
        raise AddressRefused(f"{what} {url!r} has no host")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def check(url: str, allowed_hosts: Iterable[str] = (), *, what: str = "server address", resolve: Resolver | None = None) -> Endpoint:
    """The endpoint of ``url`` if reflect may talk to it; else ``AddressRefused`` (one line).

    Every address the host resolves to must be private: a name with one public address among
    private ones is refused (a resolver could hand out either)."""
    scheme, host, port = parse(url, what)
    clean = url.strip().rstrip("/")
    addresses = _judge(host, port, allowed_hosts, resolve or system_resolver, what)
    if addresses is None:
        return Endpoint(clean, scheme, host, port, (), allowed_by_name=True)
    return Endpoint(clean, scheme, host, port, tuple(addresses))


def _judge(host: str, port: int, allowed_hosts: Iterable[str], resolve: Resolver, what: str) -> list[str] | None:
    """The host's addresses if every one is private; None when the host is allowed by name; else
    ``AddressRefused``. Every address must be private: a name with one public address among private
    ones is refused (a resolver could hand out either)."""
    if host.lower() in {h.strip().lower() for h in allowed_hosts if h.strip()}:
        return None
    try:
        addresses = [str(ipaddress.ip_address(host.strip("[]")))]  # a literal address needs no lookup
    except ValueError:
        addresses = resolve(host, port)
    if not addresses:
        raise AddressRefused(f"{what} host {host!r} resolved to no address")
    public = [a for a in addresses if not is_private(a)]
    if public:
        shown = host if public == [host] else f"{host} ({public[0]})"
        raise AddressRefused(
            f"{what} {shown} is not on a private network; reflect sends nothing there unless you add "
            f"allowed_hosts = [\"{host}\"] to config.toml"
        )
    return addresses


def judged_address(host: str, port: int, allowed_hosts: Iterable[str], what: str, resolve: Resolver | None = None) -> str:
    """The address to connect to for ``host``, judged now (``_judge``): its first address, or the host
    as given when ``allowed_hosts`` names it. Called for every new connection, so a name whose DNS
    answer changes after the first check (DNS rebinding) is judged again before anything is sent."""
    addresses = _judge(host, port, allowed_hosts, resolve or system_resolver, what)
    return host if addresses is None else addresses[0]


def checked_transport(allowed_hosts: Iterable[str], what: str, verify: object) -> Any:
    """An httpx transport whose every new connection goes to an address judged at that moment
    (``judged_address``); TLS still verifies the certificate against the host name. httpx takes no
    network backend, so the transport's connection pool is given one (httpcore's own, wrapped)."""
    import httpcore
    import httpx

    allowed = tuple(allowed_hosts)

    class _Judged(httpcore.SyncBackend):
        def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                        socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
            return super().connect_tcp(judged_address(host, port, allowed, what), port, timeout, local_address, socket_options)

    transport = httpx.HTTPTransport(verify=verify, trust_env=False)  # type: ignore[arg-type]
    transport._pool._network_backend = _Judged()  # the one seam httpcore offers for where a connection goes
    return transport
