"""The daily situation report: what happened, what changed and what is planned, for one reader.

A report is built for one reader and one day. Every section reads through the permission
gate as that reader (``gate.restrict``), so scope and TLP markings apply exactly as they do
on the pages: an AMBER+STRICT incident of another organisation, or a RED incident that does
not name the reader, never enters the report. The report's own marking is the most
restrictive marking of what it holds (``sharing.tlp.most_restrictive``).

A reader may also ask for a report *at most* some marking (``cap``), for example to hand a
TLP:GREEN version to a wider audience: content marked above the cap is left out, and the
risk changes are computed from the remaining incidents only.

Sections:

* new incidents: entered into the knowledge base on the day, or dated on the day;
* changes in risk: district and province scores at the end of the day against the end of
  the day before, computed from the incidents the reader may see (the stored aggregates of
  the risk app count every incident, so they would reveal hidden ones);
* movements of the day: movements whose time window overlaps the day, with the last check-in;
* alerts: the reader's own alerts created on the day;
* open reviews: incidents and engagements waiting for an analyst (for readers who review
  them) and movement requests waiting for a decision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.intel.choices import ReviewState
from safepassage.intel.filters import visible_incidents
from safepassage.intel.models import Engagement, Incident
from safepassage.risk.aggregates import params
from safepassage.risk.models import IncidentRisk
from safepassage.riskmodel.model import age_factor, band_for, day_number
from safepassage.sharing import tlp

# Movements, check-ins and alerts carry no marking of their own, but they describe where
# protected people will be: a report holding them is at least TLP:AMBER (never CLEAR/GREEN).
OPERATIONAL_TLP = tlp.AMBER
# At most this many lines per section; the report says how many more there are.
MAX_LINES = 200
# Risk changes smaller than this (decay alone moves every score a little) are not listed,
# unless the band changed.
MIN_RISK_CHANGE = 0.05
MAX_DISTRICTS = 25
# How far from today a report may be asked for (movements are planned ahead).
MAX_DAYS_AHEAD = 30
EARLIEST_DAY = dt.date(2000, 1, 1)


class SitrepInputError(ValueError):
    """A day or marking the report cannot be built for; the message says what to send."""


def parse_day(value: str | None, today: dt.date | None = None) -> dt.date:
    """The report day from ``?day=YYYY-MM-DD`` (today when empty)."""
    today = today or timezone.localdate()
    if value is None or not value.strip():
        return today
    text = value.strip()
    if len(text) != 10:
        raise SitrepInputError("The day must be written YYYY-MM-DD, for example 2024-03-26.")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise SitrepInputError(
            "The day must be a real date written YYYY-MM-DD, for example 2024-03-26."
        ) from exc
    latest = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    if not EARLIEST_DAY <= day <= latest:
        raise SitrepInputError(
            f"The day must lie between {EARLIEST_DAY.isoformat()} and {latest.isoformat()}."
        )
    return day


def parse_cap(value: str | None) -> str:
    """The highest marking asked for (``?tlp=green``); empty means no cap."""
    if value is None or not value.strip():
        return ""
    if len(value) > 32:
        raise SitrepInputError("Unknown marking; use clear, green, amber, amber+strict or red.")
    try:
        return tlp.normalise(value)
    except ValueError as exc:
        raise SitrepInputError(
            "Unknown marking; use clear, green, amber, amber+strict or red."
        ) from exc


class _Marked:
    """Something with a TLP marking (``tlp``), shown as a badge: its label and CSS class."""

    tlp: str

    @property
    def tlp_label(self) -> str:
        return tlp.label(self.tlp)

    @property
    def tlp_class(self) -> str:
        return tlp.css_class(self.tlp)


@dataclass(frozen=True)
class IncidentLine(_Marked):
    """One new incident as the report lists it."""

    pk: int
    title: str
    kind: str
    date: dt.date | None
    place: str
    province: str
    district: str
    deaths: int | None
    injured: int | None
    nationalities: str
    review_state: str
    tlp: str
    url: str


@dataclass(frozen=True)
class AreaChange:
    """A district's or province's score at the end of the day against the day before."""

    admin1: str
    admin2: str
    before: float
    after: float
    band_before: str
    band_after: str
    new_incidents: int

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def band_changed(self) -> bool:
        return self.band_before != self.band_after


@dataclass(frozen=True)
class MovementLine:
    """One movement whose time window overlaps the day."""

    pk: int
    reference: str
    purpose: str
    route: str
    depart_at: dt.datetime
    arrive_by: dt.datetime
    state: str
    people: int
    last_checkin_at: dt.datetime | None
    last_checkin_status: str
    url: str


@dataclass(frozen=True)
class AlertLine:
    """One of the reader's alerts created on the day."""

    pk: int
    title: str
    severity: str
    created: dt.datetime
    why: str
    url: str


