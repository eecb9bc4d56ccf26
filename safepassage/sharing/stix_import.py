"""STIX 2.1 import: a bundle from a partner (or a file) becomes incidents, reports and sightings
(and engagements: ``stix_engagements.py``).

A bundle is hostile input until proven otherwise. It is checked in three stages before
anything is written:

1. **shape**: size in bytes, JSON that Python's parser reads without NaN, Infinity or repeated
   keys, nesting depth, number of objects, string lengths, ``spec_version`` 2.1 on every object
   (STIX 2.0 bundles are refused), ids well formed and not repeated;
2. **STIX**: ``stix2.parse`` with ``allow_custom=False`` (custom properties and unknown object
   types are refused; extensions by definition id are allowed);
3. **meaning**: every object Safe Passage maps carries a TLP marking and the Safe Passage
   extension valid against its JSON schema; every reference resolves; every local row it
   becomes passes the model's own validation.

Then everything is written in one transaction: all of it, or (on any error) none of it, with
the list of errors. Import is idempotent by STIX id: an object already held at the same or a
later ``modified`` changes nothing; an object this instance made itself (it came back through a
third party) is left alone.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import stix2
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.utils.dateparse import parse_date

from safepassage.access import gate
from safepassage.accounts.models import User
from safepassage.intel.models import (
    Claim,
    Engagement,
    EventFields,
    Incident,
    Mention,
    Report,
    Source,
)
from safepassage.intel.services.ingest import url_hash
from safepassage.linking import bands
from safepassage.linking.blocking import cell_of
from safepassage.registry.models import Organisation
from safepassage.sharing import extension, services, tlp
from safepassage.sharing.models import ExternalObject
from safepassage.sharing.stix_ids import instance_stix_id, local_row, lookup, remember
from safepassage.sharing.stix_markings import (
    MARKING_OF_ID,
    TLP2_EXTENSION_ID,
    TLP2_IDS,
    marking_of,
)

EXT = extension.EXTENSION_ID
MAX_BYTES = int(getattr(settings, "SAFEPASSAGE_STIX_MAX_BYTES", 20 * 1024 * 1024))
MAX_OBJECTS = int(getattr(settings, "SAFEPASSAGE_STIX_MAX_OBJECTS", 20_000))
MAX_DEPTH = 20
MAX_STRING = 500_000
MAX_ERRORS = 50
STIX_ID = re.compile(
    r"^[a-z][a-z0-9-]{0,62}--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
# Objects the importer reads for what they say elsewhere, or passes over on purpose.
PASSED_OVER = {"marking-definition", "extension-definition", "location", "relationship"}


class BundleRejected(Exception):
    """The bundle was refused; nothing was written. ``errors`` says why, one line each."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            self.errors.append(f"… and {len(errors) - MAX_ERRORS} more errors.")
        super().__init__("; ".join(self.errors))


