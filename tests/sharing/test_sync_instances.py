"""Two real Safe Passage instances on loopback sync a day of incidents and engagements both ways.

Each instance has its own data directory and SQLite database, its own organisations, users and
tokens, and is served by `safepassage serve` (waitress) on a free loopback port. Each holds a
day of incidents and engagements (meetings) of every marking; each syncs with the other with
`safepassage sync`, holding the token the other instance issued to it in an environment
variable.

Checked: CLEAR, GREEN and AMBER incidents and engagements cross both ways with their fields
intact, and AMBER+STRICT and RED never do; article text and participants' names (personal data)
stay home; nothing is echoed back to its origin; a second round of syncs changes nothing (no
new rows, no audit records but the peers' own cursors); a later change crosses as an update of
the same incident or engagement.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.instance import ROOT, instance_env

MARKINGS = ["clear", "green", "amber", "amber+strict", "red"]
SHARED = {"clear", "green", "amber"}
HOURS = list(range(0, 24, 2))  # twelve incidents over one day on each side

pytestmark = [pytest.mark.slow]

SETUP = """
import datetime, hashlib, json
from safepassage.accounts.models import ApiToken, User
from safepassage.intel.models import Claim, Engagement, Incident, Mention, Report, Source
from safepassage.intel.services.ingest import url_hash
from safepassage.linking import bands
from safepassage.linking.blocking import cell_of
from safepassage.registry.models import Organisation
from safepassage.sharing.models import Peer, SharingAgreement

TAG, ME, PARTNER, PARTNER_URL = {tag!r}, {me!r}, {partner!r}, {partner_url!r}
MARKINGS, HOURS = {markings!r}, {hours!r}
me = Organisation.objects.create(name=ME, kind="ministry", country="PK")
partner = Organisation.objects.create(name=PARTNER, kind="ministry", country="CN")
SharingAgreement.objects.create(partner=partner, name="Joint security", max_tlp="amber")
analyst = User.objects.create(username="analyst", role="analyst", organisation=me)
liaison = User.objects.create(username="peer", role="partner_liaison", organisation=partner)
token, secret = ApiToken.issue(liaison, "instance sync", access="read_write")
token.save()
Peer.objects.create(
    name="partner", partner=partner, base_url=PARTNER_URL, token_env="SP_PEER_TOKEN"
)
wire = Source.objects.create(organisation=me, name=f"{{TAG}} desk", kind="api", reliability="B")
day = datetime.date(2026, 11, 2)
for n, hour in enumerate(HOURS):
    marking = MARKINGS[n % len(MARKINGS)]
    place = f"{{TAG}}-{{hour:02d}} {{marking}}"
    lat, lon = 34.0 + n / 10, 72.0 + n / 10
    incident = Incident.objects.create(
        kind="attack", attack_type="bombing", date=day, date_precision="day", place_name=place,
        country="PK", admin1="Khyber Pakhtunkhwa", admin2="Shangla", lat=lat, lon=lon,
        geo_precision="town", h3_r5=cell_of(lat, lon, "town"), tlp=marking, organisation=me,
        deaths=n, injured=2 * n, deaths_by_nationality={{"CN": n}} if n else {{}},
        perpetrators=[{{"name": "Group X", "relation": "claimed"}}], review_state="confirmed",
        confidence=0.8, report_count=1,
    )
    if marking == "red":
        incident.recipients.add(analyst)
    text = f"Report {{place}}: an IED struck a convoy at {{hour:02d}}:00, {{n}} killed."
    digest = hashlib.sha256(text.encode()).hexdigest()
    url = f"https://news.example.org/{{TAG}}/{{n}}"
    simhash = int(digest[:15], 16)
    report = Report.objects.create(
        source=wire, organisation=me, url=url, url_hash=url_hash(url), content_hash=digest,
        simhash=simhash, title=f"Attack {{place}}", text=text, published=day, language="en",
        status="done", tlp=marking,
    )
    report.band0, report.band1, report.band2, report.band3 = bands(simhash)
    report.save()
    mention = Mention.objects.create(
        report=report, index=0, kind="attack", confidence=0.9, event={{"kind": "attack"}},
        incident=incident, link_score=0.9, link_reasons=["same place"],
    )
    Claim.objects.create(incident=incident, field="deaths", value=n, mention=mention,
                         report=report, start=0, end=len(text))
    # A meeting the same hour, described by the same report (its second event).
    talks = Engagement.objects.create(
        kind="meeting", title=f"{{TAG}}-{{hour:02d}} {{marking}} talks", date=day,
        date_precision="day", place_name="Islamabad", country="PK",
        admin1="Islamabad Capital Territory", admin2="Islamabad", lat=33.68, lon=73.05,
        geo_precision="town", h3_r5=cell_of(33.68, 73.05, "town"), tlp=marking,
        organisation=me, review_state="confirmed", confidence=0.7, report_count=1,
        participants=[{{"name": f"{{TAG}} Minister {{n}}", "title": "Minister",
                        "organisation": ME, "country": "PK"}}],
        topics=["intelligence_sharing", "movement_security"],
    )
    if marking == "red":
        talks.recipients.add(analyst)
    Mention.objects.create(
        report=report, index=1, kind="meeting", confidence=0.8, event={{"kind": "meeting"}},
        engagement=talks, link_score=0.8, link_reasons=["same day"],
    )
