"""Engagements in STIX 2.1: export into a ``stix.collect`` bundle, and import from one.

An engagement (meeting, agreement, announcement) leaves as one ``safepassage-engagement``
object (``engagement_sdo``), its place as a ``location`` tied to it by a ``located-at``
relationship (as an incident's), and the reports that describe it as ``report`` objects whose
``object_refs`` name it. How each report describes it (index, kind, link score and reasons,
the extracted event) travels inside the engagement object as ``mentions``: the sightings of
the physical-attack extension are kept for incidents, so that extension (1.0.0) is unchanged
and an older instance still imports the rest of a bundle that holds engagements.

Personal data: participants' names and the extracted events cross only when the export may
carry personal data (``include_text``: for a partner, an agreement in force that allows it);
otherwise each participant leaves as title, organisation and country.

The export reads through the permission gate as the reader, in a constant number of queries
for any number of engagements (engagements, their mentions, their reports, the id map).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models

from safepassage.access import gate
from safepassage.intel.models import Engagement, Mention, Report
from safepassage.linking.blocking import cell_of
from safepassage.registry.models import Organisation
from safepassage.sharing import engagement_sdo, stix
from safepassage.sharing.stix_ids import lookup
from safepassage.sharing.stix_markings import marking_of

if TYPE_CHECKING:
    from safepassage.sharing.stix_import import _Item, _Plan

TYPE = engagement_sdo.TYPE
PARTICIPANT_KEYS = ("name", "title", "organisation", "country")
# The engagement fields an import sets: what the round trip keeps intact.
SHARED_FIELDS = (
    "kind",
    "title",
    "date",
    "date_precision",
    "place_name",
    "country",
    "admin1",
    "admin2",
    "lat",
    "lon",
    "geo_precision",
    "gazetteer_id",
    "participants",
    "topics",
    "tlp",
    "review_state",
    "confidence",
    "report_count",
    "has_conflict",
    "conflicts",
    "corrected_fields",
)


# ---------------------------------------------------------------------------- export


def participant(raw: Any, personal_data: bool) -> dict[str, Any] | None:
    """One participant as it leaves: name only with personal data; None for other shapes."""
    if isinstance(raw, str):
        raw = {"name": raw}
    if not isinstance(raw, dict):
        return None
    out: dict[str, Any] = {}
    for key in PARTICIPANT_KEYS:
        value = raw.get(key)
        if key == "organisation" and value is None:
            value = raw.get("org")
        out[key] = None if value is None else str(value)[:200]
    if not personal_data or out["name"] is None:
        out.pop("name")
    return out


def _place_uuid(builder: Any, engagement: Engagement, what: str) -> uuid.UUID:
    namespace = uuid.UUID(builder.instance_id.split("--", 1)[1])
    return stix.part_uuid(namespace, engagement, what)


def _location(builder: Any, engagement: Engagement, engagement_id: str) -> None:
    """A location for the engagement's place and its ``located-at`` relationship, if any."""
    has_point = engagement.lat is not None and engagement.lon is not None
    if not has_point and not engagement.country:
        return
    common = {
        "spec_version": "2.1",
        "created": stix.timestamp(engagement.created),
        "modified": stix.timestamp(engagement.updated),
        "created_by_ref": builder.organisation(engagement.organisation),
        "object_marking_refs": builder._mark(engagement.tlp),
    }
    location: dict[str, Any] = {
        "type": "location",
        "id": f"location--{_place_uuid(builder, engagement, 'place')}",
        **common,
    }
    location.update(stix.location_properties(engagement))
    builder._add(location)
    builder._add(
        {
            "type": "relationship",
            "id": f"relationship--{_place_uuid(builder, engagement, 'located-at')}",
            **common,
            "relationship_type": "located-at",
            "source_ref": engagement_id,
            "target_ref": location["id"],
        }
    )


