"""Field-by-field scoring of extraction results against a gold set.

Predictions are the extractor's result objects (``{"document": {...}, "events": [...]}``), read
defensively: a malformed prediction counts as "no events" and never stops the scoring.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from safepassage.evaluation.gold import (
    KNOWN_TOPICS,
    GoldCount,
    GoldDate,
    GoldDocument,
    GoldEvent,
    GoldParticipant,
    GoldSet,
    event_kinds_text,
    parse_date_value,
)
from safepassage.evaluation.normalize import (
    districts_match,
    fold,
    group_key,
    haversine_km,
    orgs_match,
    persons_match,
    province_key,
)

#: The radius within which predicted coordinates count as right.
COORDINATE_RADIUS_KM = 25.0

#: Report order of the fields. ``event`` is "the gold event was found"; the rest are scored
#: only on found events or, when the event was missed, counted as misses too.
FIELDS = (
    "event",
    "kind",
    "background",
    "date",
    "date_exact",
    "date_reported",
    "country",
    "province",
    "province_named",
    "district",
    "coords_25km",
    "coords_25km_place",
    "coords_25km_named",
    "deaths",
    "deaths_stated",
    "injured",
    "chinese_deaths",
    "attackers_killed",
    "attack_type",
    "perpetrator",
    "participants",
    "topics",
)

_ENGAGEMENTS = frozenset({"meeting", "agreement", "announcement"})

#: The similarity an optional gold event needs to be paired: one substantive agreement (date,
#: point within 25 km, toll) or two weaker ones (background flag, province, exact kind ...).
OPTIONAL_MIN_SIMILARITY = 2.0


@dataclass(frozen=True)
class Miss:
    """One wrong field: where, what was expected and what was predicted."""

    document: str
    event: str
    field: str
    expected: str
    predicted: str


@dataclass
class FieldScore:
    """Accuracy counts of one field in one gold set."""

    n: int = 0
    correct: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float | None:
        """Share of scored items that were right, or ``None`` when nothing was scored."""
        return self.correct / self.n if self.n else None


@dataclass
class SetScore:
    """Scores of one gold set: per field, plus counts of documents and events."""

    name: str
    documents: int = 0
    errors: int = 0
    malformed: int = 0
    gold_events: int = 0
    predicted_events: int = 0
    unmatched_predictions: int = 0
    fields: dict[str, FieldScore] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: Scored items and right ones per pattern tag of the corpus ("last October", "range" ...),
    #: so a fix can be aimed at the pattern that fails.
    patterns: dict[str, FieldScore] = field(default_factory=dict)

    def record(self, name: str, ok: bool, miss: Miss | None = None) -> None:
        """Count one scored item of field ``name``; keep the miss when it was wrong."""
        score = self.fields.setdefault(name, FieldScore())
        score.n += 1
        if ok:
            score.correct += 1
        elif miss is not None:
            score.misses.append(miss)


# --- reading predictions defensively ---------------------------------------------------------


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def prediction_events(prediction: object) -> list[Mapping[str, Any]]:
    """Return the well-formed event objects of a prediction (an empty list if there are none)."""
    events = _mapping(prediction).get("events")
    if not isinstance(events, list):
        return []
    return [event for event in events if isinstance(event, Mapping)]


def main_event(events: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """Return the document's main event: the first with ``background: false``.

    When every event is flagged as background, the first event is used, so a wrong background
    flag costs the background field only and not the place and toll as well.
    """
    for event in events:
        if event.get("background") is False:
            return event
    return events[0] if events else None


def predicted_count(value: object) -> tuple[int | None, int | None, int | None]:
    """Return (best, min, max) of a fatalities or injured object.

    The best figure is ``total``; when the extractor gives only bounds, ``max`` and then ``min``
    stand in for it.
    """
    data = _mapping(value)
    total = _int_or_none(data.get("total"))
    minimum = _int_or_none(data.get("min"))
    maximum = _int_or_none(data.get("max"))
    best = total if total is not None else maximum if maximum is not None else minimum
    return best, minimum, maximum


def predicted_chinese_deaths(event: Mapping[str, Any]) -> int:
    """Sum the ``by_group`` counts whose nationality is CN or whose group says "Chinese"."""
    groups = _mapping(event.get("fatalities")).get("by_group")
    if not isinstance(groups, list):
        return 0
    total = 0
    for group in groups:
        data = _mapping(group)
        count = _int_or_none(data.get("count"))
        if count is None:
            continue
        nationality = data.get("nationality")
        name = data.get("group")
        if (isinstance(nationality, str) and nationality.upper() == "CN") or (
            isinstance(name, str) and "chinese" in fold(name).split()
        ):
            total += count
    return total


def _date_interval(event: Mapping[str, Any]) -> tuple[dt.date, dt.date] | None:
    date = _mapping(event.get("date"))
    value, precision = date.get("value"), date.get("precision")
    if not isinstance(value, str) or not isinstance(precision, str):
        return None
    return parse_date_value(value, precision)


def _describe_date(event: Mapping[str, Any]) -> str:
    date = event.get("date")
    if not isinstance(date, Mapping):
        return "null"
    return f"{date.get('value')} ({date.get('precision')})"


# --- field checks ----------------------------------------------------------------------------


def date_correct(
    gold: GoldDate | None, event: Mapping[str, Any], *, tolerance_days: int | None = None
) -> bool:
    """Say whether the predicted date is right.

    Exact gold needs the same value at the same precision; ``None`` gold needs no date. Range
    gold (UCDP) needs the predicted day, month or year to lie inside the range widened by the
    tolerance (``tolerance_days`` overrides the gold's own).
    """
    if gold is None:
        return not isinstance(event.get("date"), Mapping)
    if gold.value is not None:
        date = _mapping(event.get("date"))
        return date.get("value") == gold.value and date.get("precision") == gold.precision
    interval = _date_interval(event)
    if interval is None or gold.start is None or gold.end is None:
        return False
    slack = dt.timedelta(days=gold.tolerance_days if tolerance_days is None else tolerance_days)
    return gold.start - slack <= interval[0] and interval[1] <= gold.end + slack


def count_correct(gold: GoldCount, value: object) -> bool:
    """Say whether a predicted fatalities/injured object matches the gold count.

    The best figure must be one of the accepted totals or inside low..high; stated bounds must
    be reproduced. A gold total of 0 also accepts no figure at all.
    """
    best, minimum, maximum = predicted_count(value)
    if gold.totals or gold.low is not None:
        in_totals = best in gold.totals or (best is None and 0 in gold.totals)
        in_range = (
            best is not None
            and gold.low is not None
            and gold.high is not None
            and gold.low <= best <= gold.high
        )
        if not (in_totals or in_range):
            return False
    if gold.minimum is not None and minimum != gold.minimum:
        return False
    return not (gold.maximum is not None and maximum != gold.maximum)


def _describe_count(gold: GoldCount) -> str:
    parts = []
    if gold.totals:
        parts.append("total " + " or ".join(str(total) for total in gold.totals))
    if (
        gold.low is not None
        and gold.high is not None
        and (gold.low, gold.high) != (gold.totals[0],) * 2
    ):
        parts.append(f"range {gold.low}-{gold.high}")
    if gold.minimum is not None:
        parts.append(f"min {gold.minimum}")
    if gold.maximum is not None:
        parts.append(f"max {gold.maximum}")
    return ", ".join(parts)


def _describe_predicted_count(value: object) -> str:
    best, minimum, maximum = predicted_count(value)
    return f"total {best}, min {minimum}, max {maximum}"


def provinces_match(gold: str, predicted: object) -> bool:
    """Compare provinces by canonical name; names outside Pakistan by their folded words."""
    if not isinstance(predicted, str):
        return False
    gold_key, predicted_key = province_key(gold), province_key(predicted)
    if gold_key is None or predicted_key is None:
        return False
    if gold_key == predicted_key:
        return True
    gold_words, predicted_words = set(fold(gold_key).split()), set(fold(predicted_key).split())
    canonical = {fold(name) for name in ("Khyber Pakhtunkhwa", "Balochistan", "Sindh", "Punjab")}
    if fold(gold_key) in canonical or fold(predicted_key) in canonical:
        return False
    return gold_words <= predicted_words or predicted_words <= gold_words


def perpetrators_correct(gold: Sequence[Any], event: Mapping[str, Any]) -> bool:
    """Every gold perpetrator found with its relation (and who attributed it), and no others."""
    raw = event.get("perpetrators")
    predicted = [_mapping(item) for item in raw] if isinstance(raw, list) else []
    predicted = [item for item in predicted if isinstance(item.get("name"), str)]
    gold_keys = {group_key(item.name) for item in gold}
    for expected in gold:
        key = group_key(expected.name)
        if not any(
            group_key(item["name"]) == key
            and item.get("relation") == expected.relation
            and (expected.by is None or orgs_match(expected.by, _str_or_none(item.get("by"))))
            for item in predicted
        ):
            return False
    return all(group_key(item["name"]) in gold_keys for item in predicted)


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _describe_perpetrators(items: Iterable[Any]) -> str:
    parts = []
    for item in items:
        if isinstance(item, Mapping):
            name, relation, by = item.get("name"), item.get("relation"), item.get("by")
        else:
            name, relation, by = item.name, item.relation, item.by
        parts.append(f"{name} ({relation}{', by ' + str(by) if by else ''})")
    return "; ".join(parts) or "none"


def participants_correct(
    gold: Sequence[GoldParticipant], optional: Sequence[GoldParticipant], event: Mapping[str, Any]
) -> bool:
    """Every gold participant present (with the right country, when the gold gives one), and
    no participant outside the gold and optional lists."""
    raw = event.get("participants")
    predicted = [_mapping(item) for item in raw] if isinstance(raw, list) else []
    predicted = [
        item for item in predicted if isinstance(item.get("name"), str) and item["name"].strip()
    ]
    used: set[int] = set()
    for expected in gold:
        found = False
        for index, item in enumerate(predicted):
            if index in used or not persons_match(expected.name, item["name"]):
                continue
            country = item.get("country")
            if expected.country is not None and (
                not isinstance(country, str) or country.upper() != expected.country
            ):
                continue
            used.add(index)
            found = True
            break
        if not found:
            return False
    allowed = [*gold, *optional]
    return all(
        index in used or any(persons_match(other.name, item["name"]) for other in allowed)
        for index, item in enumerate(predicted)
    )


def topics_correct(
    gold: frozenset[str], optional: frozenset[str], event: Mapping[str, Any]
) -> bool:
    """Every gold topic present; no topic of the known vocabulary outside gold and optional."""
    raw = event.get("topics")
    predicted = {item for item in raw if isinstance(item, str)} if isinstance(raw, list) else set()
    if not gold <= predicted:
        return False
    return (predicted & KNOWN_TOPICS) <= (gold | optional)


def _coordinates(event: Mapping[str, Any]) -> tuple[float, float] | None:
    location = _mapping(event.get("location"))
    lat, lon = _number(location.get("lat")), _number(location.get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def within_radius(
    gold_lat: float, gold_lon: float, event: Mapping[str, Any]
) -> tuple[bool, float | None]:
    """Return whether the predicted point lies within 25 km of the gold point, and the distance."""
    point = _coordinates(event)
    if point is None:
        return False, None
    distance = haversine_km(gold_lat, gold_lon, point[0], point[1])
    return distance <= COORDINATE_RADIUS_KM, distance


# --- scoring one event -----------------------------------------------------------------------


def score_event(
    score: SetScore, document_id: str, gold: GoldEvent, event: Mapping[str, Any] | None
) -> None:
    """Score every field the gold event states against one predicted event (``None``: missed).

    When the event was not found, each stated field is counted as a miss, so a set's field
    accuracy is over all gold events, not only the found ones.
    """

    def check(name: str, ok: bool, expected: str, predicted: str) -> None:
        miss = None if ok else Miss(document_id, gold.label, name, expected, predicted)
        score.record(name, ok, miss)

    missing = event is None
    pred: Mapping[str, Any] = event if event is not None else {}
    not_found = "(event not found)"
    location = _mapping(pred.get("location"))

    if gold.kinds is not None:
        check(
            "kind",
            not missing and pred.get("kind") in gold.kinds,
            event_kinds_text(gold.kinds),
            not_found if missing else str(pred.get("kind")),
        )
    if gold.background is not None:
        check(
            "background",
            not missing and pred.get("background") is gold.background,
            str(gold.background).lower(),
            not_found if missing else str(pred.get("background")).lower(),
        )
    if gold.date_scored:
        expected = gold.date.describe() if gold.date else "null"
        shown = not_found if missing else _describe_date(pred)
        check("date", not missing and date_correct(gold.date, pred), expected, shown)
        if gold.date is not None and gold.date.tolerance_days:
            check(
                "date_exact",
                not missing and date_correct(gold.date, pred, tolerance_days=0),
                gold.date.describe().split(" ±")[0],
                shown,
            )
        if gold.date_reported:
            check("date_reported", not missing and date_correct(gold.date, pred), expected, shown)
    gold_location = gold.location
    if gold_location is not None:
        if gold_location.country is not None:
            country = location.get("country")
            check(
                "country",
                not missing
                and isinstance(country, str)
                and country.upper() == gold_location.country,
                gold_location.country,
                not_found if missing else str(country),
            )
        if gold_location.admin1 is not None:
            province_ok = not missing and provinces_match(
                gold_location.admin1, location.get("admin1")
            )
            shown_province = not_found if missing else str(location.get("admin1"))
            check("province", province_ok, gold_location.admin1, shown_province)
            if gold_location.province_named:
                check("province_named", province_ok, gold_location.admin1, shown_province)
        if gold_location.admin2 is not None:
            predicted_district = _str_or_none(location.get("admin2"))
            check(
                "district",
                not missing and districts_match(gold_location.admin2, predicted_district),
                gold_location.admin2,
                not_found if missing else str(predicted_district),
            )
        if gold_location.lat is not None and gold_location.lon is not None:
            ok, distance = within_radius(gold_location.lat, gold_location.lon, pred)
            expected = (
                f"{gold_location.lat:.4f},{gold_location.lon:.4f} ({gold_location.name or '?'})"
            )
            shown = (
                not_found
                if missing
                else (
                    "no coordinates"
                    if distance is None
                    else f"{location.get('name')} at {distance:.1f} km"
                )
            )
            check("coords_25km", not missing and ok, expected, shown)
            if gold_location.where_prec is not None and gold_location.where_prec <= 3:
                check("coords_25km_place", not missing and ok, expected, shown)
            if gold_location.place_named:
                check("coords_25km_named", not missing and ok, expected, shown)
    if gold.fatalities is not None:
        deaths_ok = not missing and count_correct(gold.fatalities, pred.get("fatalities"))
        expected = _describe_count(gold.fatalities)
        shown = not_found if missing else _describe_predicted_count(pred.get("fatalities"))
        check("deaths", deaths_ok, expected, shown)
        if gold.fatalities.stated:
            check("deaths_stated", deaths_ok, expected, shown)
    if gold.injured is not None:
        check(
            "injured",
            not missing and count_correct(gold.injured, pred.get("injured")),
            _describe_count(gold.injured),
            not_found if missing else _describe_predicted_count(pred.get("injured")),
        )
    if gold.chinese_deaths is not None:
        chinese = predicted_chinese_deaths(pred)
        check(
            "chinese_deaths",
            not missing and chinese == gold.chinese_deaths,
            str(gold.chinese_deaths),
            not_found if missing else str(chinese),
        )
    if gold.attackers_killed is not None:
        attackers = _int_or_none(_mapping(pred.get("fatalities")).get("perpetrators")) or 0
        check(
            "attackers_killed",
            not missing and attackers == gold.attackers_killed,
            str(gold.attackers_killed),
            not_found if missing else str(attackers),
        )
    if gold.attack_types is not None:
        check(
            "attack_type",
            not missing and pred.get("attack_type") in gold.attack_types,
            " or ".join(str(item) for item in gold.attack_types),
            not_found if missing else str(pred.get("attack_type")),
        )
    if gold.perpetrators is not None:
        raw = pred.get("perpetrators")
        check(
            "perpetrator",
            not missing and perpetrators_correct(gold.perpetrators, pred),
            _describe_perpetrators(gold.perpetrators),
            not_found if missing else _describe_perpetrators(raw if isinstance(raw, list) else []),
        )
    if gold.participants is not None:
        raw = pred.get("participants")
        names = (
            [
                str(_mapping(item).get("name")) + "/" + str(_mapping(item).get("country"))
                for item in raw
            ]
            if isinstance(raw, list)
            else []
        )
        check(
            "participants",
            not missing
            and participants_correct(gold.participants, gold.participants_optional, pred),
            ", ".join(f"{item.name}/{item.country}" for item in gold.participants) or "none",
            not_found if missing else ", ".join(names) or "none",
        )
    if gold.topics is not None:
        raw = pred.get("topics")
        check(
            "topics",
            not missing and topics_correct(gold.topics, gold.topics_optional, pred),
            ", ".join(sorted(gold.topics)) or "none",
            not_found
            if missing
            else ", ".join(sorted(str(item) for item in raw))
            if isinstance(raw, list)
            else "none",
        )


# --- aligning gold and predicted events ------------------------------------------------------


def _kind_class(kind: object) -> str:
    return "engagement" if kind in _ENGAGEMENTS else str(kind)


def compatible(gold: GoldEvent, event: Mapping[str, Any]) -> bool:
    """Say whether a predicted event may stand for a gold event: same class of kind.

    Meetings, agreements and announcements form one class, because one engagement is often
    reported as all three; the ``kind`` field still scores the exact kind.
    """
    if gold.kinds is None:
        return True
    return _kind_class(event.get("kind")) in {_kind_class(kind) for kind in gold.kinds}


def similarity(gold: GoldEvent, event: Mapping[str, Any]) -> float:
    """How well a predicted event agrees with a gold event; used only to pair them up."""
    value = 0.0
    if gold.background is not None and event.get("background") is gold.background:
        value += 1.0
    if gold.date_scored and gold.date is not None and date_correct(gold.date, event):
        value += 2.0
    location = _mapping(event.get("location"))
    if gold.location is not None:
        if gold.location.admin1 and provinces_match(gold.location.admin1, location.get("admin1")):
            value += 1.0
        if gold.location.lat is not None and gold.location.lon is not None:
            ok, distance = within_radius(gold.location.lat, gold.location.lon, event)
            if ok:
                value += 2.0
            elif distance is not None and distance < 200:
                value += 0.5
    if gold.fatalities is not None and count_correct(gold.fatalities, event.get("fatalities")):
        value += 2.0
    if gold.chinese_deaths is not None and gold.chinese_deaths == predicted_chinese_deaths(event):
        value += 1.0
    if gold.participants:
        raw = event.get("participants")
        names = [str(_mapping(item).get("name")) for item in raw] if isinstance(raw, list) else []
        value += sum(
            1.0
            for person in gold.participants
            if any(persons_match(person.name, name) for name in names)
        )
    if gold.kinds is not None and event.get("kind") in gold.kinds:
        value += 0.5
    return value


def align(gold_events: Sequence[GoldEvent], events: Sequence[Mapping[str, Any]]) -> dict[int, int]:
    """Pair gold events with predicted events, one to one; returns gold index -> event index.

    Required gold events are paired before optional ones; within each, the most similar pairs
    first, ties broken by order. An optional event is paired only with a prediction that agrees
    with it on something of substance, so it never soaks up an unrelated spurious event. Greedy pairing is enough for the handful of events per document
    and is deterministic.
    """
    candidates = [
        (gold.optional, -value, gold_index, event_index)
        for gold_index, gold in enumerate(gold_events)
        for event_index, event in enumerate(events)
        if compatible(gold, event)
        and ((value := similarity(gold, event)) >= OPTIONAL_MIN_SIMILARITY or not gold.optional)
    ]
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _optional, _negative, gold_index, event_index in sorted(candidates):
        if gold_index in pairs or event_index in used:
            continue
        pairs[gold_index] = event_index
        used.add(event_index)
    return pairs


# --- scoring a set ---------------------------------------------------------------------------


def score_document(score: SetScore, document: GoldDocument, prediction: object, mode: str) -> None:
    """Score one document's prediction into ``score``."""
    score.documents += 1
    data = _mapping(prediction)
    if not data or not isinstance(data.get("events"), list):
        score.malformed += 1
    if isinstance(_mapping(data.get("document")).get("error"), str):
        score.errors += 1
    events = prediction_events(prediction)
    score.predicted_events += len(events)
    if mode == "main":
        chosen = main_event(events)
        for gold in document.events:
            score.gold_events += 1
            score.record(
                "event",
                chosen is not None,
                None
                if chosen is not None
                else Miss(document.id, gold.label, "event", "an event", "no event"),
            )
            score_event(score, document.id, gold, chosen)
        score.unmatched_predictions += max(0, len(events) - (1 if chosen is not None else 0))
        return
    pairs = align(document.events, events)
    for gold_index, gold in enumerate(document.events):
        matched = events[pairs[gold_index]] if gold_index in pairs else None
        if gold.optional and matched is None:
            continue
        if not gold.optional:
            score.gold_events += 1
            score.record(
                "event",
                matched is not None,
                None
                if matched is not None
                else Miss(
                    document.id,
                    gold.label,
                    "event",
                    event_kinds_text(gold.kinds),
                    "no matching event",
                ),
            )
        score_event(score, document.id, gold, matched)
    score.unmatched_predictions += len(events) - len(pairs)


def _totals(score: SetScore) -> tuple[int, int]:
    return (
        sum(item.n for item in score.fields.values()),
        sum(item.correct for item in score.fields.values()),
    )


def score_set(gold_set: GoldSet, predictions: Mapping[str, object]) -> SetScore:
    """Score all documents of ``gold_set``; a document without a prediction scores as empty."""
    score = SetScore(name=gold_set.name, notes=list(gold_set.notes))
    for document in gold_set.documents:
        before = _totals(score)
        score_document(score, document, predictions.get(document.id), gold_set.mode)
        after = _totals(score)
        tags = document.meta.get("patterns", [])
        for tag in tags if isinstance(tags, list) else []:
            pattern = score.patterns.setdefault(str(tag), FieldScore())
            pattern.n += after[0] - before[0]
            pattern.correct += after[1] - before[1]
    # Keep the report order stable whatever order fields were first seen in.
    score.fields = {name: score.fields[name] for name in FIELDS if name in score.fields}
    score.patterns = dict(sorted(score.patterns.items()))
    return score
