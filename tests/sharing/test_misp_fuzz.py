"""Fuzz tests of the MISP importer: whatever arrives, it imports cleanly or refuses cleanly."""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.intel.choices import AttackType, GeoPrecision
from safepassage.intel.models import Incident
from safepassage.sharing import misp, misp_engagements, tlp
from safepassage.sharing.models import InstanceIdentity
from tests.conftest import World

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WRITES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def misp_event(
    event_uuid: str, info: str, object_name: str, attributes: list[dict[str, Any]]
) -> dict[str, Any]:
    """A TLP:GREEN event holding one ``object_name`` object with these attributes."""
    return {
        "Event": {
            "uuid": event_uuid,
            "info": info,
            "timestamp": "1770000000",
            "distribution": "2",
            "Tag": [{"name": "tlp:green"}],
            "Object": [
                {
                    "name": object_name,
                    "template_uuid": misp.template(object_name)["uuid"],
                    "Attribute": attributes,
                }
            ],
        }
    }


def with_attributes(document: dict[str, Any], extra: list[tuple[str, str, Any]]) -> None:
    """Add ``(relation, type, value)`` attributes to the event's first object."""
    for relation, kind, value in extra:
        document["Event"]["Object"][0]["Attribute"].append(
            {"type": kind, "object_relation": relation, "value": value}
        )


def valid_event() -> dict[str, Any]:
    return misp_event(
        "7b0d8f52-6c1e-4b8e-9a4e-3f2d1c0b9a87",
        "Bombing near Turbat",
        misp.INCIDENT_OBJECT,
        [
            {"type": "text", "object_relation": "event-kind", "value": "attack"},
            {"type": "text", "object_relation": "attack-type", "value": "bombing"},
            {"type": "datetime", "object_relation": "date", "value": "2026-05-01"},
            {"type": "float", "object_relation": "latitude", "value": 26.0},
            {"type": "float", "object_relation": "longitude", "value": 63.05},
            {"type": "counter", "object_relation": "deaths", "value": "4"},
        ],
    )


def refuses_cleanly(data: Any) -> list[misp.ParsedEvent] | None:
    """Validate ``data``; the only failure allowed is MispRejected with sentences in it."""
    try:
        return misp.validate(data)
    except misp.MispRejected as refused:
        assert refused.errors
        assert all(isinstance(e, str) and e.strip() for e in refused.errors)
        # Errors name the problem, they do not echo a hostile megabyte back.
        assert all(len(e) < 20_000 for e in refused.errors)
        return None


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_are_refused_or_read_never_crash(data: bytes) -> None:
    refuses_cleanly(data)


@FUZZ
@given(json_values)
def test_arbitrary_json_documents_are_refused_or_read_never_crash(document: Any) -> None:
    refuses_cleanly(json.dumps(document))


EVENT_KEYS = st.sampled_from(
    [
        "uuid",
        "info",
        "timestamp",
        "distribution",
        "threat_level_id",
        "analysis",
        "date",
        "Tag",
        "Object",
        "Attribute",
        "Orgc",
        "published",
        "RelatedEvent",
        "SharingGroup",
    ]
)
ATTRIBUTE_KEYS = st.sampled_from(
    [
        "type",
        "object_relation",
        "value",
        "category",
        "uuid",
        "to_ids",
        "distribution",
        "timestamp",
        "comment",
        "first_seen",
        "Tag",
    ]
)


@FUZZ
@given(key=EVENT_KEYS, value=json_values)
def test_any_event_field_replaced_by_any_value_is_refused_or_read(key: str, value: Any) -> None:
    document = valid_event()
    document["Event"][key] = value
    refuses_cleanly(document)


@FUZZ
@given(index=st.integers(min_value=0, max_value=5), key=ATTRIBUTE_KEYS, value=json_values)
def test_any_attribute_field_replaced_by_any_value_is_refused_or_read(
    index: int, key: str, value: Any
) -> None:
    document = valid_event()
    document["Event"]["Object"][0]["Attribute"][index][key] = value
    refuses_cleanly(document)


RELATIONS = st.sampled_from(sorted(misp.template(misp.INCIDENT_OBJECT)["attributes"]))
MISP_TYPES = st.sampled_from(["text", "counter", "float", "datetime", "link", "ip-src", "md5", ""])


@FUZZ
@given(
    extra=st.lists(
        st.tuples(RELATIONS, MISP_TYPES, json_scalars | st.text(max_size=300)), max_size=6
    )
)
def test_any_added_incident_attributes_are_refused_or_read(
    extra: list[tuple[str, str, Any]],
) -> None:
    document = valid_event()
    with_attributes(document, extra)
    parsed = refuses_cleanly(document)
    if parsed is not None:
        # What passes validation is within the model's bounds.
        fields = parsed[0].fields
        assert -90 <= fields["lat"] <= 90 and -180 <= fields["lon"] <= 180
        assert all(
            0 <= fields[n] <= misp.MAX_COUNT
            for n in ("deaths", "injured", "deaths_min", "deaths_max")
            if fields.get(n) is not None
        )


# --- imports that write ---------------------------------------------------------------------

counts = st.none() | st.integers(min_value=0, max_value=misp.MAX_COUNT)
safe_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=60
).map(str.strip)
countries = st.sampled_from(["PK", "CN", "AF", "IR", "GB"])


