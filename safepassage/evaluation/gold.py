"""Gold annotations: the data model and the loaders for the seed, corpus, holdout and UCDP sets.

A gold set is a list of documents, each with the text to give the extractor and the events a
careful reader finds in it. Only what a gold event states is scored: a field left out of the
annotation is not scored, and a field given as ``null`` (where allowed) means "the text gives
none, so the extractor must give none either".
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Event kinds of the schema, and the classes the aligner treats as interchangeable candidates.
EVENT_KINDS = ("attack", "security_operation", "meeting", "agreement", "announcement")
ATTACK_TYPES = (
    "suicide_bombing",
    "bombing",
    "armed_assault",
    "assassination",
    "kidnapping",
    "hijacking",
    "facility_attack",
    "unarmed_assault",
    "unknown",
)
RELATIONS = ("claimed", "attributed", "suspected")
PRECISIONS = ("day", "month", "year")
#: The topic vocabulary of the issue. Predicted topics outside it are ignored by the scorer.
KNOWN_TOPICS = frozenset(
    {
        "intelligence_sharing",
        "protection_unit",
        "joint_exercise",
        "training",
        "border_security",
        "counter_terrorism",
        "movement_security",
        "cybercrime",
    }
)

#: Gold files larger than this are refused: annotations are hand-written and small.
MAX_GOLD_BYTES = 20 * 1024 * 1024


class GoldError(ValueError):
    """A gold file is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class GoldDate:
    """An expected event date.

    Either an exact ``value`` at a ``precision`` (hand-made gold), or an inclusive range
    ``start``..``end`` that a predicted date must fall inside, widened by ``tolerance_days``
    (UCDP, whose coded date can be a range and whose headlines may carry the publication day).
    """

    value: str | None = None
    precision: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    tolerance_days: int = 0

    def describe(self) -> str:
        """Return a short human-readable form for reports."""
        if self.value is not None:
            return f"{self.value} ({self.precision})"
        if self.start == self.end:
            text = f"{self.start}"
        else:
            text = f"{self.start}/{self.end}"
        return f"{text} ±{self.tolerance_days}d" if self.tolerance_days else text


@dataclass(frozen=True)
class GoldLocation:
    """Where an event happened. ``None`` fields are not scored."""

    name: str | None = None
    country: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    lat: float | None = None
    lon: float | None = None
    #: UCDP's where_prec (1 = exact place ... 6 = country); ``None`` for hand-made gold.
    where_prec: int | None = None
    #: UCDP only: whether the text names the coded place or its district (``place_named``), and
    #: whether it names the place, district or province (``province_named``). They select the
    #: rows where the text makes a right answer possible, reported as extra fields.
    place_named: bool | None = None
    province_named: bool | None = None


@dataclass(frozen=True)
class GoldCount:
    """Expected deaths or injuries.

    ``totals`` lists the accepted best figures (more than one when a text's figures conflict and
    either reading is defensible); ``low``..``high`` is an inclusive accepted range (UCDP's
    low/high estimates). ``minimum``/``maximum`` are the document's own stated bounds and, when
    given, must be reproduced exactly.
    """

    totals: tuple[int, ...] = ()
    low: int | None = None
    high: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    #: UCDP only: whether the text states an accepted figure at all (``deaths_stated``).
    stated: bool | None = None


@dataclass(frozen=True)
class GoldPerpetrator:
    """A perpetrator the text names, how it is linked to the attack, and by whom."""

    name: str
    relation: str
    by: str | None = None


@dataclass(frozen=True)
class GoldParticipant:
    """A participant of a meeting, agreement or announcement."""

    name: str
    country: str | None = None


@dataclass(frozen=True)
class GoldEvent:
    """One expected event. Attributes set to ``None`` are not scored (see the module doc)."""

    label: str
    kinds: tuple[str, ...] | None
    background: bool | None = None
    optional: bool = False
    date_scored: bool = False
    date: GoldDate | None = None
    #: UCDP only: a scored date in a text whose headlines report an event and state the event's
    #: own date (``date_reported``): not a digest's title alone ("Programme summary ... 9 Feb
    #: 13"), nor a bulletin dated weeks after the event.
    date_reported: bool | None = None
    location: GoldLocation | None = None
    fatalities: GoldCount | None = None
    injured: GoldCount | None = None
    chinese_deaths: int | None = None
    attackers_killed: int | None = None
    attack_types: tuple[str | None, ...] | None = None
    perpetrators: tuple[GoldPerpetrator, ...] | None = None
    participants: tuple[GoldParticipant, ...] | None = None
    participants_optional: tuple[GoldParticipant, ...] = ()
    topics: frozenset[str] | None = None
    topics_optional: frozenset[str] = frozenset()


