"""JSON API of the incident picture: incidents and engagements, their claims, review, exports.

``/api/intel/incidents`` takes the incident list's filters (the same FilterSet as the web
page) and pages with ``limit``/``offset``; ``/api/intel/incidents/{id}`` adds every claim with
its evidence span and the review history. Analysts (and administrators) post review actions
to ``/api/intel/incidents/{id}/review/{action}``; each goes through the review service, so it
is checked by the gate, stored as a decision and audited like the web's. Errors follow the
registry API: 401, 403, 404 (also for what lies outside the caller's scope), 409 for a
decision that conflicts with the stored state (an incident already merged), 422 otherwise.

This module does not use ``from __future__ import annotations``: ninja reads the handlers'
annotations and needs real objects.
"""

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field, model_validator

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.api.errors import CONFLICT_CODES, InvalidData
from safepassage.api.schemas import (
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    StrictInput,
    filter_query_schema,
    page_schema,
    parse_body,
)
from safepassage.intel import exports
from safepassage.intel.choices import AttackType, DatePrecision
from safepassage.intel.filters import (
    NEWEST_FIRST,
    EngagementFilter,
    IncidentFilter,
    visible_incidents,
)
from safepassage.intel.models import Claim, Engagement, Incident, Report, ReviewDecision
from safepassage.intel.services.review import MAX_REASON
from safepassage.intel.views_incidents import (
    apply_review,
    bind_incident_filter,
    engagements_for,
    gazetteer_place,
    incidents_for,
    split_choices,
    visible_report_ids,
)

router = Router(tags=["intel"])

ReviewAction = Literal["confirm", "edit", "merge", "split", "reject", "relocate", "mark"]
AttackTypeValue = Literal[tuple(AttackType.values)]  # type: ignore[valid-type]
PrecisionValue = Literal[tuple(DatePrecision.values)]  # type: ignore[valid-type]


# --- schemas --------------------------------------------------------------------------------


class EventOut(Schema):
    """What incidents and engagements share: what, when, where, and the review state."""

    id: int
    kind: str
    date: datetime.date | None
    date_precision: str
    place_name: str
    country: str
    admin1: str = Field(..., description="Province.")
    admin2: str = Field(..., description="District.")
    lat: float | None
    lon: float | None
    geo_precision: str
    tlp: str
    review_state: str
    confidence: float
    report_count: int
    has_conflict: bool
    conflicts: list[dict[str, Any]]
    corrected_fields: list[str] = Field(..., description="Fields an analyst set.")
    created: datetime.datetime
    updated: datetime.datetime


class IncidentOut(EventOut):
    """An incident with its resolved values (see docs on the resolution policy)."""

    attack_type: str
    deaths: int | None
    deaths_min: int | None
    deaths_max: int | None
    injured: int | None
    injured_min: int | None
    injured_max: int | None
    perpetrators_killed: int | None
    deaths_by_nationality: dict[str, int]
    perpetrators: list[dict[str, Any]]
    targets: list[dict[str, Any]]
    victim_nationalities: list[str]
    claims_count: int


class EngagementOut(EventOut):
    """A meeting, agreement or announcement."""

    title: str
    participants: list[dict[str, Any]]
    topics: list[str]


class ClaimOut(Schema):
    """One source's value for one field. Provenance you may not open is null."""

    id: int
    field: str
    value: Any
    report: int | None = Field(..., description="Id of the report; null if you cannot open it.")
    source: str | None
    reliability: str | None = Field(..., description="Admiralty grade of the report's source.")
    published: datetime.date | None
    analyst: str | None = Field(..., description="The analyst who set it, for corrections.")
    start: int | None = Field(..., description="Evidence span start (character offset).")
    end: int | None
    evidence: str | None = Field(..., description="The evidence text, when you may open it.")


class ReportRefOut(Schema):
    id: int
    title: str
    source: str
    published: datetime.date | None
    url: str
    near_duplicate_of: int | None


class DecisionOut(Schema):
    id: int
    decision: str
    analyst: str
    reason: str
    payload: dict[str, Any]
    created: datetime.datetime


class IncidentDetailOut(IncidentOut):
    claims: list[ClaimOut]
    reports: list[ReportRefOut]
    hidden_reports: int = Field(..., description="Reports you may not open.")
    decisions: list[DecisionOut]
    merged_from: list[int]


class EngagementDetailOut(EngagementOut):
    claims: list[ClaimOut]
    reports: list[ReportRefOut]
    hidden_reports: int
    decisions: list[DecisionOut]


