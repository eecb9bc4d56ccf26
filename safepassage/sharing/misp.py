"""MISP events for physical incidents: export and import, written with PyMISP's data classes.

One incident is one MISP event. Its fields travel in one ``safepassage-physical-incident``
object and each source's value for a field (a claim) in one ``safepassage-incident-claim``
object that references it; both templates are committed, in MISP's object template format,
under ``misp_objects/`` (see docs/SHARING.md, "MISP"). PyMISP's ``PyMISP`` client is never
constructed: it talks to a MISP server, and this module only reads and writes JSON.

* The event uuid is the uuid of the incident's STIX id (``stix_ids.uuid_for``), so the same
  incident has one identity in STIX, TAXII, sync and MISP.
* The TLP marking is a ``tlp:*`` tag (``tlp:amber+strict`` …) and sets the distribution level:
  CLEAR → all communities (3), GREEN → connected communities (2), AMBER → this community (1),
  AMBER+STRICT and RED → your organisation only (0).
* Export reads through the gate as the reader (a user or ``PartnerReader``): it never holds an
  incident the reader may not read, and article text (claim quotes) only goes where personal
  data may cross.
* Import validates every event before writing anything, then writes all of them in one
  transaction: a file with one bad event imports nothing and names every problem. It is
  idempotent by event uuid and timestamp (an event already held at that version changes
  nothing), and never takes back an event this instance made (its creator org is us).
"""

from __future__ import annotations

import datetime
import json
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.http import Http404
from pymisp import MISPEvent, MISPObject, MISPOrganisation
from pymisp.exceptions import PyMISPError

from safepassage.access import gate
from safepassage.access.marking import is_partner
from safepassage.intel.choices import (
    AttackType,
    DatePrecision,
    EventKind,
    GeoPrecision,
    ReviewState,
)
from safepassage.intel.models import Claim, Engagement, EventFields, Incident
from safepassage.linking.blocking import cell_of
from safepassage.registry.models import Organisation
from safepassage.sharing import services, stix_ids, tlp
from safepassage.sharing.models import Channel, ExternalObject

E = TypeVar("E", bound=EventFields)

TEMPLATE_DIR = Path(__file__).resolve().parent / "misp_objects"
INCIDENT_OBJECT = "safepassage-physical-incident"
CLAIM_OBJECT = "safepassage-incident-claim"

# Import limits: a MISP file larger than these is refused before it is parsed any further.
MAX_BYTES = 5 * 1024 * 1024
MAX_EVENTS = 1000
MAX_OBJECTS_PER_EVENT = 2000
MAX_ATTRIBUTES_PER_OBJECT = 500
MAX_DEPTH = 20
MAX_TEXT = 4000
MAX_LIST_ITEMS = 200
MAX_COUNT = 1_000_000
# An export stops here, as the CSV export does.
MAX_EXPORT_EVENTS = 50_000

TLP_TAG_PREFIX = "tlp:"
# Distribution levels of MISP: 0 your organisation only, 1 this community only, 2 connected
# communities, 3 all communities, 4 a sharing group, 5 inherit the event's (objects only).
DISTRIBUTION_OF: dict[str, int] = {
    tlp.CLEAR: 3,
    tlp.GREEN: 2,
    tlp.AMBER: 1,
    tlp.AMBER_STRICT: 0,
    tlp.RED: 0,
}
# What a distribution level says about the marking when an event arrives. A sharing group is a
# named set of organisations: it is read as AMBER+STRICT (it stays with the importing one).
MARKING_OF_DISTRIBUTION: dict[int, str] = {
    0: tlp.AMBER_STRICT,
    1: tlp.AMBER,
    2: tlp.GREEN,
    3: tlp.CLEAR,
    4: tlp.AMBER_STRICT,
}
# TLP 2.0 says an unmarked item is treated with care: AMBER unless the event says otherwise.
DEFAULT_MARKING = tlp.AMBER

