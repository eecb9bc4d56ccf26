"""The panels of the persona dashboards: what each role looks at first.

A panel is built from querysets the gate has restricted for the reader, so it shows only
what the reader may see (scope and TLP markings both). A builder returns None when the
reader's role may not read the panel's resource at all; the dashboard then leaves the
panel out rather than showing an empty box the reader could never fill.

Which panels a role gets, and in what order, is data (``ROLE_PANELS``): the security
coordinator watches their people, sites and movements; the unit commander the requests to
decide, the escorts on duty and overdue check-ins; the analyst the review queue, new
incidents and trends; the partner liaison what is shared with them.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Model, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from safepassage.access import gate
from safepassage.access.policy import Action, Role
from safepassage.intel.choices import ReviewState
from safepassage.intel.filters import NEWEST_FIRST, visible_incidents
from safepassage.intel.models import Engagement, Incident
from safepassage.movements.choices import MovementState
from safepassage.movements.models import Assignment, MovementRequest
from safepassage.registry.choices import Province
from safepassage.registry.models import ProtectedPerson, Site
from safepassage.sharing import tlp

# How far back "new" incidents go, and how many rows a panel lists before "see all".
NEW_DAYS = 7
ROWS = 8
TREND_YEARS = 5


@dataclass
class Panel:
    """One box of the dashboard: a title, a headline count, rows and where to see all."""

    key: str
    title: str
    count: int
    rows: list[Any] = field(default_factory=list)
    url: str = ""
    url_label: str = "See all"
    empty: str = "Nothing to show."
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return f"dashboard/home_{self.key}.html"


@dataclass(frozen=True)
class Context:
    """Who the dashboard is for, and the moment it describes."""

    user: Any
    now: datetime.datetime

    @property
    def today(self) -> datetime.date:
        day: datetime.date = timezone.localdate(self.now)
        return day

    @property
    def role(self) -> str:
        return str(getattr(self.user, "role", "") or "")


Builder = Callable[[Context], Panel | None]


def _can(ctx: Context, resource: str, action: str = Action.VIEW) -> bool:
    return gate.can(ctx.user, action, resource)


def _gated(resource: str | type[Model], action: str = Action.VIEW) -> Callable[[Builder], Builder]:
    """Wraps a builder so that it answers None unless ``gate.can(user, action, resource)``.

    The check comes first, so nothing is read for a role that may not read the panel's
    resource at all (``decide`` and ``shared`` have conditions of their own and check inline).
    """

    def wrap(build: Builder) -> Builder:
        @functools.wraps(build)
        def gated(ctx: Context) -> Panel | None:
            if not gate.can(ctx.user, action, resource):
                return None
            return build(ctx)

        return gated

    return wrap


def tlp_label(value: str) -> str:
    """The marking as a badge text, or '' for a value that is not a marking."""
    try:
        return tlp.label(value)
    except (ValueError, KeyError):
        return ""


# --- registry: people and sites -------------------------------------------------------------


def _count_by(people: QuerySet[ProtectedPerson], value: str) -> QuerySet[Any]:
    """How many of ``people`` share each ``value``, the most common first."""
    return people.values(value).annotate(n=Count("pk")).order_by("-n", value)


@_gated("person")
def people(ctx: Context) -> Panel | None:
    """The protected people in scope, by home site, and those on a movement under way."""
    scoped = gate.restrict(ProtectedPerson.objects.all(), ctx.user)
    # Grouped and counted outside the gate's queryset, whose joins may repeat a person.
    ids = scoped.values("pk")
    mine = ProtectedPerson.objects.filter(pk__in=ids)
    by_site = list(_count_by(mine, "home_site__name")[:ROWS])
    by_nationality = list(_count_by(mine, "nationality"))
    moving = ProtectedPerson.objects.filter(
        pk__in=ids, movements__state=MovementState.UNDER_WAY
    ).distinct()
    nationals = ctx.role == Role.PARTNER_LIAISON
    return Panel(
        "people",
        "Our nationals" if nationals else "My people",
        mine.count(),
        rows=[{"site": r["home_site__name"] or "No home site", "count": r["n"]} for r in by_site],
        url=reverse("registry:person-list"),
        empty="No protected people in your scope.",
        extra={
            "nationalities": [{"code": r["nationality"], "count": r["n"]} for r in by_nationality],
            "moving": moving.count(),
        },
    )


def _province_name(code: str) -> str:
    return str(dict(Province.choices).get(code, code))


@_gated("site")
def sites(ctx: Context) -> Panel | None:
    """Sites in scope, highest posture first, with their district's risk band."""
    scoped = gate.restrict(Site.objects.select_related("responsible_unit"), ctx.user)
    bands: dict[tuple[str, str], str] = {}
    if _can(ctx, "risk"):
        from safepassage.risk.services import district_scores

        bands = {(d.admin1, d.admin2): d.band for d in district_scores(ctx.now)}
    rows = []
    for site in scoped.order_by("-posture", "name")[:ROWS]:
        province = _province_name(site.province)
        rows.append(
            {
                "site": site,
                "province": province,
                "band": bands.get((province, site.district), "") if bands else "",
            }
        )
    nationals = ctx.role == Role.PARTNER_LIAISON
    return Panel(
        "sites",
        "Sites where our nationals live" if nationals else "My sites",
        scoped.count(),
        rows=rows,
        url=reverse("risk:site-list") if _can(ctx, "risk") else reverse("registry:site-list"),
        empty="No sites in your scope.",
        note="District risk band from the risk model." if bands else "",
    )


