"""The plain description of a planned movement that the rules read."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class VehicleInfo:
    """One vehicle carrying protected people."""

    label: str
    armoured: bool
    seats: int


@dataclass(frozen=True)
class EscortUnit:
    """Officers of one protection unit escorting the movement."""

    label: str
    officers: int


@dataclass(frozen=True)
class DistrictBand:
    """A district the route passes through and its risk band."""

    admin1: str
    admin2: str
    band: str


@dataclass(frozen=True)
class MovementContext:
    """Everything the guidelines need to judge a movement, with no database behind it.

    Times must be timezone-aware. ``requested_at`` is when the request was made (or now, for
    an unsaved one): the notice period is measured from it. ``route_band`` is the band of the
    whole route; ``districts`` gives the band of each district it crosses.
    """

    people: int
    vehicles: tuple[VehicleInfo, ...]
    escorts: tuple[EscortUnit, ...]
    route: tuple[tuple[float, float], ...]
    depart_at: datetime.datetime
    arrive_by: datetime.datetime
    requested_at: datetime.datetime
    route_band: str = "low"
    districts: tuple[DistrictBand, ...] = field(default_factory=tuple)

    @property
    def officers(self) -> int:
        """Escort officers in total."""
        return sum(max(0, e.officers) for e in self.escorts)
