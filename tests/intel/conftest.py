"""Fixtures of the incident knowledge base tests: an organisation, graded sources, a runner.

Other intel test modules may add their own fixtures here; the ingestion ones are prefixed
``intel_`` to keep the names apart.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from safepassage.intel.models import Report, Source
from safepassage.intel.services.ingest import SubmitResult, submit_report
from safepassage.registry.models import Organisation


@pytest.fixture
def intel_org(db: Any) -> Organisation:
    return Organisation.objects.create(
        name="Provincial Threat Desk", kind="protection_unit", country="PK"
    )


@pytest.fixture
def intel_source(intel_org: Organisation) -> Source:
    return Source.objects.create(
        organisation=intel_org, name="Wire service", kind="api", reliability="C"
    )


@pytest.fixture
def intel_official_source(intel_org: Organisation) -> Source:
    return Source.objects.create(
        organisation=intel_org, name="Police bulletin", kind="api", reliability="A"
    )


Ingest = Callable[..., SubmitResult]


@pytest.fixture
def intel_ingest(intel_source: Source, django_capture_on_commit_callbacks: Any) -> Ingest:
    """Submit a report and run its queued processing job, as the worker would."""

    def ingest(text: str, *, source: Source | None = None, **kwargs: Any) -> SubmitResult:
        with django_capture_on_commit_callbacks(execute=True):
            result = submit_report(source=source or intel_source, text=text, **kwargs)
        return result

    return ingest


def article(
    place: str,
    when: datetime.date,
    deaths: int,
    *,
    kind: str = "bomb",
    victims: str = "Chinese engineers",
    attribution: str = "police said",
) -> str:
    """A short news report of one attack, written for these tests."""
    weapon = {"bomb": "A roadside bomb struck", "gun": "Gunmen opened fire on"}[kind]
    return (
        f"{place.upper()}: {weapon} a convoy carrying {victims} near {place} on "
        f"{when:%B} {when.day}, {when.year}, killing {deaths} people, {attribution}. "
        "Security forces cordoned off the area and began a search for the attackers."
    )


def reload(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)
