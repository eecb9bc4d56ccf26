"""The audit log is append-only and hash-chained; `audit verify` names the first bad record."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from safepassage.audit.models import AppendOnlyError, AuditChainHead, AuditRecord
from safepassage.audit.verify import verify
from safepassage.registry.models import Organisation
from tests.conftest import World


def _tamper(sql: str, params: list[object]) -> None:
    """Change the table behind the application's back, as an intruder with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_record_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER audit_record_append_only")


def test_it_verifies_an_intact_chain(world: World) -> None:
    count, problem = verify()
    assert problem is None
    assert count == AuditRecord.objects.count() > 20


def test_it_reports_ok_from_the_command_line(world: World, capsys) -> None:
    call_command("audit", "verify")
    assert "chain intact" in capsys.readouterr().out


def test_it_names_the_record_whose_changes_were_altered(world: World) -> None:
    target = AuditRecord.objects.get(seq=5)
    _tamper("UPDATE audit_auditrecord SET object_repr = %s WHERE seq = %s", ["forged", target.seq])
    with pytest.raises(CommandError, match="at record 5: record 5 was altered"):
        call_command("audit", "verify")


def test_it_names_the_record_whose_actor_was_rewritten(world: World) -> None:
    _tamper("UPDATE audit_auditrecord SET actor_label = %s WHERE seq = %s", ["nobody", 9])
    _, problem = verify()
    assert problem is not None and problem.seq == 9


def test_it_names_a_removed_record(world: World) -> None:
    _tamper("DELETE FROM audit_auditrecord WHERE seq = %s", [7])
    with pytest.raises(CommandError, match="record 7 is missing"):
        call_command("audit", "verify")


def test_it_detects_records_removed_from_the_end(world: World) -> None:
    last = AuditChainHead.objects.get(pk=1).count
    _tamper("DELETE FROM audit_auditrecord WHERE seq = %s", [last])
    _, problem = verify()
    assert problem is not None and problem.seq == last


def test_it_detects_a_rehashed_forgery(world: World) -> None:
    """Recomputing one record's hash after editing it still breaks the next record's link."""
    from safepassage.lib.hashchain import link_hash

    record = AuditRecord.objects.get(seq=3)
    record.object_repr = "forged"
    forged_hash = link_hash(record.prev_hash, record.content())
    _tamper(
        "UPDATE audit_auditrecord SET object_repr = %s, hash = %s WHERE seq = %s",
        ["forged", forged_hash, 3],
    )
    _, problem = verify()
    assert problem is not None and problem.seq == 4
    assert "does not link" in problem.reason


def test_records_cannot_be_changed_or_deleted_through_the_orm(world: World) -> None:
    record = AuditRecord.objects.first()
    record.object_repr = "changed"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()


def test_postgresql_refuses_updates_to_audit_rows_in_the_database(world: World) -> None:
    from django.db import DatabaseError, transaction

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            # SQLite has no trigger (see the migration); the hash chain is its protection.
            cursor.execute("UPDATE audit_auditrecord SET actor_label = 'x' WHERE seq = 1")
            assert verify()[1] is not None
            return
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("UPDATE audit_auditrecord SET actor_label = 'x' WHERE seq = 1")


def test_sequence_numbers_have_no_gaps_and_link_in_order(world: World) -> None:
    Organisation.objects.create(name="Another Org", kind="other", country="PK")
    seqs = list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    records = list(AuditRecord.objects.order_by("seq"))
    for earlier, later in zip(records, records[1:], strict=False):
        assert later.prev_hash == earlier.hash
