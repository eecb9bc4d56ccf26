"""Traffic Light Protocol 2.0 markings: their order and how derived objects are marked.

Pure Python, no Django: the gate (``safepassage.access.marking``), exports, STIX/MISP
mappings and situation reports all use the same order. A derived object (a situation report,
an export, a bundle) takes the most restrictive marking of what it contains.
"""

from __future__ import annotations

from collections.abc import Iterable

CLEAR = "clear"
GREEN = "green"
AMBER = "amber"
AMBER_STRICT = "amber+strict"
RED = "red"

# Least to most restrictive.
ORDER: tuple[str, ...] = (CLEAR, GREEN, AMBER, AMBER_STRICT, RED)
RANK: dict[str, int] = {value: rank for rank, value in enumerate(ORDER)}
# Markings a sharing agreement may allow to cross to a partner organisation: AMBER+STRICT stays
# inside the organisation that owns the object and RED reaches named recipients only.
SHAREABLE: tuple[str, ...] = (CLEAR, GREEN, AMBER)
# Markings every member organisation of one instance reads (the instance is one community).
COMMUNITY: tuple[str, ...] = (CLEAR, GREEN, AMBER)

_LABELS = {
    CLEAR: "TLP:CLEAR",
    GREEN: "TLP:GREEN",
    AMBER: "TLP:AMBER",
    AMBER_STRICT: "TLP:AMBER+STRICT",
    RED: "TLP:RED",
}


def normalise(value: str) -> str:
    """The canonical marking for ``value`` ("TLP:AMBER+STRICT", "amber+strict", "Amber" …).

    TLP 1.0's WHITE is read as CLEAR, as TLP 2.0 says. Raises ValueError for anything else.
    """
    text = str(value).strip().lower()
    if text.startswith("tlp:"):
        text = text[4:]
    text = text.replace(" ", "")
    if text == "white":
        text = CLEAR
    if text not in RANK:
        raise ValueError(f"Unknown TLP marking {value!r}; expected one of {', '.join(ORDER)}.")
    return text


def most_restrictive(values: Iterable[str], default: str = CLEAR) -> str:
    """The most restrictive of ``values``; ``default`` when there are none."""
    best = default
    for value in values:
        marking = normalise(value)
        if RANK[marking] > RANK[best]:
            best = marking
    return best


def at_most(limit: str) -> tuple[str, ...]:
    """Every marking no more restrictive than ``limit``, in order."""
    return ORDER[: RANK[normalise(limit)] + 1]


def label(value: str) -> str:
    """The marking as TLP 2.0 writes it: ``TLP:AMBER+STRICT``."""
    return _LABELS[normalise(value)]


def css_class(value: str) -> str:
    """A CSS class name for badges: ``tlp-amber-strict``."""
    return "tlp-" + normalise(value).replace("+", "-")
