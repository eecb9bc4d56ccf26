"""Pages of the incident picture: incidents, the review queue, reports, engagements, jobs.

Every view is the usual four steps: a scoped lookup through the gate, validation, one write
(through the review service, which goes through the gate), a response. Everyone who may
see incidents reads them; analysts and administrators review them. Report texts, source
names and evidence appear only for reports the reader may open, and an incident's audit
trail only for those who may change incidents.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from safepassage.access import gate, marking
from safepassage.access.policy import Action
from safepassage.intel import exports
from safepassage.intel.choices import ReviewState
from safepassage.intel.filters import (
    NEWEST_FIRST,
    EngagementFilter,
    IncidentFilter,
    visible_incidents,
)
from safepassage.intel.forms_review import FORMS, PlaceSearchForm, SplitForm
from safepassage.intel.highlight import Span, highlight
from safepassage.intel.models import Claim, Engagement, Incident, Mention, Report, Source
from safepassage.intel.services import review
from safepassage.intel.services.linker import REVIEW_BELOW

PAGE_SIZE = 50
# Reports whose full text the incident page shows; the rest are listed by title.
MAX_TEXTS = 30
SIMILAR_DAYS = 30
MAX_CANDIDATES = 10
MAX_HISTORY = 200
FIELD_ORDER = (
    "date",
    "location",
    "attack_type",
    "deaths",
    "injured",
    "perpetrators_killed",
    "perpetrators",
    "targets",
    "victim_nationalities",
    "participants",
    "topics",
)
ENGAGEMENT_ACTIONS = ("confirm", "reject")
_TASK_ID = re.compile(r"^[0-9a-f]{32}$")


# --- shared helpers (the API uses them too) -------------------------------------------


def incidents_for(user: Any) -> QuerySet[Incident]:
    """The incidents ``user`` may see (merged pointers left out)."""
    gate.require(user, Action.VIEW, Incident)
    return gate.restrict(visible_incidents(), user, Action.VIEW)


def engagements_for(user: Any) -> QuerySet[Engagement]:
    gate.require(user, Action.VIEW, Engagement)
    return gate.restrict(Engagement.objects.all(), user, Action.VIEW)


def bind_incident_filter(data: Any, user: Any, queryset: QuerySet[Incident]) -> IncidentFilter:
    """The incident filter over ``queryset``, offering only sources the user may see."""
    bound = IncidentFilter(data, queryset=queryset)
    bound.form.fields["source"].queryset = gate.restrict(Source.objects.all(), user, Action.VIEW)
    return bound


def display_value(value: Any) -> str:
    """A claim's value in a few words, whatever shape extraction gave it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        if "total" in value or "min" in value:
            text = str(value.get("total") if value.get("total") is not None else "?")
            if value.get("min") is not None or value.get("max") is not None:
                text += f" ({value.get('min', '?')}–{value.get('max', '?')})"
            groups = [
                f"{g.get('nationality')}: {g.get('count')}"
                for g in value.get("by_group") or []
                if isinstance(g, dict) and g.get("nationality")
            ]
            if groups:
                text += " · " + ", ".join(groups)
            return text + (" · official" if value.get("official") else "")
        if "value" in value:
            precision = value.get("precision")
            return f"{value['value']}" + (f" ({precision})" if precision else "")
        if "name" in value:
            parts = [value.get("name"), value.get("admin2"), value.get("admin1")]
            text = ", ".join(str(p) for p in parts if p)
            if value.get("lat") is not None and value.get("lon") is not None:
                text += f" [{value['lat']}, {value['lon']}]"
            return text
        return ", ".join(f"{k}: {v}" for k, v in sorted(value.items()))
    if isinstance(value, list):
        return ", ".join(display_value(v) for v in value) or "—"
    return str(value)


@dataclass
class ClaimRow:
    claim: Claim
    value: str
    report: Report | None
    source_name: str
    reliability: str
    published: Any
    analyst: str
    evidence: str


