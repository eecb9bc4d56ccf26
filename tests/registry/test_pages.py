"""The Import CSV page and the Export CSV download, behind the permission gate."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from safepassage.audit.models import AuditRecord
from safepassage.registry import models as m
from tests.registry.conftest import SITE_HEADER, Scene, counts, make_csv, site_row

IMPORT = reverse("registry:site-import")
EXPORT = reverse("registry:site-export")


def upload(data: bytes, name: str = "sites.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_import_page_explains_the_format(scene: Scene) -> None:
    response = signed_in(scene.coordinator).get(IMPORT)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<code>responsible_unit</code>" in page
    assert "protection unit code" in page
    assert 'enctype="multipart/form-data"' in page


def test_the_import_page_is_gated(scene: Scene) -> None:
    assert signed_in(scene.viewer).get(IMPORT).status_code == 403
    anonymous = Client().get(IMPORT)
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
    assert Client().get(EXPORT).status_code == 302


def test_a_bad_file_shows_every_problem_with_its_line_and_saves_nothing(scene: Scene) -> None:
    before = counts()
    rows = [SITE_HEADER, site_row("Fine"), site_row("Wrong", lat="95"), site_row("Fine")]
    response = signed_in(scene.coordinator).post(IMPORT, {"file": upload(make_csv(rows))})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported." in page
    assert "<td>3</td><td>lat</td><td>Ensure this value is less than or equal to 90.0.</td>" in page
    assert "<td>4</td><td>—</td><td>Same organisation and name as line 2.</td>" in page
    assert counts() == before


def test_a_good_file_is_imported_and_audited_as_the_user(scene: Scene) -> None:
    last = AuditRecord.objects.count()
    rows = [SITE_HEADER, site_row("Web Camp"), site_row("Gorge Camp", guard_strength="45")]
    response = signed_in(scene.coordinator).post(
        IMPORT, {"file": upload(make_csv(rows)), "update": "on"}
    )
    assert response.status_code == 200
    assert "Import done." in response.content.decode()
    assert "Created 1" in response.content.decode()
    assert m.Site.objects.get(pk=scene.camp.pk).guard_strength == 45
    records = AuditRecord.objects.filter(seq__gt=last)
    assert {(r.source, r.actor_label, r.action) for r in records} == {
        ("import", "coordinator", "create"),
        ("import", "coordinator", "update"),
    }
    assert len({r.correlation_id for r in records}) == 1


def test_a_dry_run_on_the_page_saves_nothing(scene: Scene) -> None:
    before = counts()
    rows = [SITE_HEADER, site_row("Web Camp")]
    response = signed_in(scene.coordinator).post(
        IMPORT, {"file": upload(make_csv(rows)), "dry_run": "on"}
    )
    assert "Check passed: nothing was saved." in response.content.decode()
    assert counts() == before


def test_a_20_mb_upload_is_refused_without_being_parsed(scene: Scene) -> None:
    row = make_csv([site_row("Padding " + "x" * 200)])
    data = make_csv([SITE_HEADER]) + row * (20 * 1024 * 1024 // len(row) + 1)
    before = counts()
    response = signed_in(scene.coordinator).post(IMPORT, {"file": upload(data)})
    assert response.status_code == 400
    assert "The file is larger than the 10.0 MB limit." in response.content.decode()
    assert counts() == before


def test_a_post_without_a_file_or_csrf_token_is_refused(scene: Scene) -> None:
    response = signed_in(scene.coordinator).post(IMPORT, {})
    assert response.status_code == 400
    assert "Choose a CSV file to import." in response.content.decode()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(scene.coordinator)
    rows = [SITE_HEADER, site_row("Forged")]
    assert strict.post(IMPORT, {"file": upload(make_csv(rows))}).status_code == 403
    assert not m.Site.objects.filter(name="Forged").exists()


def test_the_list_page_offers_import_only_to_those_who_may_add(scene: Scene) -> None:
    mine = signed_in(scene.coordinator).get(reverse("registry:site-list")).content.decode()
    assert f'href="{IMPORT}"' in mine and EXPORT in mine
    theirs = signed_in(scene.viewer).get(reverse("registry:site-list")).content.decode()
    assert IMPORT not in theirs and EXPORT in theirs


def test_the_export_is_a_scoped_csv_download(scene: Scene) -> None:
    response = signed_in(scene.coordinator).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="sites-')
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff" + ",".join(SITE_HEADER))
    assert "Gorge Camp" in text and "Port Office" not in text


def test_the_export_follows_the_list_filters_within_the_scope(scene: Scene) -> None:
    client = signed_in(scene.admin)
    assert "Port Office" in client.get(EXPORT, {"province": "SD"}).content.decode()
    assert "Gorge Camp" not in client.get(EXPORT, {"province": "SD"}).content.decode()
    narrowed = signed_in(scene.coordinator).get(EXPORT, {"organisation": scene.port.pk})
    assert "Port Office" not in narrowed.content.decode()


def test_the_export_is_refused_to_a_role_without_view_rights(scene: Scene) -> None:
    scene.viewer.role = "analyst"
    scene.viewer.save()
    assert signed_in(scene.viewer).get(reverse("registry:person-export")).status_code == 403
