"""The situation report pages: HTML and PDF for each persona, issued copies, delivery."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pdfminer.high_level import extract_text

from safepassage.access.principals import SystemActor
from safepassage.dashboard.models import SitrepSubscription, SituationReport
from safepassage.dashboard.sitrep_store import issue
from safepassage.intel.models import Incident
from safepassage.sharing.models import SharingAgreement
from tests.conftest import ROLES
from tests.dashboard.sitrep_helpers import incident

pytestmark = pytest.mark.django_db

PAGE = reverse("dashboard:sitrep")
PDF = reverse("dashboard:sitrep-pdf")


@pytest.mark.parametrize("persona", ROLES)
def test_every_persona_gets_the_page_and_the_pdf_without_hidden_incidents(world, login, persona):
    incident(tlp="green", place_name="Alpuri")
    incident(tlp="amber+strict", organisation=world.port, place_name="Karachi Port")
    incident(tlp="red", recipients=[world.user("analyst")], place_name="Thakot")
    client = login(persona)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Karachi Port" not in html
    assert ("Thakot" in html) is (persona == "analyst")
    assert page["Cache-Control"] == "private, no-store"
    pdf = client.get(PDF)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf["X-TLP"] == page["X-TLP"]
    text = extract_text(io.BytesIO(pdf.content))
    assert "Karachi Port" not in text
    assert ("Thakot" in text) is (persona == "analyst")


def test_the_partner_liaison_sees_only_what_its_agreement_shares(world, login):
    incident(tlp="clear", place_name="Public attack")
    incident(tlp="green", place_name="Shared attack")
    incident(tlp="amber", place_name="Community only")
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(max_tlp="green")
    client = login("liaison")
    html = client.get(PAGE).content.decode()
    assert "Public attack" in html and "Shared attack" in html
    assert "Community only" not in html
    assert client.get(PAGE)["X-TLP"] == "TLP:GREEN"
    text = extract_text(io.BytesIO(client.get(PDF).content))
    assert "Shared attack" in text and "Community only" not in text
    # Without an agreement in force, only TLP:CLEAR reaches the partner.
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(active=False)
    html = client.get(PAGE).content.decode()
    assert "Public attack" in html and "Shared attack" not in html


def test_the_page_names_the_day_and_the_pdf_carries_it_in_its_name(world, login):
    client = login("viewer")
    page = client.get(PAGE, {"day": "2024-03-26"})
    assert page.status_code == 200
    assert "Tuesday 26 March 2024" in page.content.decode()
    pdf = client.get(PDF, {"day": "2024-03-26", "tlp": "green"})
    assert pdf["Content-Disposition"] == 'attachment; filename="sitrep-2024-03-26-tlp-clear.pdf"'


@pytest.mark.parametrize(
    "query",
    [{"day": "26/03/2024"}, {"day": "x" * 100000}, {"tlp": "ultraviolet"}, {"day": "2024-02-30"}],
)
def test_a_malformed_request_gets_a_clear_400(world, login, query):
    client = login("viewer")
    for url in (PAGE, PDF):
        response = client.get(url, query)
        assert response.status_code == 400
        assert b"day must" in response.content or b"Unknown marking" in response.content


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (PAGE, PDF):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login" in response["Location"]


def test_a_subscription_can_be_started_and_stopped(world, login):
    client = login("viewer")
    client.post(reverse("dashboard:sitrep-subscription"), {"active": "1", "tlp": "green"})
    sub = SitrepSubscription.objects.get(user=world.user("viewer"))
    assert sub.active and sub.cap == "green"
    client.post(reverse("dashboard:sitrep-subscription"), {"active": "0"})
    sub.refresh_from_db()
    assert not sub.active
    bad = client.post(reverse("dashboard:sitrep-subscription"), {"active": "1", "tlp": "x" * 999})
    assert bad.status_code == 302
    sub.refresh_from_db()
    assert not sub.active


def test_an_issued_copy_is_shown_only_to_its_recipient(world, login):
    incident(tlp="green", place_name="Alpuri")
    stored, created = issue(SystemActor("test"), world.user("viewer"), timezone.localdate())
    assert created
    url = reverse("dashboard:sitrep-issued", args=[stored.pk])
    pdf_url = reverse("dashboard:sitrep-issued-pdf", args=[stored.pk])
    client = login("viewer")
    page = client.get(url)
    assert page.status_code == 200
    assert "Alpuri" in page.content.decode()
    assert "copy issued to you" in page.content.decode()
    assert client.get(pdf_url).content == bytes(stored.pdf)
    client.logout()
    # Not even an administrator reads someone else's copy: it was filtered for its reader.
    for persona in ("coordinator", "admin"):
        other = login(persona)
        assert other.get(url).status_code == 404
        assert other.get(pdf_url).status_code == 404
        other.logout()
    huge = reverse("dashboard:sitrep-issued", args=[10**30])
    assert login("viewer").get(huge).status_code == 404


def test_an_issued_copy_is_withheld_once_it_holds_what_its_reader_lost(world, login):
    shared = incident(tlp="green", place_name="Alpuri")
    stored, _created = issue(SystemActor("test"), world.user("viewer"), timezone.localdate())
    assert shared.pk in stored.contents["incident"]
    # The incident is now kept inside another organisation.
    Incident.objects.filter(pk=shared.pk).update(tlp="amber+strict", organisation=world.port)
    client = login("viewer")
    page = client.get(reverse("dashboard:sitrep-issued", args=[stored.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "is withheld" in html
    assert "Alpuri" not in html
    pdf = client.get(reverse("dashboard:sitrep-issued-pdf", args=[stored.pk]))
    assert pdf.status_code == 409
    assert b"%PDF" not in pdf.content


def test_an_issued_copy_is_withheld_when_an_incident_behind_its_risk_changes_marking(world, login):
    behind = incident(tlp="green", date=timezone.localdate())
    stored, _created = issue(SystemActor("test"), world.user("analyst"), timezone.localdate())
    client = login("analyst")
    assert "is withheld" not in client.get(stored.get_absolute_url()).content.decode()
    # Still visible to the analyst (a named recipient), but now RED: the copy is under-marked.
    behind.recipients.set([world.user("analyst")])
    Incident.objects.filter(pk=behind.pk).update(tlp="red")
    assert "is withheld" in client.get(stored.get_absolute_url()).content.decode()


def test_the_issued_list_shows_only_the_readers_own_copies(world, login):
    actor = SystemActor("test")
    mine, _ = issue(actor, world.user("viewer"), timezone.localdate())
    theirs, _ = issue(actor, world.user("coordinator"), timezone.localdate())
    html = login("viewer").get(PAGE).content.decode()
    assert mine.get_absolute_url() in html
    assert theirs.get_absolute_url() not in html
    assert SituationReport.objects.count() == 2


def test_hostile_text_in_an_incident_is_escaped_on_the_page_and_in_the_pdf(world, login):
    incident(
        tlp="green",
        place_name='<script>alert(1)</script><link rel="stylesheet" href="https://evil.example/x.css">',
    )
    client = login("viewer")
    html = client.get(PAGE).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    pdf = client.get(PDF)
    assert pdf.status_code == 200
    assert "<script>alert(1)</script>" in extract_text(io.BytesIO(pdf.content))