print("TOKEN=" + secret)
"""

STATE = """
import json
from django.db.models import Count
from safepassage.audit.models import AuditRecord
from safepassage.intel.models import Claim, Engagement, Incident, Mention, Report
from safepassage.sharing.models import ExternalObject, Peer, ShareRecord

incidents = {
    i.place_name: {
        "tlp": i.tlp, "owner": i.organisation.name if i.organisation else None,
        "date": i.date.isoformat(), "deaths": i.deaths, "injured": i.injured,
        "attack_type": i.attack_type, "admin1": i.admin1, "admin2": i.admin2,
        "lat": round(i.lat, 6), "lon": round(i.lon, 6), "geo_precision": i.geo_precision,
        "deaths_by_nationality": i.deaths_by_nationality,
    }
    for i in Incident.objects.select_related("organisation")
}
engagements = {
    e.title: {
        "tlp": e.tlp, "owner": e.organisation.name if e.organisation else None,
        "kind": e.kind, "date": e.date.isoformat(), "date_precision": e.date_precision,
        "place_name": e.place_name, "admin1": e.admin1, "lat": e.lat, "lon": e.lon,
        "geo_precision": e.geo_precision, "participants": e.participants, "topics": e.topics,
        "review_state": e.review_state, "confidence": e.confidence,
        "mentions": e.mentions.count(),
    }
    for e in Engagement.objects.select_related("organisation")
}
titles = list(Engagement.objects.values_list("title", flat=True))
places = list(Incident.objects.values_list("place_name", flat=True))
records = [
    [r.channel, r.object_type, r.object_id, r.tlp, r.partner.name]
    for r in ShareRecord.objects.select_related("partner").order_by("pk")
]
owner_of = {
    "incident": dict(Incident.objects.values_list("pk", "organisation__name")),
    "engagement": dict(Engagement.objects.values_list("pk", "organisation__name")),
}
print("STATE=" + json.dumps({
    "incidents": incidents,
    "engagements": engagements,
    "duplicates": len(places) - len(set(places)) + len(titles) - len(set(titles)),
    "reports": {r.title: r.text for r in Report.objects.all()},
    "counts": {
        "incident": Incident.objects.count(), "report": Report.objects.count(),
        "mention": Mention.objects.count(), "claim": Claim.objects.count(),
        "external": ExternalObject.objects.count(), "share": ShareRecord.objects.count(),
        "engagement": Engagement.objects.count(),
    },
    "records": records,
    "record_owners": [
        [r[0], owner_of[r[1]].get(r[2])] for r in records if r[1] in owner_of
    ],
    "audit_seq": AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first(),
    "peer": list(Peer.objects.values_list("last_status", "last_message"))[0],
}))
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Instance:
    tag: str
    name: str
    data_dir: Path
    port: int
    env: dict[str, str]
    server: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def run(self, *args: str, extra_env: dict[str, str] | None = None, check: bool = True) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "safepassage", *args],
            cwd=ROOT,
            env=self.env | (extra_env or {}),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check:
            assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    def shell(self, code: str, marker: str) -> str:
        out = self.run("shell", "-c", code)
        lines = [line for line in out.splitlines() if line.startswith(marker)]
        assert lines, out[-2000:]
        return lines[-1][len(marker) :]

    def state(self) -> dict[str, Any]:
        return json.loads(self.shell(STATE, "STATE="))  # type: ignore[no-any-return]

    def audit_since(self, seq: int) -> list[str]:
        code = (
            "from safepassage.audit.models import AuditRecord\n"
            f"print('TYPES=' + ','.join(AuditRecord.objects.filter(seq__gt={seq})"
            ".order_by('seq').values_list('object_type', flat=True)))"
        )
        value = self.shell(code, "TYPES=")
        return value.split(",") if value else []

    def start(self, log: Path) -> None:
        with log.open("ab") as out:
            self.server = subprocess.Popen(
                [sys.executable, "-m", "safepassage", "serve", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env | {"SAFEPASSAGE_EMBEDDED_WORKER": "0"},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.server.poll() is None, log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(self.url + "accounts/login/", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise AssertionError(f"{self.name} did not start:\n{log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(timeout=20)


def _instance(tmp_path: Path, tag: str, name: str) -> Instance:
    data_dir = tmp_path / tag
    data_dir.mkdir()
    env = instance_env(
        data_dir,
        debug=False,
        SAFEPASSAGE_SECRET_KEY=secrets.token_urlsafe(50),
        # The peers talk over loopback, which the fetch guard refuses unless sync is told.
        SAFEPASSAGE_SYNC_ALLOW_NETWORKS="127.0.0.0/8",
        # Small pages and batches, so a day of incidents takes several of each way.
        SAFEPASSAGE_SYNC_PAGE_SIZE="3",
        SAFEPASSAGE_SYNC_PUSH_BATCH="3",
    )
    return Instance(tag, name, data_dir, _free_port(), env)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    a = _instance(tmp_path, "A", "Ministry of Interior A")
    b = _instance(tmp_path, "B", "Ministry of Public Security B")
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


def _setup(instance: Instance, partner: Instance) -> str:
    instance.run("migrate", "--no-input")
    code = SETUP.format(
        tag=instance.tag,
        me=instance.name,
        partner=partner.name,
        partner_url=partner.url,
        markings=MARKINGS,
        hours=HOURS,
    )
    return instance.shell(code, "TOKEN=")


def _own(state: dict[str, Any], tag: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in state["incidents"].items() if k.startswith(f"{tag}-")}


def _shared(own: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in own.items() if v["tlp"] in SHARED}


def _content(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "owner"}


def _own_engagements(state: dict[str, Any], tag: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in state["engagements"].items() if k.startswith(f"{tag}-")}


def _nameless(row: dict[str, Any]) -> dict[str, Any]:
    """An engagement as it crosses without personal data: participants without names."""
    people = [{k: v for k, v in p.items() if k != "name"} for p in row["participants"]]
    return _content(row) | {"participants": people}


def test_two_instances_sync_a_day_of_incidents_both_ways_and_a_second_sync_changes_nothing(
    pair: tuple[Instance, Instance], tmp_path: Path
) -> None:
    a, b = pair
    # Each instance issues a token to the other's partner account; the other holds it.
    token_for_b = _setup(a, b)
    token_for_a = _setup(b, a)
    a.start(tmp_path / "a.log")
    b.start(tmp_path / "b.log")
    a_env = {"SP_PEER_TOKEN": token_for_a}
    b_env = {"SP_PEER_TOKEN": token_for_b}
    before_a, before_b = a.state(), b.state()
    assert len(_own(before_a, "A")) == len(HOURS) == len(_own(before_b, "B"))

    # Round one: A syncs with B (pull, then push), then B with A.
    out_a = a.run("sync", extra_env=a_env)
    out_b = b.run("sync", extra_env=b_env)
    assert "errors" not in out_a + out_b, out_a + out_b
    one_a, one_b = a.state(), b.state()

    for here, there, tag_here, tag_there in (
        (one_a, before_b, "A", "B"),
        (one_b, before_a, "B", "A"),
    ):
        received = _own(here, tag_there)
        sent = _own(there, tag_there)
        # Exactly the shareable incidents crossed, with every field intact, owned by the sender.
        assert set(received) == set(_shared(sent))
        assert len(received) == sum(
            1 for n in range(len(HOURS)) if MARKINGS[n % len(MARKINGS)] in SHARED
        )
        for place, row in received.items():
            assert _content(row) == _content(sent[place]), place
            assert row["owner"] == there["incidents"][place]["owner"]
        assert not [p for p, row in received.items() if row["tlp"] in ("amber+strict", "red")]
        assert here["duplicates"] == 0
        # Their own incidents are untouched by what came in.
        assert _own(here, tag_here) == _own(before_a if tag_here == "A" else before_b, tag_here)
        # Article text is personal data: the agreement does not let it cross.
        for title, text in here["reports"].items():
            if title.startswith(f"Attack {tag_there}-"):
                assert text == "" or tag_there not in text, title
        # What crossed is recorded: out, only ever this side's own incidents (no echo); in,
        # only the partner's.
        mine, theirs = (a.name, b.name) if tag_here == "A" else (b.name, a.name)
        outgoing = {owner for channel, owner in here["record_owners"] if channel != "sync_in"}
        incoming = {owner for channel, owner in here["record_owners"] if channel == "sync_in"}
        assert outgoing == {mine}
        assert incoming == {theirs}
        assert not [r for r in here["records"] if r[3] in ("amber+strict", "red")]
        # Engagements: exactly the shareable ones crossed, intact but for participants' names
        # (personal data the agreement does not let cross), each with its report's mention.
        got = _own_engagements(here, tag_there)
        had = _own_engagements(there, tag_there)
        assert set(got) == set(_shared(had))
        assert len(got) == len(received)
        for title, row in got.items():
            assert _content(row) == _nameless(had[title]), title
            assert row["owner"] == had[title]["owner"]
            assert row["mentions"] == 1, title
            assert all(p["title"] == "Minister" for p in row["participants"])
        assert not [e for e, row in got.items() if row["tlp"] in ("amber+strict", "red")]
        assert _own_engagements(here, tag_here) == _own_engagements(
            before_a if tag_here == "A" else before_b, tag_here
        )
        kinds = {r[1] for r in here["records"]}
        assert {"incident", "engagement", "report"} <= kinds

    # Round two: both sync again. Nothing changes but the peers' cursors and status.
    seq_a, seq_b = one_a["audit_seq"], one_b["audit_seq"]
    out_a = a.run("sync", extra_env=a_env)
    out_b = b.run("sync", extra_env=b_env)
    assert "errors" not in out_a + out_b, out_a + out_b
    two_a, two_b = a.state(), b.state()
    for one, two in ((one_a, two_a), (one_b, two_b)):
        assert two["counts"] == one["counts"]
        assert two["incidents"] == one["incidents"]
        assert two["engagements"] == one["engagements"]
        assert two["records"] == one["records"]
    assert set(a.audit_since(seq_a)) == {"sharing.peer"}
    assert set(b.audit_since(seq_b)) == {"sharing.peer"}

    # A later change on A crosses as an update of the same incident on B, once.
    change = (
        "from safepassage.intel.models import Incident\n"
        "row = Incident.objects.get(place_name='A-04 amber')\n"
        "row.deaths = 40\nrow.save()\nprint('DONE=1')"
    )
    a.shell(change, "DONE=")
    a.run("sync", extra_env=a_env)
    three_b = b.state()
    assert three_b["incidents"]["A-04 amber"]["deaths"] == 40
    assert three_b["counts"]["incident"] == two_b["counts"]["incident"]
    assert three_b["duplicates"] == 0

    # ... and so does a change to an engagement on B, on A: the same engagement, updated.
    change = (
        "from safepassage.intel.models import Engagement\n"
        "row = Engagement.objects.get(title='B-14 amber talks')\n"
        "row.topics = ['joint_exercise']\nrow.save()\nprint('DONE=1')"
    )
    b.shell(change, "DONE=")
    b.run("sync", extra_env=b_env)
    three_a = a.state()
    assert three_a["engagements"]["B-14 amber talks"]["topics"] == ["joint_exercise"]
    assert three_a["counts"]["engagement"] == two_a["counts"]["engagement"]
    assert three_a["duplicates"] == 0


def test_a_peer_with_a_bad_token_is_refused_and_nothing_crosses(
    pair: tuple[Instance, Instance], tmp_path: Path
) -> None:
    a, b = pair
    _setup(a, b)
    _setup(b, a)
    b.start(tmp_path / "b.log")
    before = b.state()
    out = a.run("sync", extra_env={"SP_PEER_TOKEN": "sp_" + "x" * 40}, check=False)
    assert "HTTP 401" in out
    after_a, after_b = a.state(), b.state()
    assert after_b["counts"] == before["counts"]
    assert not _own(after_a, "B")
    assert after_a["peer"][0] == "failed"
