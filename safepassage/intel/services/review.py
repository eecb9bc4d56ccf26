"""Analyst review of incidents: confirm, edit, relocate, merge, split, reject.

Each decision is one ``ReviewDecision`` row (audited like every write) and goes through the
permission gate. Corrections are stored as analyst claims and listed in the incident's
``corrected_fields``, so a later report adds a claim but never overwrites the correction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.intel.choices import (
    AttackType,
    DatePrecision,
    Decision,
    GeoPrecision,
    ReviewState,
)
from safepassage.intel.models import Claim, Engagement, Incident, Mention, ReviewDecision
from safepassage.sharing import tlp

# The longest reason kept with a decision; a longer one is refused rather than cut short.
MAX_REASON = 4000
# The largest id a database row can have (signed 64-bit); larger numbers are not ids.
MAX_ID = 2**63 - 1
EventObject = Incident | Engagement

# Fields an analyst may set directly, with the validator for each value.
LOCATION_FIELDS = (
    "place_name",
    "country",
    "admin1",
    "admin2",
    "lat",
    "lon",
    "geo_precision",
    "gazetteer_id",
    "h3_r5",
)


def _non_negative(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not a whole number.") from exc
    if number < 0 or number > 100_000:
        raise ValidationError(f"{number} is outside 0–100000.")
    return number


def _choice(choices: type) -> Any:
    def check(value: Any) -> str:
        if value in (None, ""):
            return ""
        if value not in choices.values:  # type: ignore[attr-defined]
            raise ValidationError(f"{value!r} is not one of {', '.join(choices.values)}.")  # type: ignore[attr-defined]
        return str(value)

    return check


def _date(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not a date (YYYY-MM-DD).") from exc


EDITABLE: dict[str, Any] = {
    "attack_type": _choice(AttackType),
    "date": _date,
    "date_precision": _choice(DatePrecision),
    "deaths": _non_negative,
    "injured": _non_negative,
    "perpetrators_killed": _non_negative,
}


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _recompute(obj: EventObject) -> None:
    from safepassage.intel.services.linker import recompute

    recompute(obj)


def _reason(reason: Any) -> str:
    """The reason as stored: stripped text, refused (not truncated) when oversized."""
    text = str(reason or "").strip()
    if len(text) > MAX_REASON:
        raise ValidationError(
            f"The reason is {len(text)} characters long; keep it under {MAX_REASON}.",
            code="max_length",
        )
    return text


def _decide(
    user: Any, obj: EventObject, decision: str, reason: str, payload: dict[str, Any]
) -> ReviewDecision:
    owner = {"incident": obj} if isinstance(obj, Incident) else {"engagement": obj}
    record = ReviewDecision(
        decision=decision, analyst=user, reason=_reason(reason), payload=payload, **owner
    )
    gate.save(user, record, action=Action.ADD)
    return record


def _editable(user: Any, obj: Any) -> Any:
    """Re-read the incident (or engagement) in the caller's transaction, in scope, locked.

    A merged incident is only a pointer to the one it was folded into: decisions about it
    belong on that one, so acting on it is refused as a conflict.
    """
    model = type(obj)
    locked = model.objects.select_for_update().filter(pk=obj.pk)
    found = gate.get_object(user, Action.CHANGE, locked, pk=obj.pk)
    if isinstance(found, Incident) and found.merged_into_id:
        raise ValidationError(
            f"This incident was merged into incident #{found.merged_into_id}; review that one.",
            code="conflict",
        )
    return found


def _mark_corrected(incident: Incident, fields: Iterable[str]) -> None:
    incident.corrected_fields = sorted(set(incident.corrected_fields) | set(fields))


# How a conflicting field's shown value becomes an analyst claim when a confirmation
# settles it: the claim's field, the model fields it freezes, and its value.
_SETTLE: dict[str, tuple[tuple[str, ...], Any]] = {
    "date": (("date", "date_precision"), lambda o: o.date.isoformat() if o.date else None),
    "location": (
        LOCATION_FIELDS,
        lambda o: {
            "name": o.place_name,
            "country": o.country,
            "admin1": o.admin1,
            "admin2": o.admin2,
            "lat": o.lat,
            "lon": o.lon,
            "precision": o.geo_precision,
            "gazetteer_id": o.gazetteer_id,
        },
    ),
    "attack_type": (("attack_type",), lambda o: o.attack_type),
    "deaths": (("deaths",), lambda o: o.deaths),
    "injured": (("injured",), lambda o: o.injured),
    "perpetrators": (("perpetrators",), lambda o: list(o.perpetrators or [])),
}


def confirm(user: Any, incident: EventObject, reason: str = "") -> ReviewDecision:
    """The analyst agrees with the incident (or engagement) as it stands.

    Open conflicts are settled in favour of the values shown: each becomes an analyst claim
    and a corrected field, so the conflict closes and a later report adds a claim without
    reopening it or changing the value.
    """
    _reason(reason)
    with transaction.atomic():
        incident = _editable(user, incident)
        owner = "incident" if isinstance(incident, Incident) else "engagement"
        settled = []
        for conflict in incident.conflicts or []:
            name = conflict.get("field") if isinstance(conflict, dict) else None
            if name not in _SETTLE or not hasattr(incident, _SETTLE[name][0][0]):
                continue
            fields, shown = _SETTLE[name]
            Claim.objects.create(
                field=name, value=shown(incident), analyst=user, **{owner: incident}
            )
            _mark_corrected(incident, fields)
            settled.append(name)
        incident.review_state = ReviewState.CONFIRMED
        gate.save(user, incident, action=Action.CHANGE)
        if settled:
            _recompute(incident)
        return _decide(user, incident, Decision.CONFIRM, reason, {"settled": settled})


def reject(user: Any, incident: EventObject, reason: str) -> ReviewDecision:
    """Mark the incident (or engagement) as not a real event (kept, with its reports)."""
    if not _reason(reason):
        raise ValidationError("Say why the incident is rejected.", code="required")
    with transaction.atomic():
        incident = _editable(user, incident)
        incident.review_state = ReviewState.REJECTED
        gate.save(user, incident, action=Action.CHANGE)
        return _decide(user, incident, Decision.REJECT, reason, {})


def edit(
    user: Any, incident: Incident, changes: dict[str, Any], reason: str = ""
) -> ReviewDecision:
    """Set fields by hand. Each becomes an analyst claim and is protected from later reports."""
    unknown = sorted(str(name)[:40] for name in set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationError(f"These fields cannot be edited: {', '.join(unknown)}.")
    _reason(reason)
    cleaned = {name: EDITABLE[name](value) for name, value in changes.items()}
    with transaction.atomic():
        incident = _editable(user, incident)
        diff = {}
        for name, value in cleaned.items():
            old = getattr(incident, name)
            # Setting a field to the value it already shows still pins it (the analyst
            # settles a conflict in favour of the resolved value); only a repeat is a no-op.
            if old == value and name in incident.corrected_fields:
                continue
            diff[name] = [_json(old), _json(value)]
            setattr(incident, name, value)
            Claim.objects.create(incident=incident, field=name, value=_json(value), analyst=user)
        if not diff:
            raise ValidationError("Nothing changed.")
        _mark_corrected(incident, diff)
        incident.review_state = ReviewState.CONFIRMED
        gate.save(user, incident, action=Action.CHANGE)
        _recompute(incident)
        return _decide(user, incident, Decision.EDIT, reason, diff)


def relocate(
    user: Any, incident: Incident, place: dict[str, Any], reason: str = ""
) -> ReviewDecision:
    """Set where the incident happened: a gazetteer place or a point picked by the analyst.

    The place is stored as an analyst claim shaped like an extracted location (``name``,
    ``precision``, ``gazetteer_id`` ...), so the incident page lists it beside the reports'.
    """
    try:
        lat, lon = float(place["lat"]), float(place["lon"])
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError("A place needs numeric lat and lon.") from exc
    # NaN fails every comparison, so it is refused here as well.
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError("Coordinates are out of range.")
    _reason(reason)
    precision = place.get("precision") or GeoPrecision.POINT
    if precision not in GeoPrecision.values:
        raise ValidationError(f"Unknown precision {precision!r}.")
    import h3

    values = {
        "place_name": str(place.get("name") or f"{lat:.4f}, {lon:.4f}")[:200],
        "country": str(place.get("country") or "")[:2],
        "admin1": str(place.get("admin1") or "")[:100],
        "admin2": str(place.get("admin2") or "")[:100],
        "lat": lat,
        "lon": lon,
        "geo_precision": precision,
        "gazetteer_id": str(place.get("id") or place.get("gazetteer_id") or "")[:64],
        "h3_r5": h3.latlng_to_cell(lat, lon, 5),
    }
    with transaction.atomic():
        incident = _editable(user, incident)
        before = {name: getattr(incident, name) for name in LOCATION_FIELDS}
        for name, value in values.items():
            setattr(incident, name, value)
        claimed = {
            "name": values["place_name"],
            "country": values["country"],
            "admin1": values["admin1"],
            "admin2": values["admin2"],
            "lat": lat,
            "lon": lon,
            "precision": precision,
            "gazetteer_id": values["gazetteer_id"],
        }
        Claim.objects.create(incident=incident, field="location", value=claimed, analyst=user)
        _mark_corrected(incident, LOCATION_FIELDS)
        # The analyst has looked at the incident and placed it: it leaves the queue.
        incident.review_state = ReviewState.CONFIRMED
        gate.save(user, incident, action=Action.CHANGE)
        _recompute(incident)
        return _decide(
            user, incident, Decision.RELOCATE, reason, {"before": before, "after": values}
        )


def merge(user: Any, target: Incident, other: Incident, reason: str = "") -> ReviewDecision:
    """Fold ``other`` into ``target``: its reports and claims move; it stays as a pointer."""
    if target.pk == other.pk:
        raise ValidationError("An incident cannot be merged into itself.")
    _reason(reason)
    with transaction.atomic():
        target = _editable(user, target)
        other = _editable(user, other)
        moved_mentions = list(other.mentions.values_list("pk", flat=True))
        other.mentions.update(incident=target)
        other.claims.update(incident=target)
        other.merged_into = target
        other.review_state = ReviewState.REJECTED
        # The pointer keeps no reports and no open conflict, so it leaves the review queue.
        other.report_count = 0
        other.has_conflict = False
        other.conflicts = []
        gate.save(user, other, action=Action.CHANGE)
        _recompute(target)
        target.refresh_from_db()
        payload = {"merged": other.pk, "mentions": moved_mentions}
        _decide(user, other, Decision.MERGE, reason, payload | {"into": target.pk})
        return _decide(user, target, Decision.MERGE, reason, payload)


def split(user: Any, incident: Incident, mention_ids: Iterable[int], reason: str = "") -> Incident:
    """Move the chosen reports' mentions (and their claims) to a new incident."""
    try:
        ids = sorted({int(pk) for pk in mention_ids})
    except (TypeError, ValueError) as exc:
        raise ValidationError("Mentions are given by their numeric ids.") from exc
    if any(pk < 1 or pk > MAX_ID for pk in ids):
        raise ValidationError("Some of the chosen reports do not belong to this incident.")
    _reason(reason)
    with transaction.atomic():
        incident = _editable(user, incident)
        mentions = list(Mention.objects.filter(incident=incident, pk__in=ids))
        if len(mentions) != len(ids):
            raise ValidationError("Some of the chosen reports do not belong to this incident.")
        if not mentions or len(mentions) == incident.mentions.count():
            raise ValidationError("Choose some, but not all, of the incident's reports.")
        if not gate.can(user, Action.ADD, Incident):
            raise PermissionDenied("Your role may not create incidents.")
        new = Incident(kind=incident.kind, tlp=incident.tlp, review_state=ReviewState.CONFIRMED)
        gate.save(user, new, action=Action.ADD)
        Mention.objects.filter(pk__in=ids).update(incident=new)
        Claim.objects.filter(mention_id__in=ids).update(incident=new)
        _recompute(incident)
        _recompute(new)
        _decide(user, incident, Decision.SPLIT, reason, {"mentions": ids, "new_incident": new.pk})
        _decide(user, new, Decision.SPLIT, reason, {"mentions": ids, "from_incident": incident.pk})
        return new


