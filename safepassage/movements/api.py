"""JSON API for movements: list, read, create, evaluate and transition.

The handlers validate with the web pages' ``MovementForm`` (so both paths accept exactly the
same data) and change state only through ``services.transition``. Bodies are read with
``parse_body`` after the permission checks, so a caller who may not act hears 403 whatever
they sent.
"""

from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja import Path, Query, Router, Status
from pydantic import Field

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.api.errors import InvalidData
from safepassage.api.schemas import (
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    Moment,
    PageParams,
    StrictInput,
    body_doc,
    parse_body,
)
from safepassage.movements import services
from safepassage.movements.choices import MovementState
from safepassage.movements.forms import MAX_PEOPLE, MAX_WAYPOINTS, MovementForm
from safepassage.movements.models import MovementRequest
from safepassage.registry.models import Vehicle
from safepassage.risk.services import rows_for_reader

router = Router(tags=["movements"])
ID = Path(..., ge=1, le=MAX_ID, description="Id.")  # type: ignore[type-arg]


class MovementIn(StrictInput):
    """A movement request. Give each end as a registry site id or as a place (a gazetteer
    name or "lat, lon"); waypoints are places in order (none: a straight line)."""

    purpose: str = Field(..., min_length=1, max_length=300)
    origin_site: int | None = Field(None, ge=1, le=MAX_ID)
    origin_place: str | None = Field(None, max_length=200)
    destination_site: int | None = Field(None, ge=1, le=MAX_ID)
    destination_place: str | None = Field(None, max_length=200)
    waypoints: list[str] = Field(default_factory=list, max_length=MAX_WAYPOINTS)
    depart_at: Moment
    arrive_by: Moment
    # Ids within the database's integer range: a larger one would overflow the query.
    people: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        ..., min_length=1, max_length=MAX_PEOPLE
    )
    vehicles: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=100
    )


class EscortIn(StrictInput):
    unit: int = Field(..., ge=1, le=MAX_ID)
    officers: int = Field(..., ge=0, le=100_000)


class TransitionIn(StrictInput):
    """A change of state. Before an approval the escort and vehicles may be set here."""

    to_state: Literal[tuple(s.value for s in MovementState)]  # type: ignore[valid-type]
    reason: str = Field("", max_length=4000)
    override_reason: str = Field("", max_length=4000)
    escorts: list[EscortIn] | None = Field(None, max_length=50)
    vehicles: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(None, max_length=100)


class MovementQuery(PageParams):
    state: Literal[tuple(s.value for s in MovementState)] | None = None  # type: ignore[valid-type]
    departs_after: Moment | None = None
    departs_before: Moment | None = None


def movement_data(movement: MovementRequest, user: Any) -> dict[str, Any]:
    """A movement as JSON; people outside the caller's scope are counted, not listed."""
    people = gate.restrict(movement.people.all(), user, Action.VIEW)
    return {
        "id": movement.pk,
        "reference": movement.reference,
        "organisation": movement.organisation_id,
        "state": movement.state,
        "purpose": movement.purpose,
        "origin": {
            "site": movement.origin_site_id,
            "name": movement.origin_name,
            "lat": movement.origin_lat,
            "lon": movement.origin_lon,
        },
        "destination": {
            "site": movement.destination_site_id,
            "name": movement.destination_name,
            "lat": movement.destination_lat,
            "lon": movement.destination_lon,
        },
        "waypoints": movement.waypoints,
        "depart_at": movement.depart_at.isoformat(),
        "arrive_by": movement.arrive_by.isoformat(),
        "people": list(people.values_list("pk", flat=True)),
        "people_count": movement.people.count(),
        "vehicles": list(movement.vehicles.values_list("pk", flat=True)),
        "escorts": movement.escorts,
        "rule_results": movement.rule_results,
        "risk": _risk_for(movement.risk, user),
        "override_reason": movement.override_reason,
    }


def _risk_for(risk: dict[str, Any] | None, user: Any) -> dict[str, Any] | None:
    """The stored risk with incidents the reader's TLP markings do not reach withheld."""
    if not risk:
        return risk
    return {**risk, "contributions": rows_for_reader(risk.get("contributions", []), user)}


def _detail(movement: MovementRequest, user: Any) -> dict[str, Any]:
    data = movement_data(movement, user)
    data["transitions"] = [
        {
            "from": t.from_state,
            "to": t.to_state,
            "actor": t.actor_label,
            "reason": t.reason,
            "at": t.created.isoformat(),
        }
        for t in movement.transitions.all()
    ]
    data["assignments"] = [
        {
            "unit": a.unit_id,
            "vehicle": a.vehicle_id,
            "person": a.person_id,
            "officers": a.officers,
            "starts": a.starts.isoformat(),
            "ends": a.ends.isoformat(),
            "active": a.active,
        }
        for a in movement.assignments.all()
    ]
    return data


