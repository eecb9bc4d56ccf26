"""Engagements as MISP events: export and import beside the incidents of ``misp.py``.

One engagement (meeting, agreement, announcement) is one MISP event holding one
``safepassage-engagement`` object (template committed under ``misp_objects/``). The event's
uuid is the uuid of the engagement's STIX id, so it has one identity in STIX, TAXII, sync and
MISP; its marking is a ``tlp:*`` tag and the distribution, as for incidents.

Participants travel as one JSON attribute each; a participant's name is personal data and is
written only where personal data may cross (a member of this instance, or a partner whose
agreement in force allows it). The import validates every event before writing anything (the
limits, shape and marking checks of ``misp.py`` apply to the whole file) and is idempotent by
event uuid and timestamp.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from pymisp import MISPEvent, MISPObject

from safepassage.access import gate
from safepassage.intel.choices import ENGAGEMENT_KINDS, ReviewState
from safepassage.intel.models import Engagement
from safepassage.registry.models import Organisation
from safepassage.sharing import misp, stix_ids, tlp
from safepassage.sharing.engagement_sdo import TYPE
from safepassage.sharing.stix_engagements import PARTICIPANT_KEYS, participant

if TYPE_CHECKING:
    from safepassage.sharing.misp import MispImportResult, ParsedEvent

OBJECT = "safepassage-engagement"
# The choice sets of misp.py, and the engagement kinds.
_CHOICES = {**misp._CHOICES, "engagement_kind": frozenset(str(k) for k in ENGAGEMENT_KINDS)}
# Engagement fields carried by the object: (relation, field, kind), kinds as in misp.py.
_SCALARS: tuple[tuple[str, str, str], ...] = (
    ("event-kind", "kind", "engagement_kind"),
    ("title", "title", "text:300"),
    *misp.WHEN_WHERE_SCALARS,
    *misp.REVIEW_SCALARS,
)
_LISTS: tuple[tuple[str, str, str], ...] = (
    ("participant", "participants", "participant"),
    ("topic", "topics", "text:100"),
)
# Fields an imported engagement gets when the event does not give them (the model's defaults).
BLANK: dict[str, Any] = {
    "title": "",
    **misp.WHEN_WHERE_BLANK,
    "participants": [],
    "topics": [],
    **misp.REVIEW_BLANK,
}
# The fields an import sets: what the round trip keeps intact.
SHARED_FIELDS: tuple[str, ...] = ("kind", *BLANK)


# --- export ---------------------------------------------------------------------------------


def exportable(reader: Any) -> QuerySet[Engagement]:
    """The engagements ``reader`` may read and that may leave (not rejected)."""
    return gate.restrict(Engagement.objects.all(), reader).exclude(
        review_state=ReviewState.REJECTED
    )


def collect(
    reader: Any,
    *,
    since: datetime.datetime | None = None,
    ids: Iterable[str] | None = None,
    exclude_origin: Organisation | None = None,
    personal_data: bool = False,
    instance: Any = None,
) -> tuple[list[tuple[Engagement, str]], list[MISPEvent]]:
    """The engagements ``reader`` may read as ``(row, stix id)`` and their events.

    Three queries whatever their number: the engagements, their ids, and the echo filter.
    """
    queryset = exportable(reader).select_related("organisation").order_by("updated", "pk")
    if since is not None:
        queryset = queryset.filter(updated__gte=since)
    engagements = list(queryset[: misp.MAX_EXPORT_EVENTS])
    if not engagements:
        return [], []
    rows = misp.identified(engagements, TYPE, ids, exclude_origin)
    instance = instance or stix_ids.instance_identity()
    events = [build_event(e, sid, instance, personal_data) for e, sid in rows]
    return rows, events


def build_event(
    engagement: Engagement, stix_id: str, instance: Any, personal_data: bool
) -> MISPEvent:
    """The MISP event for one engagement (see the module docstring for the mapping)."""
    # Threat level 4, undefined: an engagement is no threat in itself.
    event, event_uuid = misp.new_event(engagement, stix_id, instance, str(engagement)[:300], 4)
    obj: MISPObject = misp._new_object(OBJECT, uuid.uuid5(event_uuid, OBJECT))
    misp.add_scalars(obj, engagement, _SCALARS)
    people = [participant(p, personal_data) for p in engagement.participants or []]
    for index, person in enumerate(p for p in people if p is not None):
        misp._add(obj, "participant", misp._json_text(person), index)
    for index, topic in enumerate(engagement.topics or []):
        misp._add(obj, "topic", str(topic)[:100], index)
    event.add_object(obj)
    return event


# --- import ---------------------------------------------------------------------------------


def holds_engagement(event: MISPEvent) -> bool:
    """True when the event carries an engagement object (it is read as an engagement)."""
    return any(o.name == OBJECT for o in event.objects)


def _convert(kind: str, value: Any, label: str) -> Any:
    if kind == "participant":
        return misp.json_record(value, label, PARTICIPANT_KEYS, 200)
    return misp._convert(kind, value, label, _CHOICES)


def parse(event: MISPEvent) -> tuple[dict[str, Any], list[str]]:
    """The engagement fields an event gives, and what is wrong with it."""
    errors: list[str] = []
    objects = [o for o in event.objects if o.name == OBJECT]
    others = [o.name for o in event.objects if o.name != OBJECT]
    if len(objects) != 1:
        return {}, [f"it must hold exactly one {OBJECT} object, not {len(objects)}"]
    if others:
        errors.append(f"an engagement event holds no other objects ({str(others[0])[:60]!r})")
    fields = misp.object_fields(
        objects[0],
        OBJECT,
        _SCALARS,
        _LISTS,
        _convert,
        "meeting, agreement or announcement",
        errors,
    )
    return fields, errors


def minted_here(event_uuids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """The uuids that are ids this instance minted for its own engagements (see misp.py)."""
    return misp.minted_here(Engagement, TYPE, event_uuids)


def write(
    event: ParsedEvent,
    actor: Any,
    origin: Organisation | None,
    owner_id: int | None,
    result: MispImportResult,
) -> str:
    """Create or update the engagement for one validated event; return the outcome.

    The caller has already skipped events made by this instance.
    """
    return misp.write_row(
        event,
        actor,
        origin,
        owner_id,
        result,
        Engagement,
        TYPE,
        BLANK,
        result.engagements,
        clean_exclude=["organisation", "recipients"],
    )


def marking(rows: Sequence[tuple[Engagement, str]]) -> list[str]:
    """The markings of the exported engagements (for the export's most restrictive one)."""
    return [tlp.normalise(row.tlp) for row, _ in rows]
