"""Incremental upkeep of the stored risk: one incident in, its old contribution out.

``apply(incident)`` runs on every save of an incident (see ``RiskConfig.ready``): it reads the
incident's :class:`IncidentRisk` row (what it contributed last time and to which cells and
areas), subtracts that from the aggregates, adds the new contribution and rewrites the row.
That is a dozen small queries whatever the size of the knowledge base. ``rebuild()`` computes
everything from scratch; it is for the first install, a change of the model's constants and
the tests that check the incremental path against it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from safepassage.risk import packing
from safepassage.risk.models import AreaRisk, CellPack, CellRisk, IncidentRisk
from safepassage.riskmodel import geometry
from safepassage.riskmodel.model import (
    IncidentFacts,
    RiskParams,
    base_value,
    day_number,
    normalised,
)

# Ways sources write Pakistan as a nationality: victims of these count as local.
_LOCAL = frozenset({"pk", "pakistan", "pakistani", "pakistanis"})
_AGGREGATE_RESOLUTIONS = (5, 7)


def params() -> RiskParams:
    """The model's constants, from ``settings.SAFEPASSAGE_RISK`` (a dict) over the defaults."""
    overrides: Mapping[str, Any] = getattr(settings, "SAFEPASSAGE_RISK", {}) or {}
    return RiskParams(**dict(overrides))


def _foreign(values: Iterable[Any]) -> bool:
    return any(isinstance(v, str) and v.strip().casefold() not in _LOCAL for v in values)


def facts_of(incident: Any) -> IncidentFacts:
    """The model's view of an incident; an analyst's confirmation counts as full confidence."""
    by_nationality = incident.deaths_by_nationality or {}
    foreign = _foreign(
        k
        for k, v in (by_nationality.items() if isinstance(by_nationality, dict) else [])
        if isinstance(v, int | float) and v > 0
    ) or _foreign(incident.victim_nationalities or [])
    confidence = 1.0 if incident.review_state == "confirmed" else float(incident.confidence or 0)
    return IncidentFacts(
        kind=incident.kind,
        attack_type=incident.attack_type or "",
        deaths=incident.deaths,
        injured=incident.injured,
        geo_precision=incident.geo_precision or "",
        confidence=confidence,
        foreign_victims=foreign,
    )


def _position(incident: Any) -> tuple[float, float] | None:
    try:
        return geometry.check_point(incident.lat, incident.lon)
    except geometry.GeometryError:
        return None


def contribution_fields(incident: Any, p: RiskParams | None = None) -> dict[str, Any] | None:
    """The column values of the row an incident should have now, or None for no contribution.

    Nothing comes from rejected or merged incidents, undated ones (their age is unknown),
    kinds without severity (meetings and the like), and locations known only to the country.
    An incident dated in the future is stored as of today. ``incident`` needs only the
    Incident model's attributes, so bulk loads can pass lighter objects.
    """
    p = p or params()
    if incident.review_state == "rejected" or incident.merged_into_id or incident.date is None:
        return None
    facts = facts_of(incident)
    base = base_value(facts, p)
    if not (base.value > 0 and math.isfinite(base.value)):
        return None
    when = min(incident.date, timezone.localdate())
    day = day_number(when)
    short, long = normalised(base.value, day, p)
    position = _position(incident)
    cells = geometry.cells_of(*position) if position else {}
    return {
        "incident_id": incident.pk,
        "value": base.value,
        "day": day,
        "short_term": short,
        "long_term": long,
        "lat": position[0] if position else None,
        "lon": position[1] if position else None,
        "cell_r5": cells.get(5),
        "cell_r6": cells.get(6),
        "cell_r7": cells.get(7),
        "admin1": (incident.admin1 or "")[:100],
        "admin2": (incident.admin2 or "")[:100] if incident.admin1 else "",
        "label": str(incident)[:200],
        "date": incident.date.isoformat(),
        "detail": base.explain(facts)[:300],
    }


def contribution_of(incident: Any, p: RiskParams | None = None) -> IncidentRisk | None:
    """The unsaved row an incident should have now, or None (see ``contribution_fields``)."""
    fields = contribution_fields(incident, p)
    return IncidentRisk(**fields) if fields is not None else None


def keys_of(row: Any) -> tuple[list[tuple[int, int]], list[tuple[str, str, str]]]:
    """The aggregates a row adds to: (resolution, cell) pairs and (level, admin1, admin2)."""
    cells = [
        (res, cell)
        for res, cell in ((5, row.cell_r5), (7, row.cell_r7))
        if cell is not None and res in _AGGREGATE_RESOLUTIONS
    ]
    areas: list[tuple[str, str, str]] = []
    if row.admin1:
        areas.append((AreaRisk.PROVINCE, row.admin1, ""))
        if row.admin2:
            areas.append((AreaRisk.DISTRICT, row.admin1, row.admin2))
    return cells, areas


def _bump(model: Any, lookup: dict[str, Any], short: float, long: float, count: int) -> None:
    """Add to one aggregate row, creating it on first use (safe against a concurrent create)."""
    change = {
        "short_sum": F("short_sum") + short,
        "long_sum": F("long_sum") + long,
        "incidents": F("incidents") + count,
    }
    if model.objects.filter(**lookup).update(**change):
        return
    try:
        with transaction.atomic():
            model.objects.create(**lookup, short_sum=short, long_sum=long, incidents=count)
    except IntegrityError:
        model.objects.filter(**lookup).update(**change)
    # An emptied aggregate is reset to exact zero so float dust does not linger.
    model.objects.filter(**lookup, incidents__lte=0).update(short_sum=0.0, long_sum=0.0)


