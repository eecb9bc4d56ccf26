"""The one way Safe Passage fetches anything from the network.

Feeds, linked article pages and anything else fetched from outside go through :func:`fetch`,
which puts the same limits on every request:

* only ``http`` and ``https`` URLs, without credentials in them;
* the host is resolved once, every address it resolves to is checked, and the request goes to
  a checked address (the TLS certificate is still verified against the host name). A name
  that resolves to a private, loopback, link-local, multicast, reserved or otherwise
  non-global address is refused, so a feed cannot make the server probe its own network, and
  a second DNS answer cannot swap in an internal address after the check (DNS rebinding);
* redirects are followed here, one hop at a time, so every hop passes the same checks, and at
  most ``max_redirects`` of them;
* connect, read and total timeouts;
* the body is streamed and refused as soon as it passes ``max_bytes`` (counted after
  decompression, so a compressed bomb is stopped too); a declared ``Content-Length`` over the
  limit is refused before reading anything;
* the response's media type must be one the caller accepts.

Every failure raises a :class:`FetchError` whose ``retryable`` says whether trying again later
may succeed (a timeout or a 503 may; a private address or a wrong content type will not).

Tests reach their loopback fixture server with ``allow_networks=("127.0.0.0/8",)`` (or
``allow_private=True``); production code passes neither.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    LocationParseError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.exceptions import HTTPError as Urllib3Error

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_USER_AGENT = "SafePassage/0.1 (incident monitoring; +https://example.invalid/safepassage)"
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Statuses after which the same request may well succeed later.
_RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_CHUNK = 64 * 1024
_MAX_URL_CHARS = 4096
# Characters left as they are when a path is re-quoted (RFC 3986 reserved and unreserved).
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


class FetchError(Exception):
    """A fetch failed; ``retryable`` tells whether trying again later may succeed."""

    retryable: bool = False

    def __init__(self, message: str, *, url: str = "", retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        return f"{self.message} ({self.url})" if self.url else self.message


class InvalidURL(FetchError):
    """The URL is malformed, not http/https, or carries credentials."""


class BlockedAddress(FetchError):
    """The host resolves to an address the guard refuses (private, loopback, ...)."""


class ResolveError(FetchError):
    """The host name could not be resolved."""

    retryable = True


class ConnectError(FetchError):
    """No connection could be made, or it broke during the exchange."""

    retryable = True


class FetchTimeout(FetchError):
    """Connecting, waiting for data, or the whole fetch took too long."""

    retryable = True


class TLSError(FetchError):
    """The TLS handshake or certificate check failed."""


class TooManyRedirects(FetchError):
    """More redirects than allowed, or a redirect loop."""


class HTTPStatusError(FetchError):
    """The server answered with an error status."""

    def __init__(self, status: int, *, url: str = "") -> None:
        super().__init__(
            f"the server answered HTTP {status}",
            url=url,
            retryable=status in _RETRYABLE_STATUSES,
        )
        self.status = status


class BadContentType(FetchError):
    """The response's media type is not one the caller accepts."""


class TooLarge(FetchError):
    """The response body is larger than allowed."""


class BadResponse(FetchError):
    """The response could not be decoded (a broken compressed body, for instance)."""


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one fetch. The defaults suit feeds and article pages."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 30.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    # Switches the address guard off entirely: for tests against a loopback server only.
    allow_private: bool = False
    # Networks exempt from the guard (for tests: "127.0.0.0/8"); everything else stays guarded.
    allow_networks: tuple[str, ...] = ()
    # A CA bundle to trust instead of the system's (a private CA; the tests' own CA).
    ca_certs: str | None = None
    _networks: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        networks = tuple(ipaddress.ip_network(n, strict=False) for n in self.allow_networks)
        object.__setattr__(self, "_networks", networks)
        if self.max_bytes < 1 or self.max_redirects < 0:
            raise ValueError("max_bytes must be positive and max_redirects not negative")

    def exempt(self, address: IPAddress) -> bool:
        """True when ``address`` may be contacted although the guard would refuse it."""
        return self.allow_private or any(address in net for net in self._networks)


@dataclass(frozen=True)
class Response:
    """A fetched response whose status, type and size passed every check."""

    url: str
    status: int
    content_type: str
    charset: str | None
    headers: Mapping[str, str]  # names in lower case
    body: bytes
    redirects: tuple[str, ...] = ()

    @property
    def not_modified(self) -> bool:
        """True for a 304 answer to a conditional request (the body is empty)."""
        return self.status == 304


