"""Fuzzing the STIX importer: whatever arrives, it imports or refuses cleanly, never half-way.

Three generators: arbitrary bytes, arbitrary JSON shaped like a bundle, and a valid bundle
with one value somewhere replaced by arbitrary JSON. For each, the importer either succeeds or
raises BundleRejected with readable errors, and a refused bundle writes nothing.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.access.principals import SystemActor
from safepassage.audit.models import AuditRecord
from safepassage.intel.models import Claim, Engagement, Incident, Mention, Report
from safepassage.sharing.models import ExternalObject
from safepassage.sharing.stix import export_bundle
from safepassage.sharing.stix_import import BundleRejected, import_bundle
from tests.conftest import World
from tests.sharing.engagement_data import build as build_engagements
from tests.sharing.stix_data import build
from tests.sharing.test_stix_roundtrip import wipe

pytestmark = pytest.mark.django_db

OPERATOR = SystemActor("stix-fuzz")
FUZZ = settings(
    max_examples=int(__import__("os").environ.get("STIX_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
stix_types = st.sampled_from(
    [
        "incident",
        "report",
        "sighting",
        "identity",
        "location",
        "relationship",
        "bundle",
        "x-a",
        "safepassage-engagement",
    ]
)


def state() -> tuple[int, ...]:
    models = (Incident, Engagement, Report, Mention, Claim, ExternalObject, AuditRecord)
    return tuple(m.objects.count() for m in models)


def attempt(data: Any) -> None:
    """Import ``data``: success, or a clean refusal that wrote nothing."""
    before = state()
    try:
        import_bundle(data, actor=OPERATOR)
    except BundleRejected as exc:
        assert exc.errors and all(isinstance(e, str) and e for e in exc.errors)
        assert state() == before


@pytest.fixture
def valid_bundle(world: World) -> dict[str, Any]:
    build(world)
    build_engagements(world)
    bundle = export_bundle(OPERATOR, include_text=True)
    wipe()
    return bundle


@FUZZ
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_are_refused_or_imported_cleanly(world: World, data: bytes) -> None:
    attempt(data)


@FUZZ
@given(
    objects=st.lists(
        st.fixed_dictionaries(
            {"type": stix_types, "spec_version": st.sampled_from(["2.1", "2.0", 2.1])},
            optional={
                "id": st.text(max_size=60),
                "name": json_values,
                "extensions": json_values,
                "object_marking_refs": json_values,
                "created": json_values,
            },
        ),
        max_size=5,
    ),
    extra=st.dictionaries(st.text(max_size=10), json_values, max_size=3),
)
def test_arbitrary_bundle_shaped_json_is_refused_or_imported_cleanly(
    world: World, objects: list[dict[str, Any]], extra: dict[str, Any]
) -> None:
    attempt(
        json.dumps({**extra, "type": "bundle", "id": "bundle--" + "0" * 36, "objects": objects})
    )


@FUZZ
@given(data=st.data())
def test_a_valid_bundle_with_one_value_changed_is_refused_or_imported_cleanly(
    valid_bundle: dict[str, Any], data: st.DataObject
) -> None:
    bundle = copy.deepcopy(valid_bundle)
    target = data.draw(st.sampled_from(bundle["objects"]))
    node: Any = target
    # Walk down a few levels at random, then replace (or add) one value there.
    for _ in range(data.draw(st.integers(min_value=0, max_value=4))):
        if isinstance(node, dict) and node:
            key = data.draw(st.sampled_from(sorted(node)))
            if not isinstance(node[key], dict | list) or not node[key]:
                break
            node = node[key]
        elif isinstance(node, list) and node:
            index = data.draw(st.integers(min_value=0, max_value=len(node) - 1))
            if not isinstance(node[index], dict | list) or not node[index]:
                break
            node = node[index]
    value = data.draw(json_values)
    if isinstance(node, dict):
        key = data.draw(st.sampled_from(sorted(node)) | st.text(max_size=12))
        node[key] = value
    elif isinstance(node, list) and node:
        node[data.draw(st.integers(min_value=0, max_value=len(node) - 1))] = value
    attempt(bundle)
