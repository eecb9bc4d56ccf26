"""The ``safepassage-engagement`` STIX object: its extension-definition, schema and class.

An engagement (a meeting, agreement or announcement between agencies) has no STIX 2.1 type,
so Safe Passage defines one with an extension-definition of type ``new-sdo``
(``extension_engagement.json``); the properties are described by a JSON schema
(``extension_engagement.schema.json``) and documented in docs/SHARING.md. The type is also
registered with ``stix2`` (``CustomObject`` with ``extension_name``), so ``stix2.parse`` with
``allow_custom=False`` checks its common properties and refuses any property it does not name.
Both files are committed; the id never changes, and a change older readers cannot take gets a
new version and a new id.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import stix2
from jsonschema import Draft202012Validator
from stix2.properties import (
    BooleanProperty,
    DictionaryProperty,
    ListProperty,
    StringProperty,
)

from safepassage.sharing.extension import read_json, schema_errors

HERE = Path(__file__).resolve().parent
DEFINITION_FILE = HERE / "extension_engagement.json"
SCHEMA_FILE = HERE / "extension_engagement.schema.json"

EXTENSION_ID = "extension-definition--2d6d5e5e-329b-4e1d-a72f-d1bb2f8a2c4c"
TYPE = "safepassage-engagement"
# The Safe Passage properties of the object (the rest are STIX's common properties).
PROPERTIES = (
    "name",
    "instance",
    "kind",
    "title",
    "date",
    "date_precision",
    "place",
    "participants",
    "topics",
    "review",
    "mentions",
    "has_personal_data",
)
MAX_ERRORS = 5


@stix2.v21.CustomObject(
    TYPE,
    [
        ("name", StringProperty(required=True)),
        ("instance", StringProperty(required=True)),
        ("kind", StringProperty(required=True)),
        ("title", StringProperty()),
        ("date", StringProperty()),
        ("date_precision", StringProperty()),
        ("place", DictionaryProperty(spec_version="2.1")),
        ("participants", ListProperty(DictionaryProperty(spec_version="2.1"))),
        ("topics", ListProperty(StringProperty)),
        ("review", DictionaryProperty(spec_version="2.1")),
        ("mentions", ListProperty(DictionaryProperty(spec_version="2.1"))),
        ("has_personal_data", BooleanProperty()),
    ],
    extension_name=EXTENSION_ID,
)
class EngagementSDO:
    """The ``stix2`` class of the object (registration only; exports build plain dicts)."""


@cache
def definition() -> dict[str, Any]:
    """The extension-definition object, as committed."""
    return read_json(DEFINITION_FILE)


@cache
def schema() -> dict[str, Any]:
    """The JSON schema of the object's Safe Passage properties."""
    return read_json(SCHEMA_FILE)


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def validate(obj: dict[str, Any]) -> list[str]:
    """Errors in the Safe Passage properties of a ``safepassage-engagement`` object."""
    errors: list[str] = []
    extensions = obj.get("extensions")
    declared = extensions.get(EXTENSION_ID) if isinstance(extensions, dict) else None
    if not isinstance(declared, dict) or declared.get("extension_type") != "new-sdo":
        errors.append(f"does not name its extension-definition ({EXTENSION_ID}, new-sdo).")
    data = {key: obj[key] for key in PROPERTIES if key in obj}
    errors += schema_errors(_validator(), data, "engagement", MAX_ERRORS - len(errors))
    return errors
