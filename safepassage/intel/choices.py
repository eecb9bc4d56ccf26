"""Choice sets of the intelligence side."""

from django.db import models


class TLP(models.TextChoices):
    """Traffic Light Protocol 2.0, from least to most restrictive."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


class SourceKind(models.TextChoices):
    FEED = "feed", "RSS/Atom feed"
    FOLDER = "folder", "Watched folder"
    API = "api", "API push"
    FORM = "form", "Field report form"


class Reliability(models.TextChoices):
    """The Admiralty (NATO) source reliability grade."""

    A = "A", "A: completely reliable"
    B = "B", "B: usually reliable"
    C = "C", "C: fairly reliable"
    D = "D", "D: not usually reliable"
    E = "E", "E: unreliable"
    F = "F", "F: reliability cannot be judged"


class ReportStatus(models.TextChoices):
    PENDING = "pending", "Waiting for extraction"
    DONE = "done", "Extracted and linked"
    FAILED = "failed", "Could not be processed"
    DUPLICATE = "duplicate", "Duplicate of another report"


class EventKind(models.TextChoices):
    ATTACK = "attack", "Attack"
    SECURITY_OPERATION = "security_operation", "Security operation"
    MEETING = "meeting", "Meeting"
    AGREEMENT = "agreement", "Agreement"
    ANNOUNCEMENT = "announcement", "Announcement"


INCIDENT_KINDS = {EventKind.ATTACK, EventKind.SECURITY_OPERATION}
ENGAGEMENT_KINDS = {EventKind.MEETING, EventKind.AGREEMENT, EventKind.ANNOUNCEMENT}


class AttackType(models.TextChoices):
    SUICIDE_BOMBING = "suicide_bombing", "Suicide bombing"
    BOMBING = "bombing", "Bombing"
    ARMED_ASSAULT = "armed_assault", "Armed assault"
    ASSASSINATION = "assassination", "Assassination"
    KIDNAPPING = "kidnapping", "Kidnapping"
    HIJACKING = "hijacking", "Hijacking"
    FACILITY_ATTACK = "facility_attack", "Facility attack"
    UNARMED_ASSAULT = "unarmed_assault", "Unarmed assault"
    UNKNOWN = "unknown", "Unknown"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class GeoPrecision(models.TextChoices):
    POINT = "point", "Exact point"
    TOWN = "town", "Town"
    DISTRICT = "district", "District"
    PROVINCE = "province", "Province"
    COUNTRY = "country", "Country"


class ReviewState(models.TextChoices):
    NEEDS_REVIEW = "needs_review", "Needs review"
    CONFIRMED = "confirmed", "Confirmed by an analyst"
    REJECTED = "rejected", "Rejected"
    AUTO = "auto", "Accepted automatically"


class Decision(models.TextChoices):
    CONFIRM = "confirm", "Confirmed"
    EDIT = "edit", "Edited"
    MERGE = "merge", "Merged"
    SPLIT = "split", "Split"
    REJECT = "reject", "Rejected"
    RELOCATE = "relocate", "Placed"
    MARK = "mark", "Marking set"
