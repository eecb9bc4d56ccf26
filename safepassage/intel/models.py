"""The incident knowledge base: sources, reports, incidents and engagements with provenance.

A report is one article or field report. Extraction turns it into mentions (one per event it
describes); each mention is linked to one incident (attacks, security operations) or one
engagement (meetings, agreements, announcements). Every value a report gives for a field is
kept as a claim with its text span; the incident's own fields hold the resolved value, chosen
by a documented policy (``safepassage.linking.resolve``), unless an analyst has set them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from safepassage.intel.choices import (
    TLP,
    AttackType,
    DatePrecision,
    Decision,
    EventKind,
    GeoPrecision,
    Reliability,
    ReportStatus,
    ReviewState,
    SourceKind,
)


class Source(models.Model):
    """Where reports come from: a feed, a watched folder, an API client or the field form."""

    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, related_name="sources"
    )
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=SourceKind.choices)
    url = models.URLField(max_length=1000, blank=True, help_text="Feed address (feeds only).")
    path = models.CharField(
        max_length=1000, blank=True, help_text="Folder to watch (folders only)."
    )
    reliability = models.CharField(max_length=1, choices=Reliability.choices, default=Reliability.F)
    default_tlp = models.CharField(max_length=16, choices=TLP.choices, default=TLP.AMBER)
    enabled = models.BooleanField(default=True)
    poll_minutes = models.PositiveIntegerField(default=15)
    fetch_pages = models.BooleanField(
        default=False, help_text="Fetch the web page each feed entry links to."
    )
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=16, blank=True)
    last_error = models.TextField(blank=True)
    last_count = models.PositiveIntegerField(default=0)
    etag = models.CharField(max_length=200, blank=True)
    modified = models.CharField(max_length=200, blank=True)

    class Gate:
        resource = "source"
        org = "organisation"

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("intel:source-detail", args=[self.pk])


class Report(models.Model):
    """One article or field report, stored once (by URL and by content hash)."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="reports")
    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, related_name="reports"
    )
    url = models.URLField(max_length=2000, blank=True)
    url_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    content_hash = models.CharField(max_length=64, unique=True)
    simhash = models.BigIntegerField(null=True, help_text="64-bit SimHash of the text (signed).")
    # Four 16-bit bands of the SimHash: two texts within 3 bits share at least one band.
    band0 = models.PositiveIntegerField(null=True, db_index=True)
    band1 = models.PositiveIntegerField(null=True, db_index=True)
    band2 = models.PositiveIntegerField(null=True, db_index=True)
    band3 = models.PositiveIntegerField(null=True, db_index=True)
    near_duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="near_duplicates"
    )
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField()
    published = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    language = models.CharField(max_length=8, blank=True)
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING, db_index=True
    )
    error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    extraction = models.JSONField(null=True, blank=True)
    structured = models.JSONField(
        null=True, blank=True, help_text="Fields an officer entered on the field report form."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="field_reports",
    )
    tlp = models.CharField(max_length=16, choices=TLP.choices, default=TLP.AMBER)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="red_reports",
        help_text="The only people a TLP:RED report reaches.",
    )

    class Gate:
        resource = "report"
        org = "organisation"
        marking = ("",)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(
                fields=["received_at"],
                name="report_pending_idx",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return self.title or f"Report #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("intel:report-detail", args=[self.pk])


class EventFields(models.Model):
    """The fields incidents and engagements share: what, when, where."""

    kind = models.CharField(max_length=24, choices=EventKind.choices, db_index=True)
    date = models.DateField(null=True, blank=True, db_index=True)
    date_precision = models.CharField(max_length=8, choices=DatePrecision.choices, blank=True)
    place_name = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True)
    admin1 = models.CharField("province", max_length=100, blank=True, db_index=True)
    admin2 = models.CharField("district", max_length=100, blank=True, db_index=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    geo_precision = models.CharField(max_length=10, choices=GeoPrecision.choices, blank=True)
    gazetteer_id = models.CharField(max_length=64, blank=True)
    # H3 cells for blocking the linker's search (resolution 5: cells of about 250 km²).
    h3_r5 = models.CharField(max_length=16, blank=True, db_index=True)
    tlp = models.CharField(max_length=16, choices=TLP.choices, default=TLP.AMBER)
    # The organisation that holds the object: TLP:AMBER+STRICT keeps it inside this one.
    organisation = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Owner of the record; AMBER+STRICT keeps it inside this organisation.",
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="The only people a TLP:RED record reaches.",
    )
    review_state = models.CharField(
        max_length=16, choices=ReviewState.choices, default=ReviewState.AUTO, db_index=True
    )
    confidence = models.FloatField(default=0.0)
    report_count = models.PositiveIntegerField(default=0)
    has_conflict = models.BooleanField(default=False, db_index=True)
    conflicts = models.JSONField(default=list, blank=True)
    corrected_fields = models.JSONField(
        default=list, blank=True, help_text="Fields an analyst set; reports no longer change them."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Incident(EventFields):
    """One real-world attack or security operation, however many reports describe it."""

    attack_type = models.CharField(max_length=24, choices=AttackType.choices, blank=True)
    deaths = models.PositiveIntegerField(null=True, blank=True)
    deaths_min = models.PositiveIntegerField(null=True, blank=True)
    deaths_max = models.PositiveIntegerField(null=True, blank=True)
    injured = models.PositiveIntegerField(null=True, blank=True)
    injured_min = models.PositiveIntegerField(null=True, blank=True)
    injured_max = models.PositiveIntegerField(null=True, blank=True)
    perpetrators_killed = models.PositiveIntegerField(null=True, blank=True)
    deaths_by_nationality = models.JSONField(default=dict, blank=True)
    perpetrators = models.JSONField(default=list, blank=True)
    targets = models.JSONField(default=list, blank=True)
    victim_nationalities = models.JSONField(default=list, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_from"
    )

    class Gate:
        resource = "incident"
        marking = ("",)

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["kind", "h3_r5", "date"], name="incident_block_idx"),
            # Province- and country-level candidates of the linker (see safepassage.linking).
            models.Index(fields=["kind", "date"], name="incident_kind_date_idx"),
        ]

    def __str__(self) -> str:
        what = self.get_attack_type_display() if self.attack_type else self.get_kind_display()
        where = self.place_name or self.admin2 or self.admin1 or "unknown place"
        when = self.date.isoformat() if self.date else "undated"
        return f"{what}, {where}, {when}"

    def get_absolute_url(self) -> str:
        return reverse("intel:incident-detail", args=[self.pk])


