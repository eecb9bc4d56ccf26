"""Evidence highlighting: a report's text, HTML-escaped, with its evidence spans in ``<mark>``.

Spans come from extraction and are not trusted: they may overlap, nest, run past the end of
the text, be empty or not be numbers at all. The text is cut at every span boundary into
segments that do not overlap, and each segment is escaped on its own and wrapped in one
``<mark>`` naming every span that covers it, so the markup is always well nested and no span
can break out of the escaping. Pure Python, no Django.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Labels longer than this are cut: they end up in an HTML attribute.
MAX_LABEL = 80
# More spans than this are ignored: a real report has dozens, and the cost is quadratic.
MAX_SPANS = 2000


@dataclass(frozen=True)
class Span:
    """A stretch of text that supports something (a claim's field, an event)."""

    start: int
    end: int
    label: str = ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def clean_spans(spans: Iterable[Span | Mapping[str, Any]], length: int) -> list[Span]:
    """Usable spans only: integer offsets clamped to the text, non-empty, deduplicated."""
    found: set[Span] = set()
    for item in spans:
        if isinstance(item, Span):
            start, end, label = item.start, item.end, item.label
        elif isinstance(item, Mapping):
            start, end = _int(item.get("start")), _int(item.get("end"))  # type: ignore[assignment]
            label = str(item.get("label") or "")
        else:
            continue
        if start is None or end is None:
            continue
        start, end = max(0, start), min(length, end)
        if start < end:
            found.add(Span(start, end, label[:MAX_LABEL]))
            if len(found) >= MAX_SPANS:
                break
    return sorted(found, key=lambda s: (s.start, s.end, s.label))


def highlight(text: str, spans: Iterable[Span | Mapping[str, Any]]) -> str:
    """``text`` escaped for HTML, each covered stretch wrapped in ``<mark>``.

    A stretch covered by several spans is marked once, with every span's label in its
    ``title`` and ``class="overlap"``.
    """
    usable = clean_spans(spans, len(text))
    if not usable:
        return html.escape(text)
    cuts = sorted({0, len(text)} | {s.start for s in usable} | {s.end for s in usable})
    parts: list[str] = []
    for left, right in zip(cuts, cuts[1:], strict=False):
        segment = html.escape(text[left:right])
        covering = [s for s in usable if s.start <= left and right <= s.end]
        if not covering:
            parts.append(segment)
            continue
        labels = sorted({s.label for s in covering if s.label})
        title = html.escape(", ".join(labels), quote=True)
        css = ' class="overlap"' if len(covering) > 1 else ""
        parts.append(f'<mark title="{title}"{css}>{segment}</mark>')
    return "".join(parts)