@dataclass
class FieldClaims:
    field: str
    rows: list[ClaimRow] = dc_field(default_factory=list)
    conflict: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        return self.field.replace("_", " ").capitalize()


def visible_report_ids(user: Any, report_ids: set[int]) -> set[int]:
    """The ids among ``report_ids`` of reports ``user`` may open."""
    if not report_ids or not gate.can(user, Action.VIEW, Report):
        return set()
    scoped = gate.restrict(Report.objects.filter(pk__in=report_ids), user, Action.VIEW)
    return set(scoped.values_list("pk", flat=True))


def claim_groups(obj: Incident | Engagement, user: Any) -> list[FieldClaims]:
    """Every claim of ``obj``, grouped by field, with its provenance as far as user may see."""
    claims = list(
        obj.claims.select_related("report__source", "analyst").order_by("field", "created", "pk")
    )
    visible = visible_report_ids(user, {c.report_id for c in claims if c.report_id})
    conflicts = {c.get("field"): c for c in obj.conflicts or [] if isinstance(c, dict)}
    groups: dict[str, FieldClaims] = {}
    for claim in claims:
        report = claim.report if claim.report_id in visible else None
        evidence = ""
        if report is not None and claim.start is not None and claim.end is not None:
            evidence = report.text[claim.start : claim.end][:400]
        group = groups.setdefault(
            claim.field, FieldClaims(claim.field, conflict=conflicts.get(claim.field))
        )
        group.rows.append(
            ClaimRow(
                claim=claim,
                value=display_value(claim.value),
                report=report,
                source_name=report.source.name if report is not None else "",
                reliability=claim.report.source.reliability if claim.report_id else "",
                published=claim.report.published if claim.report_id else None,
                analyst=claim.analyst.get_username() if claim.analyst_id else "",
                evidence=evidence,
            )
        )
    order = {name: i for i, name in enumerate(FIELD_ORDER)}
    return sorted(groups.values(), key=lambda g: (order.get(g.field, 99), g.field))


def evidence_spans(report: Report, owner: Incident | Engagement | None = None) -> list[Span]:
    """The spans to mark in ``report``: its mentions' evidence and its claims' spans.

    With ``owner`` only the mentions and claims of that incident or engagement count.
    """
    mentions = report.mentions.all()
    claims = report.claims.all()
    if isinstance(owner, Incident):
        mentions, claims = mentions.filter(incident=owner), claims.filter(incident=owner)
    elif isinstance(owner, Engagement):
        mentions, claims = mentions.filter(engagement=owner), claims.filter(engagement=owner)
    spans: list[Span] = []
    for mention in mentions:
        for item in (mention.event or {}).get("evidence") or []:
            if isinstance(item, dict):
                start, end = item.get("start"), item.get("end")
                if isinstance(start, int) and isinstance(end, int):
                    spans.append(Span(start, end, f"event {mention.index + 1}"))
    for claim in claims.exclude(start__isnull=True).exclude(end__isnull=True):
        spans.append(Span(claim.start or 0, claim.end or 0, claim.field))
    return spans


def highlighted(report: Report, owner: Incident | Engagement | None = None) -> SafeString:
    """The report's text, escaped, with its evidence marked (safe to put in a page)."""
    return mark_safe(highlight(report.text, evidence_spans(report, owner)))  # noqa: S308


@dataclass
class ReportCard:
    report: Report
    text: SafeString | None
    mentions: list[Mention]


def report_cards(obj: Incident | Engagement, user: Any) -> tuple[list[ReportCard], int]:
    """The reports of ``obj`` the user may open (texts for the first few) and how many not."""
    mentions = list(obj.mentions.select_related("report__source", "report__near_duplicate_of"))
    by_report: dict[int, list[Mention]] = {}
    for mention in mentions:
        by_report.setdefault(mention.report_id, []).append(mention)
    visible = visible_report_ids(user, set(by_report))
    cards: list[ReportCard] = []
    for report_id in sorted(visible):
        report = by_report[report_id][0].report
        text = highlighted(report, obj) if len(cards) < MAX_TEXTS else None
        cards.append(ReportCard(report, text, by_report[report_id]))
    return cards, len(by_report) - len(visible)


