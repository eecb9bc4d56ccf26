"""Evidence highlighting and the export builders, without the web layer."""

from __future__ import annotations

import html
import re

import pytest

from safepassage.intel.highlight import MAX_SPANS, Span, clean_spans, highlight


def unmarked(markup: str) -> str:
    return html.unescape(re.sub(r"</?mark[^>]*>", "", markup))


def test_it_escapes_text_and_wraps_a_span_in_mark() -> None:
    out = highlight("a <b> c", [Span(2, 5, "deaths")])
    assert out == 'a <mark title="deaths">&lt;b&gt;</mark> c'


def test_it_marks_overlapping_spans_without_nesting_or_losing_text() -> None:
    text = "killing 13 people, police said"
    out = highlight(text, [Span(0, 17, "deaths"), Span(8, 30, "event 1")])
    assert unmarked(out) == text
    assert "<mark><mark" not in out and out.count("<mark") == 3
    assert '<mark title="deaths, event 1" class="overlap">13 people</mark>' in out


def test_nested_spans_are_split_into_flat_marks() -> None:
    out = highlight("abcdef", [Span(0, 6), Span(2, 4)])
    assert (
        out
        == '<mark title="">ab</mark><mark title="" class="overlap">cd</mark><mark title="">ef</mark>'
    )


@pytest.mark.parametrize(
    "spans",
    [
        [{"start": -5, "end": 3}],
        [{"start": 2, "end": 10_000}],
        [{"start": 4, "end": 2}],
        [{"start": "1", "end": 2}],
        [{"start": True, "end": 2}],
        [{"start": None}],
        ["garbage", 7, None],
    ],
)
def test_it_survives_hostile_spans_and_never_loses_text(spans: list[object]) -> None:
    text = "A <script>x</script> text"
    out = highlight(text, spans)  # type: ignore[arg-type]
    assert unmarked(out) == text
    assert "<script>" not in out


def test_a_label_cannot_break_out_of_its_attribute() -> None:
    out = highlight("abc", [Span(0, 1, '"><script>')])
    assert "<script>" not in out and "&quot;&gt;&lt;script&gt;" in out


def test_it_ignores_spans_beyond_the_cap() -> None:
    many = [{"start": i, "end": i + 1} for i in range(MAX_SPANS + 500)]
    assert len(clean_spans(many, 10 * MAX_SPANS)) == MAX_SPANS


def test_text_without_spans_is_only_escaped() -> None:
    assert highlight("<i>", []) == "&lt;i&gt;"
