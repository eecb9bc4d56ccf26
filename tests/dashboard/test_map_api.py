"""The map's JSON layers: what each persona gets through the gate, filters, and bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

import h3
import pytest
from django.test import Client
from django.utils import timezone

from safepassage.intel.models import Claim, Incident, Mention, Report, Source
from safepassage.movements.models import MovementRequest
from safepassage.risk.aggregates import params
from safepassage.risk.models import CellRisk
from safepassage.riskmodel.model import denormalise
from safepassage.tracking.models import CheckIn, ExpectedCheckIn
from tests.dashboard.dash_helpers import besham_attack, hydro_movement

pytestmark = pytest.mark.django_db

INCIDENTS = "/dashboard/map/incidents.json"
SITES = "/dashboard/map/sites.json"
HEXAGONS = "/dashboard/map/hexagons.json"
MOVEMENTS = "/dashboard/map/movements.json"
_serial = itertools.count(1)


def make_incident(**fields: Any) -> Incident:
    """An AMBER suicide bombing at Besham (KP) in March 2024 with Chinese victims, unless told."""
    defaults = {
        "attack_type": "suicide_bombing",
        "date": dt.date(2024, 3, 26),
        "deaths": 6,
        "deaths_by_nationality": {"CN": 5, "PK": 1},
        "victim_nationalities": ["CN"],
        "tlp": "amber",
    }
    return besham_attack(defaults, **fields)


def operation_in_sindh() -> Incident:
    return make_incident(
        kind="security_operation",
        attack_type="",
        date=dt.date(2025, 1, 10),
        place_name="Karachi",
        admin1="Sindh",
        admin2="Karachi",
        lat=24.86,
        lon=67.0,
        deaths=0,
        deaths_by_nationality={},
        victim_nationalities=["PK"],
    )


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {f["id"] for f in response.json()["features"]}


def with_source(incident: Incident, world: Any, tlp: str = "amber") -> Report:
    """A report of ``incident`` with a mention and a claim quoting its text."""
    source, _ = Source.objects.get_or_create(
        name="Frontier Daily",
        defaults={"organisation": world.spu_kp, "kind": "folder", "reliability": "B"},
    )
    text = "Five Chinese engineers and their driver were killed near Besham on Tuesday."
    report = Report.objects.create(
        source=source,
        organisation=world.spu_kp,
        url=f"https://news.example/{next(_serial)}",
        content_hash=hashlib.sha256(f"{text}{next(_serial)}".encode()).hexdigest(),
        title="Convoy attacked near Besham",
        text=text,
        published=dt.date(2024, 3, 27),
        tlp=tlp,
    )
    mention = Mention.objects.create(
        report=report, index=0, kind="attack", event={}, incident=incident
    )
    start = text.index("Five")
    Claim.objects.create(
        incident=incident,
        field="deaths",
        value={"total": 6},
        mention=mention,
        report=report,
        start=start,
        end=start + len("Five Chinese engineers and their driver were killed"),
    )
    return report


# --- incidents ----------------------------------------------------------------------------


def test_it_returns_incidents_as_geojson_points_with_kind_and_severity(world: Any, login: Any):
    bisham = make_incident()
    data = login("viewer").get(INCIDENTS).json()
    assert data["type"] == "FeatureCollection"
    (feature,) = data["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [72.87, 34.93]}
    props = feature["properties"]
    assert props["kind"] == "attack"
    assert props["severity_class"] == "critical"  # 6 killed in a suicide bombing
    assert props["victim_nationalities"] == ["CN"]
    assert props["url"] == f"/intel/incidents/{bisham.pk}/"
    assert props["detail_url"] == f"/dashboard/map/incidents/{bisham.pk}.json"
    assert data["meta"]["matching"] == 1 and data["meta"]["truncated"] is False


def test_it_counts_incidents_without_a_position_but_does_not_place_them(world: Any, login: Any):
    make_incident()
    make_incident(lat=None, lon=None, place_name="somewhere in KP")
    meta = login("viewer").get(INCIDENTS).json()["meta"]
    assert meta["matching"] == 2
    assert meta["located"] == 1


def test_it_grades_severity_from_the_risk_model(world: Any, login: Any):
    make_incident(kind="security_operation", attack_type="", deaths=0, victim_nationalities=[])
    make_incident(attack_type="armed_assault", deaths=0, victim_nationalities=[], place_name="B")
    classes = {
        f["properties"]["kind"]: f["properties"]["severity_class"]
        for f in login("viewer").get(INCIDENTS).json()["features"]
    }
    assert classes == {"security_operation": "low", "attack": "medium"}


def test_it_hides_an_amber_strict_incident_of_another_organisation(world: Any, login: Any):
    shared = make_incident()
    strict = make_incident(tlp="amber+strict", organisation=world.port, place_name="Port")
    assert ids(login("coordinator").get(INCIDENTS)) == {shared.pk}
    client = Client()
    port_user = world.user("viewer")
    port_user.organisation = world.port
    port_user.save()
    client.force_login(port_user)
    assert ids(client.get(INCIDENTS)) == {shared.pk, strict.pk}


def test_it_shows_a_red_incident_only_to_its_named_recipients(world: Any, login: Any):
    red = make_incident(tlp="red", recipients=[world.user("analyst")])
    assert ids(login("coordinator").get(INCIDENTS)) == set()
    assert login("coordinator").get(f"/dashboard/map/incidents/{red.pk}.json").status_code == 404
    client = Client()
    client.force_login(world.user("analyst"))
    assert ids(client.get(INCIDENTS)) == {red.pk}


def test_it_gives_a_partner_liaison_only_what_the_sharing_agreement_allows(world: Any, login: Any):
    amber = make_incident()
    make_incident(tlp="amber+strict", organisation=world.hydro, place_name="Camp")
    assert ids(login("liaison").get(INCIDENTS)) == {amber.pk}


def test_it_leaves_out_incidents_merged_into_another(world: Any, login: Any):
    kept = make_incident()
    make_incident(merged_into=kept, place_name="duplicate")
    assert ids(login("analyst").get(INCIDENTS)) == {kept.pk}


def test_it_filters_incidents_by_date_range(world: Any, login: Any):
    bisham = make_incident()
    sindh = operation_in_sindh()
    client = login("viewer")
    assert ids(client.get(INCIDENTS, {"date_from": "2025-01-01"})) == {sindh.pk}
    assert ids(client.get(INCIDENTS, {"date_to": "2024-12-31"})) == {bisham.pk}
    both = {"date_from": "2024-03-26", "date_to": "2025-01-10"}
    assert ids(client.get(INCIDENTS, both)) == {bisham.pk, sindh.pk}


def test_it_filters_incidents_by_kind(world: Any, login: Any):
    bisham = make_incident()
    sindh = operation_in_sindh()
    client = login("viewer")
    assert ids(client.get(INCIDENTS, {"kind": "attack"})) == {bisham.pk}
    assert ids(client.get(INCIDENTS, {"kind": "security_operation"})) == {sindh.pk}


def test_it_filters_incidents_by_province_under_any_of_its_names(world: Any, login: Any):
    bisham = make_incident()
    sindh = operation_in_sindh()
    client = login("viewer")
    for spelling in ("Khyber Pakhtunkhwa", "KP", "NWFP", "khyber pakhtunkhwa"):
        assert ids(client.get(INCIDENTS, {"province": spelling})) == {bisham.pk}, spelling
    assert ids(client.get(INCIDENTS, {"province": "Sind"})) == {sindh.pk}


def test_it_filters_incidents_by_the_victims_nationality(world: Any, login: Any):
    bisham = make_incident()
    sindh = operation_in_sindh()
    client = login("viewer")
    assert ids(client.get(INCIDENTS, {"nationality": "cn"})) == {bisham.pk}
    assert ids(client.get(INCIDENTS, {"nationality": "PK"})) == {bisham.pk, sindh.pk}
    assert ids(client.get(INCIDENTS, {"nationality": "US"})) == set()


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"date_from": "26/03/2024"}, "date_from", "YYYY-MM-DD"),
        ({"date_to": "2024-02-30"}, "date_to", "YYYY-MM-DD"),
        ({"date_from": "0001-01-01"}, "date_from", "between 1900 and 2100"),
        ({"date_from": "2025-01-02", "date_to": "2025-01-01"}, "date_to", "before the start"),
        ({"kind": "meeting"}, "kind", "valid choice"),
        ({"province": "Atlantis"}, "province", "Unknown province"),
        ({"nationality": "CHN"}, "nationality", "two-letter"),
        ({"nationality": '"%'}, "nationality", "two-letter"),
        ({"province": "K" * 5000}, "province", "At most 100"),
        ({"province": "KP\x00"}, "province", "NUL"),
    ],
)
def test_it_refuses_bad_filters_with_a_clear_error(
    world: Any, login: Any, params: dict[str, str], field: str, words: str
):
    response = login("viewer").get(INCIDENTS, params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Some filters are not valid."
    assert words in " ".join(body["errors"][field])


def test_it_refuses_a_filter_given_twice(world: Any, login: Any):
    response = login("viewer").get(INCIDENTS + "?kind=attack&kind=security_operation")
    assert response.status_code == 400
    assert response.json()["errors"]["kind"] == ["Give this filter once."]


def test_it_answers_json_401_to_a_signed_out_caller(world: Any, client: Client):
    for url in (INCIDENTS, SITES, HEXAGONS, MOVEMENTS, "/dashboard/map/incidents/1.json"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert "Sign in" in response.json()["error"]


def test_it_accepts_only_get_and_is_never_cached(world: Any, login: Any):
    client = login("viewer")
    assert client.post(INCIDENTS).status_code == 405
    response = client.get(INCIDENTS)
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


# --- the incident side panel ------------------------------------------------------------------


def test_it_gives_an_analyst_an_incidents_sources_and_claims(world: Any, login: Any):
    bisham = make_incident()
    report = with_source(bisham, world)
    data = login("analyst").get(f"/dashboard/map/incidents/{bisham.pk}.json").json()
    assert data["incident"]["id"] == bisham.pk
    assert data["incident"]["province"] == "Khyber Pakhtunkhwa"
    (source,) = data["sources"]
    assert source["title"] == "Convoy attacked near Besham"
    assert source["source"] == "Frontier Daily"
    assert source["url"] == f"/intel/reports/{report.pk}/"
    assert data["hidden_sources"] == 0
    (group,) = data["claims"]
    assert group["field"] == "deaths"
    (value,) = group["values"]
    assert value["value"] == "6"
    assert value["source"] == "Frontier Daily"
    assert value["evidence"] == "Five Chinese engineers and their driver were killed"


def test_it_keeps_reports_from_a_reader_whose_role_may_not_open_them(world: Any, login: Any):
    bisham = make_incident()
    with_source(bisham, world)
    data = login("coordinator").get(f"/dashboard/map/incidents/{bisham.pk}.json").json()
    assert data["sources"] == []
    assert data["hidden_sources"] == 1
    (group,) = data["claims"]
    assert group["values"][0]["source"] == ""
    assert group["values"][0]["evidence"] == ""


def test_it_drops_claims_from_a_report_the_reader_may_not_read(world: Any, login: Any):
    bisham = make_incident()
    with_source(bisham, world, tlp="red")
    data = login("analyst").get(f"/dashboard/map/incidents/{bisham.pk}.json").json()
    assert data["sources"] == []
    assert data["claims"] == []
    assert data["hidden_sources"] == 1


def test_it_answers_404_for_an_incident_that_does_not_exist(world: Any, login: Any):
    response = login("viewer").get("/dashboard/map/incidents/999999.json")
    assert response.status_code == 404
    assert "No such incident" in response.json()["error"]


# --- sites -----------------------------------------------------------------------------------


def test_it_shows_a_coordinator_only_the_sites_of_their_organisation(world: Any, login: Any):
    data = login("coordinator").get(SITES).json()
    (site,) = data["features"]
    assert site["properties"]["name"] == "Gorge Camp"
    assert site["properties"]["posture"] == 4
    assert site["properties"]["posture_label"] == "High"
    assert site["properties"]["province"] == "Khyber Pakhtunkhwa"
    assert site["geometry"]["coordinates"] == [73.27, 35.29]


def test_it_filters_sites_by_province(world: Any, login: Any):
    client = login("admin")
    names = {f["properties"]["name"] for f in client.get(SITES).json()["features"]}
    assert names == {"Gorge Camp", "Port Office"}
    sindh = client.get(SITES, {"province": "Sindh"}).json()["features"]
    assert [f["properties"]["name"] for f in sindh] == ["Port Office"]
    assert client.get(SITES, {"province": "Mars"}).status_code == 400


def test_it_shows_a_liaison_the_sites_where_their_nationals_live(world: Any, login: Any):
    names = {f["properties"]["name"] for f in login("liaison").get(SITES).json()["features"]}
    assert names == {"Gorge Camp"}


# --- risk hexagons -----------------------------------------------------------------------------


def test_it_draws_risk_hexagons_from_the_stored_risk_contributions(world: Any, login: Any):
    make_incident(date=timezone.localdate() - dt.timedelta(days=3))
    data = login("analyst").get(HEXAGONS, {"resolution": "5"}).json()
    assert data["meta"]["resolution"] == 5
    (cell,) = data["features"]
    ring = cell["geometry"]["coordinates"][0]
    assert len(ring) == 7 and ring[0] == ring[-1]
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    assert min(lons) < 72.87 < max(lons) and min(lats) < 34.93 < max(lats)
    assert cell["properties"]["band"] in {"moderate", "elevated", "high", "extreme"}
    assert cell["properties"]["score"] > 0
    fine = login("analyst").get(HEXAGONS, {"resolution": "7"}).json()
    assert fine["meta"]["resolution"] == 7 and len(fine["features"]) == 1


def test_it_sums_fine_cells_into_the_coarse_ones_of_a_country_wide_view(world: Any, login: Any):
    today = timezone.localdate()
    make_incident(date=today)
    make_incident(date=today, place_name="Pattan", lat=35.03, lon=73.134, attack_type="bombing")
    client = login("analyst")
    fine = client.get(HEXAGONS, {"resolution": "5"}).json()["features"]
    coarse = client.get(HEXAGONS).json()
    assert coarse["meta"]["resolution"] == 4  # the default
    assert len(fine) == 2
    (cell,) = coarse["features"]
    total = sum(f["properties"]["score"] for f in fine)
    assert cell["properties"]["score"] == pytest.approx(total, abs=0.002)
    assert len(client.get(HEXAGONS, {"resolution": "3"}).json()["features"]) == 1


def test_it_matches_the_risk_apps_cell_aggregate_for_a_reader_who_sees_everything(
    world: Any, login: Any
):
    make_incident(date=timezone.localdate() - dt.timedelta(days=40))
    make_incident(date=timezone.localdate() - dt.timedelta(days=2), attack_type="bombing")
    (cell,) = login("analyst").get(HEXAGONS, {"resolution": "7"}).json()["features"]
    stored = CellRisk.objects.get(resolution=7, cell=h3.str_to_int(cell["properties"]["cell"]))
    now_day = (timezone.now() - dt.datetime(2020, 1, 1, tzinfo=dt.UTC)).total_seconds() / 86400
    expected = denormalise(stored.short_sum, stored.long_sum, now_day, params())
    assert cell["properties"]["score"] == pytest.approx(expected, abs=0.002)


def test_it_leaves_incidents_the_reader_may_not_see_out_of_the_risk(world: Any, login: Any):
    today = timezone.localdate()
    make_incident(date=today, tlp="red", recipients=[world.user("analyst")])
    make_incident(date=today, tlp="amber+strict", organisation=world.port, place_name="x")
    assert login("coordinator").get(HEXAGONS).json()["features"] == []
    analyst = Client()
    analyst.force_login(world.user("analyst"))
    assert len(analyst.get(HEXAGONS).json()["features"]) == 1


def test_it_leaves_out_cells_whose_incidents_no_longer_count(world: Any, login: Any):
    incident = make_incident(date=timezone.localdate())
    incident.kind = "meeting"  # not an incident kind: it contributes nothing to the risk
    incident.save()
    assert login("analyst").get(HEXAGONS).json()["features"] == []


@pytest.mark.parametrize("value", ["2", "8", "abc", "-5", "5.0", "9" * 500])
def test_it_refuses_a_resolution_the_aggregates_do_not_keep(world: Any, login: Any, value: str):
    response = login("analyst").get(HEXAGONS, {"resolution": value})
    assert response.status_code == 400
    assert "resolution" in response.json()["errors"]


# --- movements -----------------------------------------------------------------------------


def make_movement(world: Any, state: str, start: dt.datetime, **fields: Any) -> MovementRequest:
    values: dict[str, Any] = {
        "reference": f"MV-MAP-{next(_serial)}",
        "destination_site": world.camp,
        "waypoints": [{"name": "Pattan", "lat": 35.03, "lon": 73.03, "eta": None}],
        "state": state,
    }
    return hydro_movement(world, start, 7, **(values | fields))


def test_it_shows_movements_under_way_with_their_last_check_in(world: Any, login: Any):
    now = timezone.now()
    moving = make_movement(world, "under_way", now - dt.timedelta(hours=2))
    officer = world.user("officer")
    CheckIn.objects.create(
        movement=moving,
        officer=officer,
        at=now - dt.timedelta(hours=2),
        lat=34.93,
        lon=72.87,
        status="ok",
    )
    CheckIn.objects.create(
        movement=moving,
        officer=officer,
        at=now - dt.timedelta(minutes=40),
        lat=35.03,
        lon=73.03,
        status="delayed",
    )
    ExpectedCheckIn.objects.create(
        movement=moving,
        seq=2,
        name="Camp",
        lat=35.29,
        lon=73.27,
        due_at=now - dt.timedelta(minutes=30),
        grace_minutes=15,
    )
    data = login("coordinator").get(MOVEMENTS).json()
    (feature,) = data["features"]
    props = feature["properties"]
    assert props["layer"] == "under_way"
    assert feature["geometry"]["type"] == "LineString"
    assert feature["geometry"]["coordinates"] == [[72.87, 34.93], [73.03, 35.03], [73.27, 35.29]]
    assert props["last_checkin"]["status"] == "delayed"
    assert props["last_checkin"]["position"] == [73.03, 35.03]
    assert props["overdue"] is True
    assert data["meta"] == {"under_way": 1, "planned": 0}


def test_it_shows_planned_routes_that_have_not_ended(world: Any, login: Any):
    now = timezone.now()
    planned = make_movement(world, "approved", now + dt.timedelta(days=1))
    make_movement(world, "approved", now - dt.timedelta(days=3))  # window already over
    make_movement(world, "draft", now + dt.timedelta(days=1))  # not asked for yet
    make_movement(world, "rejected", now + dt.timedelta(days=1))
    features = login("coordinator").get(MOVEMENTS).json()["features"]
    assert [(f["id"], f["properties"]["layer"]) for f in features] == [(planned.pk, "planned")]
    assert features[0]["properties"]["last_checkin"] is None


def test_it_hides_movements_of_another_organisation_from_a_coordinator(world: Any, login: Any):
    now = timezone.now()
    make_movement(
        world, "under_way", now, organisation=world.port, reference="MV-PORT", destination_site=None
    )
    assert login("coordinator").get(MOVEMENTS).json()["features"] == []


def test_it_shows_a_liaison_their_nationals_movements_without_check_ins(world: Any, login: Any):
    now = timezone.now()
    moving = make_movement(world, "under_way", now - dt.timedelta(hours=1))
    CheckIn.objects.create(
        movement=moving, officer=world.user("officer"), at=now, lat=35.0, lon=73.0, status="ok"
    )
    (feature,) = login("liaison").get(MOVEMENTS).json()["features"]
    assert feature["properties"]["last_checkin"] is None


def test_it_refuses_layers_a_role_has_no_access_to(world: Any, login: Any):
    client = login("analyst")
    response = client.get(MOVEMENTS)
    assert response.status_code == 403
    assert "no access" in response.json()["error"]
    viewer = Client()
    viewer.force_login(world.user("viewer"))
    assert viewer.get(MOVEMENTS).status_code == 403