def refused_reason(address: IPAddress) -> str | None:
    """Why the guard refuses ``address``, or None when it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address dressed as IPv6 is judged as the IPv4 address it carries.
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            reason = refused_reason(mapped)
            if reason is not None:
                return reason
        if address.teredo is not None:
            return "a Teredo tunnel address"
    checks = (
        (address.is_loopback, "a loopback address"),
        (address.is_unspecified, "the unspecified address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a public address"),
    )
    for refused, reason in checks:
        if refused:
            return reason
    return None


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # IDNA-encoded host name or IP literal, without brackets
    port: int
    request_target: str  # path and query, quoted
    url: str


def _parse(url: str) -> _Target:
    if not isinstance(url, str) or not url.strip():
        raise InvalidURL("the URL is empty", url=str(url)[:200])
    url = url.strip()
    if len(url) > _MAX_URL_CHARS:
        raise InvalidURL(f"the URL is longer than {_MAX_URL_CHARS} characters", url=url[:200])
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise InvalidURL("the URL contains spaces or control characters", url=url[:200])
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"the URL cannot be parsed: {exc}", url=url[:200]) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidURL("only http and https URLs can be fetched", url=url[:200])
    if parts.username is not None or parts.password is not None:
        raise InvalidURL("URLs with credentials in them are refused", url=url[:200])
    host = parts.hostname or ""
    if not host:
        raise InvalidURL("the URL names no host", url=url[:200])
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InvalidURL("the host name is not valid", url=url[:200]) from exc
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    query = quote(parts.query, safe=_QUERY_SAFE)
    target = path + (f"?{query}" if parts.query else "")
    default_port = 443 if scheme == "https" else 80
    return _Target(scheme, host, port or default_port, target, url)


def check_url(url: str) -> None:
    """Raise ``InvalidURL`` unless ``fetch``/``post`` would accept ``url`` as written.

    The same checks a request makes before it resolves anything (length, spaces and control
    characters, http(s) only, no credentials, a valid host), for forms that store an address
    to be fetched later. It says nothing about the address the host resolves to: the guard
    judges that at request time.
    """
    _parse(url)


def _resolve(target: _Target, policy: FetchPolicy) -> list[IPAddress]:
    """Every address the host resolves to, after checking each one against the guard."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise ResolveError(
            f"the host {target.host!r} could not be resolved", url=target.url
        ) from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        # Strip an IPv6 scope ("fe80::1%eth0"): the address itself decides.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ResolveError(f"the host {target.host!r} has no address", url=target.url)
    for address in addresses:
        reason = refused_reason(address)
        if reason is not None and not policy.exempt(address):
            # One bad address is enough: which one a connection would use is not ours to pick.
            raise BlockedAddress(
                f"the host {target.host!r} resolves to {address}, {reason}; refused",
                url=target.url,
            )
    return addresses


