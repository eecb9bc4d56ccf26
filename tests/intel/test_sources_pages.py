"""The field report form and the source pages, through the web client."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from safepassage.audit.models import AuditRecord
from safepassage.intel.models import Report, Source
from safepassage.intel.sources import folder

FORM_URL = "/intel/field-report/"
TEXT = "Our patrol heard two blasts near the bridge at 07:40; the escort vehicle was hit."


def report_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "attack",
        "attack_type": "bombing",
        "date": "2021-07-14",
        "place": "Dasu",
        "lat": "",
        "lon": "",
        "deaths": "13",
        "injured": "28",
        "title": "",
        "text": TEXT,
        "tlp": "amber",
    }
    data.update(overrides)
    return data


def test_an_officer_files_a_field_report_resolved_with_the_gazetteer(
    login: Any, world: Any
) -> None:
    client = login("officer")
    response = client.post(FORM_URL, report_data())
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/intel/field-report/{report.pk}/"
    assert report.submitted_by == world.user("officer")
    assert report.source.kind == "form" and report.source.organisation == world.spu_kp
    assert report.source.reliability == "B"
    assert report.title == "Field report: Bombing, Dasu, 2021-07-14"
    assert report.published == timezone.localdate()
    structured = report.structured
    assert structured["kind"] == "attack" and structured["attack_type"] == "bombing"
    assert structured["date"] == {"value": "2021-07-14", "precision": "day", "text": None}
    assert structured["location"]["admin2"] == "Upper Kohistan"
    assert structured["location"]["gazetteer_id"]
    assert structured["fatalities"]["total"] == 13 and structured["injured"]["total"] == 28
    assert AuditRecord.objects.filter(object_id=str(report.source.pk)).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"Upper Kohistan" in page.content


def test_filing_the_same_report_twice_stores_it_once_in_one_form_source(
    login: Any, world: Any
) -> None:
    client = login("officer")
    first = client.post(FORM_URL, report_data())
    second = client.post(FORM_URL, report_data(), follow=True)
    assert first.status_code == 302
    assert b"already stored" in second.content
    assert Report.objects.count() == 1
    assert Source.objects.filter(kind="form").count() == 1


def test_a_commander_files_through_the_same_organisation_source(login: Any, world: Any) -> None:
    login("officer").post(FORM_URL, report_data())
    login("commander").post(FORM_URL, report_data(text=TEXT + " A second vehicle burned."))
    assert Report.objects.count() == 2
    assert Source.objects.filter(kind="form").count() == 1


def test_coordinates_place_an_unknown_place(login: Any, world: Any) -> None:
    client = login("officer")
    response = client.post(FORM_URL, report_data(place="Camp 7 gate", lat="35.29", lon="73.27"))
    assert response.status_code == 302
    location = Report.objects.get().structured["location"]
    assert location["name"] == "Camp 7 gate" and location["precision"] == "point"
    assert location["admin1"] == "Khyber Pakhtunkhwa"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"place": "Xyzzyville"}, "place", "not in the gazetteer"),
        ({"place": ""}, "place", "place name or coordinates"),
        ({"place": "", "lat": "35.2"}, "lon", "both latitude and longitude"),
        ({"lat": "91", "lon": "73"}, "lat", "less than or equal to 90"),
        ({"lat": "nan", "lon": "73"}, "lat", "number"),
        ({"date": "2021-02-30"}, "date", "valid date"),
        ({"date": "last Tuesday"}, "date", "valid date"),
        ({"date": "1900-01-01"}, "date", "after 1970"),
        (
            {"date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat()},
            "date",
            "in the future",
        ),
        ({"deaths": "-1"}, "deaths", "greater than or equal to 0"),
        ({"injured": "99999999999"}, "injured", "less than or equal to 10000"),
        ({"kind": "meeting"}, "attack_type", "attacks only"),
        ({"kind": "massacre"}, "kind", "valid choice"),
        ({"text": ""}, "text", "required"),
        ({"text": "x" * 20_001}, "text", "at most 20000"),
        ({"text": "a\x00b"}, "text", "Null characters are not allowed"),
        ({"tlp": "black"}, "tlp", "valid choice"),
    ],
)
def test_the_form_rejects_hostile_input_with_a_clear_message(
    login: Any, world: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    response = login("officer").post(FORM_URL, report_data(**overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field]), errors
    assert not Report.objects.exists()


@pytest.mark.parametrize("persona", ["viewer", "liaison", "coordinator"])
def test_roles_without_report_rights_cannot_open_the_form(
    login: Any, world: Any, persona: str
) -> None:
    assert login(persona).get(FORM_URL).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client: Client, world: Any) -> None:
    response = client.get(FORM_URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_officer_cannot_open_another_organisations_report(login: Any, world: Any) -> None:
    source = Source.objects.create(organisation=world.spu_sd, name="Sindh form", kind="form")
    other = Report.objects.create(
        source=source, organisation=world.spu_sd, content_hash="x" * 64, text="elsewhere"
    )
    assert login("officer").get(f"/intel/field-report/{other.pk}/").status_code == 404


# Source pages ---------------------------------------------------------------------------


def source_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Wire",
        "kind": "feed",
        "organisation": "",
        "url": "https://news.example.org/rss",
        "path": "",
        "reliability": "C",
        "default_tlp": "green",
        "enabled": "on",
        "poll_minutes": "15",
    }
    data.update(overrides)
    return data


def test_an_analyst_adds_a_feed_source_for_their_organisation(login: Any, world: Any) -> None:
    client = login("analyst")
    response = client.post(
        "/intel/sources/new/", source_data(organisation=world.spu_kp.pk, path="/ignored")
    )
    source = Source.objects.get()
    assert response.status_code == 302
    assert (source.organisation, source.reliability, source.path) == (world.spu_kp, "C", "")
    assert AuditRecord.objects.filter(object_id=str(source.pk)).exists()
    page = client.get(source.get_absolute_url())
    assert page.status_code == 200 and b"Poll now" in page.content


def test_an_analyst_cannot_add_a_source_for_another_organisation(login: Any, world: Any) -> None:
    response = login("analyst").post(
        "/intel/sources/new/", source_data(organisation=world.spu_sd.pk)
    )
    assert response.status_code == 400
    assert "organisation" in response.context["form"].errors
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"url": ""}, "url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"url": "ftp://example.org/feed"}, "url"),
        ({"kind": "folder", "url": "", "path": "/etc"}, "path"),
        ({"kind": "folder", "url": "", "path": "relative/inbox"}, "path"),
        ({"kind": "form"}, "kind"),
        ({"poll_minutes": "0"}, "poll_minutes"),
        ({"poll_minutes": "100000"}, "poll_minutes"),
        ({"name": ""}, "name"),
    ],
)
def test_the_source_form_rejects_bad_configuration(
    login: Any, world: Any, overrides: dict[str, Any], field: str
) -> None:
    data = source_data(organisation=world.spu_kp.pk, **overrides)
    response = login("analyst").post("/intel/sources/new/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_a_folder_source_inside_a_watch_root_is_accepted(
    login: Any, world: Any, settings: Any, tmp_path: Path
) -> None:
    settings.INTEL_WATCH_ROOTS = [str(tmp_path)]
    data = source_data(
        organisation=world.spu_kp.pk, kind="folder", url="", path=str(tmp_path / "inbox")
    )
    assert login("analyst").post("/intel/sources/new/", data).status_code == 302


@pytest.mark.parametrize("persona", ["officer", "commander", "viewer", "coordinator", "liaison"])
def test_only_administrators_and_analysts_manage_sources(
    login: Any, world: Any, persona: str
) -> None:
    client = login(persona)
    assert client.get("/intel/sources/").status_code == 403
    assert client.get("/intel/sources/new/").status_code == 403


def test_sources_of_another_organisation_are_invisible_to_an_analyst(
    login: Any, world: Any
) -> None:
    theirs = Source.objects.create(organisation=world.spu_sd, name="Theirs", kind="api")
    ours = Source.objects.create(organisation=world.spu_kp, name="Ours", kind="api")
    client = login("analyst")
    listing = client.get("/intel/sources/")
    assert b"Ours" in listing.content and b"Theirs" not in listing.content
    assert client.get(ours.get_absolute_url()).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.post(f"/intel/sources/{theirs.pk}/delete/").status_code == 404
    assert login("admin").get(theirs.get_absolute_url()).status_code == 200


def test_poll_now_queues_a_poll_whose_outcome_the_page_shows(
    login: Any, world: Any, settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.signing import SignedPackage

    from safepassage.intel.jobs_sources import poll_source

    # Queue for real (the ORM broker) instead of running the job inside the request.
    monkeypatch.setattr(Conf, "SYNC", False)
    settings.INTEL_WATCH_ROOTS = [str(tmp_path)]
    folder.forget()
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\x00" * 50)
    source = Source.objects.create(
        organisation=world.spu_kp, name="Inbox", kind="folder", path=str(tmp_path)
    )
    client = login("analyst")
    queued = client.post(f"/intel/sources/{source.pk}/poll/", follow=True)
    assert b"Polling of" in queued.content
    broker = get_broker()
    task = SignedPackage.loads(broker.dequeue()[0][1])
    assert (task["func"], task["args"]) == (
        "safepassage.intel.jobs_sources.poll_source",
        (source.pk, False),
    )
    poll_source(*task["args"])
    page = client.get(source.get_absolute_url())
    source.refresh_from_db()
    assert source.last_status == "partial" and source.last_count == 1
    assert b"b.txt: E102" in page.content


def test_poll_now_is_refused_for_a_pushed_source(login: Any, world: Any) -> None:
    source = Source.objects.create(organisation=world.spu_kp, name="Client", kind="api")
    page = login("analyst").post(f"/intel/sources/{source.pk}/poll/", follow=True)
    assert b"not polled" in page.content


def test_a_source_with_reports_is_kept_when_deleted(login: Any, world: Any) -> None:
    source = Source.objects.create(organisation=world.spu_kp, name="Used", kind="api")
    Report.objects.create(
        source=source, organisation=world.spu_kp, content_hash="y" * 64, text="kept"
    )
    unused = Source.objects.create(organisation=world.spu_kp, name="Unused", kind="api")
    client = login("analyst")
    client.post(f"/intel/sources/{source.pk}/delete/")
    client.post(f"/intel/sources/{unused.pk}/delete/")
    assert list(Source.objects.values_list("name", flat=True)) == ["Used"]


def test_the_field_report_source_keeps_its_kind_when_edited(login: Any, world: Any) -> None:
    login("officer").post(FORM_URL, report_data())
    source = Source.objects.get(kind="form")
    data = source_data(organisation=world.spu_kp.pk, name=source.name, kind="feed", reliability="A")
    response = login("analyst").post(f"/intel/sources/{source.pk}/edit/", data)
    source.refresh_from_db()
    assert response.status_code == 302
    assert (source.kind, source.reliability, source.url) == ("form", "A", "")