class ReviewOut(Schema):
    """The stored decision and the incident as it is now."""

    decision: DecisionOut
    incident: IncidentOut
    new_incident: int | None = Field(..., description="The incident a split created.")


Reason = Field("", max_length=MAX_REASON, description="Why (kept with the decision).")


class ConfirmIn(StrictInput):
    reason: str = Reason


class RejectIn(StrictInput):
    reason: str = Field(..., min_length=1, max_length=MAX_REASON)


class EditIn(StrictInput):
    """Only the fields sent change; each becomes an analyst claim later reports never undo."""

    attack_type: AttackTypeValue | None = None  # type: ignore[valid-type]
    date: datetime.date | None = None
    date_precision: PrecisionValue | None = None  # type: ignore[valid-type]
    deaths: int | None = Field(None, ge=0, le=100_000)
    injured: int | None = Field(None, ge=0, le=100_000)
    perpetrators_killed: int | None = Field(None, ge=0, le=100_000)
    reason: str = Reason


class MergeIn(StrictInput):
    other: int = Field(..., ge=1, le=MAX_ID, description="The incident folded into this one.")
    reason: str = Reason


class SplitIn(StrictInput):
    reports: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        ..., min_length=1, max_length=1000, description="Reports that move to a new incident."
    )
    reason: str = Reason


class RelocateIn(StrictInput):
    """A gazetteer place (by id) or a point."""

    gazetteer_id: str | None = Field(None, max_length=64)
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    name: str = Field("", max_length=200)
    reason: str = Reason

    @model_validator(mode="after")
    def _one_place(self) -> "RelocateIn":
        if not self.gazetteer_id and (self.lat is None or self.lon is None):
            raise ValueError("Give a gazetteer_id, or both lat and lon.")
        return self


class MarkIn(StrictInput):
    """A TLP marking; for RED, the usernames it reaches (the analyst is always one)."""

    tlp: Literal["clear", "green", "amber", "amber+strict", "red"]
    recipients: list[str] = Field(default_factory=list, max_length=200)
    reason: str = Reason


REVIEW_BODIES: dict[str, type[Schema]] = {
    "confirm": ConfirmIn,
    "edit": EditIn,
    "merge": MergeIn,
    "split": SplitIn,
    "reject": RejectIn,
    "relocate": RelocateIn,
    "mark": MarkIn,
}

IncidentQuery = filter_query_schema(IncidentFilter, "IncidentQuery")
EngagementQuery = filter_query_schema(EngagementFilter, "EngagementQuery")
IncidentPage = page_schema(IncidentOut, "IncidentPage")
EngagementPage = page_schema(EngagementOut, "EngagementPage")
ID = Path(..., ge=1, le=MAX_ID, description="Id.")  # type: ignore[type-arg]
ACTION = Path(..., description="The decision.")  # type: ignore[type-arg]


# --- serialisation ----------------------------------------------------------------------------

_EVENT_FIELDS = tuple(name for name in EventOut.model_fields)
_INCIDENT_FIELDS = tuple(n for n in IncidentOut.model_fields if n != "claims_count")
_ENGAGEMENT_FIELDS = tuple(EngagementOut.model_fields)


def incident_data(incident: Incident) -> dict[str, Any]:
    data = {name: getattr(incident, name) for name in _INCIDENT_FIELDS if name != "id"}
    count = getattr(incident, "claims_count", None)
    data["claims_count"] = incident.claims.count() if count is None else count
    return data | {"id": incident.pk}


def engagement_data(engagement: Engagement) -> dict[str, Any]:
    return {name: getattr(engagement, name) for name in _ENGAGEMENT_FIELDS if name != "id"} | {
        "id": engagement.pk
    }


def claims_data(obj: Incident | Engagement, user: Any) -> list[dict[str, Any]]:
    claims: list[Claim] = list(
        obj.claims.select_related("report__source", "analyst").order_by("field", "created", "pk")
    )
    visible = visible_report_ids(user, {c.report_id for c in claims if c.report_id})
    rows = []
    for claim in claims:
        report = claim.report if claim.report_id in visible else None
        evidence = None
        if report is not None and claim.start is not None and claim.end is not None:
            evidence = report.text[claim.start : claim.end]
        rows.append(
            {
                "id": claim.pk,
                "field": claim.field,
                "value": claim.value,
                "report": report.pk if report else None,
                "source": report.source.name if report else None,
                "reliability": claim.report.source.reliability if claim.report_id else None,
                "published": claim.report.published if claim.report_id else None,
                "analyst": claim.analyst.get_username() if claim.analyst_id else None,
                "start": claim.start,
                "end": claim.end,
                "evidence": evidence,
            }
        )
    return rows