@dataclass(frozen=True)
class ReviewLine:
    """One item waiting for a decision."""

    kind: str
    pk: int
    title: str
    since: dt.datetime
    reason: str
    url: str


@dataclass
class Section:
    """Lines of one section and how many there are in all (more than listed when cut)."""

    lines: list[Any] = field(default_factory=list)
    total: int = 0
    shown: bool = True

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.lines))


@dataclass
class Sitrep(_Marked):
    """A situation report for one reader and one day."""

    day: dt.date
    reader: str
    generated_at: dt.datetime
    cap: str
    tlp: str
    incidents: Section
    provinces: list[AreaChange]
    districts: list[AreaChange]
    movements: Section
    alerts: Section
    reviews: Section
    # What the report holds, to check a stored copy against the reader's rights later.
    contents: dict[str, list[Any]]
    risk_digest: str

    @property
    def is_empty(self) -> bool:
        return not (
            self.incidents.total
            or self.provinces
            or self.districts
            or self.movements.total
            or self.alerts.total
            or self.reviews.total
        )


def day_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The day's start and end in the deployment's time zone."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), zone)
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min), zone)
    return start, end


def _capped(queryset: QuerySet[Any], cap: str, path: str = "tlp") -> QuerySet[Any]:
    if not cap:
        return queryset
    return queryset.filter(**{f"{path}__in": list(tlp.at_most(cap))})


def _alerts_capped(queryset: QuerySet[Any], cap: str) -> QuerySet[Any]:
    """Alerts about no incident, or about one marked at most ``cap`` (all without a cap)."""
    if not cap:
        return queryset
    return queryset.filter(Q(incident__isnull=True) | Q(incident__tlp__in=list(tlp.at_most(cap))))


def _operational_allowed(cap: str) -> bool:
    return not cap or tlp.RANK[cap] >= tlp.RANK[OPERATIONAL_TLP]


def readable_incidents(reader: Any, cap: str = "") -> QuerySet[Incident]:
    """The incidents the report may draw on: the reader's, not merged, not rejected."""
    if not gate.can(reader, Action.VIEW, Incident):
        return Incident.objects.none()
    queryset = gate.restrict(visible_incidents(), reader, Action.VIEW)
    return _capped(queryset.exclude(review_state=ReviewState.REJECTED), cap)


def _incident_line(incident: Incident) -> IncidentLine:
    kind = incident.get_kind_display()
    if incident.attack_type:
        kind = f"{kind}: {incident.get_attack_type_display()}"
    return IncidentLine(
        pk=incident.pk,
        title=str(incident),
        kind=kind,
        date=incident.date,
        place=incident.place_name,
        province=incident.admin1,
        district=incident.admin2,
        deaths=incident.deaths,
        injured=incident.injured,
        nationalities=", ".join(str(n) for n in incident.victim_nationalities or []),
        review_state=incident.get_review_state_display(),
        tlp=incident.tlp,
        url=incident.get_absolute_url(),
    )


def new_incidents(incidents: QuerySet[Incident], day: dt.date) -> tuple[Section, list[str]]:
    """Incidents entered on the day or dated on it, newest first, and all their markings."""
    start, end = day_window(day)
    queryset = incidents.filter(Q(created__gte=start, created__lt=end) | Q(date=day))
    markings = list(queryset.values_list("tlp", flat=True).distinct())
    rows = list(queryset.order_by("-date", "-pk")[:MAX_LINES])
    section = Section([_incident_line(i) for i in rows], queryset.count())
    return section, markings


