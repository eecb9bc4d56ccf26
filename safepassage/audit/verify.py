"""Checks the stored audit chain against its hashes."""

from __future__ import annotations

from collections.abc import Iterator

from safepassage.audit.models import AuditChainHead, AuditRecord
from safepassage.lib.hashchain import ChainProblem, ChainRecord, verify_chain


def _records() -> Iterator[ChainRecord]:
    for record in AuditRecord.objects.order_by("seq").iterator(chunk_size=2000):
        yield ChainRecord(
            seq=record.seq, prev_hash=record.prev_hash, hash=record.hash, content=record.content()
        )


def verify() -> tuple[int, ChainProblem | None]:
    """Return how many records were checked and the first problem found, if any."""
    head = AuditChainHead.objects.filter(pk=1).first()
    count = AuditRecord.objects.count()
    problem = verify_chain(
        _records(),
        expected_count=head.count if head else 0,
        expected_head=head.last_hash if head else None,
    )
    return count, problem