# --- movements ------------------------------------------------------------------------------


_LIVE = (
    MovementState.DRAFT,
    MovementState.SUBMITTED,
    MovementState.APPROVED,
    MovementState.UNDER_WAY,
)


def _outcome(results: Any) -> str:
    outcomes = {r.get("outcome") for r in results or [] if isinstance(r, dict)}
    return next((w for w in ("fail", "warn", "pass") if w in outcomes), "")


def _band(risk: Any) -> str:
    risk = risk if isinstance(risk, dict) else {}
    return str(risk.get("worst_band") or risk.get("band") or "")


def _movement_row(movement: MovementRequest) -> dict[str, Any]:
    return {
        "movement": movement,
        "outcome": _outcome(movement.rule_results),
        "band": _band(movement.risk),
    }


def _requests(ctx: Context, action: str = Action.VIEW) -> QuerySet[MovementRequest]:
    return gate.restrict(MovementRequest.objects.select_related("organisation"), ctx.user, action)


def _board_panel(
    key: str, title: str, count: int, *, rows: list[Any], empty: str, **more: Any
) -> Panel:
    """A panel of movement work, whose "see all" is the movement board."""
    url = reverse("movements:board")
    return Panel(
        key, title, count, rows=rows, url=url, url_label="Movement board", empty=empty, **more
    )


@_gated("movement")
def movements(ctx: Context) -> Panel | None:
    """Movements in scope that are planned, waiting, approved or under way (not past)."""
    scoped = _requests(ctx).filter(
        state__in=_LIVE, arrive_by__gte=ctx.now - datetime.timedelta(days=1)
    )
    # Under way first: they need eyes now; then by departure.
    rows = sorted(
        scoped.order_by("depart_at", "pk")[:50],
        key=lambda m: (m.state != MovementState.UNDER_WAY, m.depart_at, m.pk),
    )[:ROWS]
    titles = {
        Role.PARTNER_LIAISON.value: "Movements of our nationals",
        Role.FIELD_OFFICER.value: "My unit's movements",
    }
    return _board_panel(
        "movements",
        titles.get(ctx.role, "My movements"),
        scoped.count(),
        rows=[_movement_row(m) for m in rows],
        empty="No movements planned or under way.",
    )


