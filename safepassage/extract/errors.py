"""Coded error messages for documents that cannot be processed.

Every message starts with a stable code (``E1xx`` for per-document problems, ``E2xx`` for misuse
of the command line) so scripts can match on it, and says what to do about the problem. A
per-document error never stops a batch: the document gets ``document.error`` and no events.
"""

from __future__ import annotations

from enum import Enum

#: Largest document text the engine analyses. Bigger inputs are refused without being read
#: whole, so a 50 MB file costs a ``stat`` and no memory.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


class ErrorCode(Enum):
    """Stable codes for why a document or an invocation failed."""

    EMPTY = "E101"
    BINARY = "E102"
    ENCODING = "E103"
    TOO_LARGE = "E104"
    NOT_ENGLISH = "E105"
    BAD_HTML = "E106"
    BAD_JSON = "E107"
    BAD_FEED = "E108"
    UNREADABLE = "E109"
    INTERNAL = "E110"
    MISSING_PATH = "E201"
    BAD_OPTION = "E202"


_MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.EMPTY: "the document has no text; nothing to extract",
    ErrorCode.BINARY: "the input looks binary (NUL or control bytes), not text; pass a text, HTML or JSONL file",
    ErrorCode.ENCODING: "the input is not valid UTF-8; re-encode it as UTF-8",
    ErrorCode.TOO_LARGE: f"the document is larger than the {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB limit; split it into smaller documents",
    ErrorCode.NOT_ENGLISH: "the document is not in English; only English text is supported",
    ErrorCode.BAD_HTML: "no main text could be found in the HTML; check that the page is an article",
    ErrorCode.BAD_JSON: "the JSONL line is not a JSON object with a string 'text' field",
    ErrorCode.BAD_FEED: "the feed file could not be parsed as RSS or Atom",
    ErrorCode.UNREADABLE: "the file could not be read",
    ErrorCode.INTERNAL: "extraction failed on this document; please report it with the input",
    ErrorCode.MISSING_PATH: "no such file or directory",
    ErrorCode.BAD_OPTION: "invalid option value",
}


def error_message(code: ErrorCode, detail: str | None = None) -> str:
    """Return the coded, human-readable message for ``code``, with an optional detail."""
    text = f"{code.value} {_MESSAGES[code]}"
    if detail:
        text = f"{text} ({detail})"
    return text
