"""A reader's STIX collection one page at a time: the order of all of it, the objects of a page.

The TAXII collection (``taxii.py``) holds what ``stix.collect`` exports for the reader (read
through the permission gate as the reader, leaving out what came from the partner reading it:
no echo), ordered by ``date_added`` (an object's ``modified``, else ``created``, to the
millisecond) and then id. Building all of it to serve one page made each page cost as much as
the whole collection; here a page costs what is on it:

1. **Keys.** Each object is made of one row of a kind (a ``Source``): an incident (its
   ``incident``, and its ``location`` and ``located-at`` relationship when it has a place), an
   engagement (likewise), a mention of an incident (a ``sighting``), a report, an organisation
   holding any of these; the rest are fixed objects (marking definitions, this instance, the
   extension definitions). For each kind one query on its gated queryset reads the timestamp
   and pk of the first ``limit + 1 + SLACK`` rows from the page's lower bound (``added_after``
   or the cursor's millisecond) on, ordered and limited in the database. Ties on
   ``date_added`` are broken by the id, which is made here, not stored: a kind's last
   millisecond read may hold more rows, so only the keys below it count, and where that leaves
   too few (a millisecond shared by many rows, many rows before the cursor in its millisecond)
   the kinds cut shortest read on, four times as many rows at a time. The keys of all kinds,
   merged, give the page and whether more follow. An id filter reads every key of the kinds
   its ids name (the ids are made here, so the database cannot look them up).
2. **Objects.** Only the objects on the page are built, with ``stix._Builder`` (the code of
   ``stix.collect``), and what they name is read for them alone: an incident's claims and the
   reports, sightings and merged-into incident those cite; a report's ``object_refs`` (every
   incident and engagement it describes, read as ids with one values query); an engagement's
   mentions.

Which rows stand behind objects is decided by the querysets of ``Scope``: the gate
(``gate.restrict``, and ``stix._behind`` for the reports and mentions behind what the reader
reads), its agreement filters and TLP markings, and the no-echo rule, as in ``stix.collect``.
``tests/sharing/test_taxii_pages.py`` checks that paging through the collection gives exactly
``stix.collect``'s objects.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

from django.db import models
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from safepassage.access import gate
from safepassage.intel.models import Claim, Engagement, Incident, Mention, Report
from safepassage.registry.models import Organisation
from safepassage.sharing import engagement_sdo, extension, stix, stix_engagements, tlp
from safepassage.sharing.models import InstanceIdentity
from safepassage.sharing.stix_ids import IdMap, instance_identity, model_label
from safepassage.sharing.stix_markings import TLP2_CREATED, marking_definition, marking_id

# Every object of the collection is STIX 2.1 (``match[spec_version]``).
SPEC_VERSION = "2.1"
MILLISECOND = datetime.timedelta(milliseconds=1)
# Rows of each kind read beyond a page's ``limit + 1``: room for the rows that share the last
# millisecond read, or the cursor's, so that one query of each kind serves a page.
SLACK = 16
STAMP = "stix_stamp"
ENGAGEMENT = engagement_sdo.TYPE
INCIDENT_LABEL = model_label(Incident)
ENGAGEMENT_LABEL = model_label(Engagement)
MENTION_LABEL = model_label(Mention)
REPORT_LABEL = model_label(Report)
ORGANISATION_LABEL = model_label(Organisation)
# What an incident or engagement row makes besides itself when it has a place.
PLACE_PARTS = (("place", "location"), ("located-at", "relationship"))
HAS_PLACE = Q(lat__isnull=False, lon__isnull=False) | ~Q(country="")


def date_added(value: datetime.datetime | str) -> datetime.datetime:
    """The ``date_added`` of an object stamped ``value``: UTC, cut to the millisecond, as the
    STIX timestamp written on the object."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    elif value.tzinfo is not datetime.UTC:
        value = value.astimezone(datetime.UTC)
    cut = value.microsecond % 1000
    return value.replace(microsecond=value.microsecond - cut) if cut else value