def decide(ctx: Context) -> Panel | None:
    """Submitted movement requests waiting for this reader's decision, soonest first."""
    from safepassage.movements.services import can_approve

    if not can_approve(ctx.user):
        return None
    waiting = _requests(ctx, Action.CHANGE).filter(state=MovementState.SUBMITTED)
    rows = [_movement_row(m) for m in waiting.order_by("depart_at", "pk")[:ROWS]]
    for row in rows:
        row["overdue"] = row["movement"].depart_at < ctx.now
    return _board_panel(
        "decide",
        "Requests to decide",
        waiting.count(),
        rows=rows,
        empty="No requests are waiting for a decision.",
    )


@_gated("movement")
def escorts(ctx: Context) -> Panel | None:
    """Escort units holding a movement now or later today."""
    day_end = timezone.make_aware(
        datetime.datetime.combine(ctx.today + datetime.timedelta(days=1), datetime.time())
    )
    held = (
        gate.restrict(Assignment.objects.select_related("unit", "movement"), ctx.user)
        .filter(unit__isnull=False, active=True, ends__gte=ctx.now, starts__lt=day_end)
        .order_by("starts", "pk")
    )
    own = set(ctx.user.units.values_list("pk", flat=True)) if ctx.user.pk else set()
    rows = [
        {
            "assignment": a,
            "own": a.unit_id in own,
            "on_duty": a.starts <= ctx.now,
        }
        for a in held[:ROWS]
    ]
    return _board_panel(
        "escorts",
        "Escorts on duty",
        held.count(),
        rows=rows,
        empty="No escort is on duty or due today.",
        extra={"officers": sum(a.officers for a in held)},
    )


