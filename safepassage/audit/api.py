"""JSON API for the audit log: search the records and verify the hash chain (administrators)."""

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.api.errors import InvalidData
from safepassage.api.schemas import READ_ERRORS, bind_filterset, filter_query_schema, page_schema
from safepassage.audit.filters import AuditRecordFilter
from safepassage.audit.models import AuditRecord
from safepassage.audit.verify import verify

router = Router(tags=["audit"])


class AuditRecordOut(Schema):
    """One audit record: who changed what, through which path, and its link in the chain."""

    seq: int = Field(..., description="Position in the chain, without gaps.")
    created: datetime.datetime
    source: str = Field(..., description="web, api, admin, cli, job, import or system.")
    correlation_id: str = Field(..., description="The request or job id.")
    actor_id: int | None
    actor_label: str
    organisation_id: int | None
    action: str = Field(..., description="create, update or delete.")
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any] = Field(..., description="Field -> [before, after].")
    prev_hash: str
    hash: str


class ChainProblemOut(Schema):
    seq: int
    reason: str


class VerifyOut(Schema):
    """The result of checking every stored record against its hash and its predecessor."""

    ok: bool
    checked: int = Field(..., description="Records stored and checked.")
    problem: ChainProblemOut | None = Field(..., description="The first problem found, if any.")


AuditQuery = filter_query_schema(AuditRecordFilter, "AuditRecordQuery")
AuditPage = page_schema(AuditRecordOut, "AuditRecordPage")

_FIELDS = tuple(AuditRecordOut.model_fields)


@router.get(
    "/records",
    response={200: AuditPage, **READ_ERRORS},
    operation_id="audit_records_list",
    summary="Search the audit log",
)
def records(request: HttpRequest, filters: Query[AuditQuery]) -> Any:  # type: ignore[valid-type]
    """Audit records, newest first, filtered like the audit log page."""
    gate.require(request.user, Action.VIEW, AuditRecord)
    queryset = gate.restrict(AuditRecord.objects.all(), request.user, Action.VIEW)
    filterset = bind_filterset(AuditRecordFilter, request.GET, queryset)
    if not filterset.is_valid():
        raise InvalidData.from_form(filterset.form)
    ordered = filterset.qs.order_by("-seq")
    offset, limit = filters.offset, filters.limit  # type: ignore[attr-defined]
    window = ordered[offset : offset + limit]
    return {
        "count": ordered.count(),
        "limit": limit,
        "offset": offset,
        "items": [{name: getattr(record, name) for name in _FIELDS} for record in window],
    }


@router.get(
    "/verify",
    response={200: VerifyOut, **READ_ERRORS},
    operation_id="audit_verify",
    summary="Verify the audit chain",
)
def verify_chain(request: HttpRequest) -> Any:
    """Recompute every record's hash and link; report the first record altered or removed."""
    gate.require(request.user, Action.VIEW, AuditRecord)
    checked, problem = verify()
    return {
        "ok": problem is None,
        "checked": checked,
        "problem": {"seq": problem.seq, "reason": problem.reason} if problem else None,
    }