# MISP's analysis states: 0 initial, 1 ongoing, 2 completed.
ANALYSIS_OF: dict[str, int] = {
    ReviewState.NEEDS_REVIEW: 0,
    ReviewState.AUTO: 1,
    ReviewState.CONFIRMED: 2,
}
PERPETRATOR_RELATIONS = ("claimed", "attributed", "suspected")
TARGET_KEYS = ("type", "nationality", "description")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# The fields incidents and engagements share (intel.models.EventFields), as object attributes
# (relation, field, kind): when and where, then the review.
# Kinds: a choice set named in _CHOICES, "text:<max length>", "country", "date", "lat", "lon",
# "count", "ratio" (0 to 1), or one of the JSON shapes (by_nationality, perpetrator, target).
WHEN_WHERE_SCALARS: tuple[tuple[str, str, str], ...] = (
    ("date", "date", "date"),
    ("date-precision", "date_precision", "date_precision"),
    ("place-name", "place_name", "text:200"),
    ("country", "country", "country"),
    ("province", "admin1", "text:100"),
    ("district", "admin2", "text:100"),
    ("latitude", "lat", "lat"),
    ("longitude", "lon", "lon"),
    ("geo-precision", "geo_precision", "geo_precision"),
    ("gazetteer-id", "gazetteer_id", "text:64"),
)
REVIEW_SCALARS: tuple[tuple[str, str, str], ...] = (
    ("review-state", "review_state", "review_state"),
    ("confidence", "confidence", "ratio"),
    ("report-count", "report_count", "count"),
)
# What an imported incident or engagement gets for those fields when the event does not give
# them (the model's defaults).
WHEN_WHERE_BLANK: dict[str, Any] = {
    "date": None,
    "date_precision": "",
    "place_name": "",
    "country": "",
    "admin1": "",
    "admin2": "",
    "lat": None,
    "lon": None,
    "geo_precision": "",
    "gazetteer_id": "",
}
REVIEW_BLANK: dict[str, Any] = {
    "review_state": ReviewState.NEEDS_REVIEW.value,
    "confidence": 0.0,
    "report_count": 0,
}
# Incident fields carried by the physical-incident object.
_SCALARS: tuple[tuple[str, str, str], ...] = (
    ("event-kind", "kind", "kind"),
    ("attack-type", "attack_type", "attack_type"),
    *WHEN_WHERE_SCALARS,
    ("deaths", "deaths", "count"),
    ("deaths-min", "deaths_min", "count"),
    ("deaths-max", "deaths_max", "count"),
    ("injured", "injured", "count"),
    ("injured-min", "injured_min", "count"),
    ("injured-max", "injured_max", "count"),
    ("perpetrators-killed", "perpetrators_killed", "count"),
    ("deaths-by-nationality", "deaths_by_nationality", "by_nationality"),
    *REVIEW_SCALARS,
)
_LISTS: tuple[tuple[str, str, str], ...] = (
    ("perpetrator", "perpetrators", "perpetrator"),
    ("target", "targets", "target"),
    ("victim-nationality", "victim_nationalities", "country"),
)
_CHOICES: dict[str, frozenset[str]] = {
    "kind": frozenset({EventKind.ATTACK.value, EventKind.SECURITY_OPERATION.value}),
    "attack_type": frozenset(AttackType.values),
    "date_precision": frozenset(DatePrecision.values),
    "geo_precision": frozenset(GeoPrecision.values),
    "review_state": frozenset(ANALYSIS_OF),
}
# Fields an imported incident gets when the event does not give them (the model's defaults).
_BLANK: dict[str, Any] = {
    "attack_type": "",
    **WHEN_WHERE_BLANK,
    "deaths": None,
    "deaths_min": None,
    "deaths_max": None,
    "injured": None,
    "injured_min": None,
    "injured_max": None,
    "perpetrators_killed": None,
    "deaths_by_nationality": {},
    "perpetrators": [],
    "targets": [],
    "victim_nationalities": [],
    **REVIEW_BLANK,
}
# The fields an import sets: what the round trip keeps intact.
SHARED_FIELDS: tuple[str, ...] = ("kind", *_BLANK)


def load_template(name: str) -> dict[str, Any]:
    """The committed MISP object template ``name`` (its ``definition.json``)."""
    path = TEMPLATE_DIR / name / "definition.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


_TEMPLATES: dict[str, dict[str, Any]] = {}


def template(name: str) -> dict[str, Any]:
    """A committed template, read once per process."""
    if name not in _TEMPLATES:
        _TEMPLATES[name] = load_template(name)
    return _TEMPLATES[name]


# --- export ---------------------------------------------------------------------------------