def _score_areas(
    rows: Iterable[tuple[int, float, int, str, str]],
    known_before: set[int],
    day: dt.date,
) -> tuple[dict[tuple[str, str], list[float]], dict[tuple[str, str], set[int]]]:
    """Scores [before, after, new] per area (province: admin2 empty) and their incidents."""
    p = params()
    today = day_number(day)
    end_today = today + 1.0
    end_before = float(today)
    scores: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    members: dict[tuple[str, str], set[int]] = defaultdict(set)
    for incident_id, value, when, admin1, admin2 in rows:
        if when > today or not admin1:
            continue
        after = value * age_factor(end_today - when, p)
        # Yesterday's picture holds what was known and had happened by then.
        known = incident_id in known_before and when < today
        before = value * age_factor(end_before - when, p) if known else 0.0
        keys = [(admin1, "")] + ([(admin1, admin2)] if admin2 else [])
        for key in keys:
            entry = scores[key]
            entry[0] += before
            entry[1] += after
            entry[2] += 0.0 if known else 1.0
            members[key].add(incident_id)
    return scores, members


def _risk_rows(
    incidents: QuerySet[Incident], day: dt.date
) -> tuple[list[tuple[int, float, int, str, str]], dict[int, tuple[str, dt.datetime]]]:
    """The stored risk rows of the incidents entered by the end of the day, and their facts."""
    _start, end = day_window(day)
    known = incidents.filter(created__lt=end)
    # Two queries and a join in Python: IncidentRisk keeps a plain incident id, no relation.
    facts = {pk: (mark, created) for pk, mark, created in known.values_list("pk", "tlp", "created")}
    rows = [
        row
        for row in IncidentRisk.objects.filter(incident_id__in=known.values("pk")).values_list(
            "incident_id", "value", "day", "admin1", "admin2"
        )
        if row[0] in facts
    ]
    return rows, facts


def _digest(rows: Iterable[tuple[Any, ...]], facts: dict[int, tuple[str, dt.datetime]]) -> str:
    """Names the incidents (and their markings) a risk section was computed from."""
    used = sorted(f"{row[0]}:{facts[row[0]][0]}" for row in rows)
    return hashlib.sha256(",".join(used).encode()).hexdigest()


def risk_changes(
    incidents: QuerySet[Incident], day: dt.date
) -> tuple[list[AreaChange], list[AreaChange], list[str], str]:
    """Province and district changes, the markings of the incidents behind them, a digest.

    Only incidents the reader may see, and only those entered by the end of the day, count.
    The digest names the incidents and markings the section was computed from, so a stored
    report can tell later whether its reader still may see exactly that.
    """
    start, _end = day_window(day)
    rows, facts = _risk_rows(incidents, day)
    known_before = {pk for pk, (_mark, created) in facts.items() if created < start}
    scores, members = _score_areas(rows, known_before, day)
    p = params()
    provinces: list[AreaChange] = []
    districts: list[AreaChange] = []
    for (admin1, admin2), (before, after, new) in scores.items():
        change = AreaChange(
            admin1, admin2, before, after, band_for(before, p), band_for(after, p), int(new)
        )
        if abs(change.delta) < MIN_RISK_CHANGE and not change.band_changed:
            continue
        (districts if admin2 else provinces).append(change)
    provinces.sort(key=_largest_rise)
    districts.sort(key=_largest_rise)
    districts = districts[:MAX_DISTRICTS]
    behind: set[int] = set()
    for change in provinces + districts:
        behind |= members[(change.admin1, change.admin2)]
    markings = sorted({facts[pk][0] for pk in behind})
    return provinces, districts, markings, _digest(rows, facts)


def _largest_rise(change: AreaChange) -> tuple[float, str, str]:
    return (-change.delta, change.admin1, change.admin2)