@dataclass
class ImportResult:
    """What an import did: counts, the outcome per STIX id, and notes on what was passed over."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    mapped: int = 0
    skipped: int = 0
    objects: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def count(self, stix_id: str, outcome: str) -> None:
        self.objects[stix_id] = outcome
        if outcome == "created":
            self.created += 1
        elif outcome == "updated":
            self.updated += 1
        elif outcome == "unchanged":
            self.unchanged += 1
        elif outcome == "mapped":
            self.mapped += 1
        else:
            self.skipped += 1

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON (for the API and the CLI)."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "mapped": self.mapped,
            "skipped": self.skipped,
            "objects": self.objects,
            "notes": self.notes[:200],
        }


# ---------------------------------------------------------------- stage 1: shape


def _no_constants(value: str) -> Any:
    raise ValueError(f"JSON constant {value} is not allowed")


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


def load(data: bytes | str | dict[str, Any]) -> dict[str, Any]:
    """The bundle as a dict, or BundleRejected when it is too large or not strict JSON."""
    if isinstance(data, dict):
        try:
            data = json.dumps(data, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as exc:
            raise BundleRejected([f"The bundle is not JSON data: {exc}"]) from exc
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogatepass")
    if not isinstance(data, bytes | bytearray):
        raise BundleRejected(["The bundle must be JSON text."])
    if len(data) > MAX_BYTES:
        raise BundleRejected(
            [f"The bundle is {len(data):,} bytes; the limit is {MAX_BYTES:,} bytes."]
        )
    try:
        text = bytes(data).decode("utf-8")
        parsed = json.loads(text, parse_constant=_no_constants, object_pairs_hook=_no_repeated_keys)
    except UnicodeDecodeError as exc:
        raise BundleRejected([f"The bundle is not UTF-8 text: {exc.reason}."]) from exc
    except RecursionError as exc:
        raise BundleRejected([f"The bundle nests deeper than {MAX_DEPTH} levels."]) from exc
    except ValueError as exc:
        raise BundleRejected([f"The bundle is not valid JSON: {exc}."]) from exc
    if not isinstance(parsed, dict):
        raise BundleRejected(["The bundle must be a JSON object of type 'bundle'."])
    return parsed


def _walk(value: Any, depth: int, where: str, errors: list[str]) -> None:
    """Depth, string length and surrogate checks over the whole document (iterative)."""
    stack = [(value, depth, where)]
    while stack and len(errors) < MAX_ERRORS:
        item, level, path = stack.pop()
        if level > MAX_DEPTH:
            errors.append(f"{path}: nests deeper than {MAX_DEPTH} levels.")
            return
        if isinstance(item, str):
            if len(item) > MAX_STRING:
                errors.append(f"{path}: a text of {len(item):,} characters (limit {MAX_STRING:,}).")
            elif "\x00" in item:
                errors.append(f"{path}: contains a NUL character.")
            else:
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    errors.append(f"{path}: contains an unpaired surrogate.")
        elif isinstance(item, dict):
            for key, sub in item.items():
                if len(key) > 250:
                    errors.append(f"{path}: a property name longer than 250 characters.")
                stack.append((sub, level + 1, f"{path}.{key[:40]}"))
        elif isinstance(item, list):
            for index, sub in enumerate(item):
                stack.append((sub, level + 1, f"{path}[{index}]"))


def check_shape(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The bundle's objects after the shape checks (see the module docstring)."""
    errors: list[str] = []
    if bundle.get("type") != "bundle":
        raise BundleRejected(["The top-level object must have type 'bundle'."])
    if "spec_version" in bundle:
        raise BundleRejected(
            ["This is a STIX 2.0 bundle (it has spec_version); only STIX 2.1 is accepted."]
        )
    if not isinstance(bundle.get("id"), str) or not STIX_ID.match(bundle["id"]):
        errors.append("The bundle's id is missing or is not of the form bundle--<uuid>.")
    objects = bundle.get("objects", [])
    if not isinstance(objects, list):
        raise BundleRejected(["The bundle's 'objects' must be a list."])
    if len(objects) > MAX_OBJECTS:
        raise BundleRejected(
            [f"The bundle holds {len(objects):,} objects; the limit is {MAX_OBJECTS:,}."]
        )
    _walk(bundle, 0, "bundle", errors)
    if errors:
        raise BundleRejected(errors)
    seen: set[str] = set()
    for index, obj in enumerate(objects):
        where = f"objects[{index}]"
        if not isinstance(obj, dict):
            errors.append(f"{where}: is not a JSON object.")
            continue
        stix_id = obj.get("id")
        if not isinstance(stix_id, str) or not STIX_ID.match(stix_id):
            errors.append(f"{where}: the id is missing or malformed.")
            continue
        if stix_id.split("--", 1)[0] != obj.get("type"):
            errors.append(f"{stix_id}: the id does not start with the object's type.")
        if obj.get("spec_version") != "2.1":
            errors.append(
                f"{stix_id}: spec_version {obj.get('spec_version')!r} is not supported (only 2.1)."
            )
        if stix_id in seen:
            errors.append(f"{stix_id}: appears more than once in the bundle.")
        seen.add(stix_id)
    if errors:
        raise BundleRejected(errors)
    return objects


# ---------------------------------------------------------------- stage 2: STIX