def similar_incidents(incident: Incident, user: Any) -> QuerySet[Incident]:
    """Candidates to merge with: same kind, same province, dates within 30 days."""
    found = incidents_for(user).filter(kind=incident.kind).exclude(pk=incident.pk)
    if incident.admin1:
        found = found.filter(admin1=incident.admin1)
    if incident.date:
        window = datetime.timedelta(days=SIMILAR_DAYS)
        found = found.filter(date__range=(incident.date - window, incident.date + window))
    return found.order_by(*NEWEST_FIRST)[:20]


def history(obj: Incident | Engagement, user: Any) -> dict[str, Any]:
    """Review decisions (for every reader) and audit records (for those who may change it)."""
    from safepassage.audit.models import AuditRecord

    decisions = list(obj.decisions.select_related("analyst")[:MAX_HISTORY])
    records: list[Any] = []
    may_audit = gate.can(user, Action.CHANGE, obj) or gate.can(user, Action.VIEW, "audit")
    if may_audit:
        records = list(
            AuditRecord.objects.filter(
                object_type=obj._meta.label_lower, object_id=str(obj.pk)
            ).order_by("-seq")[:MAX_HISTORY]
        )
    return {"decisions": decisions, "audit": records, "may_audit": may_audit}


def why_queued(obj: Incident | Engagement) -> list[str]:
    """Why an incident or engagement is waiting for an analyst, in short phrases."""
    reasons = []
    for conflict in obj.conflicts or []:
        if isinstance(conflict, dict):
            values = ", ".join(str(v) for v in conflict.get("values") or [])[:120]
            reasons.append(f"conflicting {conflict.get('field')}: {values}")
    if obj.review_state == ReviewState.NEEDS_REVIEW:
        if obj.confidence < REVIEW_BELOW:
            reasons.append(f"low confidence ({obj.confidence:.2f})")
        if obj.date is None:
            reasons.append("no date")
        if not obj.place_name:
            reasons.append("no place")
        if not reasons:
            reasons.append("new, not yet reviewed")
    return reasons


def split_choices(incident: Incident) -> tuple[list[tuple[int, str]], dict[int, list[int]]]:
    """(report id, label) choices for splitting, and each report's mention ids here."""
    mentions: dict[int, list[int]] = {}
    labels: dict[int, str] = {}
    for mention in incident.mentions.select_related("report__source").order_by("report_id"):
        mentions.setdefault(mention.report_id, []).append(mention.pk)
        report = mention.report
        labels[report.pk] = f"#{report.pk} {report}"[:120] + f" · {report.source.name}"
    return list(labels.items()), mentions


def gazetteer_place(place_id: str) -> dict[str, Any] | None:
    """A gazetteer entry as the review service's place, or None when unknown."""
    from safepassage.geo import Gazetteer

    found = Gazetteer.default().get(place_id)
    if found is None:
        return None
    return {
        "id": found.id,
        "name": found.name,
        "country": found.country,
        "admin1": found.admin1 or "",
        "admin2": found.admin2 or "",
        "lat": found.lat,
        "lon": found.lon,
        "precision": found.precision,
    }


def place_candidates(query: str) -> list[Any]:
    """Gazetteer places the text may name, best first."""
    from safepassage.geo import Gazetteer

    return Gazetteer.default().candidates(query)[:MAX_CANDIDATES]


