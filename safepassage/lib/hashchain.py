"""The hash chain behind the audit log, free of Django so it can be verified anywhere.

Each record's hash covers its own canonical content and the previous record's hash, so
altering a record changes its hash and removing one breaks the link of the next.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(content: Mapping[str, Any]) -> str:
    """Serialise ``content`` deterministically: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def link_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """Hash of one record: SHA-256 over the previous hash and the canonical content."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical(content).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainRecord:
    """One stored record as the verifier sees it."""

    seq: int
    prev_hash: str
    hash: str
    content: Mapping[str, Any]


@dataclass(frozen=True)
class ChainProblem:
    """The first place where the stored chain stops matching what was written."""

    seq: int
    reason: str


def verify_chain(
    records: Iterable[ChainRecord],
    expected_count: int | None = None,
    expected_head: str | None = None,
) -> ChainProblem | None:
    """Walk the records in sequence order and return the first problem, or None.

    ``expected_count`` and ``expected_head`` come from the separately stored chain head; they
    reveal records removed from the end, which the links alone cannot show.
    """
    prev_hash = GENESIS
    expected_seq = 1
    for record in records:
        if record.seq != expected_seq:
            return ChainProblem(
                expected_seq,
                f"record {expected_seq} is missing (the next stored record is {record.seq})",
            )
        if record.prev_hash != prev_hash:
            return ChainProblem(
                record.seq, f"record {record.seq} does not link to record {record.seq - 1}"
            )
        if link_hash(record.prev_hash, record.content) != record.hash:
            return ChainProblem(record.seq, f"record {record.seq} was altered after it was written")
        prev_hash = record.hash
        expected_seq += 1
    stored = expected_seq - 1
    if expected_count is not None and stored != expected_count:
        return ChainProblem(
            stored + 1,
            f"the chain head counts {expected_count} records but {stored} are stored: "
            f"record {stored + 1} onwards was removed",
        )
    if expected_head is not None and prev_hash != expected_head:
        return ChainProblem(stored, f"record {stored} is not the record the chain head points to")
    return None
