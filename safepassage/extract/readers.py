"""Turn command-line inputs (files, directories, standard input) into documents.

Every reader is defensive: a file that is too large, binary, mis-encoded or malformed becomes a
:class:`FailedDocument` with a coded error, and the stream goes on with the next input. Sizes are
checked before reading, so a 50 MB file is refused without being loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from safepassage.extract.document import Document, FailedDocument
from safepassage.extract.errors import MAX_DOCUMENT_BYTES, ErrorCode, error_message

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ""})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
FEED_SUFFIXES = frozenset({".rss", ".atom", ".xml"})
#: Files in a directory with other suffixes are skipped (images, PDFs, archives ...).
DIRECTORY_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | FEED_SUFFIXES

#: Raw HTML and feed files carry markup, so they may be larger than the text they hold.
MAX_MARKUP_BYTES = 4 * MAX_DOCUMENT_BYTES
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")


def content_id(text: str) -> str:
    """Return a stable id for a document that has none: a hash of its text."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def valid_iso_date(value: object) -> str | None:
    """Return ``value`` if it is a real ``YYYY-MM-DD`` date, else None."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        return None
    return value


def decode_bytes(raw: bytes) -> tuple[str | None, str | None]:
    """Decode raw input as UTF-8 text; return ``(text, None)`` or ``(None, error)``."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), None
        except UnicodeDecodeError as exc:
            return None, error_message(ErrorCode.ENCODING, str(exc.reason))
    head = raw[:8192]
    # Text never holds NUL bytes, and a high share of control bytes means a binary format.
    if b"\x00" in head or (head and len(_CONTROL.findall(head)) > len(head) // 20):
        return None, error_message(ErrorCode.BINARY)
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, error_message(ErrorCode.ENCODING, f"byte {exc.start}: {exc.reason}")


def _too_large(doc_id: str, size: int, published: str | None) -> FailedDocument:
    detail = f"{size} bytes"
    return FailedDocument(
        id=doc_id, text="", published=published, error=error_message(ErrorCode.TOO_LARGE, detail)
    )


def _read_limited(path: Path, limit: int, published: str | None) -> bytes | FailedDocument:
    doc_id = str(path)
    try:
        size = path.stat().st_size
        if size > limit:
            return _too_large(doc_id, size, published)
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        return FailedDocument(
            id=doc_id,
            text="",
            published=published,
            error=error_message(ErrorCode.UNREADABLE, exc.strerror),
        )
    if len(raw) > limit:  # the file grew while we read it, or stat lied (a pipe)
        return _too_large(doc_id, len(raw), published)
    return raw


def read_text_bytes(doc_id: str, raw: bytes, published: str | None) -> Document:
    """Build a plain-text document from raw bytes."""
    text, error = decode_bytes(raw)
    if error is not None or text is None:
        return FailedDocument(id=doc_id, text="", published=published, error=error or "")
    return Document(id=doc_id, text=text, published=published)


def read_html_bytes(doc_id: str, raw: bytes, published: str | None) -> Document:
    """Extract the main text, title and date of an HTML page with trafilatura."""
    import trafilatura  # lazily: importing it costs about half a second

    markup, error = decode_bytes(raw)
    if error is not None or markup is None:
        return FailedDocument(id=doc_id, text="", published=published, error=error or "")
    try:
        result = trafilatura.bare_extraction(
            markup,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_recall=True,
        )
    except (ValueError, TypeError, AttributeError) as exc:  # lxml or trafilatura gave up
        return FailedDocument(
            id=doc_id,
            text="",
            published=published,
            error=error_message(ErrorCode.BAD_HTML, type(exc).__name__),
        )
    data: dict[str, Any]
    if result is None:
        data = {}
    elif isinstance(result, dict):
        data = result
    else:
        data = result.as_dict()
    text = data.get("text") or ""
    if not any(c.isalpha() for c in text[:10000]):
        return FailedDocument(
            id=doc_id, text="", published=published, error=error_message(ErrorCode.BAD_HTML)
        )
    title = data.get("title") or None
    page_date = valid_iso_date(data.get("date"))
    return Document(id=doc_id, text=text, published=published or page_date, title=title)


def _strip_markup(fragment: str) -> str:
    """Plain text of an HTML fragment from a feed entry."""
    if "<" not in fragment:
        return fragment
    import lxml.html

    try:
        return str(lxml.html.fromstring(fragment).text_content())
    except (ValueError, lxml.etree.ParserError):
        return re.sub(r"<[^>]*>", " ", fragment)


def read_feed_bytes(doc_id: str, raw: bytes, published: str | None) -> Iterator[Document]:
    """Yield one document per entry of an RSS or Atom feed (parsed offline with feedparser)."""
    import feedparser

    head = raw[:8192]
    if b"\x00" in head:
        yield FailedDocument(
            id=doc_id, text="", published=published, error=error_message(ErrorCode.BINARY)
        )
        return
    # Bytes, not a string: feedparser would treat a string that looks like a URL as one to fetch.
    feed = feedparser.parse(raw)
    entries = list(feed.entries)
    if not entries:
        yield FailedDocument(
            id=doc_id, text="", published=published, error=error_message(ErrorCode.BAD_FEED)
        )
        return
    for index, entry in enumerate(entries):
        title = str(entry.get("title") or "") or None
        body = ""
        if entry.get("content"):
            body = " ".join(str(part.get("value", "")) for part in entry["content"])
        body = body or str(entry.get("summary") or "")
        text = "\n".join(part for part in (title, _strip_markup(body).strip()) if part)
        entry_date = None
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        if parsed:
            entry_date = f"{parsed.tm_year:04d}-{parsed.tm_mon:02d}-{parsed.tm_mday:02d}"
        entry_id = str(entry.get("id") or entry.get("link") or f"{doc_id}#{index + 1}")
        link = entry.get("link")
        yield Document(
            id=entry_id,
            text=text,
            published=published or valid_iso_date(entry_date),
            title=title,
            url=str(link) if link else None,
        )


def _skip_rest_of_line(handle: BinaryIO) -> None:
    while True:
        chunk = handle.readline(1024 * 1024)
        if not chunk or chunk.endswith(b"\n"):
            return


def read_jsonl_stream(name: str, handle: BinaryIO, published: str | None) -> Iterator[Document]:
    """Yield one document per JSONL line; a broken line becomes a failed document."""
    lineno = 0
    while True:
        line = handle.readline(MAX_DOCUMENT_BYTES + 1)
        if not line:
            return
        lineno += 1
        line_id = f"{name}:{lineno}"
        if len(line) > MAX_DOCUMENT_BYTES and not line.endswith(b"\n"):
            _skip_rest_of_line(handle)
            yield _too_large(line_id, len(line), published)
            continue
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except UnicodeDecodeError as exc:
            yield FailedDocument(
                id=line_id,
                text="",
                published=published,
                error=error_message(ErrorCode.ENCODING, exc.reason),
            )
            continue
        except ValueError as exc:
            yield FailedDocument(
                id=line_id,
                text="",
                published=published,
                error=error_message(ErrorCode.BAD_JSON, str(exc)),
            )
            continue
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            yield FailedDocument(
                id=line_id, text="", published=published, error=error_message(ErrorCode.BAD_JSON)
            )
            continue
        text: str = data["text"]
        raw_id = data.get("id")
        doc_id = str(raw_id) if isinstance(raw_id, str | int) and str(raw_id) else content_id(text)
        title = data.get("title") if isinstance(data.get("title"), str) else None
        url = data.get("url") if isinstance(data.get("url"), str) else None
        yield Document(
            id=doc_id,
            text=text,
            published=valid_iso_date(data.get("published")) or published,
            title=title,
            url=url,
        )


def read_file(path: Path, published: str | None) -> Iterator[Document]:
    """Yield the documents held by one file, chosen by its suffix."""
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        try:
            with path.open("rb") as handle:
                yield from read_jsonl_stream(str(path), handle, published)
        except OSError as exc:
            yield FailedDocument(
                id=str(path),
                text="",
                published=published,
                error=error_message(ErrorCode.UNREADABLE, exc.strerror),
            )
        return
    limit = MAX_MARKUP_BYTES if suffix in HTML_SUFFIXES | FEED_SUFFIXES else MAX_DOCUMENT_BYTES
    raw = _read_limited(path, limit, published)
    if isinstance(raw, FailedDocument):
        yield raw
    elif suffix in HTML_SUFFIXES:
        yield read_html_bytes(str(path), raw, published)
    elif suffix in FEED_SUFFIXES:
        yield from read_feed_bytes(str(path), raw, published)
    else:
        yield read_text_bytes(str(path), raw, published)


def iter_directory(root: Path) -> Iterator[Path]:
    """Yield the readable files under ``root`` recursively, in sorted order, hidden ones skipped."""
    entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            yield from iter_directory(path)
        elif entry.is_file() and path.suffix.lower() in DIRECTORY_SUFFIXES:
            yield path


def read_stdin(handle: BinaryIO, published: str | None) -> Document:
    """Read standard input as one plain-text document, refusing it past the size limit."""
    raw = handle.read(MAX_DOCUMENT_BYTES + 1)
    if len(raw) > MAX_DOCUMENT_BYTES:
        return _too_large("stdin", len(raw), published)
    doc = read_text_bytes("stdin", raw, published)
    if isinstance(doc, FailedDocument):
        return doc
    return Document(id=content_id(doc.text), text=doc.text, published=published)


def iter_inputs(paths: Sequence[str], published: str | None, stdin: BinaryIO) -> Iterator[Document]:
    """Yield the documents of every input path in order (``-`` or no path: standard input)."""
    if not paths:
        paths = ["-"]
    for name in paths:
        if name == "-":
            yield read_stdin(stdin, published)
            continue
        path = Path(name)
        if path.is_dir():
            for file_path in iter_directory(path):
                yield from read_file(file_path, published)
        else:
            yield from read_file(path, published)