def reports_data(obj: Incident | Engagement, user: Any) -> tuple[list[dict[str, Any]], int]:
    ids = set(obj.mentions.values_list("report_id", flat=True))
    visible = visible_report_ids(user, ids)
    reports = Report.objects.filter(pk__in=visible).select_related("source").order_by("pk")
    rows = [
        {
            "id": r.pk,
            "title": r.title,
            "source": r.source.name,
            "published": r.published,
            "url": r.url,
            "near_duplicate_of": r.near_duplicate_of_id,
        }
        for r in reports
    ]
    return rows, len(ids) - len(visible)


def decision_data(decision: ReviewDecision) -> dict[str, Any]:
    return {
        "id": decision.pk,
        "decision": decision.decision,
        "analyst": decision.analyst.get_username(),
        "reason": decision.reason,
        "payload": decision.payload,
        "created": decision.created,
    }


def _page(queryset: Any, filters: Any, serialise: Any) -> dict[str, Any]:
    window = list(queryset[filters.offset : filters.offset + filters.limit])
    return {
        "count": queryset.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [serialise(obj) for obj in window],
    }


def _filtered_incidents(request: HttpRequest) -> Any:
    user = request.user
    filterset = bind_incident_filter(request.GET, user, incidents_for(user))
    if not filterset.is_valid():
        raise InvalidData.from_form(filterset.form)
    return filterset.qs


# --- incidents ------------------------------------------------------------------------------


@router.get(
    "/incidents",
    response={200: IncidentPage, **READ_ERRORS},
    operation_id="intel_incidents_list",
    summary="List incidents",
    url_name="intel-incidents-list",
)
def list_incidents(request: HttpRequest, filters: Query[IncidentQuery]) -> Any:  # type: ignore[valid-type]
    """Incidents, filtered like the web list, newest first, with the total count."""
    queryset = (
        _filtered_incidents(request).annotate(claims_count=Count("claims")).order_by(*NEWEST_FIRST)
    )
    return _page(queryset, filters, incident_data)