def _form(request: HttpRequest, instance: MovementRequest | None = None) -> MovementForm:
    """The request body validated by the web form (the same rules on both paths)."""
    body = parse_body(request, MovementIn)
    data = MultiValueDict(
        {
            "purpose": [body.get("purpose", "")],
            "origin_site": [body.get("origin_site") or ""],
            "origin_place": [body.get("origin_place") or ""],
            "destination_site": [body.get("destination_site") or ""],
            "destination_place": [body.get("destination_place") or ""],
            "waypoints": ["\n".join(body.get("waypoints", []))],
            # ISO 8601 with its offset; a naive time is read in the server's time zone.
            "depart_at": [body["depart_at"].isoformat()],
            "arrive_by": [body["arrive_by"].isoformat()],
        }
    )
    data.setlist("people", [str(p) for p in body.get("people", [])])
    data.setlist("vehicles", [str(v) for v in body.get("vehicles", [])])
    form = MovementForm(data, user=request.user, instance=instance)
    if not form.is_valid():
        raise InvalidData.from_form(form)
    return form


@router.get(
    "/",
    response={200: dict, **READ_ERRORS},
    operation_id="movements_list",
    summary="List movements",
    url_name="movements-list",
)
def list_movements(request: HttpRequest, filters: Query[MovementQuery]) -> Any:  # type: ignore[valid-type]
    """Movements in the caller's scope, by departure."""
    gate.require(request.user, Action.VIEW, MovementRequest)
    queryset = gate.restrict(MovementRequest.objects.all(), request.user)
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.departs_after:
        queryset = queryset.filter(depart_at__gte=filters.departs_after)
    if filters.departs_before:
        queryset = queryset.filter(depart_at__lt=filters.departs_before)
    window = list(queryset[filters.offset : filters.offset + filters.limit])
    return {
        "count": queryset.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [movement_data(m, request.user) for m in window],
    }


@router.get(
    "/{int:pk}",
    response={200: dict, **READ_ERRORS},
    operation_id="movements_get",
    summary="Read a movement with its transitions and assignments",
    url_name="movements-detail",
)
def get_movement(request: HttpRequest, pk: int = ID) -> Any:
    """One movement in the caller's scope."""
    gate.require(request.user, Action.VIEW, MovementRequest)
    movement = gate.get_object(request.user, Action.VIEW, MovementRequest, pk=pk)
    return _detail(movement, request.user)


@router.post(
    "/",
    response={201: dict, **WRITE_ERRORS},
    operation_id="movements_create",
    summary="Create a draft movement request",
    url_name="movements-create",
    openapi_extra=body_doc(MovementIn),
)
def create_movement(request: HttpRequest) -> Any:
    """A new draft for the caller's organisation, evaluated at once."""
    gate.require(request.user, Action.ADD, MovementRequest)
    user: Any = request.user
    if user.organisation_id is None:
        raise PermissionDenied("Your account belongs to no organisation to request for.")
    form = _form(request)
    with transaction.atomic():
        movement = MovementRequest(
            organisation_id=user.organisation_id,
            reference=services.next_reference(),
            created_by=user,
        )
        form.apply(movement)
        gate.save(user, movement, action=Action.ADD)
        form.save_m2m(movement)
        services.evaluate(movement)
    return Status(201, _detail(movement, user))


@router.post(
    "/evaluate",
    response={200: dict, **WRITE_ERRORS},
    operation_id="movements_evaluate",
    summary="Evaluate an unsaved request: rules, route risk and escort proposals",
    url_name="movements-evaluate",
    openapi_extra=body_doc(MovementIn),
)
def evaluate_movement(request: HttpRequest) -> Any:
    """Judge a request without saving it."""
    if not (
        gate.can(request.user, Action.ADD, MovementRequest)
        or gate.can(request.user, Action.CHANGE, MovementRequest)
    ):
        raise PermissionDenied("Your role may not plan movements.")
    form = _form(request)
    data = services.evaluate_plan(form.plan()).as_dict()
    data["risk"] = _risk_for(data["risk"], request.user)
    return data


@router.post(
    "/{int:pk}/transition",
    response={200: dict, **WRITE_ERRORS},
    operation_id="movements_transition",
    summary="Change a movement's state (submit, approve, reject, start, complete, abort)",
    url_name="movements-transition",
    openapi_extra=body_doc(TransitionIn),
)
def transition_movement(request: HttpRequest, pk: int = ID) -> Any:
    """Validates the transition; approval books the escort without double-booking (409)."""
    gate.require(request.user, Action.CHANGE, MovementRequest)
    movement = gate.get_object(request.user, Action.CHANGE, MovementRequest, pk=pk)
    body = parse_body(request, TransitionIn)
    with transaction.atomic():
        changed = []
        if body.get("escorts") is not None:
            movement.escorts = [
                {"unit": e["unit"], "officers": e["officers"]} for e in body["escorts"]
            ]
            changed.append("escorts")
        if changed:
            gate.save(request.user, movement, action=Action.CHANGE)
        if body.get("vehicles") is not None:
            allowed = gate.restrict(
                Vehicle.objects.filter(pk__in=body["vehicles"]),
                request.user,
                Action.VIEW,
            )
            if allowed.count() != len(set(body["vehicles"])):
                raise InvalidData({"vehicles": ["Unknown vehicle."]})
            movement.vehicles.set(allowed)
    try:
        services.transition(
            request.user,
            movement,
            body["to_state"],
            body.get("reason", ""),
            override_reason=body.get("override_reason", ""),
        )
    except services.TransitionError as exc:
        raise InvalidData({"to_state": [str(exc)]}, status=409, detail=str(exc)) from exc
    movement.refresh_from_db()
    return _detail(movement, request.user)
