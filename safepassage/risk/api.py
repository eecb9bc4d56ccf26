"""JSON API of the risk picture: a route's risk, district and province scores, a site's risk.

Every handler checks the 'risk' view right first, so a caller without it hears 403 whatever
they sent; a site outside the caller's site scope answers 404 like one that does not exist.
"""

from typing import Annotated, Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.api.errors import InvalidData
from safepassage.api.schemas import (
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    Moment,
    StrictInput,
    body_doc,
    parse_body,
)
from safepassage.registry.models import Site
from safepassage.risk import services
from safepassage.riskmodel.geometry import MAX_BUFFER_KM, MAX_POINTS, GeometryError

router = Router(tags=["risk"])

Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
DEFAULT_CONTRIBUTIONS = 100
MAX_CONTRIBUTIONS = 1000


class RouteIn(StrictInput):
    """A route: (lat, lon) points in order, the buffer on either side, optionally a moment."""

    points: list[tuple[Lat, Lon]] = Field(..., min_length=1, max_length=MAX_POINTS)
    buffer_km: float = Field(10.0, gt=0, le=MAX_BUFFER_KM, allow_inf_nan=False)
    at: Moment | None = Field(None, description="Evaluate as at this moment.")
    max_contributions: int = Field(
        DEFAULT_CONTRIBUTIONS,
        ge=0,
        le=MAX_CONTRIBUTIONS,
        description="How many of the largest contributions to return.",
    )


class ContributionOut(Schema):
    incident_id: int
    label: str
    date: str | None
    distance_km: float
    value: float
    why: str


class DistrictRiskOut(Schema):
    admin1: str
    admin2: str
    score: float
    band: str


class RiskResultOut(Schema):
    """A score, its band, the largest contributions and the districts concerned.

    The score counts every incident; `contributions` lists the largest `max_contributions`.
    """

    score: float
    band: str
    contributions: list[ContributionOut]
    districts: list[DistrictRiskOut]


class AreasOut(Schema):
    provinces: list[DistrictRiskOut]
    districts: list[DistrictRiskOut]


class SiteQuery(Schema):
    radius_km: float | None = Field(None, gt=0, le=MAX_BUFFER_KM, allow_inf_nan=False)
    max_contributions: int = Field(DEFAULT_CONTRIBUTIONS, ge=0, le=MAX_CONTRIBUTIONS)


def _out(result: services.RiskResult) -> dict[str, Any]:
    return result.as_dict()


@router.post(
    "/route",
    response={200: RiskResultOut, **WRITE_ERRORS},
    operation_id="risk_route",
    summary="Risk along a route",
    description=(
        f"At most {MAX_POINTS} points and a buffer of at most {MAX_BUFFER_KM:.0f} km; the "
        "route may be at most 3,000 km long. Nothing is stored."
    ),
    openapi_extra=body_doc(RouteIn),
)
def route(request: HttpRequest) -> Any:
    gate.require(request.user, Action.VIEW, "risk")
    data = parse_body(request, RouteIn)
    if "points" not in data:
        raise InvalidData({"points": ["This field is required."]})
    try:
        result = services.route_risk(
            [tuple(p) for p in data["points"]],
            data.get("buffer_km", 10.0),
            data.get("at"),
            limit=data.get("max_contributions", DEFAULT_CONTRIBUTIONS),
        )
    except GeometryError as exc:
        raise InvalidData({NON_FIELD_ERRORS: [str(exc)]}) from None
    return _out(services.for_reader(result, request.user))


@router.get(
    "/districts",
    response={200: AreasOut, **READ_ERRORS},
    operation_id="risk_districts",
    summary="Province and district scores, highest first",
)
def districts(request: HttpRequest) -> Any:
    gate.require(request.user, Action.VIEW, "risk")
    return {"provinces": services.province_scores(), "districts": services.district_scores()}


@router.get(
    "/sites/{pk}",
    response={200: RiskResultOut, **READ_ERRORS},
    operation_id="risk_site",
    summary="Risk around a site in your scope",
)
def site(
    request: HttpRequest,
    query: Query[SiteQuery],  # type: ignore[type-arg]
    pk: int = Path(..., ge=1, le=MAX_ID),  # type: ignore[type-arg]
) -> Any:
    gate.require(request.user, Action.VIEW, "risk")
    obj = gate.get_object(request.user, Action.VIEW, Site, pk=pk)
    try:
        result = services.site_risk(obj, query.radius_km, limit=query.max_contributions)
    except GeometryError as exc:
        raise InvalidData({NON_FIELD_ERRORS: [str(exc)]}) from None
    return _out(services.for_reader(result, request.user))
