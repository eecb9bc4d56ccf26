"""Linking mentions to incidents and engagements, and resolving their fields from claims.

The decisions are made by the pure core (:mod:`safepassage.linking`): blocking keys, the match
score and the resolution policy. This module reads candidates through indexed blocking
columns, writes mentions and claims, and keeps each incident's resolved fields up to date.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.intel.choices import INCIDENT_KINDS, ReviewState
from safepassage.intel.models import Claim, Engagement, Incident, Mention, Report
from safepassage.linking import (
    Block,
    ClaimView,
    LinkEvent,
    Match,
    Resolution,
    block_for,
    cell_of,
    event_from_extraction,
    is_official_attribution,
    resolve_engagement,
    resolve_incident,
    score,
)
from safepassage.linking.event import participant_key
from safepassage.linking.resolve import combined_confidence
from safepassage.sharing import tlp

# Below this combined confidence an incident waits for an analyst.
REVIEW_BELOW = 0.5
# The most candidates one mention is scored against; blocking keeps real counts far lower.
MAX_CANDIDATES = 500
# An undated mention is compared with events up to this long before its report.
UNDATED_LOOKBACK = datetime.timedelta(days=400)
# Field groups an analyst corrects together: correcting one member freezes the group.
FIELD_GROUPS = {
    "date": ("date", "date_precision"),
    "location": (
        "place_name",
        "country",
        "admin1",
        "admin2",
        "lat",
        "lon",
        "geo_precision",
        "gazetteer_id",
        "h3_r5",
    ),
    "deaths": ("deaths", "deaths_by_nationality"),
}
INCIDENT_CLAIM_FIELDS = (
    "date",
    "location",
    "attack_type",
    "deaths",
    "injured",
    "perpetrators_killed",
    "perpetrators",
    "targets",
    "victim_nationalities",
)
ENGAGEMENT_CLAIM_FIELDS = ("date", "location", "participants", "topics")

EventObject = Incident | Engagement


@dataclass(frozen=True)
class LinkDecision:
    """Where a mention went: an existing event (``created=False``) or a new one."""

    target: EventObject
    created: bool
    match: Match | None


_INCIDENT_KIND_VALUES = frozenset(str(kind) for kind in INCIDENT_KINDS)


def model_for(kind: str) -> type[Incident] | type[Engagement]:
    """Incidents hold attacks and security operations; engagements hold the other kinds."""
    return Incident if kind in _INCIDENT_KIND_VALUES else Engagement


def link_event_of(obj: EventObject) -> LinkEvent:
    """The stored event as the scorer sees it."""
    common: dict[str, Any] = {
        "kind": obj.kind,
        "date": obj.date,
        "date_precision": obj.date_precision,
        "lat": obj.lat,
        "lon": obj.lon,
        "geo_precision": obj.geo_precision,
        "country": obj.country,
        "admin1": obj.admin1,
        "admin2": obj.admin2,
    }
    if isinstance(obj, Incident):
        return LinkEvent(
            **common,
            attack_type=obj.attack_type,
            deaths=obj.deaths,
            nationalities=frozenset(obj.victim_nationalities or ()),
        )
    return LinkEvent(
        **common,
        participants=frozenset(
            participant_key(str(p.get("name")))
            for p in obj.participants or []
            if isinstance(p, Mapping) and p.get("name")
        ),
        topics=frozenset(obj.topics or ()),
    )


def candidates(
    block: Block, published: datetime.date | None, exclude: Iterable[int] = ()
) -> list[EventObject]:
    """Stored events in ``block``, read with a few queries that each use a blocking index.

    A point or town is compared with events in its H3 cell and the six around it, and with
    every coarse (province, country or unknown place) event of its date window: those have an
    empty cell. A coarse mention is compared with every event of its kind in its window. Each
    date condition is its own query, because SQLite answers an OR of them with a scan of the
    whole kind instead of the (kind, h3_r5, date) index.
    """
    model = model_for(block.kind)
    base = model.objects.filter(kind=block.kind)
    if block.cells:
        base = base.filter(h3_r5__in=[*block.cells, ""])
    window = block.window
    dated: list[Q] = []
    if window is not None:
        dated = [
            Q(date__range=(window.start, window.end)),
            Q(date__in=window.month_starts, date_precision="month"),
            Q(date__in=window.year_starts, date_precision="year"),
        ]
    elif published is not None:
        dated = [Q(date__range=(published - UNDATED_LOOKBACK, published))]
    dated.append(Q(date__isnull=True))
    place = Q()
    if not block.cells and block.admin1:
        place = Q(admin1=block.admin1) | Q(admin1="")
    elif not block.cells and block.country:
        place = Q(country=block.country) | Q(country="")
    skip = set(exclude)
    found: dict[int, EventObject] = {}
    for condition in dated:
        for obj in base.filter(condition).filter(place)[:MAX_CANDIDATES]:
            if obj.pk not in skip:
                found.setdefault(obj.pk, obj)
    return sorted(found.values(), key=lambda o: o.pk)


def best_match(
    event: LinkEvent, published: datetime.date | None, exclude: Iterable[int] = ()
) -> tuple[EventObject | None, Match | None]:
    """The best-scoring stored event that this event links to, if any."""
    best: tuple[EventObject | None, Match | None] = (None, None)
    for candidate in candidates(block_for(event), published, exclude):
        found = score(event, link_event_of(candidate))
        if found.links and (best[1] is None or found.score > best[1].score):
            best = (candidate, found)
    target, match = best
    # A merged incident points at the one it was folded into; link there.
    while isinstance(target, Incident) and target.merged_into_id:
        target = Incident.objects.get(pk=target.merged_into_id)
    return target, match


def _span(
    text: str, evidence: Sequence[Mapping[str, Any]], needles: Iterable[str]
) -> tuple[int | None, int | None]:
    """The evidence span whose text contains one of ``needles``, else the first span."""
    spans = [
        (int(e["start"]), int(e["end"]))
        for e in evidence
        if isinstance(e, Mapping)
        and isinstance(e.get("start"), int)
        and isinstance(e.get("end"), int)
        and 0 <= e["start"] < e["end"] <= len(text)
    ]
    if not spans:
        return None, None
    # Whole words only: "ten" must not match "often", nor "12" match "2012".
    patterns = [re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", re.IGNORECASE) for n in needles if n]
    for start, end in spans:
        snippet = text[start:end]
        if any(p.search(snippet) for p in patterns):
            return start, end
    return spans[0]


_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()


def _number_words(n: int | None) -> list[str]:
    if n is None:
        return []
    return [str(n)] + ([_NUMBER_WORDS[n]] if 0 <= n < len(_NUMBER_WORDS) else [])


def claim_values(
    event: Mapping[str, Any], text: str
) -> list[tuple[str, Any, tuple[int | None, int | None]]]:
    """(field, value, evidence span) for every field this extracted event states."""
    evidence = event.get("evidence") or []
    out: list[tuple[str, Any, tuple[int | None, int | None]]] = []
    date = event.get("date")
    if isinstance(date, Mapping) and date.get("value"):
        out.append(("date", dict(date), _span(text, evidence, [str(date.get("text") or "")])))
    loc = event.get("location")
    if isinstance(loc, Mapping) and loc.get("name"):
        out.append(("location", dict(loc), _span(text, evidence, [str(loc.get("name"))])))
    if event.get("kind") in _INCIDENT_KIND_VALUES:
        if event.get("attack_type"):
            out.append(("attack_type", event["attack_type"], _span(text, evidence, [])))
        for name, key in (("deaths", "fatalities"), ("injured", "injured")):
            figures = event.get(key)
            if isinstance(figures, Mapping) and any(
                figures.get(k) is not None for k in ("total", "min", "max")
            ):
                span = _span(text, evidence, _number_words(figures.get("total")))
                snippet = text[span[0] : span[1]] if span[0] is not None else ""
                value = dict(figures) | {"official": is_official_attribution(snippet)}
                out.append((name, value, span))
        fatalities = event.get("fatalities")
        if isinstance(fatalities, Mapping) and isinstance(fatalities.get("perpetrators"), int):
            killed = fatalities["perpetrators"]
            out.append(
                (
                    "perpetrators_killed",
                    {"total": killed},
                    _span(text, evidence, _number_words(killed)),
                )
            )
        perpetrators = [p for p in event.get("perpetrators") or [] if isinstance(p, Mapping)]
        if perpetrators:
            names = [str(p.get("name") or "") for p in perpetrators]
            out.append(("perpetrators", perpetrators, _span(text, evidence, names)))
        targets = [t for t in event.get("targets") or [] if isinstance(t, Mapping)]
        if targets:
            out.append(
                (
                    "targets",
                    targets,
                    _span(text, evidence, [str(t.get("description") or "") for t in targets]),
                )
            )
        nationalities = sorted(event_from_extraction(event).nationalities)
        if nationalities:
            out.append(("victim_nationalities", nationalities, _span(text, evidence, [])))
    else:
        participants = [p for p in event.get("participants") or [] if isinstance(p, Mapping)]
        if participants:
            names = [str(p.get("name") or "") for p in participants]
            out.append(("participants", participants, _span(text, evidence, names)))
        topics = [t for t in event.get("topics") or [] if isinstance(t, str)]
        if topics:
            out.append(("topics", topics, _span(text, evidence, [])))
    return out


def new_event(
    actor: Any,
    event: LinkEvent,
    tlp: str,
    values: Sequence[tuple[str, Any, Any]] = (),
    confidence: float = 0.0,
    organisation_id: int | None = None,
) -> EventObject:
    """A fresh incident or engagement for an event no stored one matches.

    It is created already resolved from its first report (``values``: field, value, span), so
    its audit record shows what was found, and the recomputation that follows the report's
    linking finds nothing to change and saves nothing.
    """
    model = model_for(event.kind)
    obj = model(
        kind=event.kind,
        tlp=tlp,
        organisation_id=organisation_id,
        review_state=ReviewState.NEEDS_REVIEW,
    )
    views = [ClaimView(field=name, value=value) for name, value, _ in values]
    resolution = resolve_incident(views) if model is Incident else resolve_engagement(views)
    _apply(obj, resolution, set(), [(None, confidence)])
    return gate.save(actor, obj)


def _owner_of(report: Report) -> int | None:
    """The organisation that holds what ``report`` brings: its own, else its source's."""
    return report.organisation_id or report.source.organisation_id