class Engagement(EventFields):
    """A meeting, agreement or announcement, linked across reports like an incident."""

    title = models.CharField(max_length=300, blank=True)
    participants = models.JSONField(default=list, blank=True)
    topics = models.JSONField(default=list, blank=True)

    class Gate:
        resource = "engagement"
        marking = ("",)

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["kind", "h3_r5", "date"], name="engagement_block_idx"),
            models.Index(fields=["kind", "date"], name="engagement_kind_date_idx"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("intel:engagement-detail", args=[self.pk])


class Mention(models.Model):
    """One event as one report describes it, linked to its incident or engagement."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="mentions")
    index = models.PositiveSmallIntegerField(help_text="Position of the event in the extraction.")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    background = models.BooleanField(default=False)
    confidence = models.FloatField(default=0.0)
    event = models.JSONField(help_text="The event exactly as extraction produced it.")
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="mentions"
    )
    engagement = models.ForeignKey(
        Engagement, on_delete=models.SET_NULL, null=True, blank=True, related_name="mentions"
    )
    link_score = models.FloatField(null=True, blank=True)
    link_reasons = models.JSONField(default=list, blank=True)

    class Gate:
        resource = "report"
        marking = ("report",)

    class Meta:
        ordering = ["report", "index"]
        constraints = [
            models.UniqueConstraint(fields=["report", "index"], name="mention_unique_index")
        ]

    def __str__(self) -> str:
        return f"{self.report} · event {self.index}"


class Claim(models.Model):
    """One source's value for one field of an incident or engagement, with its provenance."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, null=True, blank=True, related_name="claims"
    )
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, null=True, blank=True, related_name="claims"
    )
    field = models.CharField(max_length=32, db_index=True)
    value = models.JSONField()
    mention = models.ForeignKey(
        Mention, on_delete=models.CASCADE, null=True, blank=True, related_name="claims"
    )
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, null=True, blank=True, related_name="claims"
    )
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Gate:
        resource = "incident"
        marking = ("incident", "engagement", "report")

    class Meta:
        ordering = ["field", "created", "pk"]
        constraints = [
            # A mention gives each field once, however often its report is processed.
            models.UniqueConstraint(
                fields=["mention", "field"],
                name="claim_unique_mention_field",
                condition=models.Q(mention__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.field} = {self.value}"


class ReviewDecision(models.Model):
    """An analyst's decision on an incident or engagement; every one is kept."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_decisions"
    )
    reason = models.TextField(blank=True, max_length=4000)
    payload = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Gate:
        resource = "incident"
        marking = ("incident", "engagement")

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.analyst} at {self.created:%Y-%m-%d %H:%M}"
