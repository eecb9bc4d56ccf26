"""The Safe Passage STIX extension for physical attacks: its definition and its schema.

Both are committed JSON files next to this module. The definition's id never changes; a
change to the schema that older readers cannot take gets a new version and a new id.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

HERE = Path(__file__).resolve().parent
DEFINITION_FILE = HERE / "extension_physical_attack.json"
SCHEMA_FILE = HERE / "extension_physical_attack.schema.json"

EXTENSION_ID = "extension-definition--4800c052-1857-4987-ad2a-8ee8fa5dae63"
# The identity that publishes the extension definition: the Safe Passage project itself.
PROJECT_IDENTITY_ID = "identity--7a4f6d1b-6160-43c5-97ea-4cf3c43891f9"
# STIX object types that carry the extension, and the schema definition for each.
HOST_TYPES = ("incident", "report", "sighting", "identity")
MAX_ERRORS = 5


def read_json(path: Path) -> dict[str, Any]:
    """A committed JSON object (an extension-definition or a schema)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def schema_errors(
    validator: Draft202012Validator, data: Any, label: str, limit: int = MAX_ERRORS
) -> list[str]:
    """At most ``limit`` schema errors in ``data``, each named ``{label} property {where}``."""
    errors = []
    for error in validator.iter_errors(data):
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
        errors.append(f"{label} property {where}: {message}")
        if len(errors) >= limit:
            break
    return errors


@cache
def definition() -> dict[str, Any]:
    """The extension-definition object, as committed."""
    return read_json(DEFINITION_FILE)


@cache
def schema() -> dict[str, Any]:
    """The JSON schema of the extension's properties (one definition per host type)."""
    return read_json(SCHEMA_FILE)


@cache
def _validator(host_type: str) -> Draft202012Validator:
    full = schema()
    sub = {"$ref": f"#/$defs/{host_type}", "$defs": full["$defs"]}
    return Draft202012Validator(sub)


def project_identity() -> dict[str, Any]:
    """The identity that publishes the extension definition (the definition points to it)."""
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": PROJECT_IDENTITY_ID,
        "created": "2026-11-22T00:00:00.000Z",
        "modified": "2026-11-22T00:00:00.000Z",
        "name": "Safe Passage project",
        "identity_class": "system",
    }


def validate(host_type: str, data: Any) -> list[str]:
    """Errors in ``data`` as the extension of a ``host_type`` object; empty when valid."""
    if host_type not in HOST_TYPES:
        return [f"the extension does not apply to {host_type} objects"]
    return schema_errors(_validator(host_type), data, "extension")