def apply_review(user: Any, incident: Incident, action: str, data: dict[str, Any]) -> Any:
    """Run one review action with already-validated data; returns what the service returns.

    Raises ValidationError for a decision the rules refuse and PermissionDenied for a user
    who may not make it.
    """
    reason = str(data.get("reason") or "")
    if action == "confirm":
        return review.confirm(user, incident, reason)
    if action == "reject":
        return review.reject(user, incident, reason)
    if action == "edit":
        return review.edit(user, incident, data["changes"], reason)
    if action == "merge":
        other = Incident.objects.filter(pk=data["other"]).first()
        if other is None or not gate.in_scope(user, Action.VIEW, other):
            raise ValidationError(f"There is no incident #{data['other']}.", code="invalid")
        return review.merge(user, incident, other, reason)
    if action == "split":
        return review.split(user, incident, data["mentions"], reason)
    if action == "relocate":
        place = data["place"]
        return review.relocate(user, incident, place, reason)
    if action == "mark":
        return review.mark(user, incident, data["tlp"], data["recipients"], reason)
    raise Http404("No such review action.")


# --- incidents ----------------------------------------------------------------------------


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    queryset = incidents_for(user).annotate(claims_count=Count("claims"))
    filterset = bind_incident_filter(request.GET, user, queryset)
    # A filter that does not validate shows nothing rather than everything.
    found = filterset.qs if filterset.is_valid() else queryset.none()
    page = Paginator(found.order_by(*NEWEST_FIRST), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "intel/incident_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "can_review": gate.can(user, Action.CHANGE, Incident),
        },
        status=200 if filterset.is_valid() else 400,
    )


def _filtered_for_export(request: HttpRequest) -> QuerySet[Incident]:
    filterset = bind_incident_filter(request.GET, request.user, incidents_for(request.user))
    if not filterset.is_valid():
        raise ValidationError("The filters are not valid.")
    return filterset.qs


@login_required
def incident_export_csv(request: HttpRequest) -> HttpResponse:
    try:
        queryset = _filtered_for_export(request)
    except ValidationError:
        return HttpResponse("The filters are not valid.", status=400, content_type="text/plain")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    exports.prepare_download(response, request.user, queryset, "csv")
    response.write("\ufeff")
    exports.write_csv(queryset, response, request.build_absolute_uri("/").rstrip("/"))
    return response


@login_required
def incident_export_geojson(request: HttpRequest) -> HttpResponse:
    try:
        queryset = _filtered_for_export(request)
    except ValidationError:
        return JsonResponse({"detail": "The filters are not valid."}, status=400)
    data = exports.feature_collection(queryset, request.build_absolute_uri("/").rstrip("/"))
    response = JsonResponse(data, content_type="application/geo+json")
    return exports.prepare_download(response, request.user, queryset, "geojson")


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    gate.require(user, Action.VIEW, Incident)
    incident: Incident = gate.get_object(user, Action.VIEW, Incident, pk=pk)
    if incident.merged_into_id:
        messages.info(request, f"Incident #{incident.pk} was merged into this one.")
        return redirect("intel:incident-detail", pk=incident.merged_into_id)
    cards, hidden = report_cards(incident, user)
    return render(
        request,
        "intel/incident_detail.html",
        {
            "incident": incident,
            "groups": claim_groups(incident, user),
            "cards": cards,
            "hidden_reports": hidden,
            "history": history(incident, user),
            "why": why_queued(incident),
            "can_review": gate.in_scope(user, Action.CHANGE, incident),
        },
    )