@_gated("checkin")
def overdue(ctx: Context) -> Panel | None:
    """Check-ins past due plus grace on movements under way, and open escalations."""
    from safepassage.tracking.models import ExpectedCheckIn, ExpectedState
    from safepassage.tracking.services import open_escalations

    candidates = (
        gate.restrict(ExpectedCheckIn.objects.select_related("movement"), ctx.user)
        .filter(
            movement__state=MovementState.UNDER_WAY,
            state__in=(ExpectedState.PENDING, ExpectedState.MISSED),
            due_at__lt=ctx.now,
        )
        .order_by("due_at", "pk")
    )
    late = [c for c in candidates[:200] if c.overdue_at < ctx.now]
    rows = [
        {
            "expected": c,
            "minutes": int((ctx.now - c.due_at).total_seconds() // 60),
        }
        for c in late[:ROWS]
    ]
    escalations = open_escalations(ctx.user)
    return Panel(
        "overdue",
        "Overdue check-ins",
        len(late),
        rows=rows,
        url=reverse("tracking:escalations"),
        url_label="Escalations",
        empty="Every escort has checked in on time.",
        extra={
            "escalations": list(escalations[:ROWS]),
            "escalation_count": escalations.count(),
        },
    )


# --- incidents ------------------------------------------------------------------------------


def _incidents(ctx: Context) -> QuerySet[Incident]:
    return gate.restrict(visible_incidents(), ctx.user)


def _incident_row(incident: Incident) -> dict[str, Any]:
    return {"incident": incident, "tlp": tlp_label(incident.tlp)}


def _newest_rows(incidents: QuerySet[Incident], limit: int = ROWS) -> list[dict[str, Any]]:
    """The rows of the ``limit`` newest ``incidents``."""
    return [_incident_row(i) for i in incidents.order_by(*NEWEST_FIRST)[:limit]]


def _queued(ctx: Context, source: QuerySet[Any]) -> QuerySet[Any]:
    """What of ``source`` the reader may change that waits for review (never the rejected)."""
    waiting = Q(review_state=ReviewState.NEEDS_REVIEW) | Q(has_conflict=True)
    return (
        gate.restrict(source, ctx.user, Action.CHANGE)
        .filter(waiting)
        .exclude(review_state=ReviewState.REJECTED)
    )


@_gated(Incident, Action.CHANGE)
def review(ctx: Context) -> Panel | None:
    """Incidents (and engagements) waiting for an analyst, oldest first, with why."""
    from safepassage.intel.views_incidents import why_queued

    queued = _queued(ctx, visible_incidents())
    engagements = 0
    if gate.can(ctx.user, Action.CHANGE, Engagement):
        engagements = _queued(ctx, Engagement.objects.all()).count()
    rows = [
        {**_incident_row(i), "why": why_queued(i)} for i in queued.order_by("created", "pk")[:ROWS]
    ]
    return Panel(
        "review",
        "Review queue",
        queued.count(),
        rows=rows,
        url=reverse("intel:review-queue"),
        url_label="Open the review queue",
        empty="The review queue is empty.",
        extra={"engagements": engagements},
    )


@_gated("incident")
def new_incidents(ctx: Context) -> Panel | None:
    """Incidents added to the knowledge base in the last week, newest event first."""
    since = ctx.now - datetime.timedelta(days=NEW_DAYS)
    scoped = _incidents(ctx)
    new = scoped.filter(created__gte=since)
    rows = _newest_rows(new)
    return Panel(
        "new_incidents",
        "New incidents",
        new.count(),
        rows=rows,
        url=reverse("intel:incident-list"),
        url_label="All incidents",
        empty=f"No incident was added in the last {NEW_DAYS} days.",
        note=f"Added in the last {NEW_DAYS} days.",
        extra={"all": scoped.count()},
    )


@_gated("incident")
def trends(ctx: Context) -> Panel | None:
    """Incidents per province in each of the last five calendar years, and a chart."""
    years = list(range(ctx.today.year - TREND_YEARS + 1, ctx.today.year + 1))
    scoped = Incident.objects.filter(pk__in=_incidents(ctx).values("pk"))
    counts = (
        scoped.filter(date__year__gte=years[0], date__lte=ctx.today)
        .values("admin1")
        .annotate(**{f"y{y}": Count("pk", filter=Q(date__year=y)) for y in years})
        .order_by()
    )
    rows = []
    for row in counts:
        per_year = [row[f"y{y}"] for y in years]
        rows.append(
            {
                "province": row["admin1"] or "Province not known",
                "years": per_year,
                "total": sum(per_year),
                # This year against the last: the direction an analyst looks for first.
                "direction": "up"
                if per_year[-1] > per_year[-2]
                else "down"
                if per_year[-1] < per_year[-2]
                else "same",
            }
        )
    rows.sort(key=lambda r: (-r["total"], r["province"]))
    latest = scoped.exclude(date__isnull=True).order_by("-date").values_list("date", flat=True)
    return Panel(
        "trends",
        "Trends",
        sum(r["total"] for r in rows),
        rows=rows[:ROWS],
        url=reverse("dashboard:charts"),
        url_label="All charts",
        empty=f"No dated incident in {years[0]}–{years[-1]}.",
        note=f"Incidents per province and year, {years[0]}–{years[-1]}.",
        extra={
            "years": years,
            "latest": latest.first(),
            "chart_url": reverse("dashboard:chart-incidents"),
        },
    )


@_gated("risk")
def risk(ctx: Context) -> Panel | None:
    """The provinces and districts with the highest risk scores now."""
    from safepassage.risk.services import district_scores, province_scores

    provinces = province_scores(ctx.now)
    districts = district_scores(ctx.now)
    return Panel(
        "risk",
        "Highest risk",
        len(districts),
        rows=districts[:5],
        url=reverse("risk:overview"),
        url_label="Risk overview",
        empty="No incident contributes to any district's risk yet.",
        extra={"provinces": provinces[:5]},
    )


@_gated("engagement")
def engagements(ctx: Context) -> Panel | None:
    """The latest meetings, agreements and announcements, with who took part."""
    scoped = gate.restrict(Engagement.objects.all(), ctx.user)
    rows = list(scoped.order_by(*NEWEST_FIRST)[:5])
    return Panel(
        "engagements",
        "Latest engagements",
        scoped.count(),
        rows=rows,
        url=reverse("dashboard:timeline"),
        url_label="Timeline",
        empty="No meeting, agreement or announcement recorded.",
    )


def shared(ctx: Context) -> Panel | None:
    """For a partner liaison: the agreements in force and the incidents they let through.

    The incidents are exactly those the gate lets the liaison read (TLP:CLEAR, and what their
    organisation's agreements allow); those with victims of the liaison's country come first.
    """
    if ctx.role != Role.PARTNER_LIAISON or not _can(ctx, "incident"):
        return None
    scoped = _incidents(ctx)
    country = ctx.user.organisation.country if ctx.user.organisation_id else ""
    ours = Incident.objects.none()
    if country:
        ours = scoped.filter(
            Q(victim_nationalities__icontains=f'"{country}"')
            | Q(deaths_by_nationality__has_key=country)
        )
    rows = _newest_rows(ours)
    ours_ids = {row["incident"].pk for row in rows}
    rows += _newest_rows(scoped.exclude(pk__in=ours_ids), ROWS - len(rows))
    for row in rows:
        row["ours"] = row["incident"].pk in ours_ids
    agreements: list[Any] = []
    records = 0
    agreements_url = ""
    if _can(ctx, "sharing"):
        try:
            agreements_url = reverse("sharing:agreement-list")
        except NoReverseMatch:
            agreements_url = ""
        from safepassage.sharing.models import ShareRecord, SharingAgreement

        agreements = [
            {"agreement": a, "in_force": a.in_force(ctx.today), "max": tlp_label(a.max_tlp)}
            for a in gate.restrict(SharingAgreement.objects.all(), ctx.user)
        ]
        records = (
            gate.restrict(ShareRecord.objects.all(), ctx.user)
            .filter(at__gte=ctx.now - datetime.timedelta(days=30))
            .count()
        )
    return Panel(
        "shared",
        "Shared with me",
        scoped.count(),
        rows=rows,
        url=reverse("intel:incident-list"),
        url_label="All incidents shared with me",
        empty="Nothing is shared with your organisation yet: only TLP:CLEAR reaches you "
        "until a sharing agreement is in force.",
        extra={
            "agreements": agreements,
            "agreements_url": agreements_url,
            "records": records,
            "ours": ours.count(),
            "country": country,
        },
    )


BUILDERS: dict[str, Builder] = {
    "shared": shared,
    "decide": decide,
    "escorts": escorts,
    "overdue": overdue,
    "review": review,
    "people": people,
    "sites": sites,
    "movements": movements,
    "new_incidents": new_incidents,
    "trends": trends,
    "risk": risk,
    "engagements": engagements,
}

ROLE_PANELS: dict[str, tuple[str, ...]] = {
    Role.ADMINISTRATOR: (
        "decide",
        "overdue",
        "escorts",
        "review",
        "new_incidents",
        "movements",
        "risk",
        "trends",
    ),
    Role.SECURITY_COORDINATOR: (
        "people",
        "sites",
        "movements",
        "overdue",
        "new_incidents",
        "risk",
    ),
    Role.UNIT_COMMANDER: ("decide", "escorts", "overdue", "sites", "new_incidents", "risk"),
    Role.FIELD_OFFICER: ("overdue", "movements", "sites", "new_incidents"),
    Role.ANALYST: ("review", "new_incidents", "trends", "risk", "engagements"),
    Role.PARTNER_LIAISON: ("shared", "people", "movements", "sites", "engagements"),
    Role.VIEWER: ("new_incidents", "sites", "trends", "risk", "engagements"),
}


def panels_for(user: Any, now: datetime.datetime | None = None) -> list[Panel]:
    """The dashboard panels of ``user``'s role that the gate lets them read, in order."""
    ctx = Context(user, now or timezone.now())
    out = []
    for key in ROLE_PANELS.get(ctx.role, ()):
        panel = BUILDERS[key](ctx)
        if panel is not None:
            out.append(panel)
    return out