def _engagement(
    builder: Any,
    engagement: Engagement,
    stix_id: str,
    mentions: list[Mention],
    report_ids: dict[int, str],
) -> None:
    personal = bool(builder.include_text)
    participants = [participant(p, personal) for p in engagement.participants or []]
    obj: dict[str, Any] = {
        "type": TYPE,
        "spec_version": "2.1",
        "id": stix_id,
        "created": stix.timestamp(engagement.created),
        "modified": stix.timestamp(engagement.updated),
        "created_by_ref": builder.organisation(engagement.organisation),
        "object_marking_refs": builder._mark(engagement.tlp),
        "labels": [engagement.kind],
        "name": str(engagement)[:300],
        "instance": builder.ids.first_instance(engagement, builder.instance_id),
        "kind": engagement.kind,
        "title": engagement.title,
        "date_precision": engagement.date_precision,
        "place": stix.place(engagement),
        "participants": [p for p in participants if p is not None],
        "topics": [str(t)[:100] for t in engagement.topics or [] if str(t)],
        "review": stix.review(engagement),
        "mentions": [
            stix.mention_properties(m, report_ids[m.report_id], personal) for m in mentions
        ],
        "has_personal_data": personal,
        "extensions": {engagement_sdo.EXTENSION_ID: {"extension_type": "new-sdo"}},
    }
    if engagement.date:
        obj["date"] = engagement.date.isoformat()
    builder._add(obj)


def add_to_export(
    builder: Any,
    reader: Any,
    rows: list[tuple[models.Model, str]],
    *,
    since: datetime.datetime | None = None,
    ids: Iterable[str] | None = None,
    exclude_origin: Organisation | None = None,
) -> None:
    """Add the engagements ``reader`` may read (and their places and reports) to ``builder``.

    The same filters as the incidents of ``stix.collect``: updated at or after ``since``, only
    the STIX ids in ``ids``, nothing that came from ``exclude_origin``. Each engagement and each
    report added is appended to ``rows`` (for share records); a report already in the export
    (it describes an incident too) gets the engagement added to its ``object_refs``.
    """
    queryset = gate.restrict(Engagement.objects.all(), reader).select_related("organisation")
    if since is not None:
        queryset = queryset.filter(updated__gte=since)
    engagements = list(queryset.order_by("pk"))
    if not engagements:
        return
    skip = stix._excluded_pks(Engagement, exclude_origin)
    engagements = [e for e in engagements if e.pk not in skip]
    builder.ids.preload(engagements)
    engagement_ids = {e.pk: builder.ids.stix_id(e, TYPE) for e in engagements}
    if ids is not None:
        wanted = set(ids)
        engagements = [e for e in engagements if engagement_ids[e.pk] in wanted]
    if not engagements:
        return
    by_pk = {e.pk: e for e in engagements}
    mentions = list(
        stix._behind(Mention.objects.filter(engagement_id__in=by_pk), reader).order_by("pk")
    )
    report_skip = stix._excluded_pks(Report, exclude_origin)
    reports = {
        r.pk: r
        for r in stix._behind(
            Report.objects.filter(pk__in={m.report_id for m in mentions}), reader
        ).select_related("source", "organisation")
        if r.pk not in report_skip
    }
    mentions = [m for m in mentions if m.report_id in reports]
    builder.ids.preload(reports.values())
    report_ids = {pk: builder.ids.stix_id(r, "report") for pk, r in reports.items()}
    mentions_of: dict[int, list[Mention]] = {}
    for mention in mentions:
        assert mention.engagement_id is not None
        mentions_of.setdefault(mention.engagement_id, []).append(mention)
    for pk, engagement in by_pk.items():
        stix_id = engagement_ids[pk]
        _engagement(builder, engagement, stix_id, mentions_of.get(pk, []), report_ids)
        _location(builder, engagement, stix_id)
        rows.append((engagement, stix_id))
    refs_of: dict[int, set[str]] = {}
    for mention in mentions:
        assert mention.engagement_id is not None
        refs_of.setdefault(mention.report_id, set()).add(engagement_ids[mention.engagement_id])
    in_rows = {sid for _, sid in rows}
    for pk in sorted(refs_of):
        report_id = report_ids[pk]
        held = builder.objects.get(report_id)
        if held is not None:
            held["object_refs"] = sorted(set(held["object_refs"]) | refs_of[pk])
        else:
            builder.report(reports[pk], sorted(refs_of[pk]))
        if report_id not in in_rows:
            rows.append((reports[pk], report_id))