def _review_context(
    request: HttpRequest, incident: Incident, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    choices, _ = split_choices(incident)
    bound = forms or {}
    context_forms = {
        name: bound.get(name)
        or (
            form_class(report_choices=choices, prefix=name)
            if form_class is SplitForm
            else form_class(prefix=name)
        )
        for name, form_class in FORMS.items()
    }
    search = PlaceSearchForm(request.GET or None)
    candidates: list[Any] = []
    if search.is_bound and search.is_valid():
        candidates = place_candidates(search.cleaned_data["place"])
    return {
        "incident": incident,
        "forms": context_forms,
        "search": search,
        "candidates": candidates,
        "similar": similar_incidents(incident, request.user),
        "why": why_queued(incident),
    }


@login_required
def incident_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    gate.require(user, Action.CHANGE, Incident)
    incident = gate.get_object(user, Action.CHANGE, visible_incidents(), pk=pk)
    return render(request, "intel/review_incident.html", _review_context(request, incident))


def _review_data(action: str, form: Any, incident: Incident) -> dict[str, Any]:
    data: dict[str, Any] = dict(form.cleaned_data)
    if action == "edit":
        data["changes"] = form.changes()
        if not data["changes"]:
            raise ValidationError("Fill in at least one field to change.")
    elif action == "split":
        _, mentions = split_choices(incident)
        data["mentions"] = [m for report_id in data["reports"] for m in mentions[report_id]]
    elif action == "relocate":
        if data.get("gazetteer_id"):
            place = gazetteer_place(data["gazetteer_id"])
            if place is None:
                raise ValidationError("That place is not in the gazetteer.")
        else:
            place = {"lat": data["lat"], "lon": data["lon"], "name": data.get("name") or ""}
        data["place"] = place
    return data


@login_required
@require_POST
def incident_review_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    if action not in FORMS:
        raise Http404("No such review action.")
    gate.require(user, Action.CHANGE, Incident)
    incident = gate.get_object(user, Action.CHANGE, visible_incidents(), pk=pk)
    form_class = FORMS[action]
    if form_class is SplitForm:
        choices, _ = split_choices(incident)
        form = form_class(request.POST, prefix=action, report_choices=choices)
    else:
        form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            result = apply_review(user, incident, action, _review_data(action, form, incident))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _done_message(action, incident, result))
            if action == "split":
                return redirect(result.get_absolute_url())
            if action == "mark" and not marking.may_read(user, incident):
                return redirect("intel:incident-list")  # now marked out of this user's sight
            return redirect("intel:incident-detail", pk=incident.pk)
    incident.refresh_from_db()
    context = _review_context(request, incident, {action: form})
    context["failed"] = action
    return render(request, "intel/review_incident.html", context, status=400)


def _done_message(action: str, incident: Incident, result: Any) -> str:
    if action == "split":
        return f"Split: the chosen reports now form incident #{result.pk}."
    if action == "merge":
        return f"Incident #{result.payload.get('merged')} was merged into this one."
    labels = {
        "confirm": "confirmed",
        "reject": "rejected",
        "edit": "edited",
        "relocate": "placed",
        "mark": f"marked {incident.get_tlp_display()}",
    }
    return f"Incident #{incident.pk} {labels[action]}."


# --- review queue ---------------------------------------------------------------------------


def _queued(queryset: QuerySet[Any]) -> QuerySet[Any]:
    waiting = Q(review_state=ReviewState.NEEDS_REVIEW) | Q(has_conflict=True)
    return queryset.filter(waiting).exclude(review_state=ReviewState.REJECTED)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    gate.require(user, Action.CHANGE, Incident)
    incidents = _queued(
        gate.restrict(visible_incidents(), user, Action.CHANGE).order_by("created", "pk")
    )
    engagements = Engagement.objects.none()
    if gate.can(user, Action.CHANGE, Engagement):
        engagements = _queued(
            gate.restrict(Engagement.objects.all(), user, Action.CHANGE).order_by("created", "pk")
        )
    which = request.GET.get("show", "incidents")
    source = engagements if which == "engagements" else incidents
    page = Paginator(source, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(obj, why_queued(obj)) for obj in page]
    return render(
        request,
        "intel/review_queue.html",
        {
            "page": page,
            "rows": rows,
            "show": "engagements" if which == "engagements" else "incidents",
            "incident_count": incidents.count(),
            "engagement_count": engagements.count(),
        },
    )


