"""TLP 2.0 as STIX 2.1 marking definitions.

stix2 3.0.2 predefines only TLP 1.0 (WHITE, GREEN, AMBER, RED), so the TLP 2.0 objects are
written here with the ids and the extension the OASIS common objects publish for them. TLP 1.0
ids from older producers are read too (WHITE as CLEAR, as TLP 2.0 says).
"""

from __future__ import annotations

from typing import Any

from safepassage.sharing import tlp

TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"

TLP2_IDS: dict[str, str] = {
    tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# TLP 1.0 as stix2 predefines it (stix2.v21.TLP_WHITE …).
TLP1_IDS: dict[str, str] = {
    tlp.CLEAR: "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    tlp.GREEN: "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    tlp.AMBER: "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    tlp.RED: "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}
MARKING_OF_ID: dict[str, str] = {v: k for k, v in TLP1_IDS.items()} | {
    v: k for k, v in TLP2_IDS.items()
}


def marking_id(value: str) -> str:
    """The TLP 2.0 marking-definition id of ``value`` ("amber+strict", "TLP:RED" …)."""
    return TLP2_IDS[tlp.normalise(value)]


def marking_definition(value: str) -> dict[str, Any]:
    """The TLP 2.0 marking-definition object of ``value``, as published."""
    marking = tlp.normalise(value)
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_IDS[marking],
        "created": TLP2_CREATED,
        "name": tlp.label(marking),
        "extensions": {
            TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": marking}
        },
    }


def marking_of(refs: list[str] | tuple[str, ...] | None) -> str | None:
    """The most restrictive TLP among ``refs`` (marking-definition ids), or None if none is TLP."""
    found = [MARKING_OF_ID[ref] for ref in refs or () if ref in MARKING_OF_ID]
    if not found:
        return None
    return tlp.most_restrictive(found)
