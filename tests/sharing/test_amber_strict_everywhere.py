"""Issue 6's promise: an AMBER+STRICT incident (or engagement) reaches no partner by any path.

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
from safepassage.intel.models import Engagement, Incident
from safepassage.sharing import misp, stix, stix_ids, taxii
from safepassage.sharing.engagement_sdo import TYPE as ENGAGEMENT_TYPE
from safepassage.sharing.services import PartnerReader
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


# Engagements (meetings, agreements, announcements) travel by the same paths under the same
# rules: AMBER+STRICT and RED engagements reach no partner, a GREEN one beside them does.


@pytest.fixture
def engagements(world: World) -> tuple[Engagement, Engagement, Engagement]:
    def make_engagement(marking: str, title: str) -> Engagement:
        return Engagement.objects.create(
            kind="meeting",
            title=title,
            date=timezone.localdate(),
            place_name="Islamabad",
            country="PK",
            admin1="Islamabad Capital Territory",
            participants=[{"name": "A. Minister", "title": "Minister", "country": "PK"}],
            topics=["intelligence_sharing"],
            tlp=marking,
            organisation=world.spu_kp,
        )

    red = make_engagement("red", "Redtalks")
    # Named on it, the liaison reads it on this instance; no sharing path carries it.
    red.recipients.add(world.user("analyst"))
    return (
        make_engagement("amber+strict", "Strictmeeting"),
        red,
        make_engagement("green", "Greenmeeting"),
    )


def check_engagements(text: str, rows: tuple[Engagement, Engagement, Engagement]) -> None:
    strict, red, green = rows
    for hidden in (strict, red):
        assert hidden.title not in text
        assert stix_ids.stix_id_for(hidden, ENGAGEMENT_TYPE) not in text
        assert str(stix_ids.uuid_for(hidden, ENGAGEMENT_TYPE)) not in text
    assert green.title in text


def test_sync_never_carries_an_amber_strict_or_red_engagement(
    world: World, partner: Client, engagements: tuple[Engagement, Engagement, Engagement]
) -> None:
    engagements[1].recipients.add(world.user("liaison"))  # even named, RED stays home
    response = partner.get("/api/sharing/sync/pull")
    assert response.status_code == 200, response.content[:300]
    check_engagements(response.content.decode(), engagements)
    assert response["X-TLP"] in ("TLP:GREEN", "TLP:AMBER", "TLP:CLEAR")


def test_a_taxii_pull_never_serves_an_amber_strict_or_red_engagement(
    partner: Client, engagements: tuple[Engagement, Engagement, Engagement]
) -> None:
    url = f"/api/taxii2/{taxii.API_ROOT}/collections/{taxii.collection_id()}/objects/"
    response = partner.get(url, HTTP_ACCEPT=TAXII)
    assert response.status_code == 200, response.content[:300]
    check_engagements(response.content.decode(), engagements)


@pytest.mark.parametrize("url", ["/api/sharing/stix/bundle", "/api/sharing/misp/events"])
def test_no_export_contains_an_amber_strict_or_red_engagement(
    partner: Client, engagements: tuple[Engagement, Engagement, Engagement], url: str
) -> None:
    response = partner.get(url)
    assert response.status_code == 200, response.content[:300]
    check_engagements(response.content.decode(), engagements)
    assert "AMBER+STRICT" not in response.get("X-TLP", "")
    assert "RED" not in response.get("X-TLP", "")


def test_no_export_made_for_a_partner_contains_an_amber_strict_or_red_engagement(
    world: World, engagements: tuple[Engagement, Engagement, Engagement]
) -> None:
    reader = PartnerReader(world.ministry_cn)
    download = stix.bundle_download(reader, partner=world.ministry_cn)
    check_engagements(download.content.decode(), engagements)
    events = misp.dumps(misp.export_events(reader, partner=world.ministry_cn))
    check_engagements(events, engagements)
