"""STIX 2.1 export: the incident picture a reader may see, as a bundle built with ``stix2``.

Mapping (documented in docs/SHARING.md, section "STIX 2.1"):

* an incident → an ``incident`` SDO carrying the Safe Passage physical-attack extension
  (``extension.py``): attack type, casualties by group and nationality, place and geo
  precision, attribution with relation and source, review state and per-source claims;
* its place → a ``location`` SDO, tied to it by a ``located-at`` relationship;
* an organisation that holds an incident or a report → an ``identity`` (this instance itself is
  an identity of class ``system``);
* a report (article) → a ``report`` SDO with an external reference to its address and content
  hash, and the article text only when personal data may cross;
* a report's mention of an incident → a ``sighting`` of the incident, seen by the organisation
  that holds the report;
* an engagement → a ``safepassage-engagement`` object (``stix_engagements.py``).

Every object carries a TLP 2.0 marking. What goes in is read through the permission gate as
the reader, so a bundle never holds an object the reader may not read: a partner's bundle is
read with ``PartnerReader`` (its agreements apply) and AMBER+STRICT and RED never reach it.
"""

from __future__ import annotations

import datetime
import functools
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import stix2
from django.db import models
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from safepassage.access import gate
from safepassage.access.marking import is_partner, marking_q
from safepassage.access.policy import Action
from safepassage.intel.models import Claim, Engagement, EventFields, Incident, Mention, Report
from safepassage.registry.models import Organisation
from safepassage.sharing import extension, services, tlp
from safepassage.sharing.models import ExternalObject, InstanceIdentity
from safepassage.sharing.stix_ids import IdMap, instance_identity, model_label
from safepassage.sharing.stix_markings import marking_definition, marking_id

M = TypeVar("M", bound=models.Model)
EXT = extension.EXTENSION_ID
# Rough radius of each geo precision in metres (the STIX location ``precision``).
PRECISION_METRES = {
    "point": 100.0,
    "town": 5_000.0,
    "district": 50_000.0,
    "province": 250_000.0,
    "country": 1_000_000.0,
}
# Organisations are named in every bundle that holds their records: shared with the community.
IDENTITY_TLP = tlp.GREEN


def timestamp(value: datetime.datetime | datetime.date | None) -> str:
    """A STIX timestamp (UTC, milliseconds, ``Z``) for a datetime or a date (midnight UTC)."""
    moment: datetime.datetime
    if value is None:
        moment = timezone.now()
    elif isinstance(value, datetime.datetime):
        moment = value
    else:
        moment = datetime.datetime.combine(value, datetime.time(), tzinfo=datetime.UTC)
    return _utc_text(moment)