def definitions(builder: Any) -> list[dict[str, Any]]:
    """The extension-definition to put at the head of a bundle that holds engagements."""
    if any(obj.get("type") == TYPE for obj in builder.objects.values()):
        return [engagement_sdo.definition()]
    return []


# ---------------------------------------------------------------------------- import


def classify(plan: _Plan, obj: dict[str, Any]) -> None:
    """Check one ``safepassage-engagement`` object and queue it on ``plan``."""
    from safepassage.sharing.stix_import import _Item

    problems = engagement_sdo.validate(obj)
    for problem in problems:
        plan.error(obj["id"], problem)
    if problems:
        return
    marking = marking_of(obj.get("object_marking_refs"))
    if marking is None:
        plan.error(obj["id"], "carries no TLP marking (object_marking_refs).")
        return
    plan.items.setdefault(TYPE, []).append(_Item(obj=obj, ext=obj, marking=marking))


def decide(plan: _Plan) -> None:
    """Decide what each queued engagement does and check it (nothing written yet)."""
    from safepassage.sharing.stix_import import _day, place_fields, review_fields

    for item in plan.items.get(TYPE, []):
        plan._decide(item)
        if item.outcome in ("unchanged", "own"):
            continue
        obj = item.obj
        place, review = obj["place"], obj["review"]
        row = item.row if isinstance(item.row, Engagement) else Engagement()
        values: dict[str, Any] = {
            "kind": obj["kind"],
            "title": obj["title"],
            "date": _day(obj.get("date")),
            "date_precision": obj["date_precision"],
            **place_fields(place),
            "participants": obj.get("participants", []),
            "topics": obj.get("topics", []),
            "tlp": item.marking,
            **review_fields(review),
        }
        if obj.get("date") is not None and values["date"] is None:
            plan.error(item.id, f"date {obj['date']!r} is not a real day.")
        if (place["lat"] is None) != (place["lon"] is None):
            plan.error(item.id, "place: latitude and longitude come together.")
        for name, value in values.items():
            setattr(row, name, value)
        row.h3_r5 = cell_of(row.lat, row.lon, row.geo_precision)
        plan._clean(item, row, ["organisation", "recipients"])
        item.row = row
        seen: set[tuple[str, int]] = set()
        for mention in obj.get("mentions", []):
            ref = mention["report"]
            if not ref.startswith("report--"):
                plan.error(item.id, f"a mention names {ref}, which is not a report.")
            elif ref not in plan.by_id and lookup(ref) is None:
                plan.error(item.id, f"a mention names {ref}, which is neither here nor held.")
            key = (ref, mention["index"])
            if key in seen:
                plan.error(item.id, f"two mentions of event {key[1]} of the report {ref}.")
            seen.add(key)


def write(plan: _Plan) -> None:
    """Write the engagements ``decide`` accepted (inside the import's transaction)."""
    for item in plan.items.get(TYPE, []):
        if plan._left_as_is(item):
            continue
        row = item.row
        if not isinstance(row, Engagement):
            plan.error(item.id, "the id is held here for something that is not an engagement.")
            continue
        plan._save_event(item, row)
        _write_mentions(plan, item, row)


def _write_mentions(plan: _Plan, item: _Item, engagement: Engagement) -> None:
    for data in item.obj.get("mentions", []):
        report = plan.resolve(data["report"])
        if not isinstance(report, Report):
            plan.error(item.id, f"the report {data['report']} did not import.")
            continue
        row = Mention.objects.filter(report=report, index=data["index"]).first()
        if row is not None and (
            row.incident_id is not None or row.engagement_id not in (None, engagement.pk)
        ):
            # The same article was read here too and linked its own way: keep ours.
            plan.result.notes.append(
                f"{item.id}: event {data['index']} of {data['report']} is linked here already."
            )
            continue
        row = row or Mention(report=report, index=data["index"])
        values = {
            "kind": data["kind"],
            "background": data["background"],
            "confidence": data["confidence"],
            "link_score": data["link_score"],
            "link_reasons": data["link_reasons"],
            "event": data.get("event") or row.event or {},
            "engagement_id": engagement.pk,
        }
        if row.pk is not None and all(getattr(row, k) == v for k, v in values.items()):
            continue
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
