"""Stored risk: what each incident last contributed, and aggregates per H3 cell and area.

Aggregates keep time-normalised sums (see ``safepassage.riskmodel.model.normalised``), so an
incident's change is one subtraction and one addition, never a recomputation. Each incident's
row in :class:`IncidentRisk` records exactly what was added and where, which is what the next
change subtracts. The same row is the spatial index of the on-demand site, point and route
scores: its H3 cell columns are indexed, so a query reads only the cells near the route.
"""

from __future__ import annotations

from django.db import models


class IncidentRisk(models.Model):
    """What one incident currently contributes, and where (absent when it contributes nothing).

    ``incident_id`` is a plain column, not a foreign key: the row must outlive the incident
    long enough for the delete signal to subtract it.
    """

    incident_id = models.BigIntegerField(primary_key=True)
    value = models.FloatField(help_text="Base value before age and distance.")
    day = models.IntegerField(help_text="Days since 2020-01-01 (the incident's date).")
    short_term = models.FloatField()
    long_term = models.FloatField()
    lat = models.FloatField(null=True)
    lon = models.FloatField(null=True)
    cell_r5 = models.BigIntegerField(null=True)
    cell_r6 = models.BigIntegerField(null=True)
    cell_r7 = models.BigIntegerField(null=True)
    admin1 = models.CharField(max_length=100, blank=True)
    admin2 = models.CharField(max_length=100, blank=True)
    label = models.CharField(max_length=200, blank=True)
    date = models.CharField(max_length=10, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Gate:
        resource = "risk"

    class Meta:
        indexes = [
            models.Index(fields=["cell_r6"], name="incrisk_r6_idx"),
            models.Index(fields=["cell_r5"], name="incrisk_r5_idx"),
            models.Index(fields=["admin1", "admin2"], name="incrisk_area_idx"),
        ]

    def __str__(self) -> str:
        return f"Incident #{self.incident_id}: {self.value:.2f}"


class CellRisk(models.Model):
    """Time-normalised sums over the incidents in one H3 cell at one resolution."""

    resolution = models.PositiveSmallIntegerField()
    cell = models.BigIntegerField()
    short_sum = models.FloatField(default=0.0)
    long_sum = models.FloatField(default=0.0)
    incidents = models.IntegerField(default=0)

    class Gate:
        resource = "risk"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resolution", "cell"], name="cellrisk_unique_cell")
        ]

    def __str__(self) -> str:
        return f"r{self.resolution} {self.cell:x}"


class AreaRisk(models.Model):
    """Time-normalised sums over a province (``admin2`` empty) or a district."""

    PROVINCE = "province"
    DISTRICT = "district"

    level = models.CharField(max_length=8, choices=[(PROVINCE, "Province"), (DISTRICT, "District")])
    admin1 = models.CharField("province", max_length=100)
    admin2 = models.CharField("district", max_length=100, blank=True)
    short_sum = models.FloatField(default=0.0)
    long_sum = models.FloatField(default=0.0)
    incidents = models.IntegerField(default=0)

    class Gate:
        resource = "risk"

    class Meta:
        ordering = ["admin1", "admin2"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "admin1", "admin2"], name="arearisk_unique_area"
            )
        ]

    def __str__(self) -> str:
        return f"{self.admin2}, {self.admin1}" if self.admin2 else self.admin1


class CellPack(models.Model):
    """The contributing incidents of one resolution-6 H3 cell, packed for route queries.

    ``data`` holds one 40-byte little-endian record per incident (id int64, then value, day,
    lat and lon as float64; see ``safepassage.risk.packing``). A route reads a few hundred
    of these rows instead of tens of thousands of incident rows, and numpy reads the bytes
    without a Python object per value. ``aggregates.apply`` keeps it in step with
    :class:`IncidentRisk`.
    """

    cell = models.BigIntegerField(primary_key=True)
    data = models.BinaryField(default=b"")
    incidents = models.IntegerField(default=0)

    class Gate:
        resource = "risk"

    def __str__(self) -> str:
        return f"r6 {self.cell:x}: {self.incidents} incidents"