def _next_millisecond(moment: datetime.datetime) -> datetime.datetime | None:
    """The start of the millisecond after the one ``moment`` falls in; None at the end of
    time."""
    try:
        return date_added(moment) + MILLISECOND
    except OverflowError:
        return None


class Key(NamedTuple):
    """Where one object stands in the collection (``date_added``, then id: the order, as the
    tuple sorts) and what it is made of: a row of ``source`` (``pk``) and which ``part`` of it
    ("" for the row's own object)."""

    date_added: datetime.datetime
    id: str
    source: str
    pk: int
    part: str

    @property
    def type(self) -> str:
        return self.id.split("--", 1)[0]

    @property
    def version(self) -> str:
        """The object's ``modified`` (or ``created``): the one version held here."""
        return stix.timestamp(self.date_added)


def _among(queryset: QuerySet[Any], field: str) -> Exists:
    """Rows whose ``field`` names a row of ``queryset``: asked row by row (a look-up by pk),
    so that a query on a few rows does not read all of ``queryset`` first."""
    return Exists(queryset.filter(pk=OuterRef(field)))


class Scope:
    """What ``reader`` may read, as querysets through the gate: ``stix.collect``'s filters.

    What came from ``exclude_origin`` is left out (no echo). ``include_text`` (article text
    and extracted events: personal data) may be a callable, asked only when objects are built.
    """

    def __init__(
        self,
        reader: Any,
        *,
        exclude_origin: Organisation | None = None,
        include_text: bool | Callable[[], bool] = False,
    ) -> None:
        self.reader = reader
        self.origin = exclude_origin
        self._include_text = include_text
        self._markings: dict[tuple[str, frozenset[str]], frozenset[str]] = {}

    @cached_property
    def include_text(self) -> bool:
        value = self._include_text
        return bool(value() if callable(value) else value)

    def _own(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """``queryset`` without the rows that came from ``exclude_origin``."""
        if self.origin is None:
            return queryset
        return queryset.exclude(
            pk__in=stix.from_origin(queryset.model, self.origin).values("local_id")
        )

    @cached_property
    def incidents(self) -> QuerySet[Incident]:
        return self._own(gate.restrict(Incident.objects.all(), self.reader))

    @cached_property
    def engagements(self) -> QuerySet[Engagement]:
        return self._own(gate.restrict(Engagement.objects.all(), self.reader))

    @cached_property
    def readable_reports(self) -> QuerySet[Report]:
        """The reports the reader may be told of (those that describe what it reads leave)."""
        return self._own(stix._behind(Report.objects.all(), self.reader))

    def _mentions(self, of: str, queryset: QuerySet[Any]) -> QuerySet[Mention]:
        """The readable mentions, in readable reports, of the rows of ``queryset``."""
        return stix._behind(
            Mention.objects.filter(
                _among(queryset, f"{of}_id"), _among(self.readable_reports, "report_id")
            ),
            self.reader,
        )

    @cached_property
    def sightings(self) -> QuerySet[Mention]:
        """The mentions of the reader's incidents: each is a ``sighting``."""
        return self._mentions("incident", self.incidents)

    @cached_property
    def engagement_mentions(self) -> QuerySet[Mention]:
        return self._mentions("engagement", self.engagements)

    @cached_property
    def claims(self) -> QuerySet[Claim]:
        return gate.restrict(
            Claim.objects.filter(_among(self.incidents, "incident_id")), self.reader
        )

    @cached_property
    def reports(self) -> QuerySet[Report]:
        """The reports that leave: readable ones describing an incident or an engagement.

        Asked row by row (correlated ``EXISTS``, on the indexes of the relations): a page
        reads the rows it needs, not every mention and claim of the collection."""

        def describes(queryset: QuerySet[Any]) -> Exists:
            return Exists(queryset.filter(report_id=OuterRef("pk")))

        return self.readable_reports.filter(
            describes(self.sightings) | describes(self.claims) | describes(self.engagement_mentions)
        )

    @cached_property
    def organisations(self) -> QuerySet[Organisation]:
        """The organisations holding an incident, report or engagement that leaves."""

        def holds(queryset: QuerySet[Any]) -> Exists:
            return Exists(queryset.filter(organisation_id=OuterRef("pk")))

        return Organisation.objects.filter(
            holds(self.incidents) | holds(self.engagements) | holds(self.reports)
        )

    @cached_property
    def identity(self) -> InstanceIdentity:
        return instance_identity()

    @cached_property
    def ids(self) -> IdMap:
        return IdMap(_namespace=self.identity.uuid)

    def markings_of(self, name: str, known: Iterable[str] = ()) -> frozenset[str]:
        """The markings among the ``incidents``, ``engagements`` or ``reports`` that leave,
        but for those ``known`` already (their rows are not asked)."""
        key = (name, frozenset(known))
        if key not in self._markings:
            queryset: QuerySet[Any] = getattr(self, name)
            self._markings[key] = frozenset(
                queryset.exclude(tlp__in=key[1]).order_by().values_list("tlp", flat=True).distinct()
            )
        return self._markings[key]

    def holds_events(self) -> bool:
        """True when an incident or engagement leaves (each names this instance)."""
        return bool(self.markings_of("incidents") or self.markings_of("engagements"))


@dataclass(frozen=True)
class Source:
    """One kind of row behind objects: its queryset in ``Scope``, its timestamp, its types."""

    name: str
    queryset: str
    stamp: Any
    types: tuple[str, ...]
    label: str

    @property
    def placed(self) -> bool:
        """An incident or engagement: its place makes a location and a relationship."""
        return len(self.types) > 1


SOURCES = (
    Source(
        "incident",
        "incidents",
        F("updated"),
        ("incident", "location", "relationship"),
        INCIDENT_LABEL,
    ),
    Source(
        "engagement",
        "engagements",
        F("updated"),
        (ENGAGEMENT, "location", "relationship"),
        ENGAGEMENT_LABEL,
    ),
    Source(
        "sighting",
        "sightings",
        Coalesce("report__processed_at", "report__received_at"),
        ("sighting",),
        MENTION_LABEL,
    ),
    Source("report", "reports", Coalesce("processed_at", "received_at"), ("report",), REPORT_LABEL),
    Source("identity", "organisations", F("created"), ("identity",), ORGANISATION_LABEL),
)


@dataclass(frozen=True)
class Window:
    """What of each kind a request reads, as the database can bound it: timestamps from
    ``lower`` on (all when None), only ``types`` and dates added among ``versions``."""

    lower: datetime.datetime | None
    types: frozenset[str] | None
    versions: frozenset[datetime.datetime] | None


class _Read:
    """The keys of one kind read so far, oldest first, from ``Window.lower`` on."""

    def __init__(self, source: Source, count: int | None) -> None:
        self.source = source
        self.count = count
        self.keys: list[Key] = []
        # Every key below this date added is here (None: every key); where the next read
        # starts (the last millisecond read, which may hold more rows than were read).
        self.complete_below: datetime.datetime | None = None
        self.resume: datetime.datetime | None = None


class Collection:
    """The reader's collection (see the module docstring): ``page`` keys, then ``objects``."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        # The local rows behind the incidents, reports and engagements built, by STIX id.
        self.rows: dict[str, models.Model] = {}

    # --- keys ---------------------------------------------------------------------------

    def page(
        self,
        *,
        added_after: datetime.datetime | None = None,
        position: tuple[datetime.datetime, str] | None = None,
        ids: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
        versions: Iterable[datetime.datetime] | None = None,
        limit: int | None = None,
    ) -> tuple[list[Key], bool]:
        """The first ``limit`` keys (all without one) after ``position`` (a ``date_added``
        and an id), added after ``added_after``, with one of ``ids``, ``types`` and
        ``versions`` (dates added), in order; and whether more follow."""
        wanted_ids = frozenset(ids) if ids is not None else None
        wanted_types = frozenset(types) if types is not None else None
        if wanted_ids is not None:
            named = frozenset(i.split("--", 1)[0] for i in wanted_ids)
            wanted_types = named if wanted_types is None else wanted_types & named
        stamps = frozenset(versions) if versions is not None else None
        lower: datetime.datetime | None = None
        if added_after is not None:
            lower = _next_millisecond(added_after)
            if lower is None:  # after the end of time
                return [], False
        if position is not None:
            # From the cursor's millisecond: there the id decides what follows it.
            cursor = date_added(position[0])
            lower = cursor if lower is None or cursor > lower else lower

        def wanted(key: Key) -> bool:
            return (
                (added_after is None or key.date_added > added_after)
                and (position is None or (key.date_added, key.id) > position)
                and (wanted_types is None or key.type in wanted_types)
                and (wanted_ids is None or key.id in wanted_ids)
                and (stamps is None or key.date_added in stamps)
            )

        window = Window(lower, wanted_types, stamps)
        # Few rows of many meet an id filter: every key of the kinds its ids name is read.
        count = None if limit is None or wanted_ids is not None else limit + 1 + SLACK
        reads = [
            _Read(source, count)
            for source in SOURCES
            if wanted_types is None or wanted_types & set(source.types)
        ]
        fixed = self._fixed(lower, wanted_types)
        due = list(reads)
        while True:
            for read in due:
                self._read_keys(read, window)
            below = [r.complete_below for r in reads if r.complete_below is not None]
            complete_below = min(below) if below else None
            # Past the first kind cut short, the keys of the others wait for a later page.
            chosen = sorted(
                key
                for key in [*fixed, *(k for r in reads for k in r.keys)]
                if wanted(key) and (complete_below is None or key.date_added < complete_below)
            )
            if limit is None or complete_below is None or len(chosen) > limit:
                break
            # Too few keys below the cut (ties, rows before the cursor): the kinds cut
            # shortest read on, four times as many rows at a time.
            due = [r for r in reads if r.complete_below == complete_below]
        if limit is None:
            return chosen, False
        return chosen[:limit], len(chosen) > limit

    def _rows(
        self,
        source: Source,
        window: Window,
        lower: datetime.datetime | None,
        count: int | None,
    ) -> list[tuple[Any, ...]]:
        """``(pk, stamp[, lat, lon, country])`` of ``source``'s rows stamped from ``lower``
        on, oldest first, ``count`` at most."""
        queryset: QuerySet[Any] = getattr(self.scope, source.queryset)
        queryset = queryset.annotate(**{STAMP: source.stamp})
        if lower is not None:
            queryset = queryset.filter(**{f"{STAMP}__gte": lower})
        if window.versions is not None:
            exact = Q(pk__in=[])
            for stamp in window.versions:
                after = _next_millisecond(stamp)
                if stamp == date_added(stamp) and after is not None:
                    exact |= Q(**{f"{STAMP}__gte": stamp, f"{STAMP}__lt": after})
            queryset = queryset.filter(exact)
        fields: tuple[str, ...] = ("pk", STAMP)
        if source.placed:
            if window.types is not None and source.types[0] not in window.types:
                # Only places or relationships are asked for: rows with no place make none.
                queryset = queryset.filter(HAS_PLACE)
            fields += ("lat", "lon", "country")
        rows = queryset.order_by(STAMP, "pk").values_list(*fields)
        return list(rows if count is None else rows[:count])

    def _read_keys(self, read: _Read, window: Window) -> None:
        """Read ``read``'s next rows: from where it stopped (the start of the window at
        first), ``read.count`` of them, then four times as many each time."""
        start = read.resume if read.resume is not None else window.lower
        rows = self._rows(read.source, window, start, read.count)
        read.keys = [k for k in read.keys if start is None or k.date_added < start]
        read.keys += self._make_keys(read.source, rows)
        if read.count is None or len(rows) < read.count:
            read.complete_below = None
        else:
            # The last millisecond read may hold more rows: its keys wait for the next read.
            read.complete_below = read.resume = date_added(rows[-1][1])
            read.count *= 4

    def _make_keys(self, source: Source, rows: list[tuple[Any, ...]]) -> list[Key]:
        ids = self.scope.ids
        ids.preload_pks({source.label: [row[0] for row in rows]})
        namespace = self.scope.identity.uuid
        keys = []
        for row in rows:
            pk, added = int(row[0]), date_added(row[1])
            keys.append(
                Key(added, ids.id_of(source.label, pk, source.types[0]), source.name, pk, "")
            )
            if source.placed:
                lat, lon, country = row[2:5]
                if (lat is not None and lon is not None) or country:
                    for part, stix_type in PLACE_PARTS:
                        made = stix.part_uuid(namespace, (source.label, pk), part)
                        keys.append(Key(added, f"{stix_type}--{made}", source.name, pk, part))
        return keys

    def _fixed(self, lower: datetime.datetime | None, types: frozenset[str] | None) -> list[Key]:
        """The keys of the objects no row stands behind, from ``lower`` on."""
        scope = self.scope

        def asked(stix_type: str, added: datetime.datetime) -> bool:
            return (types is None or stix_type in types) and (lower is None or added >= lower)

        keys: list[Key] = []
        for part, obj in _definitions().items():
            added = date_added(obj.get("modified") or obj["created"])
            if asked(obj["type"], added) and (
                part != "engagement-definition" or scope.markings_of("engagements")
            ):
                keys.append(Key(added, obj["id"], "fixed", 0, part))
        added = date_added(scope.identity.created)
        if asked("identity", added) and scope.holds_events():
            keys.append(Key(added, f"identity--{scope.identity.uuid}", "fixed", 0, "instance"))
        added = date_added(TLP2_CREATED)
        if asked("marking-definition", added):
            for marking in _markings(scope):
                keys.append(Key(added, marking_id(marking), "fixed", 0, marking))
        return keys

    # --- objects ------------------------------------------------------------------------

    def objects(self, keys: Sequence[Key]) -> dict[str, dict[str, Any]]:
        """The STIX objects of ``keys`` by id, built for them alone (see the module
        docstring); ``rows`` gets the incidents, reports and engagements among them."""
        return _Page(self.scope, keys, self.rows).build()


def _definitions() -> dict[str, dict[str, Any]]:
    """The fixed objects that are no marking and no identity of this instance."""
    return {
        "project": extension.project_identity(),
        "extension": extension.definition(),
        "engagement-definition": engagement_sdo.definition(),
    }


def _markings(scope: Scope) -> set[str]:
    """The markings the objects that leave carry: their own, and GREEN on identities."""
    events = scope.markings_of("incidents") | scope.markings_of("engagements")
    # Only the reports with another marking than every incident's and engagement's are asked.
    found = {tlp.normalise(value) for value in events | scope.markings_of("reports", events)}
    if scope.holds_events():
        found.add(stix.IDENTITY_TLP)
    return found


def _read(queryset: QuerySet[Any], pks: Iterable[int]) -> dict[int, Any]:
    """The rows of ``queryset`` with these pks, by pk (no query for none)."""
    wanted = set(pks)
    if not wanted:
        return {}
    return {row.pk: row for row in queryset.filter(pk__in=wanted).order_by("pk")}


class _Page:
    """Builds the objects of one page of keys (``Collection.objects``)."""

    def __init__(self, scope: Scope, keys: Sequence[Key], rows: dict[str, models.Model]) -> None:
        self.scope = scope
        self.ids = scope.ids
        self.keys = keys
        self.rows = rows
        # The pks each kind has on the page, those whose own object is on it, and the parts
        # (place, relationship) of each row that are.
        self.pks: dict[str, set[int]] = {}
        self.whole: dict[str, set[int]] = {}
        self.parts: dict[tuple[str, int], set[str]] = {}
        for key in keys:
            self.pks.setdefault(key.source, set()).add(key.pk)
            if key.part:
                self.parts.setdefault((key.source, key.pk), set()).add(key.part)
            else:
                self.whole.setdefault(key.source, set()).add(key.pk)

    def build(self) -> dict[str, dict[str, Any]]:
        scope, ids = self.scope, self.ids
        mentions = scope.sightings
        if not scope.include_text:
            mentions = mentions.defer("event")
        sightings = _read(mentions, self.pks.get("sighting", ()))
        incidents = _read(
            # Whether the incident it was merged into leaves too (else it is not named).
            scope.incidents.annotate(
                merged_leaves=Exists(scope.incidents.filter(pk=OuterRef("merged_into_id")))
            ),
            self.pks.get("incident", set()) | {m.incident_id for m in sightings.values()},
        )
        claims = self._claims()
        personal: tuple[str, ...] = () if scope.include_text else ("text",)
        reports = _read(
            scope.readable_reports.defer("extraction", "structured", *personal).prefetch_related(
                "source"
            ),
            self.pks.get("report", set()) | {m.report_id for m in sightings.values()},
        )
        refs = self._refs()
        engagements = _read(scope.engagements, self.pks.get("engagement", ()))
        engagement_mentions = self._engagement_mentions()
        holders = [*incidents.values(), *reports.values(), *engagements.values()]
        # The organisations on the page and those holding its rows, read once for all.
        organisations = _read(
            Organisation.objects.all(),
            self.pks.get("identity", set())
            | {r.organisation_id for r in holders if r.organisation_id is not None},
        )
        for row in holders:
            if row.organisation_id is not None:
                row.organisation = organisations[row.organisation_id]
        ids.preload_pks(
            {
                INCIDENT_LABEL: [
                    *incidents,
                    *(i.merged_into_id for i in incidents.values() if i.merged_leaves),
                    *(pk for kind, pk, _ in refs if kind == "incident"),
                ],
                MENTION_LABEL: [*sightings, *(c.mention_id for c, _, seen in claims if seen)],
                REPORT_LABEL: [
                    *reports,
                    *(c.report_id for c, cited, _ in claims if cited),
                    *(m.report_id for m in engagement_mentions),
                ],
                ENGAGEMENT_LABEL: [
                    *engagements,
                    *(pk for kind, pk, _ in refs if kind == "engagement"),
                ],
                ORGANISATION_LABEL: organisations,
            }
        )
        builder = stix._Builder(scope.include_text, ids=ids, identity=scope.identity)
        self._incidents(builder, incidents, claims)
        for mention in sightings.values():
            incident, report = incidents[mention.incident_id], reports[mention.report_id]
            builder.sighting(
                mention,
                incident,
                self._id(INCIDENT_LABEL, incident.pk),
                report,
                self._id(REPORT_LABEL, report.pk),
            )
        self._reports(builder, reports, refs)
        self._engagements(builder, engagements, engagement_mentions)
        for pk in self.pks.get("identity", ()):
            builder.organisation(organisations[pk])
        made = dict(builder.objects)
        for key in self.keys:
            if key.source == "fixed":
                made[key.id] = self._fixed(builder, key)
        return made

    def _id(self, label: str, pk: int) -> str:
        stix_type = {
            INCIDENT_LABEL: "incident",
            REPORT_LABEL: "report",
            MENTION_LABEL: "sighting",
            ENGAGEMENT_LABEL: ENGAGEMENT,
        }[label]
        return self.ids.id_of(label, pk, stix_type)

    def _claims(self) -> list[tuple[stix.ClaimRow, bool, bool]]:
        """The claims of the incidents whose own object is on the page, in export order, each
        with whether the report and the sighting it cites leave (else they are not named)."""
        scope = self.scope
        pks = self.whole.get("incident")
        if not pks:
            return []
        rows = (
            scope.claims.filter(incident_id__in=pks)
            .annotate(
                report_leaves=Exists(scope.readable_reports.filter(pk=OuterRef("report_id"))),
                sighting_leaves=Exists(scope.sightings.filter(pk=OuterRef("mention_id"))),
            )
            .order_by("field", "created", "pk")
            .values_list(*stix.ClaimRow._fields, "report_leaves", "sighting_leaves")
        )
        return [(stix.ClaimRow(*values[:-2]), *values[-2:]) for values in rows]

    def _refs(self) -> list[tuple[str, int, int]]:
        """(kind, pk, report pk) of each incident and engagement that a report on the page
        describes (by a mention, or a claim citing it), in one query."""
        scope = self.scope
        pks = self.pks.get("report")
        if not pks:
            return []
        describing = [
            (scope.sightings, "incident"),
            (scope.claims, "incident"),
            (scope.engagement_mentions, "engagement"),
        ]
        first, *rest = [
            queryset.filter(report_id__in=pks)
            .order_by()
            .annotate(ref_kind=Value(kind, output_field=CharField()))
            .values_list("ref_kind", f"{kind}_id", "report_id")
            for queryset, kind in describing
        ]
        return list(first.union(*rest, all=True))

    def _engagement_mentions(self) -> list[Mention]:
        """The mentions of the engagements whose own object is on the page."""
        pks = self.whole.get("engagement")
        if not pks:
            return []
        return list(self.scope.engagement_mentions.filter(engagement_id__in=pks).order_by("pk"))

    def _incidents(
        self,
        builder: stix._Builder,
        incidents: dict[int, Any],
        claims: list[tuple[stix.ClaimRow, bool, bool]],
    ) -> None:
        report_ids = {c.report_id: self._id(REPORT_LABEL, c.report_id) for c, r, _ in claims if r}
        sighting_ids = {
            c.mention_id: self._id(MENTION_LABEL, c.mention_id) for c, _, s in claims if s
        }
        claims_of: dict[int, list[stix.ClaimRow]] = {}
        for claim, _, _ in claims:
            claims_of.setdefault(claim.incident_id, []).append(claim)
        whole = self.whole.get("incident", set())
        for pk in sorted(self.pks.get("incident", ())):
            incident = incidents[pk]
            incident_id = self._id(INCIDENT_LABEL, pk)
            if pk in whole:
                merged = incident.merged_into_id
                builder.incident(
                    incident,
                    claims_of.get(pk, []),
                    report_ids,
                    sighting_ids,
                    self._id(INCIDENT_LABEL, merged) if incident.merged_leaves else None,
                )
                self.rows[incident_id] = incident
            parts = self.parts.get(("incident", pk), set())
            if "place" in parts:
                builder.location(incident)
            if "located-at" in parts:
                place = stix.part_uuid(self.scope.identity.uuid, incident, "place")
                builder.located_at(incident, incident_id, f"location--{place}")

    def _reports(
        self, builder: stix._Builder, reports: dict[int, Report], refs: list[tuple[str, int, int]]
    ) -> None:
        labels = {"incident": INCIDENT_LABEL, "engagement": ENGAGEMENT_LABEL}
        refs_of: dict[int, set[str]] = {}
        for kind, pk, report_pk in refs:
            refs_of.setdefault(report_pk, set()).add(self._id(labels[kind], pk))
        for pk in sorted(self.pks.get("report", ())):
            self.rows[builder.report(reports[pk], sorted(refs_of[pk]))] = reports[pk]

    def _engagements(
        self,
        builder: stix._Builder,
        engagements: dict[int, Engagement],
        mentions: list[Mention],
    ) -> None:
        report_ids = {m.report_id: self._id(REPORT_LABEL, m.report_id) for m in mentions}
        mentions_of: dict[int, list[Mention]] = {}
        for mention in mentions:
            assert mention.engagement_id is not None
            mentions_of.setdefault(mention.engagement_id, []).append(mention)
        whole = self.whole.get("engagement", set())
        for pk in sorted(engagements):
            engagement = engagements[pk]
            stix_id = self._id(ENGAGEMENT_LABEL, pk)
            if pk in whole:
                stix_engagements._engagement(
                    builder, engagement, stix_id, mentions_of.get(pk, []), report_ids
                )
                self.rows[stix_id] = engagement
            if self.parts.get(("engagement", pk)):
                # Its place and relationship (made together): the one not on the page is left.
                stix_engagements._location(builder, engagement, stix_id)

    def _fixed(self, builder: stix._Builder, key: Key) -> dict[str, Any]:
        if key.part == "instance":
            builder.instance()
            return builder.objects[key.id]
        if key.part in tlp.ORDER:
            return marking_definition(key.part)
        return _definitions()[key.part]