@functools.lru_cache(maxsize=4096)
def _utc_text(moment: datetime.datetime) -> str:
    # Cached: an export writes each incident's and report's times on several objects.
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    moment = moment.astimezone(datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class ClaimRow(NamedTuple):
    """The fields of a claim the export writes: read as plain rows, thousands at a time."""

    incident_id: int
    field: str
    value: Any
    report_id: int | None
    start: int | None
    end: int | None
    mention_id: int | None


@dataclass
class StixExport:
    """What one export holds: the STIX objects, the local rows behind them and the marking."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    rows: list[tuple[models.Model, str]] = field(default_factory=list)
    marking: str = tlp.CLEAR

    def bundle(self) -> dict[str, Any]:
        """The objects as one STIX 2.1 bundle (validated by ``stix2``), as a JSON-ready dict."""
        built = stix2.Bundle(objects=self.objects, allow_custom=False)
        data: dict[str, Any] = json.loads(built.serialize())
        return data

    def incidents(self) -> list[models.Model]:
        """The incidents in the export (for share records)."""
        return [row for row, _ in self.rows if isinstance(row, Incident)]


class _Builder:
    """Builds the STIX objects of one export; every id comes from one ``IdMap``."""

    def __init__(
        self,
        include_text: bool,
        ids: IdMap | None = None,
        identity: InstanceIdentity | None = None,
    ) -> None:
        self.ids = ids if ids is not None else IdMap()
        self.include_text = include_text
        # Read once: every object names this instance, and the ids are minted under its uuid.
        self.identity = identity or instance_identity()
        self.instance_id = f"identity--{self.identity.uuid}"
        self.namespace = uuid.UUID(str(self.identity.uuid))
        self.markings: set[str] = set()
        self._marking_ids: dict[str, str] = {}
        self.objects: dict[str, dict[str, Any]] = {}
        self.org_ids: dict[int, str] = {}

    def _mark(self, value: str) -> list[str]:
        # Five markings, thousands of objects: each value is checked and looked up once.
        known = self._marking_ids.get(value)
        if known is None:
            marking = tlp.normalise(value)
            self.markings.add(marking)
            known = self._marking_ids[value] = marking_id(marking)
        return [known]

    def _add(self, obj: dict[str, Any]) -> str:
        self.objects.setdefault(obj["id"], obj)
        return str(obj["id"])

    def instance(self) -> str:
        identity = self.identity
        return self._add(
            {
                "type": "identity",
                "spec_version": "2.1",
                "id": self.instance_id,
                "created": timestamp(identity.created),
                "modified": timestamp(identity.created),
                "name": identity.name or "Safe Passage",
                "identity_class": "system",
                "object_marking_refs": self._mark(IDENTITY_TLP),
            }
        )

    def organisation(self, org: Organisation | None) -> str:
        """The identity of ``org`` (this instance when there is none)."""
        if org is None:
            return self.instance()
        if org.pk in self.org_ids:
            return self.org_ids[org.pk]
        stix_id = self.ids.stix_id(org, "identity")
        self.org_ids[org.pk] = stix_id
        return self._add(
            {
                "type": "identity",
                "spec_version": "2.1",
                "id": stix_id,
                "created": timestamp(org.created),
                "modified": timestamp(org.created),
                "name": org.name,
                "identity_class": "organization",
                "created_by_ref": self.instance(),
                "object_marking_refs": self._mark(IDENTITY_TLP),
                "extensions": {
                    EXT: {
                        "extension_type": "property-extension",
                        "instance": self.instance_id,
                        "short_name": org.short_name,
                        "kind": org.kind,
                        "country": org.country,
                    }
                },
            }
        )

    def location(self, incident: Incident) -> str | None:
        """A location for the incident's place, or None when STIX cannot express it."""
        has_point = incident.lat is not None and incident.lon is not None
        if not has_point and not incident.country:
            return None
        stix_id = f"location--{part_uuid(self.namespace, incident, 'place')}"
        obj: dict[str, Any] = {
            "type": "location",
            "spec_version": "2.1",
            "id": stix_id,
            "created": timestamp(incident.created),
            "modified": timestamp(incident.updated),
            "created_by_ref": self.organisation(incident.organisation),
            "object_marking_refs": self._mark(incident.tlp),
        }
        obj.update(location_properties(incident))
        return self._add(obj)

    def incident(
        self,
        incident: Incident,
        claims: Sequence[ClaimRow],
        report_ids: dict[int, str],
        sighting_ids: dict[int, str],
        merged_into: str | None,
    ) -> str:
        stix_id = self.ids.stix_id(incident, "incident")
        ext = {
            "extension_type": "property-extension",
            "instance": self.ids.first_instance(incident, self.instance_id),
            "kind": incident.kind,
            "attack_type": incident.attack_type,
            "date": incident.date.isoformat() if incident.date else None,
            "date_precision": incident.date_precision,
            "place": place(incident),
            "casualties": {
                "deaths": {
                    "count": incident.deaths,
                    "min": incident.deaths_min,
                    "max": incident.deaths_max,
                },
                "injured": {
                    "count": incident.injured,
                    "min": incident.injured_min,
                    "max": incident.injured_max,
                },
                "perpetrators_killed": incident.perpetrators_killed,
                "deaths_by_nationality": dict(incident.deaths_by_nationality or {}),
                "victim_nationalities": list(incident.victim_nationalities or []),
            },
            "attribution": [_attribution(item) for item in incident.perpetrators or []],
            "targets": list(incident.targets or []),
            "review": review(incident),
            "claims": [
                {
                    "field": claim.field,
                    "value": claim.value,
                    "report": report_ids.get(claim.report_id) if claim.report_id else None,
                    "span": None if claim.start is None else [claim.start, claim.end],
                    "sighting": sighting_ids.get(claim.mention_id) if claim.mention_id else None,
                }
                for claim in claims
            ],
            "merged_into": merged_into,
        }
        return self._add(
            {
                "type": "incident",
                "spec_version": "2.1",
                "id": stix_id,
                "created": timestamp(incident.created),
                "modified": timestamp(incident.updated),
                "name": str(incident)[:250],
                "created_by_ref": self.organisation(incident.organisation),
                "object_marking_refs": self._mark(incident.tlp),
                "labels": [incident.kind]
                + ([incident.attack_type] if incident.attack_type else []),
                "extensions": {EXT: ext},
            }
        )

    def located_at(self, incident: Incident, incident_id: str, location_id: str) -> None:
        self._add(
            {
                "type": "relationship",
                "spec_version": "2.1",
                "id": f"relationship--{part_uuid(self.namespace, incident, 'located-at')}",
                "created": timestamp(incident.created),
                "modified": timestamp(incident.updated),
                "relationship_type": "located-at",
                "source_ref": incident_id,
                "target_ref": location_id,
                "created_by_ref": self.organisation(incident.organisation),
                "object_marking_refs": self._mark(incident.tlp),
            }
        )

    def report(self, report: Report, object_refs: list[str]) -> str:
        stix_id = self.ids.stix_id(report, "report")
        reference: dict[str, Any] = {
            "source_name": report.source.name,
            "hashes": {"SHA-256": report.content_hash},
        }
        if report.url:
            reference["url"] = report.url
        obj: dict[str, Any] = {
            "type": "report",
            "spec_version": "2.1",
            "id": stix_id,
            "created": timestamp(report.received_at),
            "modified": timestamp(report.processed_at or report.received_at),
            "name": report.title or f"Report from {report.source.name}",
            "report_types": ["threat-report"],
            "published": timestamp(report.published or report.received_at),
            "object_refs": object_refs,
            "created_by_ref": self.organisation(report.organisation),
            "object_marking_refs": self._mark(report.tlp),
            "external_references": [reference],
            "extensions": {
                EXT: {
                    "extension_type": "property-extension",
                    "instance": self.ids.first_instance(report, self.instance_id),
                    "title": report.title,
                    "source": {
                        "name": report.source.name,
                        "kind": report.source.kind,
                        "reliability": report.source.reliability,
                    },
                    "language": report.language,
                    "content_hash": report.content_hash,
                    "simhash": report.simhash,
                    "published": report.published.isoformat() if report.published else None,
                    "status": report.status,
                    "has_text": self.include_text,
                }
            },
        }
        if report.language:
            obj["lang"] = report.language
        if self.include_text and report.text:
            obj["description"] = report.text
        return self._add(obj)

    def sighting(
        self, mention: Mention, incident: Incident, incident_id: str, report: Report, report_id: str
    ) -> str:
        stix_id = self.ids.stix_id(mention, "sighting")
        seen = timestamp(report.published or report.received_at)
        ext: dict[str, Any] = {
            "extension_type": "property-extension",
            "instance": self.ids.first_instance(mention, self.instance_id),
            **mention_properties(mention, report_id, self.include_text),
        }
        return self._add(
            {
                "type": "sighting",
                "spec_version": "2.1",
                "id": stix_id,
                "created": timestamp(report.received_at),
                "modified": timestamp(report.processed_at or report.received_at),
                "sighting_of_ref": incident_id,
                "where_sighted_refs": [self.organisation(report.organisation)],
                "first_seen": seen,
                "last_seen": seen,
                "count": 1,
                "created_by_ref": self.organisation(report.organisation),
                "object_marking_refs": self._mark(tlp.most_restrictive([incident.tlp, report.tlp])),
                "extensions": {EXT: ext},
            }
        )


def mention_properties(mention: Mention, report_id: str, personal: bool) -> dict[str, Any]:
    """How a report describes an incident (sighting) or engagement (``mentions``).

    The extracted event is personal data: only with ``personal``.
    """
    out: dict[str, Any] = {
        "report": report_id,
        "index": mention.index,
        "kind": mention.kind,
        "background": mention.background,
        "confidence": mention.confidence,
        "link_score": mention.link_score,
        "link_reasons": [str(r) for r in mention.link_reasons or []],
    }
    if personal:
        out["event"] = mention.event if isinstance(mention.event, dict) else {}
    return out


def location_properties(row: EventFields) -> dict[str, Any]:
    """The place properties of a STIX ``location`` for an incident's or engagement's place."""
    out: dict[str, Any] = {}
    if row.place_name:
        out["name"] = row.place_name
    if row.country:
        out["country"] = row.country
    if row.admin1:
        out["administrative_area"] = row.admin1
    if row.lat is not None and row.lon is not None:
        out["latitude"] = row.lat
        out["longitude"] = row.lon
        if row.geo_precision in PRECISION_METRES:
            out["precision"] = PRECISION_METRES[row.geo_precision]
    return out


def place(row: EventFields) -> dict[str, Any]:
    """The ``place`` of an incident (extension) or engagement (object) as it leaves."""
    return {
        "name": row.place_name,
        "country": row.country,
        "admin1": row.admin1,
        "admin2": row.admin2,
        "lat": row.lat,
        "lon": row.lon,
        "geo_precision": row.geo_precision,
        "gazetteer_id": row.gazetteer_id,
    }


def review(row: EventFields) -> dict[str, Any]:
    """The ``review`` of an incident (extension) or engagement (object) as it leaves."""
    return {
        "state": row.review_state,
        "confidence": row.confidence,
        "report_count": row.report_count,
        "has_conflict": row.has_conflict,
        "conflicts": list(row.conflicts or []),
        "corrected_fields": list(row.corrected_fields or []),
    }


def part_uuid(namespace: uuid.UUID, row: models.Model | tuple[str, int], part: str) -> uuid.UUID:
    """The uuid of an object made of a part of ``row`` (a row, or its model label and pk): an
    incident's or engagement's place (``"place"``) and its ``"located-at"`` relationship."""
    label, pk = row if isinstance(row, tuple) else (model_label(row), row.pk)
    return uuid.uuid5(namespace, f"{label}:{pk}/{part}")


def _attribution(item: Any) -> dict[str, Any]:
    """One perpetrator as the extension writes it: group, relation and who attributed it."""
    data = item if isinstance(item, dict) else {"name": str(item)}
    out: dict[str, Any] = {
        "group": str(data.get("name", "")),
        "relation": str(data.get("relation") or "suspected"),
    }
    if "by" in data:
        out["source"] = data["by"]
    return out


def _behind(queryset: QuerySet[M], reader: Any) -> QuerySet[M]:
    """The reports (or mentions) behind incidents ``reader`` reads, as ``reader`` may see them.

    A partner's role does not read reports on this instance, but what is sent to a partner
    names the reports behind the incidents it receives (their reference, never their text
    unless personal data may cross): for a partner only the markings and agreements apply.
    """
    if gate.can(reader, Action.VIEW, queryset.model):
        return gate.restrict(queryset, reader)
    if is_partner(reader):
        return queryset.filter(marking_q(reader, queryset.model))
    return queryset.none()


def from_origin(model: type[models.Model], origin: Organisation) -> QuerySet[ExternalObject]:
    """The identity-map rows of the ``model`` rows that came from ``origin`` (no echo)."""
    return ExternalObject.objects.filter(model=model_label(model), origin=origin)


def _excluded_pks(model: type[models.Model], origin: Organisation | None) -> set[int]:
    if origin is None:
        return set()
    return set(from_origin(model, origin).values_list("local_id", flat=True))


def collect(
    reader: Any,
    *,
    since: datetime.datetime | None = None,
    ids: Iterable[str] | None = None,
    exclude_origin: Organisation | None = None,
    include_text: bool = False,
    incident_pks: Iterable[int] | None = None,
) -> StixExport:
    """The STIX objects of what ``reader`` may read (see the module docstring); nothing recorded.

    ``since`` keeps incidents updated at or after it; ``ids`` keeps only incidents with those
    STIX ids; ``exclude_origin`` leaves out what came from that organisation (no echo);
    ``include_text`` carries article text and extracted events (personal data).
    ``incident_pks`` reads only those incidents from the database (a caller that has chosen a
    page of them: the other filters still apply).
    """
    builder = _Builder(include_text)
    # prefetch, not select_related: a handful of organisations and sources are shared by
    # thousands of rows, so each is made once rather than once per row.
    incidents_qs = gate.restrict(Incident.objects.all(), reader).prefetch_related("organisation")
    if since is not None:
        incidents_qs = incidents_qs.filter(updated__gte=since)
    if incident_pks is not None:
        incidents_qs = incidents_qs.filter(pk__in=list(incident_pks))
    incidents = list(incidents_qs.order_by("pk"))
    skip = _excluded_pks(Incident, exclude_origin)
    incidents = [i for i in incidents if i.pk not in skip]
    builder.ids.preload(incidents)
    if ids is not None:
        wanted = set(ids)
        incidents = [i for i in incidents if builder.ids.stix_id(i, "incident") in wanted]
    by_pk = {i.pk: i for i in incidents}

    # What the export never writes (or writes only with personal data) is not read: the
    # extraction and the article text are the bulk of a report row.
    personal: tuple[str, ...] = () if include_text else ("text",)
    mentions_qs = Mention.objects.filter(incident_id__in=by_pk)
    if not include_text:
        mentions_qs = mentions_qs.defer("event")
    mentions = list(_behind(mentions_qs, reader).order_by("pk"))
    claims = [
        ClaimRow(*values)
        for values in gate.restrict(Claim.objects.filter(incident_id__in=by_pk), reader)
        .order_by("field", "created", "pk")
        .values_list(*ClaimRow._fields)
    ]
    wanted_reports = {m.report_id for m in mentions} | {c.report_id for c in claims if c.report_id}
    report_skip = _excluded_pks(Report, exclude_origin)
    reports = {
        r.pk: r
        for r in _behind(
            Report.objects.filter(pk__in=wanted_reports).defer(
                "extraction", "structured", *personal
            ),
            reader,
        )
        .prefetch_related("source", "organisation")
        .order_by("pk")
        if r.pk not in report_skip
    }
    mentions = [m for m in mentions if m.report_id in reports]
    holders = {
        row.organisation_id: row.organisation
        for row in [*by_pk.values(), *reports.values()]
        if row.organisation_id is not None
    }
    builder.ids.preload([*reports.values(), *mentions, *holders.values()])

    report_ids = {pk: builder.ids.stix_id(r, "report") for pk, r in reports.items()}
    incident_ids = {pk: builder.ids.stix_id(i, "incident") for pk, i in by_pk.items()}
    sighting_ids: dict[int, str] = {}
    rows: list[tuple[models.Model, str]] = []
    for mention in mentions:
        incident = by_pk[mention.incident_id]
        report = reports[mention.report_id]
        sighting_ids[mention.pk] = builder.sighting(
            mention, incident, incident_ids[incident.pk], report, report_ids[report.pk]
        )
    claims_of: dict[int, list[ClaimRow]] = {}
    for claim in claims:
        claims_of.setdefault(claim.incident_id, []).append(claim)
    for pk, incident in by_pk.items():
        merged = incident_ids.get(incident.merged_into_id) if incident.merged_into_id else None
        incident_id = builder.incident(
            incident, claims_of.get(pk, []), report_ids, sighting_ids, merged
        )
        location_id = builder.location(incident)
        if location_id:
            builder.located_at(incident, incident_id, location_id)
        rows.append((incident, incident_id))
    refs_of: dict[int, list[str]] = {}
    for mention in mentions:
        refs_of.setdefault(mention.report_id, []).append(incident_ids[mention.incident_id])
    for claim in claims:
        if claim.report_id in reports:
            refs_of.setdefault(claim.report_id, []).append(incident_ids[claim.incident_id])
    for pk, report in reports.items():
        refs = sorted(set(refs_of.get(pk, [])))
        if refs:
            builder.report(report, refs)
            rows.append((report, report_ids[pk]))
    # Engagements (meetings, agreements, announcements) under the same gate and filters.
    stix_engagements.add_to_export(
        builder, reader, rows, since=since, ids=ids, exclude_origin=exclude_origin
    )

    marking = tlp.most_restrictive(
        [row.tlp for row, _ in rows],
        default=tlp.CLEAR,
    )
    head: list[dict[str, Any]] = [marking_definition(m) for m in tlp.ORDER if m in builder.markings]
    head.append(extension.project_identity())
    head.append(extension.definition())
    head.extend(stix_engagements.definitions(builder))
    objects = head + list(builder.objects.values())
    return StixExport(objects=objects, rows=rows, marking=marking)


def export_bundle(
    reader: Any,
    *,
    since: datetime.datetime | None = None,
    ids: Iterable[str] | None = None,
    partner: Organisation | None = None,
    actor: Any = None,
    channel: str = "stix",
    exclude_origin: Organisation | None = None,
    include_text: bool = False,
) -> dict[str, Any]:
    """A STIX 2.1 bundle of what ``reader`` may read, recorded as shared when for a partner.

    For a partner, article text crosses only when one of its agreements in force allows
    personal data, whatever ``include_text`` asks.
    """
    if partner is not None and not services.personal_data_allowed(partner):
        include_text = False
    export = collect(
        reader, since=since, ids=ids, exclude_origin=exclude_origin, include_text=include_text
    )
    bundle = export.bundle()
    if partner is not None:
        record_export(export, partner, channel=channel, actor=actor)
    return bundle


def record_export(
    export: StixExport, partner: Organisation, *, channel: str = "stix", actor: Any = None
) -> int:
    """Write one ShareRecord per incident, engagement and report sent to ``partner``."""
    written = 0
    for model in (Incident, Engagement, Report):
        rows = [(row, sid) for row, sid in export.rows if isinstance(row, model)]
        if rows:
            written += services.record(
                partner,
                channel,
                [row for row, _ in rows],
                actor=actor,
                stix_ids={int(row.pk): sid for row, sid in rows},
            )
    return written


def bundle_download(
    reader: Any,
    *,
    partner: Organisation | None = None,
    actor: Any = None,
    include_text: bool = False,
) -> HttpResponse:
    """The bundle as a file download for the sharing pages (recorded when for a partner).

    The file name and the ``X-TLP`` header carry the bundle's marking, the most restrictive of
    what it holds, so whoever saves it sees how it may be handled.
    """
    if partner is not None and not services.personal_data_allowed(partner):
        include_text = False
    export = collect(reader, include_text=include_text)
    body = json.dumps(export.bundle(), indent=2, ensure_ascii=False)
    if partner is not None:
        record_export(export, partner, channel="export", actor=actor)
    response = HttpResponse(body, content_type="application/stix+json;version=2.1")
    marking = tlp.label(export.marking)
    day = timezone.localdate().isoformat()
    name = f"safepassage-stix-{day}-{marking.replace(':', '-').replace('+', '-').lower()}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-TLP"] = marking
    return response


# Engagements build on this module's helpers, so they are imported once it is complete.
from safepassage.sharing import stix_engagements  # noqa: E402
