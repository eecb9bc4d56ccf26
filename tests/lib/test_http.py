"""The outbound HTTP wrapper against a real loopback server and the address guard."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator

import pytest

from safepassage.lib import http
from tests.lib.loopback import ETAG, Loopback, make_tls_files, serve, serve_tls

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")
# The loopback server is reachable; every other private range stays guarded.
LOCAL = http.FetchPolicy(
    allow_networks=("127.0.0.0/8",),
    connect_timeout=2,
    read_timeout=0.5,
    total_timeout=3,
    max_bytes=1024 * 1024,
)


@pytest.fixture(scope="module")
def server() -> Iterator[Loopback]:
    with serve() as running:
        yield running


def fetch(url: str, policy: http.FetchPolicy = LOCAL, **kwargs: object) -> http.Response:
    return http.fetch(url, accept=FEED_TYPES, policy=policy, **kwargs)  # type: ignore[arg-type]


def test_it_fetches_a_feed_with_its_type_charset_and_validators(server: Loopback) -> None:
    response = fetch(server.url("/feed.xml"))
    assert response.status == 200
    assert response.content_type == "application/rss+xml"
    assert response.charset == "utf-8"
    assert response.headers["etag"] == ETAG
    assert b"Convoy ambushed near Dasu" in response.body


def test_it_returns_not_modified_when_the_etag_still_matches(server: Loopback) -> None:
    response = fetch(server.url("/feed.xml"), headers={"If-None-Match": ETAG})
    assert response.not_modified
    assert response.body == b""


def test_it_follows_a_few_redirects_checking_every_hop(server: Loopback) -> None:
    response = fetch(server.url("/chain/2"))
    assert response.url == server.url("/feed.xml")
    assert len(response.redirects) == 3


def test_it_refuses_more_redirects_than_allowed(server: Loopback) -> None:
    strict = http.FetchPolicy(allow_networks=("127.0.0.0/8",), max_redirects=2)
    with pytest.raises(http.TooManyRedirects) as caught:
        fetch(server.url("/chain/5"), policy=strict)
    assert not caught.value.retryable


def test_it_stops_a_redirect_loop(server: Loopback) -> None:
    with pytest.raises(http.TooManyRedirects, match="loop"):
        fetch(server.url("/loop"))


def test_it_refuses_a_redirect_to_a_private_address_with_the_guard_on(server: Loopback) -> None:
    with pytest.raises(http.BlockedAddress, match="10.0.0.1") as caught:
        fetch(server.url("/to-private"))
    assert not caught.value.retryable


def test_it_refuses_a_redirect_to_the_cloud_metadata_address(server: Loopback) -> None:
    with pytest.raises(http.BlockedAddress, match="link-local"):
        fetch(server.url("/to-metadata"))


def test_it_refuses_a_redirect_to_another_scheme(server: Loopback) -> None:
    with pytest.raises(http.InvalidURL, match="only http and https"):
        fetch(server.url("/to-ftp"))


def test_it_refuses_the_loopback_server_itself_when_the_guard_is_on(server: Loopback) -> None:
    with pytest.raises(http.BlockedAddress, match="loopback"):
        fetch(server.url("/feed.xml"), policy=http.FetchPolicy())
    assert not any(path == "/never" for path in server.requests)


def test_it_refuses_localhost_by_name(server: Loopback) -> None:
    port = server.base.rsplit(":", 1)[1]
    with pytest.raises(http.BlockedAddress):
        fetch(f"http://localhost:{port}/feed.xml", policy=http.FetchPolicy())


def test_it_stops_reading_a_100_mb_body_at_the_size_limit(server: Loopback) -> None:
    started = time.monotonic()
    with pytest.raises(http.TooLarge) as caught:
        fetch(server.url("/huge"))
    assert not caught.value.retryable
    assert time.monotonic() - started < 10


def test_it_refuses_a_declared_length_over_the_limit_without_reading(server: Loopback) -> None:
    with pytest.raises(http.TooLarge, match="declares"):
        fetch(server.url("/huge-declared"))


def test_it_stops_a_compressed_bomb_at_the_size_limit(server: Loopback) -> None:
    with pytest.raises(http.TooLarge):
        fetch(server.url("/gzip-bomb"))


def test_it_refuses_a_content_type_the_caller_does_not_accept(server: Loopback) -> None:
    with pytest.raises(http.BadContentType, match="image/png"):
        fetch(server.url("/wrong-type"))


def test_it_refuses_a_response_without_a_content_type(server: Loopback) -> None:
    with pytest.raises(http.BadContentType, match="no Content-Type"):
        fetch(server.url("/no-type"))


def test_it_accepts_a_wildcard_type(server: Loopback) -> None:
    response = http.fetch(server.url("/article/1"), accept=("text/*",), policy=LOCAL)
    assert response.content_type == "text/html"


def test_it_times_out_on_a_server_that_sends_nothing(server: Loopback) -> None:
    started = time.monotonic()
    with pytest.raises(http.FetchTimeout) as caught:
        fetch(server.url("/slow"))
    assert caught.value.retryable
    # The server answers only after 5 s: finishing well before proves the read timeout.
    assert time.monotonic() - started < 4


def test_it_gives_up_on_a_trickling_body_at_the_total_deadline(server: Loopback) -> None:
    policy = http.FetchPolicy(allow_networks=("127.0.0.0/8",), read_timeout=1, total_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(http.FetchTimeout, match="in all"):
        fetch(server.url("/trickle"), policy=policy)
    # The body would trickle for 10 s: finishing well before proves the total deadline.
    assert time.monotonic() - started < 6


def test_it_marks_server_errors_retryable_and_client_errors_not(server: Loopback) -> None:
    with pytest.raises(http.HTTPStatusError) as unavailable:
        fetch(server.url("/status/503"))
    with pytest.raises(http.HTTPStatusError) as missing:
        fetch(server.url("/status/404"))
    assert unavailable.value.retryable and unavailable.value.status == 503
    assert not missing.value.retryable


def test_it_reports_a_refused_connection_as_retryable() -> None:
    with serve() as short_lived:
        url = short_lived.url("/feed.xml")
    with pytest.raises(http.ConnectError) as caught:
        fetch(url)
    assert caught.value.retryable


@pytest.mark.parametrize(
    "url",
    [
        "",
        "feed.xml",
        "file:///etc/passwd",
        "gopher://example.org/",
        "http://user:secret@example.org/feed",
        "http://exa mple.org/",
        "http://example.org:99999/",
        "http://[::1/",
        "http:///nohost",
        "http://example.org/" + "a" * 5000,
    ],
)
def test_it_rejects_malformed_and_unsupported_urls(url: str) -> None:
    with pytest.raises(http.InvalidURL):
        http.fetch(url, accept=FEED_TYPES)


def test_it_rejects_header_values_with_line_breaks() -> None:
    with pytest.raises(http.FetchError, match="line break"):
        http.fetch(
            "http://127.0.0.1/", accept=FEED_TYPES, headers={"If-None-Match": "x\r\nEvil: 1"}
        )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 written as one decimal number
        ("http://0x7f.1/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://169.254.169.254/", "link-local"),
        ("http://100.64.0.1/", "not a public"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://[::1]/", "loopback"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fc00::1]/", "private"),
        ("http://[::ffff:10.0.0.1]/", "private"),
        ("http://[2002:7f00:1::]/", "loopback"),
    ],
)
def test_it_refuses_non_public_addresses(url: str, reason: str) -> None:
    with pytest.raises(http.BlockedAddress, match=reason):
        http.fetch(url, accept=FEED_TYPES)


def test_an_exempt_network_does_not_open_the_others() -> None:
    policy = http.FetchPolicy(allow_networks=("127.0.0.0/8",))
    assert policy.exempt(ipaddress.ip_address("127.0.0.1"))
    assert not policy.exempt(ipaddress.ip_address("10.0.0.1"))
    assert http.refused_reason(ipaddress.ip_address("93.184.216.34")) is None


def test_it_requires_at_least_one_accepted_type() -> None:
    with pytest.raises(ValueError, match="accept"):
        http.fetch("http://example.org/", accept=())


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Loopback, str]]:
    files = make_tls_files(str(tmp_path_factory.mktemp("tls")))
    with serve_tls(files) as running:
        yield running, files.ca


def test_it_fetches_over_https_connecting_to_the_checked_address(
    tls_server: tuple[Loopback, str],
) -> None:
    server, ca = tls_server
    policy = http.FetchPolicy(allow_networks=("127.0.0.0/8", "::1/128"), ca_certs=ca)
    response = fetch(server.url("/feed.xml"), policy=policy)
    assert response.status == 200 and b"Convoy ambushed" in response.body


def test_it_refuses_a_certificate_it_cannot_verify(tls_server: tuple[Loopback, str]) -> None:
    server, _ca = tls_server
    policy = http.FetchPolicy(allow_networks=("127.0.0.0/8", "::1/128"))
    with pytest.raises(http.TLSError) as caught:
        fetch(server.url("/feed.xml"), policy=policy)
    assert not caught.value.retryable
