"""The input unit of the extraction engine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    """One input document: its id, its text and what is known about it.

    ``published`` is a ``YYYY-MM-DD`` string when the caller knows it; otherwise the engine looks
    for a metadata line or a dateline in the text.
    """

    id: str
    text: str
    published: str | None = None
    title: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class FailedDocument(Document):
    """A document that a reader could not turn into text; it carries its coded error."""

    error: str = ""