@dataclass(frozen=True)
class GoldDocument:
    """A document to extract from and the events it should yield."""

    id: str
    text: str
    events: tuple[GoldEvent, ...]
    published: str | None = None
    title: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GoldSet:
    """A named gold set.

    ``mode`` says how predictions are compared: ``align`` pairs every gold event with one
    predicted event (hand-made gold with several events per document); ``main`` compares the
    single gold event with the document's main event (UCDP rows).
    """

    name: str
    mode: str
    documents: tuple[GoldDocument, ...]
    notes: tuple[str, ...] = ()


# --- parsing helpers -------------------------------------------------------------------------


def _fail(where: str, message: str) -> GoldError:
    return GoldError(f"{where}: {message}")


def _expect_mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(where, f"expected an object, got {type(value).__name__}")
    return value


def _expect_str(value: object, where: str, *, allow_none: bool = False) -> str | None:
    if value is None and allow_none:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, "expected a non-empty string")
    return value


def _expect_int(value: object, where: str, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    # bool is an int subclass; a JSON true is never a count.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(where, "expected a non-negative integer")
    return value


def _expect_float(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, "expected a number")
    number = float(value)
    if not math.isfinite(number):
        raise _fail(where, "expected a finite number")
    return number


def _check_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _fail(where, f"unknown keys {unknown}; allowed: {sorted(allowed)}")


def parse_date_value(value: str, precision: str) -> tuple[dt.date, dt.date] | None:
    """Return the first and last day covered by ``value`` at ``precision``, or ``None``.

    ``2024-03`` at month precision covers 1–31 March 2024. A value that does not fit its
    precision (``2024-03`` at day precision) gives ``None``.
    """
    try:
        if precision == "day":
            day = dt.date.fromisoformat(value)
            if len(value) != 10:
                return None
            return day, day
        if precision == "month":
            year_text, month_text = value.split("-")
            if len(year_text) != 4 or len(month_text) != 2:
                return None
            first = dt.date(int(year_text), int(month_text), 1)
            following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return first, following - dt.timedelta(days=1)
        if precision == "year":
            if len(value) != 4 or not value.isdigit():
                return None
            return dt.date(int(value), 1, 1), dt.date(int(value), 12, 31)
    except (ValueError, TypeError):
        return None
    return None


def _parse_date(value: object, where: str) -> GoldDate | None:
    if value is None:
        return None
    data = _expect_mapping(value, where)
    _check_keys(data, {"value", "precision", "text"}, where)
    text = _expect_str(data.get("value"), f"{where}.value")
    precision = _expect_str(data.get("precision"), f"{where}.precision")
    assert text is not None and precision is not None
    if precision not in PRECISIONS:
        raise _fail(f"{where}.precision", f"expected one of {PRECISIONS}")
    if parse_date_value(text, precision) is None:
        raise _fail(f"{where}.value", f"{text!r} is not a valid {precision}-precision date")
    return GoldDate(value=text, precision=precision)


def _parse_location(value: object, where: str) -> GoldLocation:
    data = _expect_mapping(value, where)
    _check_keys(data, {"name", "country", "admin1", "admin2", "lat", "lon", "note"}, where)
    lat = data.get("lat")
    lon = data.get("lon")
    if (lat is None) != (lon is None):
        raise _fail(where, "give both lat and lon, or neither")
    location = GoldLocation(
        name=_expect_str(data.get("name"), f"{where}.name", allow_none=True),
        country=_expect_str(data.get("country"), f"{where}.country", allow_none=True),
        admin1=_expect_str(data.get("admin1"), f"{where}.admin1", allow_none=True),
        admin2=_expect_str(data.get("admin2"), f"{where}.admin2", allow_none=True),
        lat=None if lat is None else _expect_float(lat, f"{where}.lat"),
        lon=None if lon is None else _expect_float(lon, f"{where}.lon"),
    )
    if location.lat is not None and not -90 <= location.lat <= 90:
        raise _fail(f"{where}.lat", "latitude out of range")
    if location.lon is not None and not -180 <= location.lon <= 180:
        raise _fail(f"{where}.lon", "longitude out of range")
    if location.country is not None and (
        len(location.country) != 2 or not location.country.isupper()
    ):
        raise _fail(f"{where}.country", "expected an ISO 3166-1 alpha-2 code such as 'PK'")
    return location


def _parse_count(value: object, where: str, extra: set[str]) -> tuple[GoldCount, Mapping[str, Any]]:
    data = _expect_mapping(value, where)
    _check_keys(data, {"total", "min", "max", "note"} | extra, where)
    raw_total = data.get("total")
    totals: tuple[int, ...]
    if isinstance(raw_total, list):
        if not raw_total:
            raise _fail(f"{where}.total", "an empty list accepts nothing")
        totals = tuple(
            _expect_int(item, f"{where}.total[{index}]") or 0
            for index, item in enumerate(raw_total)
        )
    elif raw_total is None:
        totals = ()
    else:
        totals = (_expect_int(raw_total, f"{where}.total") or 0,)
    count = GoldCount(
        totals=totals,
        minimum=_expect_int(data.get("min"), f"{where}.min", allow_none=True),
        maximum=_expect_int(data.get("max"), f"{where}.max", allow_none=True),
    )
    if not count.totals and count.minimum is None and count.maximum is None:
        raise _fail(where, "give at least one of total, min, max")
    return count, data


def _parse_participants(value: object, where: str) -> tuple[GoldParticipant, ...]:
    if not isinstance(value, list):
        raise _fail(where, "expected a list of participants")
    participants = []
    for index, item in enumerate(value):
        spot = f"{where}[{index}]"
        data = _expect_mapping(item, spot)
        _check_keys(data, {"name", "country", "title", "organisation"}, spot)
        name = _expect_str(data.get("name"), f"{spot}.name")
        assert name is not None
        participants.append(
            GoldParticipant(
                name=name,
                country=_expect_str(data.get("country"), f"{spot}.country", allow_none=True),
            )
        )
    return tuple(participants)


def _parse_topics(value: object, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(where, "expected a list of topic strings")
    unknown = sorted(set(value) - KNOWN_TOPICS)
    if unknown:
        raise _fail(where, f"unknown topics {unknown}; known: {sorted(KNOWN_TOPICS)}")
    return frozenset(value)


_EVENT_KEYS = {
    "label",
    "kind",
    "background",
    "optional",
    "date",
    "location",
    "fatalities",
    "injured",
    "attack_type",
    "perpetrators",
    "participants",
    "participants_optional",
    "topics",
    "topics_optional",
    "note",
}


def parse_event(value: object, where: str, index: int) -> GoldEvent:
    """Parse one hand-written gold event (see docs/EXTRACTION.md for the format)."""
    data = _expect_mapping(value, where)
    _check_keys(data, _EVENT_KEYS, where)
    raw_kind = data.get("kind")
    kinds = tuple(raw_kind) if isinstance(raw_kind, list) else (raw_kind,)
    if not kinds or any(kind not in EVENT_KINDS for kind in kinds):
        raise _fail(f"{where}.kind", f"expected one of {EVENT_KINDS} or a list of them")
    background = data.get("background")
    if not isinstance(background, bool):
        raise _fail(f"{where}.background", "expected true or false")
    optional = data.get("optional", False)
    if not isinstance(optional, bool):
        raise _fail(f"{where}.optional", "expected true or false")

    fatalities = chinese = attackers = None
    if "fatalities" in data:
        fatalities, raw = _parse_count(
            data["fatalities"], f"{where}.fatalities", {"chinese", "perpetrators"}
        )
        chinese = _expect_int(raw.get("chinese"), f"{where}.fatalities.chinese", allow_none=True)
        attackers = _expect_int(
            raw.get("perpetrators"), f"{where}.fatalities.perpetrators", allow_none=True
        )
    injured = None
    if "injured" in data:
        injured, _ = _parse_count(data["injured"], f"{where}.injured", set())

    attack_types: tuple[str | None, ...] | None = None
    if "attack_type" in data:
        raw_type = data["attack_type"]
        attack_types = tuple(raw_type) if isinstance(raw_type, list) else (raw_type,)
        if any(item is not None and item not in ATTACK_TYPES for item in attack_types):
            raise _fail(f"{where}.attack_type", f"expected one of {ATTACK_TYPES}, null, or a list")

    perpetrators: tuple[GoldPerpetrator, ...] | None = None
    if "perpetrators" in data:
        raw_perps = data["perpetrators"]
        if not isinstance(raw_perps, list):
            raise _fail(f"{where}.perpetrators", "expected a list (empty: the text names none)")
        parsed = []
        for number, item in enumerate(raw_perps):
            spot = f"{where}.perpetrators[{number}]"
            perp = _expect_mapping(item, spot)
            _check_keys(perp, {"name", "relation", "by"}, spot)
            relation = perp.get("relation")
            if relation not in RELATIONS:
                raise _fail(f"{spot}.relation", f"expected one of {RELATIONS}")
            name = _expect_str(perp.get("name"), f"{spot}.name")
            assert name is not None
            parsed.append(
                GoldPerpetrator(
                    name=name,
                    relation=str(relation),
                    by=_expect_str(perp.get("by"), f"{spot}.by", allow_none=True),
                )
            )
        perpetrators = tuple(parsed)

    label = data.get("label", f"event {index + 1}")
    if not isinstance(label, str):
        raise _fail(f"{where}.label", "expected a string")
    return GoldEvent(
        label=label,
        kinds=kinds,  # checked against EVENT_KINDS above
        background=background,
        optional=optional,
        date_scored="date" in data,
        date=_parse_date(data.get("date"), f"{where}.date"),
        location=_parse_location(data["location"], f"{where}.location")
        if "location" in data
        else None,
        fatalities=fatalities,
        injured=injured,
        chinese_deaths=chinese,
        attackers_killed=attackers,
        attack_types=attack_types,
        perpetrators=perpetrators,
        participants=_parse_participants(data["participants"], f"{where}.participants")
        if "participants" in data
        else None,
        participants_optional=_parse_participants(
            data.get("participants_optional", []), f"{where}.participants_optional"
        ),
        topics=_parse_topics(data["topics"], f"{where}.topics") if "topics" in data else None,
        topics_optional=_parse_topics(data.get("topics_optional", []), f"{where}.topics_optional"),
    )


def parse_events(value: object, where: str) -> tuple[GoldEvent, ...]:
    """Parse a document's list of gold events."""
    if not isinstance(value, list):
        raise _fail(where, "expected a list of events")
    return tuple(parse_event(item, f"{where}[{index}]", index) for index, item in enumerate(value))


def read_json(path: Path) -> Any:
    """Read a JSON file with a size limit and an error that names the file."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise GoldError(f"{path}: cannot read gold file ({exc.strerror})") from exc
    if size > MAX_GOLD_BYTES:
        raise GoldError(f"{path}: {size} bytes is more than a gold file may hold")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise GoldError(f"{path}: not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise GoldError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc


# --- the hand-made gold sets -----------------------------------------------------------------


def load_seeds(gold_path: Path, seeds_dir: Path) -> GoldSet:
    """Load the seed gold (``eval/gold/seeds.json``) and the seed texts it refers to.

    The documents are given to the extractor without a publication date, as the files are:
    the extractor must find the ``date`` metadata line itself.
    """
    data = _expect_mapping(read_json(gold_path), str(gold_path))
    documents_raw = data.get("documents")
    if not isinstance(documents_raw, list) or not documents_raw:
        raise _fail(str(gold_path), "expected a non-empty 'documents' list")
    documents = []
    for index, item in enumerate(documents_raw):
        where = f"{gold_path} documents[{index}]"
        entry = _expect_mapping(item, where)
        _check_keys(entry, {"file", "summary", "events"}, where)
        file_name = _expect_str(entry.get("file"), f"{where}.file")
        assert file_name is not None
        if Path(file_name).name != file_name:
            raise _fail(f"{where}.file", "expected a bare file name inside the seeds folder")
        seed_path = seeds_dir / file_name
        try:
            text = seed_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise GoldError(
                f"{where}: seed file {seed_path} cannot be read ({exc.strerror})"
            ) from exc
        documents.append(
            GoldDocument(
                id=file_name, text=text, events=parse_events(entry.get("events"), f"{where}.events")
            )
        )
    return GoldSet(name="seeds", mode="align", documents=tuple(documents))


MAX_CORPUS_LINE_CHARS = 200_000


def load_corpus(corpus_dir: Path) -> GoldSet:
    """Load the hand-written corpus (``eval/corpus``): see :func:`load_document_set`."""
    return load_document_set(corpus_dir, "corpus")


def load_holdout(holdout_dir: Path) -> GoldSet:
    """Load the held-out set (``eval/holdout``), written blind and never used for tuning."""
    return load_document_set(holdout_dir, "holdout")


def load_document_set(corpus_dir: Path, name: str) -> GoldSet:
    """Load a folder of hand-written documents: every ``*.jsonl`` document file plus ``gold.json``.

    Every document must have gold and every gold entry a document, so a typo in an id cannot
    silently drop a document from the score.
    """
    gold_path = corpus_dir / "gold.json"
    gold = _expect_mapping(read_json(gold_path), str(gold_path))
    gold_docs = _expect_mapping(gold.get("documents"), f"{gold_path} documents")
    files = sorted(corpus_dir.glob("*.jsonl"))
    if not files:
        raise GoldError(f"{corpus_dir}: no *.jsonl document files")
    documents = []
    seen: set[str] = set()
    for path in files:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                where = f"{path}:{number}"
                if len(line) > MAX_CORPUS_LINE_CHARS:
                    raise _fail(where, "line too long for a corpus document")
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise _fail(where, f"invalid JSON: {exc.msg}") from exc
                record = _expect_mapping(record, where)
                _check_keys(record, {"id", "text", "published", "title", "url"}, where)
                doc_id = _expect_str(record.get("id"), f"{where}.id")
                text = _expect_str(record.get("text"), f"{where}.text")
                assert doc_id is not None and text is not None
                if doc_id in seen:
                    raise _fail(where, f"duplicate document id {doc_id!r}")
                seen.add(doc_id)
                published = _expect_str(
                    record.get("published"), f"{where}.published", allow_none=True
                )
                if published is not None and parse_date_value(published, "day") is None:
                    raise _fail(f"{where}.published", "expected YYYY-MM-DD")
                if doc_id not in gold_docs:
                    raise _fail(where, f"document {doc_id!r} has no entry in {gold_path}")
                entry = _expect_mapping(gold_docs[doc_id], f"{gold_path} {doc_id}")
                _check_keys(entry, {"events", "patterns"}, f"{gold_path} {doc_id}")
                patterns = entry.get("patterns", [])
                documents.append(
                    GoldDocument(
                        id=doc_id,
                        text=text,
                        published=published,
                        title=_expect_str(record.get("title"), f"{where}.title", allow_none=True),
                        events=parse_events(entry.get("events"), f"{gold_path} {doc_id}.events"),
                        meta={"patterns": list(patterns) if isinstance(patterns, list) else []},
                    )
                )
    missing = sorted(set(gold_docs) - seen)
    if missing:
        raise GoldError(f"{gold_path}: gold for documents that do not exist: {missing}")
    return GoldSet(name=name, mode="align", documents=tuple(documents))


def limit_set(gold_set: GoldSet, limit: int | None) -> GoldSet:
    """Return the first ``limit`` documents of a gold set (all of them for ``None``)."""
    if limit is None or limit >= len(gold_set.documents):
        return gold_set
    return GoldSet(
        name=gold_set.name,
        mode=gold_set.mode,
        documents=gold_set.documents[:limit],
        notes=(*gold_set.notes, f"limited to the first {limit} documents"),
    )


def event_kinds_text(kinds: Sequence[str] | None) -> str:
    """Return ``kinds`` joined with '|' for reports."""
    return "|".join(kinds) if kinds else "any"