@st.composite
def incidents(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(counts)
    high = None if low is None else draw(st.none() | st.integers(low, misp.MAX_COUNT))
    located = draw(st.booleans())
    return {
        "kind": draw(st.sampled_from(["attack", "security_operation"])),
        "attack_type": draw(st.sampled_from(["", *AttackType.values])),
        "date": draw(st.none() | st.dates(datetime.date(1990, 1, 1), datetime.date(2100, 1, 1))),
        "place_name": draw(safe_text),
        "admin1": draw(safe_text),
        "country": draw(st.sampled_from(["", "PK", "CN"])),
        "lat": draw(st.floats(-90, 90)) if located else None,
        "lon": draw(st.floats(-180, 180)) if located else None,
        "geo_precision": draw(st.sampled_from(["", *GeoPrecision.values])),
        "deaths": draw(counts),
        "deaths_min": low,
        "deaths_max": high,
        "deaths_by_nationality": draw(st.dictionaries(countries, st.integers(0, 500), max_size=3)),
        "perpetrators": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "name": safe_text.filter(bool),
                        "relation": st.sampled_from(misp.PERPETRATOR_RELATIONS),
                    },
                    optional={"by": st.none() | safe_text},
                ),
                max_size=3,
                unique_by=lambda p: p["name"],
            )
        ),
        "victim_nationalities": draw(st.lists(countries, max_size=3, unique=True)),
        "confidence": draw(st.floats(0, 1)),
        "tlp": draw(st.sampled_from([tlp.CLEAR, tlp.GREEN, tlp.AMBER, tlp.AMBER_STRICT])),
    }


@WRITES
@given(fields=incidents())
def test_any_valid_incident_survives_the_round_trip(world: World, fields: dict[str, Any]) -> None:
    analyst = world.user("analyst")
    with transaction.atomic():
        incident = Incident.objects.create(organisation=world.spu_kp, **fields)
        document = misp.collect(analyst).as_dict()
        expected = {n: getattr(incident, n) for n in (*misp.SHARED_FIELDS, "tlp")}
        Incident.objects.all().delete()
        InstanceIdentity.objects.all().delete()
        misp.import_events(json.dumps(document), actor=analyst)
        imported = Incident.objects.get()
        assert {n: getattr(imported, n) for n in expected} == expected
        transaction.set_rollback(True)


@WRITES
@given(
    position=st.integers(min_value=0, max_value=3),
    key=EVENT_KEYS,
    value=json_values,
)
def test_a_batch_with_one_mangled_event_imports_all_or_nothing(
    world: World, position: int, key: str, value: Any
) -> None:
    batch = []
    for index in range(4):
        item = valid_event()
        item["Event"]["uuid"] = f"7b0d8f52-6c1e-4b8e-9a4e-3f2d1c0b9a8{index}"
        batch.append(item)
    mangled = copy.deepcopy(batch)
    mangled[position]["Event"][key] = value
    with transaction.atomic():
        try:
            result = misp.import_events(mangled, actor=world.user("analyst"))
        except misp.MispRejected:
            assert not Incident.objects.exists()
        else:
            assert Incident.objects.count() == result.created + result.updated == 4
        transaction.set_rollback(True)


# --- engagements ----------------------------------------------------------------------------


def valid_engagement_event() -> dict[str, Any]:
    return misp_event(
        "5f0e1a7c-2b3d-4c5e-8f90-1a2b3c4d5e6f",
        "Interior ministers meet in Islamabad",
        misp_engagements.OBJECT,
        [
            {"type": "text", "object_relation": "event-kind", "value": "meeting"},
            {"type": "text", "object_relation": "title", "value": "Ministers meet"},
            {"type": "datetime", "object_relation": "date", "value": "2026-05-01"},
            {"type": "float", "object_relation": "latitude", "value": 33.68},
            {"type": "float", "object_relation": "longitude", "value": 73.05},
            {
                "type": "text",
                "object_relation": "participant",
                "value": json.dumps({"title": "Minister", "country": "PK"}),
            },
        ],
    )


ENGAGEMENT_RELATIONS = st.sampled_from(sorted(misp.template(misp_engagements.OBJECT)["attributes"]))


@FUZZ
@given(
    extra=st.lists(
        st.tuples(
            ENGAGEMENT_RELATIONS,
            MISP_TYPES,
            json_scalars | st.text(max_size=300) | json_values.map(json.dumps),
        ),
        max_size=6,
    )
)
def test_any_added_engagement_attributes_are_refused_or_read(
    extra: list[tuple[str, str, Any]],
) -> None:
    document = valid_engagement_event()
    with_attributes(document, extra)
    parsed = refuses_cleanly(document)
    if parsed is not None:
        fields = parsed[0].fields
        assert parsed[0].model == "engagement"
        assert -90 <= fields["lat"] <= 90 and -180 <= fields["lon"] <= 180
        assert all(isinstance(p, dict) for p in fields.get("participants", []))
        assert all(isinstance(t, str) and len(t) <= 100 for t in fields.get("topics", []))


@FUZZ
@given(index=st.integers(min_value=0, max_value=5), key=ATTRIBUTE_KEYS, value=json_values)
def test_any_engagement_attribute_field_replaced_by_any_value_is_refused_or_read(
    index: int, key: str, value: Any
) -> None:
    document = valid_engagement_event()
    document["Event"]["Object"][0]["Attribute"][index][key] = value
    refuses_cleanly(document)
