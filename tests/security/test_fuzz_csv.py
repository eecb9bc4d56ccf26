"""Fuzzing the CSV importer: whatever the file holds, it answers with errors or imports it whole.

Hypothesis writes files of two kinds: raw bytes (binary junk, broken encodings, stray quotes,
NUL bytes) and well-formed CSV whose header mixes the real columns with unknown ones and whose
cells hold hostile text (formula prefixes, line breaks, very long values, every plane of
Unicode). The importer must never raise, must never half-import, and must import exactly the
rows it reports.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.access.principals import SystemActor
from safepassage.registry.csvformat import columns
from safepassage.registry.csvio import import_csv
from safepassage.registry.models import Organisation
from safepassage.registry.resources import RESOURCES

ORGANISATIONS = RESOURCES["organisations"]
REAL = columns(ORGANISATIONS)
ACTOR = SystemActor("fuzz")
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            '=HYPERLINK("http://x")',
            "+1+1",
            "-2",
            "@SUM(A1)",
            "\x00",
            "line\nbreak",
            '"quoted"',
            "a" * 5000,
            "PK",
            "company",
            "ministry",
            "",
            "\ufeff",
            "\U0001f4a3",
        ]
    ),
)
header = st.lists(
    st.one_of(st.sampled_from(REAL), st.text(min_size=1, max_size=12)),
    min_size=1,
    max_size=len(REAL) + 2,
)


@st.composite
def csv_files(draw: Any) -> bytes:
    names = draw(header)
    rows = draw(st.lists(st.lists(hostile_text, min_size=0, max_size=len(names) + 1), max_size=6))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(names)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    return out.getvalue().encode(encoding, errors="surrogatepass")


def _check(data: bytes) -> None:
    before = Organisation.objects.count()
    result = import_csv(ORGANISATIONS, ACTOR, io.BytesIO(data), size=len(data))
    after = Organisation.objects.count()
    if result.errors:
        assert after == before, "an import with errors wrote rows"
        assert result.created == result.updated == 0
        assert all(problem.message for problem in result.errors)
    else:
        assert after == before + result.created


@pytest.mark.django_db
@FUZZ
@given(data=st.binary(max_size=2048))
def test_it_survives_arbitrary_bytes(data: bytes) -> None:
    _check(data)


@pytest.mark.django_db
@FUZZ
@given(data=csv_files())
def test_it_imports_all_or_nothing_of_hostile_csv(data: bytes) -> None:
    _check(data)


@pytest.mark.django_db
def test_it_reports_errors_for_a_file_the_fuzzer_should_reject() -> None:
    # A fixed sample: the checks above hold for a file that must fail.
    data = b"name,kind\n=cmd|' /C calc'!A0,not-a-kind\n"
    result = import_csv(ORGANISATIONS, ACTOR, io.BytesIO(data), size=len(data))
    assert result.errors
    assert not Organisation.objects.exists()
