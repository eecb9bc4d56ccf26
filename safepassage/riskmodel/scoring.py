"""Scoring candidates near a route or point: distance, age and the breakdown.

Pure Python; the Django app fetches candidate rows through its H3 index and hands them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .geometry import Segment
from .model import DEFAULT_PARAMS, RiskParams, age_factor, distance_weight


@dataclass(frozen=True)
class Candidate:
    """One indexed incident: its base value, day number, position and the cell it sits in."""

    incident_id: int
    value: float
    day: int
    lat: float
    lon: float
    cell: int
    label: str = ""
    date: str | None = None
    detail: str = ""
    admin1: str = ""
    admin2: str = ""


@dataclass(frozen=True)
class Scored:
    """A candidate's contribution to one score, with its distance and the reason."""

    candidate: Candidate
    distance_km: float
    value: float
    why: str


def score(
    candidates: Iterable[Candidate],
    segs: Sequence[Segment],
    segments_of_cell: dict[int, list[int]],
    radius_km: float,
    now_day: float,
    params: RiskParams = DEFAULT_PARAMS,
) -> list[Scored]:
    """Contributions of the candidates within ``radius_km`` of the route, largest first.

    Candidates dated after ``now_day`` are left out, so a score "as at" a past day only
    counts what had happened by then.
    """
    out: list[Scored] = []
    for cand in candidates:
        if cand.day > now_day or cand.value <= 0:
            continue
        near = segments_of_cell.get(cand.cell, ())
        if not near:
            continue
        distance = min(segs[i].distance_km(cand.lat, cand.lon) for i in near)
        weight = distance_weight(distance, radius_km, params)
        if weight <= 0:
            continue
        age_days = now_day - cand.day
        aged = age_factor(age_days, params)
        value = cand.value * aged * weight
        why = (
            f"{cand.detail}; {age_days / 365.25:.1f} years old ×{aged:.3f}; "
            f"{distance:.1f} km away ×{weight:.2f}"
        )
        out.append(Scored(cand, distance, value, why))
    out.sort(key=lambda s: (-s.value, s.candidate.incident_id))
    return out
