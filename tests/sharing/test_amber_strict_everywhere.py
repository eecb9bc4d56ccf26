"""Issue 6's promise: an AMBER+STRICT incident reaches no partner by any path.

One test per path a partner (or another organisation) can receive incidents by: instance
sync, a TAXII pull, every export (CSV, GeoJSON, STIX, MISP), alerts and the situation report
(HTML and PDF). Each also checks that a GREEN incident beside it *does* arrive, so a path
that shares nothing cannot pass.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pdfminer.high_level import extract_text

from safepassage.accounts.models import ApiToken
from safepassage.alerts.models import Alert
from safepassage.alerts.services import evaluate_incident
from safepassage.intel.models import Incident
from safepassage.sharing import stix_ids, taxii
from tests.conftest import World

pytestmark = pytest.mark.django_db

TAXII = "application/taxii+json;version=2.1"


def make(world: World, marking: str, place: str) -> Incident:
    return Incident.objects.create(
        kind="attack",
        attack_type="bombing",
        date=timezone.localdate(),
        date_precision="day",
        place_name=place,
        country="PK",
        admin1="Khyber Pakhtunkhwa",
        admin2="Shangla",
        lat=35.35,  # beside the hydro company's camp
        lon=73.35,
        geo_precision="town",
        deaths=3,
        review_state="confirmed",
        tlp=marking,
        organisation=world.spu_kp,
    )


@pytest.fixture
def pair(world: World) -> tuple[Incident, Incident]:
    return make(world, "amber+strict", "Strictpur"), make(world, "green", "Greenabad")


@pytest.fixture
def partner(world: World) -> Client:
    token, secret = ApiToken.issue(world.user("liaison"), "partner tools")
    token.save()
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def check(text: str, pair: tuple[Incident, Incident], *markers: str) -> None:
    strict, green = pair
    assert "Strictpur" not in text and stix_ids.stix_id_for(strict, "incident") not in text
    assert "Greenabad" in text or stix_ids.stix_id_for(green, "incident") in text
    for marker in markers:
        assert marker in text


def test_sync_never_carries_it(partner: Client, pair: tuple[Incident, Incident]) -> None:
    response = partner.get("/api/sharing/sync/pull")
    assert response.status_code == 200, response.content[:300]
    check(response.content.decode(), pair)


def test_a_taxii_pull_never_serves_it(partner: Client, pair: tuple[Incident, Incident]) -> None:
    url = f"/api/taxii2/{taxii.API_ROOT}/collections/{taxii.collection_id()}/objects/"
    response = partner.get(url, HTTP_ACCEPT=TAXII)
    assert response.status_code == 200, response.content[:300]
    check(response.content.decode(), pair)


@pytest.mark.parametrize(
    "url",
    [
        "/api/intel/incidents/export.csv",
        "/api/intel/incidents/export.geojson",
        "/api/sharing/stix/bundle",
        "/api/sharing/misp/events",
    ],
)
def test_no_export_contains_it(partner: Client, pair: tuple[Incident, Incident], url: str) -> None:
    response = partner.get(url)
    assert response.status_code == 200, response.content[:300]
    check(response.content.decode(), pair)
    assert "AMBER+STRICT" not in response.get("X-TLP", "")


def test_no_alert_reaches_another_organisation(
    world: World, pair: tuple[Incident, Incident]
) -> None:
    strict, green = pair
    for incident in pair:
        evaluate_incident(incident.pk)
    outsiders = Alert.objects.exclude(recipient__organisation=world.spu_kp)
    assert not outsiders.filter(incident=strict).exists()
    assert outsiders.filter(incident=green, recipient=world.user("coordinator")).exists()


def test_the_situation_report_leaves_it_out(
    world: World, login: Any, pair: tuple[Incident, Incident]
) -> None:
    client = login("liaison")
    day = timezone.localdate().isoformat()
    page = client.get(f"/dashboard/sitrep/?day={day}")
    assert page.status_code == 200
    check(page.content.decode(), pair, "TLP:GREEN")
    pdf = client.get(f"/dashboard/sitrep.pdf?day={day}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    check(extract_text(io.BytesIO(pdf.content)), pair)
    assert pdf["X-TLP"] == "TLP:GREEN"


def test_the_owning_organisation_still_reads_it(
    world: World, login: Any, pair: tuple[Incident, Incident]
) -> None:
    strict, _ = pair
    day = (timezone.localdate() - datetime.timedelta(days=0)).isoformat()
    page = login("commander").get(f"/dashboard/sitrep/?day={day}").content.decode()
    assert "Strictpur" in page and "TLP:AMBER+STRICT" in page
    assert login("commander").get(strict.get_absolute_url()).status_code == 200