# --- reports --------------------------------------------------------------------------------


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    gate.require(user, Action.VIEW, Report)
    report = gate.get_object(
        user, Action.VIEW, Report.objects.select_related("source", "near_duplicate_of"), pk=pk
    )
    mentions = list(report.mentions.select_related("incident", "engagement"))
    incident_ids = {m.incident_id for m in mentions if m.incident_id}
    engagement_ids = {m.engagement_id for m in mentions if m.engagement_id}
    incidents = (
        gate.restrict(Incident.objects.filter(pk__in=incident_ids), user)
        if gate.can(user, Action.VIEW, Incident)
        else Incident.objects.none()
    )
    engagements = (
        gate.restrict(Engagement.objects.filter(pk__in=engagement_ids), user)
        if gate.can(user, Action.VIEW, Engagement)
        else Engagement.objects.none()
    )
    near = gate.restrict(report.near_duplicates.all(), user)
    return render(
        request,
        "intel/report_detail.html",
        {
            "report": report,
            "text": highlighted(report),
            "mentions": mentions,
            "incidents": incidents,
            "engagements": engagements,
            "near_duplicates": near,
            "original": report.near_duplicate_of
            if report.near_duplicate_of_id
            and gate.in_scope(user, Action.VIEW, report.near_duplicate_of)
            else None,
            "can_see_source": gate.in_scope(user, Action.VIEW, report.source),
        },
    )


# --- engagements ----------------------------------------------------------------------------


@login_required
def engagement_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    queryset = engagements_for(user)
    filterset = EngagementFilter(request.GET, queryset=queryset)
    found = filterset.qs if filterset.is_valid() else queryset.none()
    page = Paginator(found.order_by(*NEWEST_FIRST), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "intel/engagement_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
        status=200 if filterset.is_valid() else 400,
    )


@login_required
def engagement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    gate.require(user, Action.VIEW, Engagement)
    engagement: Engagement = gate.get_object(user, Action.VIEW, Engagement, pk=pk)
    cards, hidden = report_cards(engagement, user)
    return render(
        request,
        "intel/engagement_detail.html",
        {
            "engagement": engagement,
            "groups": claim_groups(engagement, user),
            "cards": cards,
            "hidden_reports": hidden,
            "history": history(engagement, user),
            "why": why_queued(engagement),
            "can_review": gate.in_scope(user, Action.CHANGE, engagement),
            "forms": {name: FORMS[name](prefix=name) for name in ENGAGEMENT_ACTIONS},
        },
    )


@login_required
@require_POST
def engagement_review_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    if action not in ENGAGEMENT_ACTIONS:
        raise Http404("No such review action.")
    gate.require(user, Action.CHANGE, Engagement)
    engagement: Engagement = gate.get_object(user, Action.CHANGE, Engagement, pk=pk)
    form = FORMS[action](request.POST, prefix=action)
    if form.is_valid():
        try:
            if action == "confirm":
                review.confirm(user, engagement, form.cleaned_data["reason"])
            else:
                review.reject(user, engagement, form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("intel:engagement-detail", pk=engagement.pk)
        messages.success(request, f"Engagement #{engagement.pk} {action}ed.")
        return redirect("intel:engagement-detail", pk=engagement.pk)
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)
    return redirect("intel:engagement-detail", pk=engagement.pk)


# --- jobs (dead-letter list) ----------------------------------------------------------------


@dataclass
class FailedJob:
    id: str
    name: str
    func: str
    args: str
    kwargs: str
    started: Any
    stopped: Any
    attempts: int
    result: str


def _safe_repr(value: Any, limit: int = 2000) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not break the page
        text = "<unreadable>"
    return text[:limit]


def failed_jobs(limit: int = 200) -> list[FailedJob]:
    """The newest failed tasks, with what they were called with and what they raised."""
    from django_q.models import Failure

    rows = []
    for task in Failure.objects.order_by("-stopped")[:limit]:
        rows.append(
            FailedJob(
                id=task.id,
                name=task.name,
                func=task.func,
                args=_safe_repr(task.args),
                kwargs=_safe_repr(task.kwargs),
                started=task.started,
                stopped=task.stopped,
                attempts=task.attempt_count,
                result=str(task.result or "")[:50_000],
            )
        )
    return rows