def carry_marking(actor: Any, target: EventObject, report: Report) -> None:
    """Give ``target`` at least ``report``'s TLP marking, since it now holds the report's claims.

    A derived object takes the most restrictive marking of what it contains: an AMBER+STRICT
    report moves the incident inside the report's organisation, and a RED report's
    recipients become the incident's. An analyst may lower the marking afterwards.
    """
    marking = tlp.most_restrictive([target.tlp, report.tlp])
    if marking == target.tlp and marking != tlp.RED:
        return
    target.tlp = marking
    if marking == tlp.AMBER_STRICT and report.tlp == tlp.AMBER_STRICT:
        target.organisation_id = _owner_of(report)
    gate.save(actor, target, update_fields=["tlp", "organisation", "updated"])
    if marking == tlp.RED and report.tlp == tlp.RED:
        target.recipients.add(*report.recipients.all())


def link_mention(
    actor: Any, report: Report, index: int, event: Mapping[str, Any], exclude: Iterable[int] = ()
) -> tuple[Mention, LinkDecision]:
    """Create the mention of one extracted event, link it, and write its claims.

    The caller holds the report's row lock inside one transaction, and recomputes the
    returned targets once all of the report's mentions are linked.
    """
    key = event_from_extraction(event)
    published = report.published or report.received_at.date()
    target, match = best_match(key, published, exclude)
    created = target is None
    values = claim_values(event, report.text)
    raw_confidence = event.get("confidence")
    confidence = float(raw_confidence) if isinstance(raw_confidence, int | float) else 0.0
    if target is None:
        target = new_event(actor, key, report.tlp, values, confidence, _owner_of(report))
        if report.tlp == tlp.RED:
            target.recipients.add(*report.recipients.all())
    else:
        carry_marking(actor, target, report)
    # Mentions and claims are provenance written in bulk: the gate checks the actor may add
    # them; the per-object scope check would only repeat what the report's save proves.
    gate.require(actor, Action.ADD, Mention)
    gate.require(actor, Action.ADD, Claim)
    mention = Mention.objects.create(
        report=report,
        index=index,
        kind=key.kind,
        background=bool(event.get("background")),
        confidence=confidence,
        event=dict(event),
        incident=target if isinstance(target, Incident) else None,
        engagement=target if isinstance(target, Engagement) else None,
        link_score=match.score if match else None,
        link_reasons=list(match.reasons) if match else ["new: no stored event matched"],
    )
    owner = {"incident": target} if isinstance(target, Incident) else {"engagement": target}
    Claim.objects.bulk_create(
        Claim(
            field=name,
            value=value,
            mention=mention,
            report=report,
            start=span[0],
            end=span[1],
            **owner,
        )
        for name, value, span in values
    )
    return mention, LinkDecision(target, created, match)