def movements_of_day(reader: Any, day: dt.date, cap: str) -> Section:
    """Movements whose window overlaps the day (drafts and rejected requests left out)."""
    from safepassage.movements.choices import MovementState
    from safepassage.movements.models import MovementRequest
    from safepassage.tracking.models import CheckIn

    if not _operational_allowed(cap) or not gate.can(reader, Action.VIEW, MovementRequest):
        return Section(shown=False)
    start, end = day_window(day)
    queryset = (
        gate.restrict(MovementRequest.objects.all(), reader, Action.VIEW)
        .filter(depart_at__lt=end, arrive_by__gt=start)
        .exclude(state__in=[MovementState.DRAFT, MovementState.REJECTED])
        .order_by("depart_at", "pk")
    )
    movements = list(queryset[:MAX_LINES])
    last: dict[int, tuple[dt.datetime, str]] = {}
    if movements and gate.can(reader, Action.VIEW, CheckIn):
        checkins = gate.restrict(CheckIn.objects.all(), reader, Action.VIEW).filter(
            movement__in=[m.pk for m in movements], at__lt=end
        )
        for movement_id, at, status in checkins.order_by("at", "pk").values_list(
            "movement_id", "at", "status"
        ):
            last[movement_id] = (at, status)
    status_labels = dict(CheckIn._meta.get_field("status").choices or [])
    lines = []
    for movement in movements:
        at, status = last.get(movement.pk, (None, ""))
        lines.append(
            MovementLine(
                pk=movement.pk,
                reference=movement.reference,
                purpose=movement.purpose,
                route=f"{movement.origin_name} → {movement.destination_name}",
                depart_at=movement.depart_at,
                arrive_by=movement.arrive_by,
                state=movement.get_state_display(),
                # A count, not names: the report may travel further than the registry.
                people=movement.people.count(),
                last_checkin_at=at,
                last_checkin_status=str(status_labels.get(status, status)),
                url=movement.get_absolute_url(),
            )
        )
    return Section(lines, queryset.count())


def alerts_of_day(reader: Any, day: dt.date, cap: str) -> tuple[Section, list[str]]:
    """The reader's alerts created on the day, and the markings of their incidents."""
    from safepassage.alerts.models import Alert

    if not _operational_allowed(cap) or not gate.can(reader, Action.VIEW, Alert):
        return Section(shown=False), []
    start, end = day_window(day)
    queryset = _alerts_capped(
        gate.restrict(Alert.objects.all(), reader, Action.VIEW).filter(
            created__gte=start, created__lt=end
        ),
        cap,
    )
    markings = [
        m for m in queryset.values_list("incident__tlp", flat=True).distinct() if m is not None
    ]
    rows = list(queryset.order_by("-created", "-pk")[:MAX_LINES])
    lines = [
        AlertLine(a.pk, a.title, a.get_severity_display(), a.created, a.why, a.get_absolute_url())
        for a in rows
    ]
    return Section(lines, queryset.count()), markings


def open_reviews(reader: Any, cap: str) -> tuple[Section, list[str], bool]:
    """What waits for a decision: reviews for analysts, movement requests for approvers.

    Returns the section, the markings of the listed intelligence, and whether operational
    items (movement requests) are in it.
    """
    from safepassage.intel.views_incidents import why_queued
    from safepassage.movements.choices import MovementState
    from safepassage.movements.models import MovementRequest

    waiting = Q(review_state=ReviewState.NEEDS_REVIEW) | Q(has_conflict=True)
    items: list[tuple[dt.datetime, ReviewLine]] = []
    markings: list[str] = []
    total = 0
    shown = False
    for model, kind, source in (
        (Incident, "incident", visible_incidents()),
        (Engagement, "engagement", Engagement.objects.all()),
    ):
        if not gate.can(reader, Action.CHANGE, model):
            continue
        shown = True
        queued = _capped(
            gate.restrict(source, reader, Action.CHANGE)
            .filter(waiting)
            .exclude(review_state=ReviewState.REJECTED),
            cap,
        )
        total += queued.count()
        markings += list(queued.values_list("tlp", flat=True).distinct())
        for obj in queued.order_by("created", "pk")[:MAX_LINES]:
            reason = "; ".join(why_queued(obj))
            items.append(
                (
                    obj.created,
                    ReviewLine(kind, obj.pk, str(obj), obj.created, reason, obj.get_absolute_url()),
                )
            )
    operational = False
    if _operational_allowed(cap) and gate.can(reader, Action.CHANGE, MovementRequest):
        shown = True
        requests = gate.restrict(MovementRequest.objects.all(), reader, Action.CHANGE).filter(
            state=MovementState.SUBMITTED
        )
        count = requests.count()
        total += count
        operational = count > 0
        for movement in requests.order_by("created", "pk")[:MAX_LINES]:
            items.append(
                (
                    movement.created,
                    ReviewLine(
                        "movement",
                        movement.pk,
                        str(movement),
                        movement.created,
                        "Movement request waiting for a decision",
                        movement.get_absolute_url(),
                    ),
                )
            )
    items.sort(key=lambda pair: (pair[0], pair[1].kind, pair[1].pk))
    section = Section([line for _at, line in items[:MAX_LINES]], total, shown)
    return section, markings, operational