def mark(
    user: Any,
    obj: EventObject,
    marking: str,
    recipients: Iterable[Any] = (),
    reason: str = "",
) -> ReviewDecision:
    """Set the TLP marking of an incident (or engagement) and, for RED, who it reaches.

    AMBER+STRICT keeps the object inside its organisation (the analyst's own when it has none);
    RED needs named recipients, and the analyst is always one of them so nobody marks a record
    out of their own sight by mistake. Lowering a marking needs a reason.
    """
    marking = tlp.normalise(marking)
    people = list(recipients)
    if marking == tlp.RED and not people:
        raise ValidationError("Name at least one recipient for TLP:RED.", code="required")
    if marking != tlp.RED and people:
        raise ValidationError("Recipients are named only for TLP:RED.", code="invalid")
    with transaction.atomic():
        obj = _editable(user, obj)
        lowered = tlp.RANK[marking] < tlp.RANK[obj.tlp]
        if lowered and not _reason(reason):
            raise ValidationError("Say why the marking is lowered.", code="required")
        _reason(reason)
        before = {"tlp": obj.tlp, "organisation": obj.organisation_id}
        obj.tlp = marking
        if marking == tlp.AMBER_STRICT and obj.organisation_id is None:
            obj.organisation_id = getattr(user, "organisation_id", None)
        if marking == tlp.RED:
            # Named first: the gate re-checks, after the save, that the analyst still reads it.
            obj.recipients.set({*people, user})
        gate.save(user, obj, action=Action.CHANGE)
        if marking != tlp.RED:
            obj.recipients.clear()
        after = {
            "tlp": obj.tlp,
            "organisation": obj.organisation_id,
            "recipients": sorted(p.pk for p in obj.recipients.all()),
        }
        return _decide(user, obj, Decision.MARK, reason, {"before": before, "after": after})
