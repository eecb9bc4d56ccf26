"""Non-human principals that act through the gate: the shell operator and background jobs."""

from __future__ import annotations

from dataclasses import dataclass, field

from safepassage.access.policy import Role


@dataclass(frozen=True)
class SystemActor:
    """An actor with the administrator's reach that is not a user account.

    The CLI operator (who already holds the server) and scheduled jobs act as one, so their
    reads and writes still pass through the gate and are attributed in the audit log.
    """

    label: str
    role: str = Role.ADMINISTRATOR.value
    pk: None = None
    organisation_id: None = None
    organisation: None = None
    provinces: list[str] = field(default_factory=list)
    is_authenticated: bool = True
    is_active: bool = True
    api_token: None = None

    def get_username(self) -> str:
        return self.label

    @property
    def units(self) -> _NoUnits:
        return _NoUnits()


class _NoUnits:
    def values_list(self, *args: object, **kwargs: object) -> list[int]:
        return []