def _claim_view(claim: Claim) -> ClaimView:
    report = claim.report
    mention = claim.mention
    value = claim.value
    if (
        claim.analyst_id is not None
        and isinstance(value, int)
        and claim.field in ("deaths", "injured", "perpetrators_killed")
    ):
        value = {"total": value}
    return ClaimView(
        field=claim.field,
        value=value,
        order=claim.pk,
        published=(report.published or report.received_at.date()) if report else None,
        reliability=report.source.reliability if report else "F",
        background=bool(mention.background) if mention else False,
        official=bool(isinstance(value, Mapping) and value.get("official")),
        analyst=claim.analyst_id is not None,
        report_id=claim.report_id,
    )


def _frozen(corrected: Iterable[str]) -> set[str]:
    frozen = set(corrected)
    for group, members in FIELD_GROUPS.items():
        if group in frozen or frozen & set(members):
            frozen |= {group, *members}
    return frozen


def _apply(
    obj: EventObject,
    resolution: Resolution,
    frozen: set[str],
    mentions: Sequence[tuple[int | None, float]],
) -> None:
    """Set the resolved fields, conflicts, counts, confidence and review state on ``obj``."""
    for name, value in resolution.values.items():
        if name not in frozen:
            setattr(obj, name, value)
    if isinstance(obj, Engagement) and "title" not in frozen:
        obj.title = (
            f"{obj.get_kind_display()}: {obj.title}"[:300] if obj.title else obj.get_kind_display()
        )
    if "h3_r5" not in frozen:
        obj.h3_r5 = cell_of(obj.lat, obj.lon, obj.geo_precision)
    # A conflict an analyst settled by correcting the field is no longer open.
    obj.conflicts = [c for c in resolution.conflicts if c["field"] not in frozen]
    obj.has_conflict = bool(obj.conflicts)
    obj.report_count = len({report_id for report_id, _ in mentions})
    obj.confidence = combined_confidence(c for _, c in mentions)
    if obj.review_state not in (ReviewState.CONFIRMED, ReviewState.REJECTED):
        unsure = (
            obj.has_conflict
            or obj.confidence < REVIEW_BELOW
            or obj.date is None
            or not obj.place_name
        )
        obj.review_state = ReviewState.NEEDS_REVIEW if unsure else ReviewState.AUTO


def _state(obj: EventObject) -> dict[str, Any]:
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in ("updated", "created")
    }


def recompute(obj: EventObject, *, actor: Any = None) -> None:
    """Re-resolve every field from the claims, except the ones an analyst corrected.

    Also refreshes the conflicts, the report count, the confidence and, unless an analyst
    has confirmed or rejected it, the review state. With ``actor`` the save goes through the
    gate (jobs); without, the caller has already checked its rights (analyst actions). An
    object whose fields all stay the same is not saved again.
    """
    claims = list(obj.claims.select_related("report__source", "mention").order_by("pk"))
    views = [_claim_view(c) for c in claims]
    resolution = resolve_incident(views) if isinstance(obj, Incident) else resolve_engagement(views)
    before = _state(obj)
    mentions = list(obj.mentions.values_list("report_id", "confidence"))
    _apply(obj, resolution, _frozen(obj.corrected_fields or []), mentions)
    if obj.pk is not None and _state(obj) == before:
        return
    if actor is None:
        obj.save()
    else:
        gate.save(actor, obj)
