"""A real HTTP server on 127.0.0.1, in a thread, serving good and hostile responses.

Tests of the fetch wrapper and of feed sources talk to it over a real socket; nothing is
mocked. Every route is one kind of behaviour a feed on the internet may show.
"""

from __future__ import annotations

import functools
import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test wire</title><link>{base}/</link>
<description>Loopback feed</description>
<item><title>Convoy ambushed near Dasu</title><link>{base}/article/1</link>
<guid>{base}/article/1</guid><pubDate>Wed, 14 Jul 2021 08:00:00 GMT</pubDate>
<description>&lt;p&gt;A bus carrying engineers was hit by a blast on the Karakoram Highway.&lt;/p&gt;</description></item>
<item><title>Checkpoint attacked in Bisham</title><link>{base}/article/2</link>
<guid>{base}/article/2</guid><pubDate>Tue, 26 Mar 2024 10:00:00 GMT</pubDate>
<description>Gunmen fired on a police checkpoint; two officers were wounded.</description></item>
</channel></rss>
"""

RSS_HOSTILE_LINKS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Links to trouble</title><link>{base}/</link>
<description>Entries whose pages misbehave</description>
<item><title>Blast reported on the highway</title><link>{base}/huge.html</link>
<description>A blast was reported on the highway near Chilas.</description></item>
<item><title>Police station attacked</title><link>{base}/to-private</link>
<description>Attackers struck a police station in Dera Ismail Khan.</description></item>
<item><title>Checkpoint attacked in Bisham</title><link>{base}/article/2</link>
<description>Gunmen fired on a police checkpoint.</description></item>
</channel></rss>
"""