def check_stix(bundle: dict[str, Any]) -> None:
    """Refuse what stix2 refuses (no custom content), naming the object at fault."""
    errors = []
    for obj in bundle.get("objects", []):
        try:
            stix2.parse(obj, allow_custom=False)
        except RecursionError:
            errors.append(f"{obj.get('id')}: nests too deep.")
        except Exception as exc:  # noqa: BLE001
            # stix2 is a parser of hostile input here: whatever it cannot take is a refusal
            # (it raises AttributeError, for one, on extensions that are not an object).
            message = str(exc).replace("\n", " ")
            errors.append(f"{obj.get('id')}: not valid STIX 2.1: {message[:300]}")
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise BundleRejected(errors)


# ---------------------------------------------------------------- stage 3: meaning


def _stamp(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _day(value: Any) -> datetime.date | None:
    if not isinstance(value, str):
        return None
    try:
        day: datetime.date | None = parse_date(value)
    except ValueError:  # well formed but not a day of the calendar (2026-02-30)
        return None
    return day


def place_fields(place: dict[str, Any]) -> dict[str, Any]:
    """The place fields of an incident or engagement from its (validated) ``place``."""
    return {
        "place_name": place["name"],
        "country": place["country"],
        "admin1": place["admin1"],
        "admin2": place["admin2"],
        "lat": place["lat"],
        "lon": place["lon"],
        "geo_precision": place["geo_precision"],
        "gazetteer_id": place["gazetteer_id"],
    }


def review_fields(review: dict[str, Any]) -> dict[str, Any]:
    """The review fields of an incident or engagement from its (validated) ``review``."""
    return {
        "review_state": review["state"],
        "confidence": review["confidence"],
        "report_count": review["report_count"],
        "has_conflict": review["has_conflict"],
        "conflicts": review["conflicts"],
        "corrected_fields": review["corrected_fields"],
    }


@dataclass
class _Item:
    """One mapped object of the bundle and what it will do."""

    obj: dict[str, Any]
    ext: dict[str, Any]
    marking: str
    outcome: str = ""  # created / updated / unchanged / own
    entry: ExternalObject | None = None
    row: models.Model | None = None

    @property
    def id(self) -> str:
        return str(self.obj["id"])

    @property
    def modified(self) -> datetime.datetime | None:
        return _stamp(self.obj.get("modified") or self.obj.get("created"))


class _Plan:
    """Reads the bundle, decides what each object does, and writes it."""

    def __init__(
        self,
        objects: list[dict[str, Any]],
        actor: Any,
        origin: Organisation | None,
        origin_instance: str,
        channel: str,
    ) -> None:
        self.actor = actor
        self.origin = origin
        self.origin_instance = origin_instance
        self.channel = channel
        self.errors: list[str] = []
        self.result = ImportResult()
        self.own_instance = instance_stix_id()
        self.by_id = {obj["id"]: obj for obj in objects}
        self.items: dict[str, list[_Item]] = {t: [] for t in extension.HOST_TYPES}
        self.orgs: dict[str, Organisation | None] = {}
        self.hashes: set[str] = set()
        self.rows: dict[str, models.Model] = {}
        for obj in objects:
            self._classify(obj)

    def error(self, stix_id: str, message: str) -> None:
        self.errors.append(f"{stix_id}: {message}")

    def _classify(self, obj: dict[str, Any]) -> None:
        kind = obj["type"]
        stix_id = obj["id"]
        if kind == "marking-definition":
            self._check_marking(obj)
            return
        if kind in PASSED_OVER:
            self.result.notes.append(f"{stix_id}: read for its references, not stored.")
            return
        if kind == stix_engagements.TYPE:
            stix_engagements.classify(self, obj)
            return
        if kind not in extension.HOST_TYPES:
            self.result.count(stix_id, "skipped")
            self.result.notes.append(f"{stix_id}: {kind} objects are not imported.")
            return
        extensions = obj.get("extensions")
        ext = extensions.get(EXT) if isinstance(extensions, dict) else None
        if ext is None:
            if kind == "identity":
                self.result.notes.append(f"{stix_id}: an identity without details, not stored.")
                return
            self.result.count(stix_id, "skipped")
            self.result.notes.append(f"{stix_id}: has no Safe Passage extension; not imported.")
            return
        problems = extension.validate(kind, ext)
        for problem in problems:
            self.error(stix_id, problem)
        if problems:
            return
        marking = marking_of(obj.get("object_marking_refs"))
        if marking is None and kind != "identity":
            self.error(stix_id, "carries no TLP marking (object_marking_refs).")
            return
        item = _Item(obj=obj, ext=ext, marking=marking or tlp.GREEN)
        self.items[kind].append(item)

    def _check_marking(self, obj: dict[str, Any]) -> None:
        stix_id = obj["id"]
        if stix_id not in MARKING_OF_ID:
            self.result.notes.append(f"{stix_id}: not a TLP marking; ignored.")
            return
        declared = (obj.get("extensions") or {}).get(TLP2_EXTENSION_ID, {}).get("tlp_2_0")
        definition = obj.get("definition")
        if declared is None and isinstance(definition, dict):
            declared = definition.get("tlp")
        try:
            same = declared is None or tlp.normalise(str(declared)) == MARKING_OF_ID[stix_id]
        except ValueError:
            same = False
        if not same:
            self.error(
                stix_id, f"claims to be {declared!r}, but the id is {MARKING_OF_ID[stix_id]}."
            )

    # -- deciding

    def decide(self) -> None:
        for kind in extension.HOST_TYPES:
            for item in self.items[kind]:
                self._decide(item)
        for item in self.items["identity"]:
            self._plan_identity(item)
        for item in self.items["incident"]:
            self._plan_incident(item)
        for item in self.items["report"]:
            self._plan_report(item)
        for item in self.items["sighting"]:
            self._check_sighting(item)
        for item in self.items["incident"]:
            self._check_claims(item)
        stix_engagements.decide(self)

    def _decide(self, item: _Item) -> None:
        entry = lookup(item.id)
        item.entry = entry
        if entry is not None:
            row = local_row(entry)
            if row is not None:
                item.row = row
                held = entry.modified
                new = item.modified
                item.outcome = "unchanged" if held and new and new <= held else "updated"
                return
            # The local row was deleted since: bring it back.
        if item.ext.get("instance") == self.own_instance and entry is None:
            item.outcome = "own"
            return
        item.outcome = "created"

    def _clean(self, item: _Item, row: models.Model, exclude: list[str]) -> None:
        try:
            row.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.error(item.id, f"{name}: {message}")

    def owner(self, ref: Any) -> Organisation | None:
        """The organisation an object's ``created_by_ref`` names (planned, held or None)."""
        if not isinstance(ref, str):
            return self.origin
        if ref in self.orgs:
            return self.orgs[ref]
        found = lookup(ref)
        if found is not None and found.model == "registry.organisation":
            org = Organisation.objects.filter(pk=found.local_id).first()
            if org is not None:
                return org
        return self.origin

    def _plan_identity(self, item: _Item) -> None:
        obj, ext = item.obj, item.ext
        name = str(obj.get("name", ""))[:200]
        org = item.row if isinstance(item.row, Organisation) else None
        if org is None:
            org = Organisation.objects.filter(name=name).first()
            if org is not None and self.origin is not None and org.pk != self.origin.pk:
                # A partner does not speak for an organisation of this instance: what it
                # sends in that name is held by the partner itself.
                item.outcome = "skipped"
                self.orgs[item.id] = self.origin
                self.result.notes.append(
                    f"{item.id}: names {name!r}, an organisation of this instance; "
                    "what it holds is kept as the partner's."
                )
                return
        if org is None:
            org = Organisation(
                name=name,
                short_name=ext["short_name"],
                kind=ext["kind"],
                country=ext["country"],
            )
            self._clean(item, org, [])
            item.outcome = "created"
        elif item.outcome == "created":
            # An organisation this instance already knows by name: map it, change nothing.
            item.outcome = "mapped"
        item.row = org
        self.orgs[item.id] = org

    def _plan_incident(self, item: _Item) -> None:
        if item.outcome in ("unchanged", "own"):
            return
        ext = item.ext
        row = item.row if isinstance(item.row, Incident) else Incident()
        place, casualties, review = ext["place"], ext["casualties"], ext["review"]
        values = {
            "kind": ext["kind"],
            "attack_type": ext["attack_type"],
            "date": _day(ext["date"]),
            "date_precision": ext["date_precision"],
            **place_fields(place),
            "tlp": item.marking,
            **review_fields(review),
            "deaths": casualties["deaths"]["count"],
            "deaths_min": casualties["deaths"]["min"],
            "deaths_max": casualties["deaths"]["max"],
            "injured": casualties["injured"]["count"],
            "injured_min": casualties["injured"]["min"],
            "injured_max": casualties["injured"]["max"],
            "perpetrators_killed": casualties["perpetrators_killed"],
            "deaths_by_nationality": casualties["deaths_by_nationality"],
            "victim_nationalities": casualties["victim_nationalities"],
            "perpetrators": [_perpetrator(a) for a in ext["attribution"]],
            "targets": ext["targets"],
        }
        if ext["date"] is not None and values["date"] is None:
            self.error(item.id, f"date {ext['date']!r} is not a real day.")
        for name, value in values.items():
            setattr(row, name, value)
        row.h3_r5 = cell_of(row.lat, row.lon, row.geo_precision)
        self._clean(item, row, ["organisation", "merged_into", "recipients"])
        item.row = row
        merged = ext["merged_into"]
        if merged and merged not in self.by_id and lookup(merged) is None:
            self.error(item.id, f"merged_into names {merged}, which is neither here nor held.")

    def _plan_report(self, item: _Item) -> None:
        if item.outcome in ("unchanged", "own"):
            return
        obj, ext = item.obj, item.ext
        refs = obj.get("object_refs") or []
        for ref in refs:
            if ref not in self.by_id and lookup(ref) is None:
                self.error(item.id, f"object_refs names {ref}, which is neither here nor held.")
        if isinstance(item.row, Report):
            # An article does not change once held (it may be one this instance read itself):
            # only a stricter marking is taken, never a looser one.
            held = item.row
            if tlp.RANK[item.marking] > tlp.RANK[tlp.normalise(held.tlp)]:
                held.tlp = item.marking
            else:
                item.outcome = "unchanged"
            return
        if ext["content_hash"] in self.hashes:
            self.error(item.id, "another report in the bundle has the same content hash.")
        self.hashes.add(ext["content_hash"])
        url = ""
        for reference in obj.get("external_references") or []:
            if reference.get("source_name") == ext["source"]["name"] and reference.get("url"):
                url = str(reference["url"])
                break
        # The same article may already be here (ingested from the same feed): map to it.
        existing = Report.objects.filter(content_hash=ext["content_hash"]).first()
        key = url_hash(url) if url else None
        if existing is None and key:
            existing = Report.objects.filter(url_hash=key).first()
        if existing is not None:
            item.row = existing
            item.outcome = "mapped"
            return
        row = Report()
        row.url = url
        row.url_hash = url_hash(url) if url else None
        row.content_hash = ext["content_hash"]
        row.title = ext["title"]
        row.text = str(obj.get("description", "")) if ext["has_text"] else ""
        row.published = _day(ext["published"])
        row.language = ext["language"]
        row.status = ext["status"]
        row.simhash = ext["simhash"]
        if row.simhash is not None:
            row.band0, row.band1, row.band2, row.band3 = bands(row.simhash)
        row.tlp = item.marking
        self._clean(
            item,
            row,
            ["source", "organisation", "submitted_by", "recipients", "near_duplicate_of", "text"],
        )
        item.row = row

    def _check_sighting(self, item: _Item) -> None:
        if item.outcome in ("unchanged", "own"):
            return
        target = item.obj.get("sighting_of_ref")
        if target not in self.by_id and lookup(str(target)) is None:
            self.error(item.id, f"sighting_of_ref names {target}, which is neither here nor held.")
        report = item.ext["report"]
        if report not in self.by_id and lookup(report) is None:
            self.error(item.id, f"the report {report} is neither here nor held.")

    def _check_claims(self, item: _Item) -> None:
        if item.outcome in ("unchanged", "own"):
            return
        seen: set[tuple[str, str]] = set()
        for claim in item.ext["claims"]:
            for ref in (claim["report"], claim["sighting"]):
                if ref and ref not in self.by_id and lookup(ref) is None:
                    self.error(item.id, f"a claim names {ref}, which is neither here nor held.")
            if claim["sighting"]:
                key = (claim["sighting"], claim["field"])
                if key in seen:
                    self.error(item.id, f"two claims of {claim['field']} from one sighting.")
                seen.add(key)
            span = claim["span"]
            if span is not None and None not in span and span[0] > span[1]:
                self.error(item.id, f"a claim's span {span} ends before it starts.")

    # -- writing

    def resolve(self, stix_id: str | None) -> models.Model | None:
        if not stix_id:
            return None
        if stix_id in self.rows:
            return self.rows[stix_id]
        entry = lookup(stix_id)
        return local_row(entry) if entry is not None else None

    def _remember(self, item: _Item, row: models.Model) -> None:
        remember(
            item.id,
            row,
            origin=self.origin,
            origin_instance=str(item.ext.get("instance") or self.origin_instance),
            channel=self.channel,
            modified=item.modified,
        )
        self.rows[item.id] = row
        self.result.count(item.id, item.outcome)

    def write(self) -> None:
        for item in self.items["identity"]:
            org = item.row
            if item.outcome == "skipped":
                self.result.count(item.id, "skipped")
                continue
            assert isinstance(org, Organisation)
            if item.outcome in ("unchanged", "own"):
                self.rows[item.id] = org
                self.result.count(item.id, "unchanged" if item.outcome == "unchanged" else "own")
                continue
            if org.pk is None:
                org.save()
            self._remember(item, org)
        for kind in ("incident", "report", "sighting"):
            for item in self.items[kind]:
                if not self._left_as_is(item):
                    WRITERS[kind](self, item)
        for item in self.items["incident"]:
            if item.outcome in ("created", "updated"):
                self._write_claims_and_merge(item)
        stix_engagements.write(self)

    def _left_as_is(self, item: _Item) -> bool:
        """Count an object made here or unchanged, and say so; False when it is to be written."""
        if item.outcome == "own":
            self.result.count(item.id, "skipped")
            self.result.notes.append(f"{item.id}: made by this instance; left as it is.")
            return True
        if item.outcome == "unchanged":
            assert item.row is not None
            self.rows[item.id] = item.row
            self.result.count(item.id, "unchanged")
            return True
        return False

    def _save_event(self, item: _Item, row: EventFields) -> None:
        """Save an incident or engagement under its owner, and remember where it came from."""
        row.organisation = self.owner(item.obj.get("created_by_ref"))
        row.save()
        if row.tlp == tlp.RED and isinstance(self.actor, User):
            # Recipients are people of the sending instance; here the importer is named.
            row.recipients.add(self.actor)
        self._remember(item, row)

    def _write_incident(self, item: _Item) -> None:
        row = item.row
        assert isinstance(row, Incident)
        self._save_event(item, row)

    def _write_report(self, item: _Item) -> None:
        row = item.row
        assert isinstance(row, Report)
        if item.outcome == "updated":
            row.save(update_fields=["tlp"])
        elif item.outcome == "created":
            owner = self.owner(item.obj.get("created_by_ref")) or getattr(
                self.actor, "organisation", None
            )
            if owner is None:
                self.error(item.id, "no organisation can hold this report (none is named).")
                return
            row.organisation = owner
            row.source = _source(item.ext["source"], owner)
            row.save()
            if row.tlp == tlp.RED and isinstance(self.actor, User):
                row.recipients.add(self.actor)
        self._remember(item, row)

    def _write_sighting(self, item: _Item) -> None:
        incident = self.resolve(item.obj.get("sighting_of_ref"))
        report = self.resolve(item.ext["report"])
        if not isinstance(incident, Incident) or not isinstance(report, Report):
            self.error(item.id, "its incident or report did not import.")
            return
        ext = item.ext
        row = item.row if isinstance(item.row, Mention) else None
        if row is None:
            row = Mention.objects.filter(report=report, index=ext["index"]).first()
            if row is not None and row.incident_id not in (None, incident.pk):
                # The same article was read here too and linked its own way: keep ours.
                self.result.count(item.id, "skipped")
                self.result.notes.append(f"{item.id}: the report's event is linked here already.")
                return
            row = row or Mention(report=report, index=ext["index"])
        row.kind = ext["kind"]
        row.background = ext["background"]
        row.confidence = ext["confidence"]
        row.link_score = ext["link_score"]
        row.link_reasons = ext["link_reasons"]
        row.event = ext.get("event") or row.event or {}
        row.incident = incident
        row.save()
        self._remember(item, row)

    def _write_claims_and_merge(self, item: _Item) -> None:
        row = item.row
        assert isinstance(row, Incident)
        # The sender's claims replace those held: they are the sender's record, not ours.
        Claim.objects.filter(incident=row).delete()
        for claim in item.ext["claims"]:
            report = self.resolve(claim["report"])
            mention = self.resolve(claim["sighting"])
            span = claim["span"] or [None, None]
            Claim.objects.create(
                incident=row,
                field=claim["field"],
                value=claim["value"],
                report=report if isinstance(report, Report) else None,
                mention=mention if isinstance(mention, Mention) else None,
                start=span[0],
                end=span[1],
            )
        merged = self.resolve(item.ext["merged_into"])
        target = merged if isinstance(merged, Incident) and merged.pk != row.pk else None
        if row.merged_into_id != (target.pk if target else None):
            row.merged_into = target
            row.save(update_fields=["merged_into", "updated"])


WRITERS: dict[str, Callable[[_Plan, _Item], None]] = {
    "incident": _Plan._write_incident,
    "report": _Plan._write_report,
    "sighting": _Plan._write_sighting,
}


def _perpetrator(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": item["group"], "relation": item["relation"]}
    if "source" in item:
        out["by"] = item["source"]
    return out


def _source(details: dict[str, Any], owner: Organisation) -> Source:
    """The local source of that name, or a new one (disabled: this instance never polls it)."""
    found = Source.objects.filter(name=details["name"]).first()
    if found is not None:
        return found
    return Source.objects.create(
        organisation=owner,
        name=details["name"],
        kind=details["kind"],
        reliability=details["reliability"],
        enabled=False,
    )


def import_upload(upload: Any, *, actor: Any, origin: Organisation | None = None) -> ImportResult:
    """Import an uploaded bundle file (a Django ``UploadedFile``) for the sharing pages.

    Reads at most one byte more than the limit, so an oversized file is refused without being
    read whole. Raises BundleRejected like ``import_bundle``.
    """
    data = upload.read(MAX_BYTES + 1)
    if not isinstance(data, bytes):
        raise BundleRejected(["The upload could not be read as a file."])
    return import_bundle(data, actor=actor, origin=origin)


def _record_received(plan: _Plan, origin: Organisation, channel: str, actor: Any) -> None:
    """Share records for what arrived from ``origin`` (incidents, engagements, reports)."""
    for model in (Incident, Engagement, Report):
        rows = {
            stix_id: row
            for stix_id, row in plan.rows.items()
            if isinstance(row, model) and plan.result.objects.get(stix_id) in ("created", "updated")
        }
        if rows:
            services.record(
                origin,
                channel,
                list(rows.values()),
                actor=actor,
                stix_ids={int(row.pk): stix_id for stix_id, row in rows.items()},
            )


def import_bundle(
    data: bytes | str | dict[str, Any],
    *,
    actor: Any,
    origin: Organisation | None = None,
    origin_instance: str = "",
    channel: str = "stix",
) -> ImportResult:
    """Import a STIX 2.1 bundle: everything or nothing (see the module docstring).

    ``actor`` must hold ``add`` on sharing (administrators, the CLI and jobs). ``origin`` is the
    partner organisation the bundle came from: sync never sends these objects back to it.
    Raises BundleRejected, with every error found, and writes nothing when anything is wrong.
    """
    gate.require(actor, "add", "sharing")
    bundle = load(data)
    objects = check_shape(bundle)
    check_stix(bundle)
    plan = _Plan(objects, actor, origin, origin_instance, channel)
    plan.decide()
    if plan.errors:
        raise BundleRejected(plan.errors)
    try:
        with transaction.atomic():
            plan.write()
            if plan.errors:
                raise BundleRejected(plan.errors)
            if origin is not None:
                _record_received(plan, origin, channel, actor)
    except DatabaseError as exc:
        raise BundleRejected([f"The bundle could not be stored: {exc}"]) from exc
    return plan.result


__all__ = ["BundleRejected", "ImportResult", "TLP2_IDS", "import_bundle"]


# Engagements use this module's plan and items, so they are imported once it is complete.
from safepassage.sharing import stix_engagements  # noqa: E402