def _add(row: IncidentRisk, sign: int) -> None:
    cells, areas = keys_of(row)
    short, long = sign * row.short_term, sign * row.long_term
    for res, cell in cells:
        _bump(CellRisk, {"resolution": res, "cell": cell}, short, long, sign)
    for level, admin1, admin2 in areas:
        _bump(AreaRisk, {"level": level, "admin1": admin1, "admin2": admin2}, short, long, sign)


def _edit_pack(cell: int, drop: int | None, add: IncidentRisk | None) -> None:
    """Remove incident ``drop`` from a cell's pack and/or append ``add``'s record."""
    pack = CellPack.objects.select_for_update().filter(cell=cell).first()
    records = packing.unpack(pack.data if pack else None)
    if drop is not None:
        records = records[records["id"] != drop]
    if add is not None:
        records = np.concatenate([records, packing.record(add)])
    if pack is None:
        if len(records):
            try:
                with transaction.atomic():
                    CellPack.objects.create(
                        cell=cell, data=records.tobytes(), incidents=len(records)
                    )
            except IntegrityError:
                # Another transaction created the pack first: edit theirs.
                _edit_pack(cell, drop, add)
        return
    if len(records):
        pack.data, pack.incidents = records.tobytes(), len(records)
        pack.save(update_fields=["data", "incidents"])
    else:
        pack.delete()


def _repack(old: IncidentRisk | None, new: IncidentRisk | None) -> None:
    """Move an incident's record between resolution-6 packs as its row changed."""
    old_cell = old.cell_r6 if old is not None else None
    new_cell = new.cell_r6 if new is not None else None
    if old_cell is not None and old_cell == new_cell:
        _edit_pack(old_cell, old.incident_id if old else None, new)
        return
    if old_cell is not None and old is not None:
        _edit_pack(old_cell, old.incident_id, None)
    if new_cell is not None:
        _edit_pack(new_cell, None, new)


_COMPARED = (
    "value",
    "day",
    "lat",
    "lon",
    "cell_r5",
    "cell_r6",
    "cell_r7",
    "admin1",
    "admin2",
    "label",
    "date",
    "detail",
)


def apply(incident: Any) -> None:
    """Bring the stored risk in line with ``incident`` as it is now."""
    with transaction.atomic():
        old = IncidentRisk.objects.select_for_update().filter(pk=incident.pk).first()
        new = contribution_of(incident)
        if old is not None and new is not None:
            if all(getattr(old, f) == getattr(new, f) for f in _COMPARED):
                return
        # Packs first: deleting a row clears its primary key, the incident's id.
        _repack(old, new)
        if old is not None:
            _add(old, -1)
            if new is None:
                old.delete()
        if new is not None:
            _add(new, +1)
            new.save(force_insert=old is None)


def remove(incident_id: int) -> None:
    """Take a deleted incident's contribution out of the aggregates."""
    with transaction.atomic():
        old = IncidentRisk.objects.select_for_update().filter(pk=incident_id).first()
        if old is not None:
            _repack(old, None)
            _add(old, -1)
            old.delete()


class Totals:
    """Aggregates summed in memory, for a rebuild or a bulk load, then written in batches."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[float]] = {}
        self.areas: dict[tuple[str, str, str], list[float]] = {}
        self.packs: dict[int, list[tuple[int, float, float, float, float]]] = {}

    def add(self, row: Any) -> None:
        """Count one incident's row into the cell and area totals."""
        cell_keys, area_keys = keys_of(row)
        targets = [self.cells.setdefault(k, [0.0, 0.0, 0]) for k in cell_keys]
        targets += [self.areas.setdefault(k, [0.0, 0.0, 0]) for k in area_keys]
        for acc in targets:
            acc[0] += row.short_term
            acc[1] += row.long_term
            acc[2] += 1
        if row.cell_r6 is not None:
            self.packs.setdefault(row.cell_r6, []).append(
                (row.incident_id, row.value, row.day, row.lat, row.lon)
            )

    def save(self, batch: int = 2000) -> None:
        """Write the totals as aggregate rows (the tables are expected to be empty)."""
        CellRisk.objects.bulk_create(
            [
                CellRisk(resolution=r, cell=c, short_sum=s, long_sum=lg, incidents=int(n))
                for (r, c), (s, lg, n) in self.cells.items()
            ],
            batch_size=batch,
        )
        AreaRisk.objects.bulk_create(
            [
                AreaRisk(level=lv, admin1=a1, admin2=a2, short_sum=s, long_sum=lg, incidents=int(n))
                for (lv, a1, a2), (s, lg, n) in self.areas.items()
            ],
            batch_size=batch,
        )
        CellPack.objects.bulk_create(
            [
                CellPack(
                    cell=cell,
                    data=np.array(records, dtype=packing.RECORD).tobytes(),
                    incidents=len(records),
                )
                for cell, records in self.packs.items()
            ],
            batch_size=batch,
        )


def clear() -> None:
    """Delete every stored row and aggregate."""
    IncidentRisk.objects.all().delete()
    CellRisk.objects.all().delete()
    AreaRisk.objects.all().delete()
    CellPack.objects.all().delete()


def rebuild(batch: int = 2000) -> int:
    """Recompute every row and aggregate from the incidents; returns the rows written."""
    from safepassage.intel.models import Incident

    p = params()
    with transaction.atomic():
        clear()
        totals = Totals()
        rows: list[IncidentRisk] = []
        written = 0
        for incident in Incident.objects.order_by("pk").iterator(chunk_size=batch):
            row = contribution_of(incident, p)
            if row is None:
                continue
            totals.add(row)
            rows.append(row)
            if len(rows) >= batch:
                IncidentRisk.objects.bulk_create(rows)
                written += len(rows)
                rows = []
        IncidentRisk.objects.bulk_create(rows)
        written += len(rows)
        totals.save(batch)
    return written