def _host_header(target: _Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default_port = 443 if target.scheme == "https" else 80
    return host if target.port == default_port else f"{host}:{target.port}"


def _pool(target: _Target, address: IPAddress, policy: FetchPolicy) -> urllib3.HTTPConnectionPool:
    timeout = urllib3.Timeout(connect=policy.connect_timeout, read=policy.read_timeout)
    if target.scheme == "https":
        server_name = target.host
        return urllib3.HTTPSConnectionPool(
            str(address),
            target.port,
            timeout=timeout,
            maxsize=1,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=policy.ca_certs,
            # The connection goes to the checked address; SNI and the certificate check use
            # the name the URL gave.
            server_hostname=server_name,
            assert_hostname=server_name,
        )
    return urllib3.HTTPConnectionPool(
        str(address), target.port, timeout=timeout, maxsize=1, retries=False
    )


def _lower(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


def _media_type(value: str) -> tuple[str, str | None]:
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'").lower()[:40]
    return media.strip().lower(), charset


def media_type_allowed(media: str, accept: Iterable[str]) -> bool:
    """True when ``media`` matches an accepted type (``text/*`` style wildcards allowed)."""
    for pattern in accept:
        pattern = pattern.strip().lower()
        if pattern == media or (pattern.endswith("/*") and media.startswith(pattern[:-1])):
            return True
    return False


def _check_headers(headers: Mapping[str, str], url: str) -> dict[str, str]:
    clean: dict[str, str] = {}
    for name, value in headers.items():
        if any(ch in f"{name}{value}" for ch in "\r\n\x00"):
            raise FetchError(f"the request header {name!r} contains a line break", url=url)
        clean[name] = value
    return clean


def _deadline_left(deadline: float, url: str, policy: FetchPolicy) -> None:
    if time.monotonic() > deadline:
        raise FetchTimeout(
            f"the fetch took longer than {policy.total_timeout:g} seconds in all", url=url
        )


def _read_body(
    response: urllib3.BaseHTTPResponse, target: _Target, policy: FetchPolicy, deadline: float
) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.strip().isdigit() and int(declared) > policy.max_bytes:
        raise TooLarge(
            f"the response declares {int(declared)} bytes, over the {policy.max_bytes} byte limit",
            url=target.url,
        )
    chunks: list[bytes] = []
    total = 0
    while True:
        # read1 returns after at most one read from the socket, so a server trickling one
        # byte at a time cannot hold the fetch past the total deadline.
        chunk = response.read1(_CHUNK, decode_content=True)
        if not chunk:
            break
        total += len(chunk)
        if total > policy.max_bytes:
            raise TooLarge(
                f"the response is larger than the {policy.max_bytes} byte limit", url=target.url
            )
        chunks.append(chunk)
        _deadline_left(deadline, target.url, policy)
    return b"".join(chunks)


def _exchange(
    target: _Target,
    addresses: list[IPAddress],
    headers: dict[str, str],
    policy: FetchPolicy,
    *,
    method: str = "GET",
    body: bytes | None = None,
) -> tuple[urllib3.HTTPConnectionPool, urllib3.BaseHTTPResponse]:
    """Send the request to the first checked address that accepts a connection."""
    last_error: Exception | None = None
    for address in addresses:
        pool = _pool(target, address, policy)
        try:
            response = pool.urlopen(
                method,
                target.request_target,
                body=body,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=True,
                assert_same_host=False,
            )
        except (NewConnectionError, ConnectTimeoutError) as exc:
            pool.close()
            last_error = exc
            continue
        except BaseException:
            pool.close()
            raise
        return pool, response
    # urllib3 makes NewConnectionError a subclass of ConnectTimeoutError; only the latter
    # on its own is a timeout.
    if isinstance(last_error, ConnectTimeoutError) and not isinstance(
        last_error, NewConnectionError
    ):
        raise FetchTimeout(
            f"connecting took longer than {policy.connect_timeout:g} seconds", url=target.url
        ) from last_error
    raise ConnectError("no connection could be made", url=target.url) from last_error


def _translate(exc: Exception, url: str, policy: FetchPolicy) -> FetchError:
    """The FetchError for an exception urllib3 or the socket layer raised."""
    if isinstance(exc, ReadTimeoutError | TimeoutError | socket.timeout):
        return FetchTimeout(f"the server sent nothing for {policy.read_timeout:g} seconds", url=url)
    if isinstance(exc, SSLError):
        return TLSError(f"the TLS connection failed: {exc}", url=url)
    if isinstance(exc, DecodeError):
        return BadResponse("the response body could not be decompressed", url=url)
    if isinstance(exc, LocationParseError):
        return InvalidURL("the URL cannot be parsed", url=url)
    if isinstance(exc, ProtocolError):
        return ConnectError(f"the connection broke: {exc}", url=url)
    if isinstance(exc, Urllib3Error | OSError):
        return ConnectError(f"the request failed: {exc}", url=url)
    return FetchError(f"the request failed: {type(exc).__name__}: {exc}", url=url)


def fetch(
    url: str,
    *,
    accept: Collection[str],
    policy: FetchPolicy | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """GET ``url`` within ``policy``'s limits and return the checked response.

    ``accept`` lists the media types the caller can use (``application/rss+xml``,
    ``text/*``...); any other type raises :class:`BadContentType`. Conditional headers
    (``If-None-Match``, ``If-Modified-Since``) may be passed in ``headers``; a 304 answer is
    returned with an empty body and ``not_modified`` set. Raises :class:`FetchError` (or a
    subclass) for everything else that goes wrong.
    """
    policy = policy or FetchPolicy()
    if not accept:
        raise ValueError("accept must name at least one media type")
    deadline = time.monotonic() + policy.total_timeout
    extra = _check_headers(dict(headers or {}), url if isinstance(url, str) else "")
    seen: list[str] = []
    current = url
    while True:
        target = _parse(current)
        seen.append(target.url)
        addresses = _resolve(target, policy)
        _deadline_left(deadline, target.url, policy)
        request_headers = {
            "User-Agent": policy.user_agent,
            "Accept": ", ".join(accept),
            "Accept-Encoding": "gzip, deflate",
            **extra,
            "Host": _host_header(target),
        }
        pool: urllib3.HTTPConnectionPool | None = None
        response: urllib3.BaseHTTPResponse | None = None
        try:
            pool, response = _exchange(target, addresses, request_headers, policy)
            status = response.status
            if status in _REDIRECT_STATUSES:
                location = response.headers.get("Location", "")
                if not location:
                    raise FetchError(
                        f"HTTP {status} redirect without a Location header", url=target.url
                    )
                following = urljoin(target.url, location)
                if len(seen) > policy.max_redirects:
                    raise TooManyRedirects(
                        f"more than {policy.max_redirects} redirects", url=url[:200]
                    )
                if following in seen:
                    raise TooManyRedirects(
                        f"a redirect loop back to {following[:200]}", url=url[:200]
                    )
                current = following
                continue
            if status == 304:
                return Response(
                    url=target.url,
                    status=status,
                    content_type="",
                    charset=None,
                    headers=_lower(response.headers.items()),
                    body=b"",
                    redirects=tuple(seen[:-1]),
                )
            if not 200 <= status < 300:
                raise HTTPStatusError(status, url=target.url)
            media, charset = _media_type(response.headers.get("Content-Type", ""))
            if not media:
                raise BadContentType("the response has no Content-Type", url=target.url)
            if not media_type_allowed(media, accept):
                raise BadContentType(
                    f"the response is {media[:100]}, not one of {', '.join(sorted(accept))}",
                    url=target.url,
                )
            body = _read_body(response, target, policy, deadline)
            return Response(
                url=target.url,
                status=status,
                content_type=media,
                charset=charset,
                headers=_lower(response.headers.items()),
                body=body,
                redirects=tuple(seen[:-1]),
            )
        except FetchError:
            raise
        except Exception as exc:  # every other failure becomes a FetchError
            raise _translate(exc, target.url, policy) from exc
        finally:
            if response is not None:
                # Never drain an unread body back into the pool: just drop the connection.
                response.close()
            if pool is not None:
                pool.close()


def post(
    url: str,
    *,
    body: bytes,
    content_type: str,
    policy: FetchPolicy | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """POST ``body`` to ``url`` once, under the same guard and limits as :func:`fetch`.

    Made for outbound notifications (webhooks). A redirect is not followed: a POST that is
    sent on to another address could leak its body there, so a 3xx answer raises a
    non-retryable :class:`FetchError`. Any 2xx answer is accepted whatever its media type;
    its body is read up to ``max_bytes``. Errors are the same :class:`FetchError` family,
    with ``retryable`` set where a later attempt may succeed (timeouts, 429, 5xx).
    """
    policy = policy or FetchPolicy()
    deadline = time.monotonic() + policy.total_timeout
    extra = _check_headers(dict(headers or {}), url if isinstance(url, str) else "")
    content_headers = _check_headers({"Content-Type": content_type}, url)
    target = _parse(url)
    addresses = _resolve(target, policy)
    request_headers = {
        "User-Agent": policy.user_agent,
        "Accept": "*/*",
        **extra,
        **content_headers,
        "Content-Length": str(len(body)),
        "Host": _host_header(target),
    }
    pool: urllib3.HTTPConnectionPool | None = None
    response: urllib3.BaseHTTPResponse | None = None
    try:
        pool, response = _exchange(
            target, addresses, request_headers, policy, method="POST", body=body
        )
        status = response.status
        if status in _REDIRECT_STATUSES:
            raise FetchError(
                f"HTTP {status} redirect answered to a POST; redirects are not followed",
                url=target.url,
                retryable=False,
            )
        if not 200 <= status < 300:
            raise HTTPStatusError(status, url=target.url)
        media, charset = _media_type(response.headers.get("Content-Type", ""))
        answer = _read_body(response, target, policy, deadline)
        return Response(
            url=target.url,
            status=status,
            content_type=media,
            charset=charset,
            headers=_lower(response.headers.items()),
            body=answer,
        )
    except FetchError:
        raise
    except Exception as exc:  # every other failure becomes a FetchError
        raise _translate(exc, target.url, policy) from exc
    finally:
        if response is not None:
            response.close()
        if pool is not None:
            pool.close()