def queued_counts(limit: int = 500) -> dict[str, Any]:
    """How many tasks wait in the queue, how many are claimed, and the most common ones."""
    from django_q.models import OrmQ

    total = OrmQ.objects.count()
    claimed = OrmQ.objects.filter(lock__isnull=False).count()
    by_func: dict[str, int] = {}
    for entry in OrmQ.objects.order_by("id")[:limit]:
        try:
            func = entry.func()
        except Exception:  # noqa: BLE001 - an unreadable payload is counted, not fatal
            func = None
        name = str(func) if func else "(unreadable)"
        by_func[name] = by_func.get(name, 0) + 1
    return {
        "total": total,
        "claimed": claimed,
        "by_func": sorted(by_func.items(), key=lambda kv: (-kv[1], kv[0])),
    }


@login_required
def jobs_list(request: HttpRequest) -> HttpResponse:
    gate.require(request.user, Action.VIEW, "jobs")
    return render(
        request,
        "intel/jobs_list.html",
        {
            "failed": failed_jobs(),
            "queued": queued_counts(),
            "can_retry": gate.can(request.user, Action.CHANGE, "jobs"),
        },
    )


def retry_job(task_id: str) -> str:
    """Queue a failed task again with its function and arguments; its failure row goes.

    The retry is appended to the audit log (who retried which job, and its new id), since
    django-q2's tables are not audited models. Returns the new task's id.
    """
    from django_q.models import Failure
    from django_q.tasks import async_task

    from safepassage.audit.recorder import append

    task = Failure.objects.filter(id=task_id).first()
    if task is None:
        raise Http404("No such failed job.")
    options: dict[str, Any] = {"group": task.group} if task.group else {}
    if task.hook:
        options["hook"] = task.hook
    if task.name:
        options["task_name"] = task.name
    kwargs = dict(task.kwargs or {})
    args = tuple(task.args or ())
    task.delete()
    new_id = str(async_task(task.func, *args, **options, **kwargs))
    append(
        "delete",
        "django_q.failure",
        task_id,
        task.name or task.func,
        {"func": task.func, "args": _safe_repr(args, 500), "retried_as": new_id},
    )
    return new_id


@login_required
@require_POST
def jobs_retry(request: HttpRequest, task_id: str) -> HttpResponse:
    if not gate.can(request.user, Action.CHANGE, "jobs"):
        raise PermissionDenied("Only administrators may retry jobs.")
    if not _TASK_ID.match(task_id):
        raise Http404("No such failed job.")
    retry_job(task_id)
    messages.success(request, "The job was queued again.")
    return redirect(reverse("intel:jobs-list"))


incident_patterns = [
    path("incidents/", incident_list, name="incident-list"),
    path("incidents/export.csv", incident_export_csv, name="incident-export-csv"),
    path("incidents/export.geojson", incident_export_geojson, name="incident-export-geojson"),
    path("incidents/<int:pk>/", incident_detail, name="incident-detail"),
    path("incidents/<int:pk>/review/", incident_review, name="incident-review"),
    path(
        "incidents/<int:pk>/review/<str:action>/",
        incident_review_action,
        name="incident-review-action",
    ),
    path("review/", review_queue, name="review-queue"),
    path("reports/<int:pk>/", report_detail, name="report-detail"),
    path("engagements/", engagement_list, name="engagement-list"),
    path("engagements/<int:pk>/", engagement_detail, name="engagement-detail"),
    path(
        "engagements/<int:pk>/review/<str:action>/",
        engagement_review_action,
        name="engagement-review-action",
    ),
    path("jobs/", jobs_list, name="jobs-list"),
    path("jobs/<str:task_id>/retry/", jobs_retry, name="jobs-retry"),
]
