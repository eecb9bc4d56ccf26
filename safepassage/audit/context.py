"""Who is acting, through which path: carried through a request, a CLI command or a job.

The recorder reads the current context when it writes an audit record, so writes from the
web, the API, the admin, the CLI, background jobs and imports are attributed alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any


class Source:
    WEB = "web"
    API = "api"
    ADMIN = "admin"
    CLI = "cli"
    JOB = "job"
    IMPORT = "import"
    SYSTEM = "system"


@dataclass(frozen=True)
class AuditContext:
    source: str
    correlation_id: str
    actor_id: int | None = None
    actor_label: str = "system"
    organisation_id: int | None = None


_SYSTEM = AuditContext(source=Source.SYSTEM, correlation_id="-")
_current: ContextVar[AuditContext] = ContextVar("safepassage_audit_context", default=_SYSTEM)


def current() -> AuditContext:
    """The context of the code running now (``system`` outside any request, command or job)."""
    return _current.get()


def new_correlation_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@contextmanager
def acting(
    source: str,
    user: Any = None,
    correlation_id: str | None = None,
    label: str | None = None,
) -> Iterator[AuditContext]:
    """Run a block of code as ``user`` (or as a named system actor) through ``source``."""
    if user is not None and getattr(user, "is_authenticated", False):
        ctx = AuditContext(
            source=source,
            correlation_id=correlation_id or new_correlation_id(source),
            actor_id=user.pk,
            actor_label=user.get_username(),
            organisation_id=getattr(user, "organisation_id", None),
        )
    else:
        ctx = AuditContext(
            source=source,
            correlation_id=correlation_id or new_correlation_id(source),
            actor_label=label or source,
        )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def set_actor(user: Any) -> None:
    """Attach a user to the current context once authentication has happened (API tokens)."""
    ctx = _current.get()
    _current.set(
        replace(
            ctx,
            actor_id=user.pk,
            actor_label=user.get_username(),
            organisation_id=getattr(user, "organisation_id", None),
        )
    )