def build(reader: Any, day: dt.date, cap: str = "", *, now: dt.datetime | None = None) -> Sitrep:
    """The situation report of ``day`` for ``reader``, everything read as the reader."""
    incidents = readable_incidents(reader, cap)
    new, new_markings = new_incidents(incidents, day)
    provinces, districts, risk_markings, digest = risk_changes(incidents, day)
    movements = movements_of_day(reader, day, cap)
    alerts, alert_markings = alerts_of_day(reader, day, cap)
    reviews, review_markings, review_operational = open_reviews(reader, cap)
    markings = new_markings + risk_markings + alert_markings + review_markings
    if movements.total or alerts.total or review_operational:
        markings.append(OPERATIONAL_TLP)
    marking = tlp.most_restrictive(markings)
    contents: dict[str, list[Any]] = {
        "incident": sorted(line.pk for line in new.lines),
        "movement": sorted(line.pk for line in movements.lines),
        "alert": sorted(line.pk for line in alerts.lines),
        "review": sorted(f"{line.kind}:{line.pk}" for line in reviews.lines),
    }
    return Sitrep(
        day=day,
        reader=getattr(reader, "get_username", lambda: str(reader))(),
        generated_at=now or timezone.now(),
        cap=cap,
        tlp=marking,
        incidents=new,
        provinces=provinces,
        districts=districts,
        movements=movements,
        alerts=alerts,
        reviews=reviews,
        contents=contents,
        risk_digest=digest,
    )


def _all_readable(queryset: QuerySet[Any], ids: list[Any], marking_path: str | None) -> list[str]:
    """The current markings of ``ids`` in ``queryset``; raises LookupError if any is gone."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return []
    fields = ["pk"] + ([marking_path] if marking_path else [])
    found = list(queryset.filter(pk__in=wanted).values_list(*fields).distinct())
    if {row[0] for row in found} != wanted:
        raise LookupError("An object of the report is out of the reader's reach.")
    return [row[1] for row in found if marking_path and row[1] is not None]


def still_readable(
    reader: Any, day: dt.date, cap: str, contents: dict[str, list[Any]], digest: str, marking: str
) -> bool:
    """True when ``reader`` may still see everything a stored report holds, at its marking.

    Every listed object must still be in the reader's reach (and under the cap), no listed
    object may now carry a marking above the report's, and the incidents behind the risk
    section must be exactly the same, with the same markings.
    """
    from safepassage.alerts.models import Alert
    from safepassage.movements.models import MovementRequest

    incidents = readable_incidents(reader, cap)
    by_kind: dict[str, list[Any]] = {"incident": [], "engagement": [], "movement": []}
    for item in contents.get("review", []):
        kind, _sep, pk = str(item).partition(":")
        if kind not in by_kind or not pk.isdigit():
            return False
        by_kind[kind].append(pk)
    operational = bool(contents.get("movement") or contents.get("alert") or by_kind["movement"])
    if operational and not _operational_allowed(cap):
        return False
    engagements = _capped(gate.restrict(Engagement.objects.all(), reader, Action.VIEW), cap)
    movements = gate.restrict(MovementRequest.objects.all(), reader, Action.VIEW)
    alerts = _alerts_capped(gate.restrict(Alert.objects.all(), reader, Action.VIEW), cap)
    markings: list[str] = [OPERATIONAL_TLP] if operational else []
    try:
        markings += _all_readable(incidents, contents.get("incident", []), "tlp")
        markings += _all_readable(incidents, by_kind["incident"], "tlp")
        markings += _all_readable(engagements, by_kind["engagement"], "tlp")
        markings += _all_readable(movements, contents.get("movement", []), None)
        markings += _all_readable(movements, by_kind["movement"], None)
        markings += _all_readable(alerts, contents.get("alert", []), "incident__tlp")
    except (LookupError, ValueError):
        return False
    if tlp.RANK[tlp.most_restrictive(markings)] > tlp.RANK[tlp.normalise(marking)]:
        return False
    rows, facts = _risk_rows(incidents, day)
    return _digest(rows, facts) == digest