@router.get(
    "/incidents/export.csv",
    response={200: None, **READ_ERRORS},
    operation_id="intel_incidents_export_csv",
    summary="Export incidents as CSV",
    description="The filtered list as CSV (limit and offset are ignored).",
)
def export_incidents_csv(request: HttpRequest, filters: Query[IncidentQuery]) -> Any:  # type: ignore[valid-type]
    queryset = _filtered_incidents(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    exports.prepare_download(response, request.user, queryset, "csv")
    response.write("\ufeff")
    exports.write_csv(queryset, response, request.build_absolute_uri("/").rstrip("/"))
    return response


@router.get(
    "/incidents/export.geojson",
    response={200: None, **READ_ERRORS},
    operation_id="intel_incidents_export_geojson",
    summary="Export incidents as GeoJSON",
    description=(
        "A FeatureCollection of Point features; `skipped` counts incidents without "
        "coordinates (limit and offset are ignored)."
    ),
)
def export_incidents_geojson(request: HttpRequest, filters: Query[IncidentQuery]) -> Any:  # type: ignore[valid-type]
    queryset = _filtered_incidents(request)
    data = exports.feature_collection(queryset, request.build_absolute_uri("/").rstrip("/"))
    response = JsonResponse(data, content_type="application/geo+json")
    return exports.prepare_download(response, request.user, queryset, "geojson")


def _incident_detail(incident: Incident, user: Any) -> dict[str, Any]:
    reports, hidden = reports_data(incident, user)
    return incident_data(incident) | {
        "claims": claims_data(incident, user),
        "reports": reports,
        "hidden_reports": hidden,
        "decisions": [decision_data(d) for d in incident.decisions.select_related("analyst")],
        "merged_from": list(incident.merged_from.values_list("pk", flat=True)),
    }


@router.get(
    "/incidents/{pk}",
    response={200: IncidentDetailOut, **READ_ERRORS},
    operation_id="intel_incidents_get",
    summary="Read an incident with its claims",
    url_name="intel-incidents-detail",
)
def get_incident(request: HttpRequest, pk: int = ID) -> Any:
    """The incident, every claim with its evidence span, its reports and its decisions."""
    incident = gate.get_object(request.user, Action.VIEW, incidents_for(request.user), pk=pk)
    return _incident_detail(incident, request.user)


def _review_data(action: str, sent: dict[str, Any], incident: Incident) -> dict[str, Any]:
    data = dict(sent)
    if action == "edit":
        data["changes"] = {k: v for k, v in sent.items() if k != "reason"}
        if not data["changes"]:
            raise InvalidData({NON_FIELD_ERRORS: ["Send at least one field to change."]})
    elif action == "split":
        _, mentions = split_choices(incident)
        unknown = sorted(set(sent["reports"]) - set(mentions))
        if unknown:
            raise InvalidData(
                {"reports": [f"Not reports of this incident: {unknown[:20]}."]}, status=422
            )
        data["mentions"] = [m for report_id in set(sent["reports"]) for m in mentions[report_id]]
    elif action == "relocate":
        if sent.get("gazetteer_id"):
            place = gazetteer_place(str(sent["gazetteer_id"]))
            if place is None:
                raise InvalidData({"gazetteer_id": ["That place is not in the gazetteer."]})
        else:
            place = {"lat": sent["lat"], "lon": sent["lon"], "name": sent.get("name") or ""}
        data["place"] = place
    elif action == "mark":
        from safepassage.accounts.models import User

        names = set(sent.get("recipients") or [])
        people = list(User.objects.filter(username__in=names, is_active=True))
        missing = sorted(names - {u.username for u in people})
        if missing:
            raise InvalidData({"recipients": [f"No active user named {', '.join(missing[:10])}."]})
        data["recipients"] = people
    return data


@router.post(
    "/incidents/{pk}/review/{action}",
    response={200: ReviewOut, 201: ReviewOut, **WRITE_ERRORS},
    operation_id="intel_incidents_review",
    summary="Make a review decision on an incident",
    description=(
        "Analysts and administrators. `confirm` {reason?}, `reject` {reason}, `edit` "
        "{attack_type?, date?, date_precision?, deaths?, injured?, perpetrators_killed?, "
        "reason?}, `merge` {other, reason?} folds incident `other` into this one, `split` "
        "{reports, reason?} moves those reports to a new incident (201), `relocate` "
        "{gazetteer_id | lat+lon, name?, reason?}, `mark` {tlp, recipients? (RED only), "
        "reason? (needed to lower a marking)}."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [body.model_json_schema() for body in REVIEW_BODIES.values()]
                    }
                }
            },
        }
    },
)
def review_incident(
    request: HttpRequest,
    pk: int = ID,
    action: ReviewAction = ACTION,
) -> Any:
    user = request.user
    gate.require(user, Action.CHANGE, Incident)
    incident = gate.get_object(user, Action.VIEW, visible_incidents(), pk=pk)
    sent = parse_body(request, REVIEW_BODIES[action])
    data = _review_data(action, sent, incident)
    try:
        result = apply_review(user, incident, action, data)
    except ValidationError as exc:
        codes = {getattr(e, "code", None) for e in exc.error_list}
        status = 409 if codes and codes <= CONFLICT_CODES else 422
        raise InvalidData({NON_FIELD_ERRORS: exc.messages}, status=status) from None
    if action == "split":
        decision = incident.decisions.order_by("-pk").first()
        body = {
            "decision": decision_data(decision),
            "incident": incident_data(Incident.objects.get(pk=incident.pk)),
            "new_incident": result.pk,
        }
        return Status(201, body)
    fresh = Incident.objects.get(pk=incident.pk)
    return {
        "decision": decision_data(result),
        "incident": incident_data(fresh),
        "new_incident": None,
    }


# --- engagements ----------------------------------------------------------------------------


@router.get(
    "/engagements",
    response={200: EngagementPage, **READ_ERRORS},
    operation_id="intel_engagements_list",
    summary="List engagements",
    url_name="intel-engagements-list",
)
def list_engagements(request: HttpRequest, filters: Query[EngagementQuery]) -> Any:  # type: ignore[valid-type]
    """Meetings, agreements and announcements, newest first, filtered like the timeline."""
    filterset = EngagementFilter(request.GET, queryset=engagements_for(request.user))
    if not filterset.is_valid():
        raise InvalidData.from_form(filterset.form)
    return _page(filterset.qs.order_by(*NEWEST_FIRST), filters, engagement_data)


@router.get(
    "/engagements/{pk}",
    response={200: EngagementDetailOut, **READ_ERRORS},
    operation_id="intel_engagements_get",
    summary="Read an engagement with its claims",
    url_name="intel-engagements-detail",
)
def get_engagement(request: HttpRequest, pk: int = ID) -> Any:
    user = request.user
    engagement = gate.get_object(user, Action.VIEW, engagements_for(user), pk=pk)
    reports, hidden = reports_data(engagement, user)
    return engagement_data(engagement) | {
        "claims": claims_data(engagement, user),
        "reports": reports,
        "hidden_reports": hidden,
        "decisions": [decision_data(d) for d in engagement.decisions.select_related("analyst")],
    }