@dataclass
class MispExport:
    """The events made for one reader, and what they hold (for the share record)."""

    events: list[MISPEvent]
    rows: list[tuple[Incident, str]]
    marking: str
    engagements: list[tuple[Engagement, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The events as MISP writes a search result: ``{"response": [{"Event": …}, …]}``."""
        return {"response": [{"Event": event_dict(event)} for event in self.events]}


def event_dict(event: MISPEvent) -> dict[str, Any]:
    """One event as a JSON-ready dict (MISP's own field names and value types)."""
    data: dict[str, Any] = json.loads(event.to_json())
    return data


def threat_level(incident: Incident) -> int:
    """MISP's threat level (1 high … 4 undefined), from how many people were hurt."""
    deaths = incident.deaths or 0
    injured = incident.injured or 0
    if incident.deaths is None and incident.injured is None:
        return 4
    if deaths >= 10:
        return 1
    if deaths or injured:
        return 2
    return 3


def exportable(reader: Any) -> QuerySet[Incident]:
    """The incidents ``reader`` may read and that may leave: not merged away, not rejected."""
    return (
        gate.restrict(Incident.objects.all(), reader)
        .filter(merged_into__isnull=True)
        .exclude(review_state=ReviewState.REJECTED)
    )


def _personal_data_for(reader: Any) -> bool:
    """Whether article text may reach ``reader``: always on this instance, for a partner only
    where an agreement in force says so."""
    if is_partner(reader):
        return services.personal_data_allowed(getattr(reader, "organisation_id", None))
    return True


def collect(
    reader: Any,
    *,
    since: datetime.datetime | None = None,
    ids: Iterable[str] | None = None,
    exclude_origin: Organisation | None = None,
) -> MispExport:
    """One MISP event per incident ``reader`` may read (optionally updated since ``since``,
    or with the event uuids / STIX ids in ``ids``), without recording anything."""
    queryset = exportable(reader).order_by("updated", "pk")
    if since is not None:
        queryset = queryset.filter(updated__gte=since)
    rows = identified(list(queryset[:MAX_EXPORT_EVENTS]), "incident", ids, exclude_origin)
    claims = _claims_by_incident(reader, [incident.pk for incident, _ in rows])
    personal = _personal_data_for(reader)
    instance = stix_ids.instance_identity()
    events = [
        build_event(incident, stix_id, claims.get(incident.pk, []), instance, personal)
        for incident, stix_id in rows
    ]
    engagement_rows, engagement_events = misp_engagements.collect(
        reader,
        since=since,
        ids=ids,
        exclude_origin=exclude_origin,
        personal_data=personal,
        instance=instance,
    )
    events.extend(engagement_events)
    marking = tlp.most_restrictive(
        [*(incident.tlp for incident, _ in rows), *misp_engagements.marking(engagement_rows)]
    )
    return MispExport(events, rows, marking, engagement_rows)


def identified(
    found: list[E], stix_type: str, ids: Iterable[str] | None, exclude_origin: Organisation | None
) -> list[tuple[E, str]]:
    """``(row, stix id)`` for the incidents or engagements ``found`` that leave.

    Leaves out what came from ``exclude_origin`` (no echo) and, with ``ids`` (event uuids or
    STIX ids), what is not named there. Two queries at most, whatever the number of rows.
    """
    idmap = stix_ids.IdMap()
    idmap.preload(found)
    if exclude_origin is not None:
        # One query for the whole export rather than a came_from() per row.
        echo = stix_ids.came_from_many(found, exclude_origin)
        found = [row for row in found if row.pk not in echo]
    rows = [(row, idmap.stix_id(row, stix_type)) for row in found]
    if ids is not None:
        wanted = {str(value).rsplit("--", 1)[-1].lower() for value in ids}
        rows = [(row, sid) for row, sid in rows if sid.split("--", 1)[1] in wanted]
    return rows


def export_events(
    reader: Any,
    *,
    partner: Organisation | None = None,
    actor: Any = None,
    since: datetime.datetime | None = None,
    ids: Iterable[str] | None = None,
) -> MispExport:
    """``collect`` for ``reader``; with ``partner``, a share record per incident that left.

    An export made *for* a partner must be read as the partner: pass
    ``PartnerReader(partner)`` as ``reader`` (the gate then applies the agreement). What came
    from that partner is left out.
    """
    # What came from the partner is not sent back to it (no echo).
    result = collect(reader, since=since, ids=ids, exclude_origin=partner)
    sent: Sequence[Sequence[tuple[EventFields, str]]] = (result.rows, result.engagements)
    for rows in sent:
        if partner is not None and rows:
            services.record(
                partner,
                Channel.MISP,
                [row for row, _ in rows],
                actor=actor,
                stix_ids={row.pk: stix_id for row, stix_id in rows},
            )
    return result


def _claims_by_incident(reader: Any, pks: Sequence[int]) -> dict[int, list[Claim]]:
    """The claims of these incidents that ``reader`` may read (their reports' marking)."""
    found: dict[int, list[Claim]] = {}
    if not pks:
        return found
    claims = (
        gate.restrict(Claim.objects.filter(incident_id__in=list(pks)), reader)
        .select_related("report")
        .order_by("incident_id", "field", "pk")
    )
    for claim in claims:
        assert claim.incident_id is not None
        found.setdefault(claim.incident_id, []).append(claim)
    return found


def _attribute_uuid(parent: uuid.UUID, relation: str, index: int) -> str:
    # Stable uuids: exporting an unchanged incident twice gives the same JSON.
    return str(uuid.uuid5(parent, f"{relation}:{index}"))


def _new_object(name: str, object_uuid: uuid.UUID) -> MISPObject:
    obj = MISPObject(name, standalone=False, misp_objects_template_custom=template(name))
    obj.uuid = str(object_uuid)
    return obj


def _add(obj: MISPObject, relation: str, value: Any, index: int = 0) -> None:
    if value is None or value == "" or value == [] or value == {}:
        return
    obj.add_attribute(
        relation, value=value, uuid=_attribute_uuid(uuid.UUID(obj.uuid), relation, index)
    )


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def new_event(
    row: EventFields, stix_id: str, instance: Any, info: str, threat_level_id: int
) -> tuple[MISPEvent, uuid.UUID]:
    """The event of an incident or engagement, without objects: identity, marking, creator."""
    event_uuid = uuid.UUID(stix_id.split("--", 1)[1])
    # Forced: PyMISP otherwise drops the timestamp of an edited event, and an import needs it
    # to tell a newer version from one it already holds.
    event = MISPEvent(force_timestamps=True)
    event.uuid = str(event_uuid)
    event.info = info
    event.date = row.date or row.created.date()
    event.distribution = DISTRIBUTION_OF[row.tlp]
    event.threat_level_id = threat_level_id
    event.analysis = ANALYSIS_OF.get(row.review_state, 0)
    # Whole seconds: MISP timestamps are integers, and an import compares them.
    event.timestamp = row.updated.replace(microsecond=0)
    creator = MISPOrganisation()
    creator.name = instance.name or stix_ids.INSTANCE_NAME
    creator.uuid = str(instance.uuid)
    event.Orgc = creator
    event.add_tag(f"{TLP_TAG_PREFIX}{row.tlp}")
    return event, event_uuid


def add_scalars(obj: MISPObject, row: EventFields, scalars: Sequence[tuple[str, str, str]]) -> None:
    """One attribute per ``(relation, field, kind)`` of ``scalars`` that ``row`` has a value for."""
    for relation, name, kind in scalars:
        value = getattr(row, name)
        if kind == "date" and value is not None:
            value = value.isoformat()
        elif kind == "by_nationality":
            value = _json_text(value) if value else None
        elif kind == "count" and value is not None:
            value = int(value)
        _add(obj, relation, value)


def build_event(
    incident: Incident,
    stix_id: str,
    claims: Sequence[Claim],
    instance: Any,
    personal_data: bool,
) -> MISPEvent:
    """The MISP event for one incident (see the module docstring for the mapping)."""
    event, event_uuid = new_event(
        incident, stix_id, instance, str(incident), threat_level(incident)
    )
    obj = _new_object(INCIDENT_OBJECT, uuid.uuid5(event_uuid, INCIDENT_OBJECT))
    add_scalars(obj, incident, _SCALARS)
    for relation, name, kind in _LISTS:
        for index, item in enumerate(getattr(incident, name) or []):
            _add(obj, relation, item if kind == "country" else _json_text(item), index)
    event.add_object(obj)

    for claim in claims:
        claim_obj = _new_object(CLAIM_OBJECT, uuid.uuid5(event_uuid, f"claim:{claim.pk}"))
        _add(claim_obj, "field", claim.field)
        _add(claim_obj, "value", _json_text(claim.value))
        report = claim.report
        if report is not None:
            _add(claim_obj, "report-url", report.url)
            _add(claim_obj, "report-title", report.title)
            _add(claim_obj, "published", report.published.isoformat() if report.published else None)
            _add(claim_obj, "span-start", claim.start)
            _add(claim_obj, "span-end", claim.end)
            if personal_data and claim.start is not None and claim.end is not None:
                _add(claim_obj, "quote", report.text[claim.start : claim.end])
        claim_obj.add_reference(
            obj.uuid, "annotates", uuid=_attribute_uuid(uuid.UUID(claim_obj.uuid), "ref", 0)
        )
        event.add_object(claim_obj)
    return event


# --- import ---------------------------------------------------------------------------------


class MispRejected(Exception):
    """The MISP input was refused as a whole; ``errors`` says why, one sentence each."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(self.errors) or "The MISP input was refused.")


@dataclass
class ParsedEvent:
    """One validated event, ready to write."""

    uuid: uuid.UUID
    timestamp: datetime.datetime | None
    marking: str
    creator_uuid: str
    creator_name: str
    fields: dict[str, Any]
    model: str = "incident"  # or "engagement" (misp_engagements)


@dataclass
class MispImportResult:
    """What an import did, by event uuid."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    events: dict[str, str] = field(default_factory=dict)
    incidents: list[Incident] = field(default_factory=list)
    engagements: list[Engagement] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The counts and each event's outcome, JSON-ready."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "events": dict(self.events),
        }


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (iteratively: no recursion to exhaust)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_document(data: bytes | str | Mapping[str, Any] | list[Any]) -> Any:
    """Decode the input (bytes, text or already parsed) within the size and depth limits."""
    if isinstance(data, (bytes, bytearray)):
        if len(data) > MAX_BYTES:
            raise MispRejected([f"The MISP input is {len(data)} bytes; the limit is {MAX_BYTES}."])
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MispRejected(["The MISP input is not UTF-8 text."]) from exc
    if isinstance(data, str):
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise MispRejected([f"The MISP input is larger than {MAX_BYTES} bytes."])
        try:
            data = json.loads(data, parse_constant=_reject_constant)
        except RecursionError as exc:
            raise MispRejected(["The MISP input nests too deeply."]) from exc
        except ValueError as exc:
            raise MispRejected([f"The MISP input is not valid JSON: {exc}."]) from exc
    if _depth(data) > MAX_DEPTH:
        raise MispRejected([f"The MISP input nests deeper than {MAX_DEPTH} levels."])
    return data


def event_documents(document: Any) -> list[Any]:
    """The events in a document: one ``{"Event": …}``, a list of them, or a search result."""
    if isinstance(document, dict) and "response" in document:
        items = document["response"]
        if not isinstance(items, list):
            raise MispRejected(['"response" must be a list of events.'])
    elif isinstance(document, list):
        items = document
    elif isinstance(document, dict):
        items = [document]
    else:
        raise MispRejected(["The MISP input must be a JSON object or a list of events."])
    if not items:
        raise MispRejected(["The MISP input holds no event."])
    if len(items) > MAX_EVENTS:
        raise MispRejected(
            [f"The MISP input holds {len(items)} events; the limit is {MAX_EVENTS}."]
        )
    return list(items)


def _check_shape(raw: Any) -> list[str]:
    """Structural checks before PyMISP sees the event, so it fails on nothing it cannot read."""
    if not isinstance(raw, dict):
        return ["is not a JSON object"]
    event = raw.get("Event", raw)
    if not isinstance(event, dict):
        return ['"Event" is not a JSON object']
    bad_key = _bad_key(event)
    if bad_key is not None:
        # PyMISP sets every key as an attribute: an empty or private name breaks it or worse.
        return [f"has a member named {bad_key[:40]!r}, which is not a MISP field name"]
    errors: list[str] = []
    if not isinstance(event.get("info"), str) or not event.get("info", "").strip():
        errors.append('has no "info" text')
    try:
        uuid.UUID(str(event.get("uuid", "")))
    except ValueError:
        errors.append('has no valid "uuid"')
    for key in ("distribution", "threat_level_id", "analysis"):
        value = event.get(key)
        if value is not None and not (
            (isinstance(value, int) and not isinstance(value, bool))
            or (isinstance(value, str) and _digits(value) and len(value) < 3)
        ):
            errors.append(f'"{key}" is not a small whole number')
    if "timestamp" in event and not _is_timestamp(event["timestamp"]):
        errors.append('"timestamp" is not a Unix time')
    if "date" in event and not isinstance(event["date"], str):
        errors.append('"date" is not a date text')
    for key in ("Tag", "Object", "Attribute"):
        if key in event and not isinstance(event[key], list):
            errors.append(f'"{key}" is not a list')
    if "Orgc" in event and not isinstance(event["Orgc"], dict):
        errors.append('"Orgc" is not a JSON object')
    tags = _list(event, "Tag")
    for tag in tags:
        if not isinstance(tag, dict) or not isinstance(tag.get("name"), str):
            errors.append("has a tag without a name")
            break
    objects = _list(event, "Object")
    if len(objects) > MAX_OBJECTS_PER_EVENT:
        errors.append(f"holds {len(objects)} objects; the limit is {MAX_OBJECTS_PER_EVENT}")
        return errors
    for obj in objects:
        errors.extend(_check_object_shape(obj))
    if isinstance(event.get("Attribute"), list):
        for attribute in event["Attribute"]:
            errors.extend(_check_attribute_shape(attribute, "event"))
    return sorted(set(errors))


_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def _bad_key(value: Any) -> str | None:
    """The first object member name anywhere in ``value`` that is not a plain field name."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if not _FIELD_NAME.fullmatch(key):
                    return str(key)
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _list(container: dict[str, Any], key: str) -> list[Any]:
    """``container[key]`` when it is a list, else an empty one (the shape check says why)."""
    value = container.get(key)
    return value if isinstance(value, list) else []


def _digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts "²" and other digits ``int`` refuses."""
    return text.isascii() and text.isdigit()


def _is_timestamp(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value < 2**33
    return isinstance(value, str) and _digits(value) and len(value) <= 11


def _check_object_shape(obj: Any) -> list[str]:
    if not isinstance(obj, dict):
        return ["has an object that is not a JSON object"]
    name = obj.get("name")
    if not isinstance(name, str):
        return ["has an object without a name"]
    errors: list[str] = []
    for key in ("template_uuid", "uuid"):
        if key in obj and not isinstance(obj[key], str):
            errors.append(f'object {name!r}: "{key}" is not text')
    if "template_version" in obj and not (
        isinstance(obj["template_version"], int)
        or (isinstance(obj["template_version"], str) and _digits(obj["template_version"]))
    ):
        errors.append(f'object {name!r}: "template_version" is not a whole number')
    for key in ("distribution", "timestamp"):
        if key in obj and obj[key] is not None and not _is_timestamp(obj[key]):
            errors.append(f'object {name!r}: "{key}" is not a whole number')
    for key in ("first_seen", "last_seen"):
        if key in obj:
            errors.append(f'object {name!r}: "{key}" is not supported')
    for key in ("Attribute", "ObjectReference"):
        if key in obj and not isinstance(obj[key], list):
            errors.append(f'object {name!r}: "{key}" is not a list')
    attributes = _list(obj, "Attribute")
    if len(attributes) > MAX_ATTRIBUTES_PER_OBJECT:
        errors.append(
            f"object {name!r} holds {len(attributes)} attributes; "
            f"the limit is {MAX_ATTRIBUTES_PER_OBJECT}"
        )
        return errors
    for attribute in attributes:
        errors.extend(_check_attribute_shape(attribute, f"object {name!r}"))
    references = _list(obj, "ObjectReference")
    for reference in references:
        if not isinstance(reference, dict) or not all(
            isinstance(reference.get(k), str) for k in ("referenced_uuid", "relationship_type")
        ):
            errors.append(f"object {name!r} has a malformed reference")
            break
    return errors


_ATTRIBUTE_SCALARS = ("type", "object_relation", "category", "uuid", "comment")


def _check_attribute_shape(attribute: Any, where: str) -> list[str]:
    if not isinstance(attribute, dict):
        return [f"{where} has an attribute that is not a JSON object"]
    errors: list[str] = []
    if not isinstance(attribute.get("type"), str) or not attribute.get("type"):
        errors.append(f"{where} has an attribute without a type")
    value = attribute.get("value")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        errors.append(f"{where} has an attribute whose value is not text or a number")
    elif isinstance(value, str) and len(value) > MAX_TEXT:
        errors.append(f"{where} has an attribute value longer than {MAX_TEXT} characters")
    elif isinstance(value, float) and not math.isfinite(value):
        errors.append(f"{where} has an attribute value that is not a finite number")
    for key in _ATTRIBUTE_SCALARS:
        if key in attribute and attribute[key] is not None and not isinstance(attribute[key], str):
            errors.append(f'{where} has an attribute whose "{key}" is not text')
    for key in ("to_ids", "disable_correlation", "deleted"):
        if key in attribute and not isinstance(attribute[key], (bool, int, str)):
            errors.append(f'{where} has an attribute whose "{key}" is not a flag')
    for key in ("distribution", "timestamp"):
        if key in attribute and attribute[key] is not None and not _is_timestamp(attribute[key]):
            errors.append(f'{where} has an attribute whose "{key}" is not a whole number')
    for key in ("first_seen", "last_seen", "Tag", "data"):
        if key in attribute:
            errors.append(f'{where} has an attribute with "{key}", which is not supported')
    return errors


def _load_event(raw: dict[str, Any]) -> MISPEvent:
    event = MISPEvent()
    # PyMISP fills the objects in place: give it a copy, never the caller's data.
    event.load(json.loads(json.dumps(raw)))
    return event


def _text(value: Any, limit: int, label: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{label} must be text")
    if _CONTROL.search(value):
        raise ValueError(f"{label} contains control characters")
    if len(value) > limit:
        raise ValueError(f"{label} is longer than {limit} characters")
    return value.strip()


def _country(value: Any, label: str) -> str:
    text = _text(value, 64, label).upper()
    if not _COUNTRY.fullmatch(text):
        raise ValueError(f"{label} must be a two-letter country code, not {value!r}")
    return text


def _count(value: Any, label: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{label} must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{label} must be a whole number")
        value = int(value)
    if isinstance(value, str):
        if not _digits(value.strip()) or len(value.strip()) > 9:
            raise ValueError(f"{label} must be a whole number from 0 to {MAX_COUNT}")
        value = int(value.strip())
    if not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise ValueError(f"{label} must be a whole number from 0 to {MAX_COUNT}")
    return value


def _number(value: Any, label: str, low: float, high: float) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{label} must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{label} must be a number") from exc
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"{label} must be a number from {low:g} to {high:g}")
    return number


def _date(value: Any, label: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, str):
        try:
            day = datetime.date.fromisoformat(value.strip()[:10])
        except ValueError as exc:
            raise ValueError(f"{label} must be an ISO 8601 date") from exc
    else:
        raise ValueError(f"{label} must be an ISO 8601 date")
    if not 1900 <= day.year <= 2200:
        raise ValueError(f"{label} is out of range ({day.isoformat()})")
    return day


def _json_value(value: Any, label: str) -> Any:
    text = _text(value, MAX_TEXT, label)
    try:
        parsed = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"{label} must be JSON") from exc
    if _depth(parsed) > 3:
        raise ValueError(f"{label} nests too deeply")
    return parsed


def _by_nationality(value: Any, label: str) -> dict[str, int]:
    parsed = _json_value(value, label)
    if not isinstance(parsed, dict) or len(parsed) > MAX_LIST_ITEMS:
        raise ValueError(f"{label} must be a JSON object of country codes to counts")
    return {
        _country(code, f"{label} key"): _count(count, f"{label} count")
        for code, count in parsed.items()
    }


def _perpetrator(value: Any, label: str) -> dict[str, Any]:
    parsed = _json_value(value, label)
    if not isinstance(parsed, dict) or set(parsed) - {"name", "relation", "by"}:
        raise ValueError(f"{label} must be a JSON object with name, relation and by")
    name = _text(parsed.get("name"), 200, f"{label} name")
    if not name:
        raise ValueError(f"{label} has an empty name")
    relation = parsed.get("relation")
    if relation not in PERPETRATOR_RELATIONS:
        raise ValueError(f"{label} relation must be one of {', '.join(PERPETRATOR_RELATIONS)}")
    result: dict[str, Any] = {"name": name, "relation": relation}
    if "by" in parsed:
        result["by"] = None if parsed["by"] is None else _text(parsed["by"], 200, f"{label} by")
    return result


def json_record(value: Any, label: str, keys: Sequence[str], limit: int) -> dict[str, Any]:
    """A JSON object of some of ``keys``, each text of at most ``limit`` characters or null."""
    parsed = _json_value(value, label)
    if not isinstance(parsed, dict) or not parsed or set(parsed) - set(keys):
        names = f"{', '.join(keys[:-1])} and {keys[-1]}"
        raise ValueError(f"{label} must be a JSON object with {names}")
    return {
        key: None if item is None else _text(item, limit, f"{label} {key}")
        for key, item in parsed.items()
    }


def _target(value: Any, label: str) -> dict[str, Any]:
    return json_record(value, label, TARGET_KEYS, 500)


def _convert(
    kind: str, value: Any, label: str, choices: Mapping[str, frozenset[str]] = _CHOICES
) -> Any:
    if kind in choices:
        text = _text(value, 32, label)
        if text not in choices[kind]:
            raise ValueError(f"{label} must be one of {', '.join(sorted(choices[kind]))}")
        return text
    if kind.startswith("text:"):
        return _text(value, int(kind.split(":", 1)[1]), label)
    if kind == "country":
        return _country(value, label)
    if kind == "date":
        return _date(value, label)
    if kind == "lat":
        return _number(value, label, -90.0, 90.0)
    if kind == "lon":
        return _number(value, label, -180.0, 180.0)
    if kind == "count":
        return _count(value, label)
    if kind == "ratio":
        return _number(value, label, 0.0, 1.0)
    if kind == "by_nationality":
        return _by_nationality(value, label)
    if kind == "perpetrator":
        return _perpetrator(value, label)
    if kind == "target":
        return _target(value, label)
    raise AssertionError(f"unknown field kind {kind}")


def object_fields(
    obj: MISPObject,
    object_name: str,
    scalars: Sequence[tuple[str, str, str]],
    lists: Sequence[tuple[str, str, str]],
    convert: Callable[[str, Any, str], Any],
    kinds: str,
    errors: list[str],
) -> dict[str, Any]:
    """The fields an incident or engagement object gives; what is wrong is added to ``errors``.

    ``convert(kind, value, relation)`` checks one value; ``kinds`` names the event kinds the
    object may have (for the error when it gives none).
    """
    known = template(object_name)
    if getattr(obj, "template_uuid", known["uuid"]) != known["uuid"]:
        errors.append(f"the {object_name} object names another template uuid")
    by_relation: dict[str, list[Any]] = {}
    for attribute in obj.attributes:
        relation = getattr(attribute, "object_relation", None)
        if getattr(attribute, "deleted", False):
            continue
        if relation not in known["attributes"]:
            errors.append(f"{object_name} has an unknown attribute {str(relation)[:60]!r}")
            continue
        by_relation.setdefault(str(relation), []).append(attribute.value)
    fields: dict[str, Any] = {}
    for relation, name, kind in scalars:
        values = by_relation.get(relation, [])
        if len(values) > 1:
            errors.append(f"{relation} is given {len(values)} times; it takes one value")
            continue
        if not values:
            continue
        try:
            fields[name] = convert(kind, values[0], relation)
        except ValueError as exc:
            errors.append(str(exc))
    for relation, name, kind in lists:
        values = by_relation.get(relation, [])
        if len(values) > MAX_LIST_ITEMS:
            errors.append(f"{relation} is given {len(values)} times; the limit is {MAX_LIST_ITEMS}")
            continue
        items = []
        for value in values:
            try:
                items.append(convert(kind, value, relation))
            except ValueError as exc:
                errors.append(str(exc))
        if items:
            fields[name] = items
    if "kind" not in fields and not any("event-kind" in e for e in errors):
        errors.append(f"event-kind is required ({kinds})")
    if ("lat" in fields) != ("lon" in fields):
        errors.append("latitude and longitude come together")
    return fields


def _incident_fields(obj: MISPObject) -> tuple[dict[str, Any], list[str]]:
    """The incident fields an incident object gives, and what is wrong with it."""
    errors: list[str] = []
    fields = object_fields(
        obj, INCIDENT_OBJECT, _SCALARS, _LISTS, _convert, "attack or security_operation", errors
    )
    for low, high in (("deaths_min", "deaths_max"), ("injured_min", "injured_max")):
        if low in fields and high in fields and fields[low] > fields[high]:
            errors.append(f"{low.replace('_', '-')} is above {high.replace('_', '-')}")
    return fields, errors


def _marking(event: MISPEvent) -> tuple[str, list[str]]:
    """The event's TLP marking: the most restrictive of its tlp tags and its distribution."""
    errors: list[str] = []
    found: list[str] = []
    for tag in event.tags:
        name = str(getattr(tag, "name", ""))
        if not name.lower().startswith(TLP_TAG_PREFIX):
            continue
        try:
            found.append(tlp.normalise(name))
        except ValueError:
            errors.append(f"the tag {name[:60]!r} is not a TLP 2.0 marking")
    distribution = getattr(event, "distribution", None)
    if distribution is not None and int(distribution) in MARKING_OF_DISTRIBUTION:
        found.append(MARKING_OF_DISTRIBUTION[int(distribution)])
    return (tlp.most_restrictive(found) if found else DEFAULT_MARKING), errors


def validate_event(raw: Any) -> ParsedEvent:
    """Validate one event document; raise ``ValueError`` with every problem found."""
    problems = _check_shape(raw)
    if problems:
        raise ValueError("; ".join(problems))
    try:
        event = _load_event(raw)
    except (
        PyMISPError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OverflowError,
        RecursionError,
    ) as exc:
        raise ValueError(f"PyMISP cannot read it ({type(exc).__name__})") from exc
    errors: list[str] = []
    model = "incident"
    fields: dict[str, Any] = {}
    incident_objects = [o for o in event.objects if o.name == INCIDENT_OBJECT]
    if not incident_objects and misp_engagements.holds_engagement(event):
        model = "engagement"
        fields, field_errors = misp_engagements.parse(event)
        errors.extend(field_errors)
    elif len(incident_objects) != 1:
        errors.append(
            f"it must hold exactly one {INCIDENT_OBJECT} object, not {len(incident_objects)}"
        )
    else:
        fields, field_errors = _incident_fields(incident_objects[0])
        errors.extend(field_errors)
    marking, marking_errors = _marking(event)
    errors.extend(marking_errors)
    if errors:
        raise ValueError("; ".join(errors))
    creator = getattr(event, "Orgc", None)
    timestamp = getattr(event, "timestamp", None)
    return ParsedEvent(
        uuid=uuid.UUID(str(event.uuid)),
        timestamp=timestamp if isinstance(timestamp, datetime.datetime) else None,
        marking=marking,
        creator_uuid=str(getattr(creator, "uuid", "") or "") if creator else "",
        creator_name=str(getattr(creator, "name", "") or "")[:200] if creator else "",
        fields=fields,
        model=model,
    )


def validate(data: bytes | str | Mapping[str, Any] | list[Any]) -> list[ParsedEvent]:
    """Every event of the input, validated; ``MispRejected`` lists every problem found."""
    documents = event_documents(parse_document(data))
    parsed: list[ParsedEvent] = []
    errors: list[str] = []
    seen: set[uuid.UUID] = set()
    for index, raw in enumerate(documents, start=1):
        label = _event_label(index, raw)
        try:
            event = validate_event(raw)
        except ValueError as exc:
            errors.append(f"{label}: {exc}.")
            continue
        if event.uuid in seen:
            errors.append(f"{label}: the event uuid appears twice in the input.")
            continue
        seen.add(event.uuid)
        parsed.append(event)
    if errors:
        raise MispRejected(errors)
    return parsed


def _event_label(index: int, raw: Any) -> str:
    event = raw.get("Event", raw) if isinstance(raw, dict) else None
    value = event.get("uuid") if isinstance(event, dict) else None
    try:
        return f"Event {index} ({uuid.UUID(str(value))})"
    except ValueError:
        return f"Event {index}"


def import_events(
    data: bytes | str | Mapping[str, Any] | list[Any],
    *,
    actor: Any,
    origin: Organisation | None = None,
    owner: Organisation | None = None,
) -> MispImportResult:
    """Import MISP events as incidents, all or nothing (see the module docstring).

    ``actor`` is who imports (checked by the gate: they must be allowed to add incidents);
    ``origin`` the partner organisation the events came from, if any (recorded, and a sync
    never sends them back there); ``owner`` the organisation that holds the incidents here
    (by default the actor's): TLP:AMBER+STRICT keeps them inside it.
    """
    gate.require(actor, "add", Incident)
    events = validate(data)
    owner_id = owner.pk if owner is not None else getattr(actor, "organisation_id", None)
    actor_pk = getattr(actor, "pk", None)
    problems: list[str] = []
    for event in events:
        if event.marking == tlp.AMBER_STRICT and owner_id is None:
            problems.append(
                f"Event {event.uuid}: TLP:AMBER+STRICT needs an owning organisation; "
                "import it as a user of one, or name the owner."
            )
        if event.marking == tlp.RED and not isinstance(actor_pk, int):
            problems.append(
                f"Event {event.uuid}: TLP:RED reaches named people only; "
                "import it signed in, so that you are its recipient."
            )
    if problems:
        raise MispRejected(problems)
    own_instance = str(stix_ids.instance_identity().uuid)
    minted = minted_here(Incident, "incident", [e.uuid for e in events if e.model == "incident"])
    minted |= misp_engagements.minted_here([e.uuid for e in events if e.model == "engagement"])
    result = MispImportResult()
    try:
        with transaction.atomic():
            for event in events:
                outcome = _write(event, actor, origin, owner_id, own_instance, minted, result)
                result.events[str(event.uuid)] = outcome
            if origin is not None and result.incidents:
                services.record(origin, Channel.MISP, result.incidents, actor=actor)
            if origin is not None and result.engagements:
                services.record(origin, Channel.MISP, result.engagements, actor=actor)
    except PermissionDenied as exc:
        raise MispRejected([f"Nothing was imported: {exc}"]) from exc
    except (ValidationError, DatabaseError) as exc:
        raise MispRejected(
            [f"Nothing was imported: the database refused a row ({type(exc).__name__})."]
        ) from exc
    return result


def _write(
    event: ParsedEvent,
    actor: Any,
    origin: Organisation | None,
    owner_id: int | None,
    own_instance: str,
    minted: set[uuid.UUID],
    result: MispImportResult,
) -> str:
    """Create or update the incident for one validated event; return the outcome."""
    if event.creator_uuid == own_instance or event.uuid in minted:
        # Made here and coming back (through a partner's MISP, or under another creator's
        # name): the local incident stands, and no second row takes its id.
        result.skipped += 1
        return "skipped: made by this instance"
    if event.model == "engagement":
        return misp_engagements.write(event, actor, origin, owner_id, result)
    return write_row(
        event, actor, origin, owner_id, result, Incident, "incident", _BLANK, result.incidents
    )


def write_row(
    event: ParsedEvent,
    actor: Any,
    origin: Organisation | None,
    owner_id: int | None,
    result: MispImportResult,
    model: type[E],
    stix_type: str,
    blank: Mapping[str, Any],
    written: list[E],
    clean_exclude: list[str] | None = None,
) -> str:
    """Create or update the incident (engagement) of one validated event; return the outcome.

    ``blank`` holds the fields the event may leave out; the row written is added to
    ``written``. With ``clean_exclude``, the row is validated (``full_clean``) before saving.
    """
    noun = model._meta.verbose_name
    stix_id = f"{stix_type}--{event.uuid}"
    entry = stix_ids.lookup(stix_id)
    found = stix_ids.local_row(entry) if entry is not None else None
    row = found if isinstance(found, model) else None
    values = {**blank, **event.fields, "tlp": event.marking}
    if row is not None and entry is not None:
        # An older version never overwrites a newer one. The same second may hold two
        # versions (timestamps are whole seconds): then the values decide, below.
        if entry.modified and event.timestamp and event.timestamp < entry.modified:
            result.unchanged += 1
            return "unchanged"
        if all(getattr(row, name) == value for name, value in values.items()):
            result.unchanged += 1
            return "unchanged"
        # An update must reach a row the importer may change (the gate checks it too).
        try:
            gate.get_object(actor, "change", model, pk=row.pk)
        except Http404 as exc:
            raise PermissionDenied(
                f"event {event.uuid} would change an {noun} you may not change."
            ) from exc
    if row is None:
        row = model(organisation_id=owner_id)
        outcome = "created"
    else:
        outcome = "updated"
    for name, value in values.items():
        setattr(row, name, value)
    row.h3_r5 = cell_of(row.lat, row.lon, row.geo_precision)
    if clean_exclude is not None:
        row.full_clean(exclude=clean_exclude, validate_unique=False)
    _save_checked(actor, row)
    stix_ids.remember(
        stix_id,
        row,
        origin=origin,
        origin_instance=f"misp-org:{event.creator_uuid}" if event.creator_uuid else "",
        channel=Channel.MISP,
        modified=event.timestamp,
    )
    if outcome == "created":
        result.created += 1
    else:
        result.updated += 1
    written.append(row)
    return outcome


def minted_here(
    model: type[EventFields], stix_type: str, event_uuids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """The event uuids that are ids this instance minted for its own incidents (engagements).

    Such an event is one of ours, whatever creator it names. Ids are minted from the pk
    (``stix_ids.local_id``), so the candidates are found by minting every row's id once, and
    each is confirmed with ``stix_ids.is_local_id``.
    """
    wanted = set(event_uuids)
    if not wanted or not wanted - set(
        ExternalObject.objects.filter(uuid__in=wanted).values_list("uuid", flat=True)
    ):
        return set()
    namespace = stix_ids.instance_identity().uuid
    label = stix_ids.model_label(model)
    found: set[uuid.UUID] = set()
    for pk in model._default_manager.values_list("pk", flat=True).iterator():
        candidate = uuid.uuid5(namespace, f"{label}:{pk}")
        if candidate in wanted and stix_ids.is_local_id(f"{stix_type}--{candidate}", label, pk):
            found.add(candidate)
    return found


def _save_checked(actor: Any, incident: EventFields) -> None:
    """Save through the gate's rules; a RED incident names the importer before the check.

    ``gate.save`` checks the row is in the actor's scope right after saving it, but a RED
    incident is in nobody's scope until it names its recipients, so the same steps are taken
    here in order: may the actor add or change incidents, save, name the recipient, check.
    """
    action = "add" if incident._state.adding else "change"
    gate.require(actor, action, incident)
    with transaction.atomic():
        incident.save()
        if incident.tlp == tlp.RED and isinstance(getattr(actor, "pk", None), int):
            incident.recipients.add(actor)
        if not gate.in_scope(actor, action, incident):
            raise PermissionDenied(
                "This incident would fall outside what you may read after the import."
            )


def dumps(export: MispExport) -> str:
    """An export as MISP JSON text."""
    return json.dumps(export.as_dict(), ensure_ascii=False, indent=1, sort_keys=True)


# Engagements build on this module's helpers, so they are imported once it is complete.
from safepassage.sharing import misp_engagements  # noqa: E402
