"""Engagements exported here import into a brand-new instance with every field intact.

The new instance is real: its own data directory and SQLite database, made with
``safepassage migrate`` and fed with ``safepassage stix import`` (or ``misp import``). Its
rows are read straight from its database file and compared, column by column, with the rows
they came from; importing the same file again changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safepassage.access.principals import SystemActor
from safepassage.intel.models import Engagement, Mention
from safepassage.sharing import misp, misp_engagements
from safepassage.sharing.engagement_sdo import TYPE
from safepassage.sharing.stix import export_bundle
from safepassage.sharing.stix_ids import stix_id_for
from tests.conftest import World
from tests.instance import instance_env, run_safepassage
from tests.sharing.engagement_data import build
from tests.sharing.test_stix_fresh_instance import _fresh_row, _here, _map, _query

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _new_instance(tmp_path: Path, name: str) -> tuple[dict[str, str], Path]:
    data_dir = tmp_path / name
    env = instance_env(data_dir)
    migrated = run_safepassage(["migrate", "--no-input"], env)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    return env, data_dir / "safepassage.sqlite3"


def test_engagements_exported_as_stix_import_into_a_new_instance_with_every_field(
    world: World, tmp_path: Path
) -> None:
    meeting = build(world)
    bundle = export_bundle(SystemActor("engagement-test"), include_text=True)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    env, db = _new_instance(tmp_path, "stix")

    done = run_safepassage(["stix", "import", str(path)], env)
    assert done.returncode == 0, done.stderr[-3000:]
    ids = _map(db)

    engagements = list(Engagement.objects.all())
    assert len(engagements) == 1 + 5
    for row in engagements:
        pk = ids[stix_id_for(row, TYPE)]
        assert _fresh_row(db, Engagement, pk) == _here(row), row
        owner = _query(
            db,
            "SELECT o.name FROM intel_engagement e JOIN registry_organisation o "
            "ON o.id = e.organisation_id WHERE e.id = ?",
            pk,
        )
        assert owner == [(world.spu_kp.name,)]
    # The reports behind the meeting came too, each with its description of the meeting.
    main_pk = ids[stix_id_for(meeting.main, TYPE)]
    there = _query(
        db,
        'SELECT r.content_hash, m."index", m.kind, m.background, m.confidence, m.link_score '
        "FROM intel_mention m JOIN intel_report r ON r.id = m.report_id "
        "WHERE m.engagement_id = ? ORDER BY r.content_hash",
        main_pk,
    )
    here = sorted(
        (m.report.content_hash, m.index, m.kind, int(m.background), m.confidence, m.link_score)
        for m in Mention.objects.filter(engagement=meeting.main).select_related("report")
    )
    assert [tuple(row) for row in there] == here
    # A second import of the same file changes nothing.
    again = run_safepassage(["stix", "import", str(path)], env)
    assert again.returncode == 0, again.stderr[-3000:]
    result = json.loads(again.stdout)
    assert result["created"] == result["updated"] == 0
    assert _query(db, "SELECT count(*) FROM intel_engagement") == [(len(engagements),)]


def test_engagements_exported_as_misp_import_into_a_new_instance_with_every_field(
    world: World, tmp_path: Path
) -> None:
    build(world)
    # An administrator's view: the operator of the new instance imports no AMBER+STRICT
    # without an owner there, nor RED (test_misp covers those).
    export = misp.collect(world.user("admin"))
    path = tmp_path / "events.json"
    path.write_text(misp.dumps(export), encoding="utf-8")
    env, db = _new_instance(tmp_path, "misp")

    done = run_safepassage(["misp", "import", str(path)], env)
    assert done.returncode == 0, done.stderr[-3000:]
    ids = _map(db)

    assert export.engagements
    for row, stix_id in export.engagements:
        there = _fresh_row(db, Engagement, ids[stix_id])
        here = _here(row)
        for name in misp_engagements.SHARED_FIELDS:
            assert there[name] == here[name], (row, name)
        assert there["tlp"] == here["tlp"]
    again = run_safepassage(["misp", "import", str(path)], env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _query(db, "SELECT count(*) FROM intel_engagement") == [(len(export.engagements),)]
