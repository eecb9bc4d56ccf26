"""Choice sets for movements."""

from django.db import models


class MovementState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    UNDER_WAY = "under_way", "Under way"
    COMPLETED = "completed", "Completed"
    ABORTED = "aborted", "Aborted"


# Allowed transitions: from -> to. Every transition is stored as a MovementTransition row.
TRANSITIONS: dict[str, set[str]] = {
    MovementState.DRAFT: {MovementState.SUBMITTED, MovementState.ABORTED},
    MovementState.SUBMITTED: {
        MovementState.APPROVED,
        MovementState.REJECTED,
        MovementState.DRAFT,
        MovementState.ABORTED,
    },
    MovementState.APPROVED: {MovementState.UNDER_WAY, MovementState.ABORTED},
    MovementState.REJECTED: {MovementState.DRAFT},
    MovementState.UNDER_WAY: {MovementState.COMPLETED, MovementState.ABORTED},
    MovementState.COMPLETED: set(),
    MovementState.ABORTED: set(),
}

# States in which a movement holds its people, units and vehicles for its time window.
HOLDING_STATES = {MovementState.APPROVED, MovementState.UNDER_WAY}


class Outcome(models.TextChoices):
    PASS = "pass", "Pass"
    WARN = "warn", "Warn"
    FAIL = "fail", "Fail"


class Severity(models.TextChoices):
    FAIL = "fail", "Fail (blocks approval)"
    WARN = "warn", "Warn"