ATOM_EMPTY = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Quiet feed</title>
<id>urn:test:quiet</id><updated>2024-01-01T00:00:00Z</updated></feed>
"""

ARTICLE = """<!doctype html><html><head><title>{title}</title></head><body>
<nav>Home | World | Sport</nav>
<article><h1>{title}</h1>
<p>{body}</p>
<p>Local officials said the investigation was continuing and that security on the road had
been increased after the attack. Residents described hearing gunfire for several minutes.</p>
</article><footer>Copyright the test wire</footer></body></html>
"""
ARTICLE_BODIES = {
    "1": (
        "Convoy ambushed near Dasu",
        "A bus carrying foreign engineers to the dam site was struck by an explosion on the "
        "Karakoram Highway near Dasu in Upper Kohistan, killing thirteen people.",
    ),
    "2": (
        "Checkpoint attacked in Bisham",
        "Gunmen opened fire on a police checkpoint outside Bisham in Shangla district late "
        "on Tuesday, wounding two officers before escaping into the hills.",
    ),
}
ETAG = '"feed-v1"'
LAST_MODIFIED = "Wed, 14 Jul 2021 09:00:00 GMT"


@functools.cache
def _gzip_bomb() -> bytes:
    """50 MB of zeros compressed to about 50 KB, built once on first use."""
    return gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9)


@dataclass
class Loopback:
    """The running server: its base URL and a log of the paths it was asked for."""

    base: str
    requests: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


class _Handler(BaseHTTPRequestHandler):
    server_version = "Loopback/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # silence stderr
        return

    @property
    def state(self) -> Loopback:
        return self.server.state  # type: ignore[attr-defined, no-any-return]

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, status: int = 302) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _stream_forever(self, content_type: str, total: int) -> None:
        """Send ``total`` bytes without a Content-Length, stopping when the client leaves."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"<item>" + b"x" * 65530
        sent = 0
        try:
            while sent < total and not self.state.stop.is_set():
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            return  # the client gave up, as it should
        self.close_connection = True

    def do_GET(self) -> None:  # one branch per route
        state = self.state
        state.requests.append(self.path)
        path = self.path.split("?", 1)[0]
        base = state.base
        if path == "/feed.xml":
            if self.headers.get("If-None-Match") == ETAG:
                self.send_response(304)
                self.send_header("ETag", ETAG)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = RSS.format(base=base).encode()
            self._send(
                200,
                body,
                "application/rss+xml; charset=utf-8",
                ETag=ETAG,
                Last_Modified=LAST_MODIFIED,
            )
        elif path == "/hostile-links.xml":
            body = RSS_HOSTILE_LINKS.format(base=base).encode()
            self._send(200, body, "application/rss+xml")
        elif path == "/empty.atom":
            self._send(200, ATOM_EMPTY.encode(), "application/atom+xml")
        elif path.startswith("/article/"):
            key = path.rsplit("/", 1)[1]
            if key not in ARTICLE_BODIES:
                self._send(404, b"not here", "text/plain")
                return
            title, body = ARTICLE_BODIES[key]
            page = ARTICLE.format(title=title, body=body).encode()
            self._send(200, page, "text/html; charset=utf-8")
        elif path == "/garbage":
            junk = bytes((i * 131 + 7) % 256 for i in range(20_000))
            self._send(200, junk, "application/rss+xml")
        elif path == "/huge":
            self._stream_forever("application/rss+xml", 100 * 1024 * 1024)
        elif path == "/huge.html":
            self._stream_forever("text/html", 100 * 1024 * 1024)
        elif path == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(100 * 1024 * 1024))
            self.end_headers()
            try:
                self.wfile.write(b"<rss>")
            except OSError:
                return
        elif path == "/gzip-bomb":
            self._send(200, _gzip_bomb(), "application/rss+xml", Content_Encoding="gzip")
        elif path == "/loop":
            self._redirect(f"{base}/loop-back")
        elif path == "/loop-back":
            self._redirect(f"{base}/loop")
        elif path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            if left == 0:
                self._redirect(f"{base}/feed.xml", 301)
            else:
                self._redirect(f"/chain/{left - 1}", 307)
        elif path == "/to-private":
            self._redirect("http://10.0.0.1/feed.xml")
        elif path == "/to-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/")
        elif path == "/to-ftp":
            self._redirect("ftp://example.org/feed.xml")
        elif path == "/wrong-type":
            self._send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")
        elif path == "/no-type":
            self.send_response(200)
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"<rss>")
        elif path == "/slow":
            # Nothing at all until long after any sane read timeout.
            state.stop.wait(5)
            try:
                self._send(200, RSS.format(base=base).encode(), "application/rss+xml")
            except OSError:
                return
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(200):
                    if state.stop.wait(0.05):
                        return
                    self.wfile.write(b"x")
                    self.wfile.flush()
            except OSError:
                return
            self.close_connection = True
        elif path.startswith("/status/"):
            self._send(int(path.rsplit("/", 1)[1]), b"status page", "text/plain")
        else:
            self._send(404, b"no such route", "text/plain")


@contextmanager
def serve() -> Iterator[Loopback]:
    """Run the server for the duration of the block."""
    _gzip_bomb()  # compress it before any request waits on it
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.block_on_close = False
    host, port = server.server_address[:2]
    state = Loopback(base=f"http://{host}:{port}")
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass(frozen=True)
class TLSFiles:
    """A throwaway CA and a server certificate for ``localhost`` signed by it."""

    ca: str
    cert: str
    key: str


def make_tls_files(directory: str) -> TLSFiles:
    """Write a CA certificate and a localhost server certificate and key into ``directory``."""
    import datetime
    import ipaddress
    from pathlib import Path

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Loopback test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder = Path(directory)
    files = TLSFiles(
        ca=str(folder / "ca.pem"), cert=str(folder / "server.pem"), key=str(folder / "server.key")
    )
    Path(files.ca).write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    Path(files.cert).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    Path(files.key).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@contextmanager
def serve_tls(files: TLSFiles) -> Iterator[Loopback]:
    """The same routes over HTTPS with ``files``' certificate; the base URL names localhost."""
    import ssl

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.cert, files.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    server.block_on_close = False
    port = server.server_address[1]
    state = Loopback(base=f"https://localhost:{port}")
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
