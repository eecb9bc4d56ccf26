"""Instance sync in one process: what a peer may pull, what it may push, peers and their tokens.

The end-to-end sync between two real instances is in test_sync_instances.py; these tests pin
the rules each side applies.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from safepassage.access.principals import SystemActor
from safepassage.accounts.models import ApiToken
from safepassage.core.jobs import SCHEDULED
from safepassage.intel.models import Incident
from safepassage.sharing import tlp
from safepassage.sharing.models import Channel, ExternalObject, InstanceIdentity, ShareRecord
from safepassage.sharing.peers import Peer, PeerError
from safepassage.sharing.stix import collect
from safepassage.sharing.stix_ids import remember
from safepassage.sharing.stix_import import BundleRejected
from safepassage.sharing.sync import Cursor, accept_push, serve_pull, sync_peer
from safepassage.sharing.sync_jobs import sync_peers
from tests.conftest import World
from tests.sharing.stix_data import incident


def _incident_ids(bundle: dict[str, Any]) -> set[str]:
    return {obj["id"] for obj in bundle["objects"] if obj["type"] == "incident"}


def _by_marking(world: World) -> dict[str, Incident]:
    return {m: incident(world, m, place_name=f"Place {m}") for m in tlp.ORDER}


def _peer(world: World, **extra: Any) -> Peer:
    fields: dict[str, Any] = {
        "name": "partner ministry",
        "partner": world.ministry_cn,
        "base_url": "https://sp.partner.example/",
        "token_env": "SP_TEST_PEER_TOKEN",
    }
    return Peer.objects.create(**(fields | extra))


def test_a_pull_carries_only_what_the_agreement_lets_cross(world: World) -> None:
    rows = _by_marking(world)
    rows[tlp.RED].recipients.add(world.user("liaison"))  # named, yet RED never leaves by sync
    answer = serve_pull(world.user("liaison"), None)
    held = _incident_ids(answer["bundle"])
    export_ids = {
        row.pk: sid for row, sid in collect(SystemActor("test")).rows if isinstance(row, Incident)
    }
    assert held == {export_ids[rows[m].pk] for m in (tlp.CLEAR, tlp.GREEN, tlp.AMBER)}
    assert answer["marking"] == tlp.AMBER
    assert answer["more"] is False
    last = max((rows[m] for m in (tlp.CLEAR, tlp.GREEN, tlp.AMBER)), key=lambda r: r.pk)
    assert Cursor.parse(answer["cursor"]) == Cursor(last.updated, last.pk)


def test_a_pull_pages_through_incidents_that_share_one_timestamp(world: World) -> None:
    rows = [incident(world, tlp.GREEN, place_name=f"Same moment {n}") for n in range(5)]
    moment = rows[0].updated
    Incident.objects.filter(pk__in=[r.pk for r in rows]).update(updated=moment)
    ids = {
        sid: row.pk for row, sid in collect(SystemActor("test")).rows if isinstance(row, Incident)
    }
    seen: list[int] = []
    since = None
    pages = []
    while True:
        answer = serve_pull(world.user("liaison"), since, limit=2)
        pages.append(answer["more"])
        seen += sorted(ids[sid] for sid in _incident_ids(answer["bundle"]))
        since = Cursor.parse(answer["cursor"])
        if not answer["more"]:
            break
    assert pages == [True, True, False]
    assert seen == [r.pk for r in rows]  # each once, in order
    # From the last cursor on, nothing is left; a cursor moved back reads them again.
    assert _incident_ids(serve_pull(world.user("liaison"), since)["bundle"]) == set()
    again = serve_pull(world.user("liaison"), since.back(1))
    assert len(_incident_ids(again["bundle"])) == 5


def test_a_pull_never_echoes_what_came_from_the_caller(world: World) -> None:
    mine = incident(world, tlp.GREEN, place_name="Ours")
    theirs = incident(world, tlp.GREEN, place_name="Theirs", organisation=world.ministry_cn)
    remember(f"incident--{uuid.uuid4()}", theirs, origin=world.ministry_cn, channel=Channel.SYNC_IN)
    answer = serve_pull(world.user("liaison"), None)
    ids = {
        row.pk: sid for row, sid in collect(SystemActor("test")).rows if isinstance(row, Incident)
    }
    assert _incident_ids(answer["bundle"]) == {ids[mine.pk]}


def test_a_pull_records_what_crossed_once_until_it_changes(world: World) -> None:
    row = incident(world, tlp.GREEN)
    serve_pull(world.user("liaison"), None)
    serve_pull(world.user("liaison"), None)
    records = ShareRecord.objects.filter(channel=Channel.SYNC_PULL, object_type="incident")
    assert list(records.values_list("object_id", flat=True)) == [row.pk]
    row.deaths = 9
    row.save()
    serve_pull(world.user("liaison"), None)
    assert records.count() == 2


def test_only_a_partner_account_with_an_agreement_in_force_may_pull(world: World) -> None:
    incident(world, tlp.CLEAR)
    with pytest.raises(PermissionDenied):
        serve_pull(world.user("admin"), None)
    world.ministry_cn.sharing_agreements.update(active=False)
    with pytest.raises(PermissionDenied):
        serve_pull(world.user("liaison"), None)


def test_the_pull_endpoint_answers_a_partner_token_with_the_bundle_and_its_marking(
    world: World,
) -> None:
    incident(world, tlp.GREEN)
    incident(world, tlp.AMBER_STRICT)
    token, secret = ApiToken.issue(world.user("liaison"), "peer")
    token.save()
    client = Client()
    response = client.get(
        "/api/sharing/sync/pull?since=2020-01-01T00:00:00Z", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 200
    assert response["X-TLP"] == "TLP:GREEN"
    body = json.loads(response.content)
    assert len(_incident_ids(body["bundle"])) == 1
    later = client.get(
        "/api/sharing/sync/pull?since=2999-01-01T00:00:00Z", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert _incident_ids(json.loads(later.content)["bundle"]) == set()
    assert client.get("/api/sharing/sync/pull").status_code == 401
    bad = client.get(
        "/api/sharing/sync/pull?since=yesterday", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert bad.status_code == 422


def _bundle_of(world: World, marking: str) -> dict[str, Any]:
    row = incident(world, marking, place_name=f"Pushed {marking}")
    bundle = collect(SystemActor("test"), ids=None).bundle()
    # The bundle stands for the partner's instance: forget it here and become another instance.
    Incident.objects.filter(pk=row.pk).delete()
    ExternalObject.objects.all().delete()
    InstanceIdentity.objects.all().delete()
    return bundle


def test_a_configured_peer_pushes_and_its_objects_are_held_with_their_origin(
    world: World,
) -> None:
    _peer(world)
    bundle = _bundle_of(world, tlp.GREEN)
    result = accept_push(world.user("liaison"), json.dumps(bundle).encode())
    assert result.created >= 1
    copy = Incident.objects.get(place_name="Pushed green")
    entry = ExternalObject.objects.get(model="intel.incident", local_id=copy.pk)
    assert entry.origin == world.ministry_cn
    assert entry.channel == Channel.SYNC_IN
    again = accept_push(world.user("liaison"), json.dumps(bundle).encode())
    assert again.created == 0 and again.updated == 0
    assert Incident.objects.filter(place_name="Pushed green").count() == 1


def test_a_push_is_refused_without_a_peer_that_accepts_it(world: World) -> None:
    bundle = json.dumps(_bundle_of(world, tlp.GREEN)).encode()
    with pytest.raises(PermissionDenied):
        accept_push(world.user("liaison"), bundle)
    _peer(world, accept_push=False)
    with pytest.raises(PermissionDenied):
        accept_push(world.user("liaison"), bundle)
    with pytest.raises(PermissionDenied):
        accept_push(world.user("analyst"), bundle)
    assert not Incident.objects.filter(place_name="Pushed green").exists()


def test_a_read_only_token_cannot_push(world: World) -> None:
    _peer(world)
    token, secret = ApiToken.issue(world.user("liaison"), "read only")
    token.save()
    response = Client().post(
        "/api/sharing/sync/push",
        data=json.dumps(_bundle_of(world, tlp.GREEN)),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 403
    assert not Incident.objects.filter(place_name="Pushed green").exists()


@pytest.mark.parametrize("marking", [tlp.AMBER_STRICT, tlp.RED])
def test_a_pushed_object_marked_to_stay_home_refuses_the_whole_bundle(
    world: World, marking: str
) -> None:
    _peer(world)
    bundle = _bundle_of(world, marking)
    with pytest.raises(BundleRejected) as refused:
        accept_push(world.user("liaison"), json.dumps(bundle).encode())
    assert "may not cross organisations" in refused.value.errors[0]
    assert not Incident.objects.filter(place_name=f"Pushed {marking}").exists()


def test_the_push_endpoint_answers_422_with_the_errors_of_a_hostile_bundle(
    world: World,
) -> None:
    _peer(world)
    token, secret = ApiToken.issue(world.user("liaison"), "peer", access="read_write")
    token.save()
    response = Client().post(
        "/api/sharing/sync/push",
        data='{"type": "bundle", "id": "bundle--x", "objects": [{"a": NaN}]}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 422
    assert json.loads(response.content)["errors"]["bundle"]


def test_a_peer_names_exactly_one_token_source_and_a_safe_address(world: World) -> None:
    peer = Peer(name="p", partner=world.ministry_cn, base_url="http://sp.partner.example/")
    with pytest.raises(ValidationError) as invalid:
        peer.full_clean()
    assert set(invalid.value.message_dict) == {"token_env", "base_url"}
    peer.token_env, peer.token_file = "SP_TOKEN", "token.txt"
    with pytest.raises(ValidationError):
        peer.full_clean()
    peer.token_file, peer.base_url = "", "http://127.0.0.1:8001/"
    peer.full_clean()  # plain http only to a loopback address
    peer.token_env, peer.token_file = "", "../secret.key"
    with pytest.raises(ValidationError):
        peer.full_clean()


def test_a_peer_token_comes_from_the_environment_or_an_owner_only_file(
    world: World, tmp_path: Path
) -> None:
    peer = Peer(name="p", partner=world.ministry_cn, token_env="SP_PEER_X")
    assert peer.token({"SP_PEER_X": "sp_secret"}) == "sp_secret"
    with pytest.raises(PeerError, match="not set"):
        peer.token({})
    with override_settings(DATA_DIR=tmp_path):
        (tmp_path / "peers").mkdir()
        token_file = tmp_path / "peers" / "partner.token"
        token_file.write_text("sp_from_file\n")
        os.chmod(token_file, 0o600)
        peer = Peer(name="p", partner=world.ministry_cn, token_file="partner.token")
        assert peer.token() == "sp_from_file"
        os.chmod(token_file, 0o644)
        with pytest.raises(PeerError, match="readable by others"):
            peer.token()
        (tmp_path / "outside.token").write_text("sp_outside")
        with pytest.raises(PeerError):
            Peer(name="p", partner=world.ministry_cn, token_file="../outside.token").token()


def test_a_sync_to_a_private_address_is_refused_unless_allowed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SP_TEST_PEER_TOKEN", "sp_test")
    incident(world, tlp.GREEN)  # something to push, so both directions call the peer
    peer = _peer(world, base_url="http://127.0.0.1:9/")
    with override_settings(SYNC_ALLOW_NETWORKS=()):
        outcome = sync_peer(peer, SystemActor("test"))
    assert len(outcome.errors) == 2
    assert all("loopback address; refused" in error for error in outcome.errors)
    peer.refresh_from_db()
    assert peer.last_status == "failed"
    assert peer.pull_cursor == "" and peer.push_cursor is None
    # Allowed, the guard lets it through and the failure is the closed port instead.
    with override_settings(SYNC_ALLOW_NETWORKS=("127.0.0.0/8",)):
        outcome = sync_peer(peer, SystemActor("test"))
    assert outcome.errors and not any("refused" in error for error in outcome.errors)


def test_the_sync_command_adds_lists_and_runs_peers(world: World) -> None:
    out = io.StringIO()
    with pytest.raises(CommandError, match="No active peer"):
        call_command("sync", stdout=out)
    call_command(
        "sync",
        "add-peer",
        "ministry",
        "--partner",
        world.ministry_cn.name,
        "--url",
        "https://sp.partner.example/",
        "--token-env",
        "SP_MINISTRY_TOKEN",
        stdout=out,
    )
    peer = Peer.objects.get(name="ministry")
    assert peer.partner == world.ministry_cn and peer.token_env == "SP_MINISTRY_TOKEN"
    with pytest.raises(CommandError, match="https"):
        call_command(
            "sync",
            "add-peer",
            "plain",
            "--partner",
            str(world.ministry_cn.pk),
            "--url",
            "http://sp.partner.example/",
            "--token-file",
            "plain.token",
        )
    listing = io.StringIO()
    call_command("sync", "peers", stdout=listing)
    assert "ministry\thttps://sp.partner.example/" in listing.getvalue()
    # The token variable is not set: the run fails with a clear message and says so.
    with pytest.raises(CommandError, match="Sync failed"):
        call_command("sync", stdout=out)
    assert "SP_MINISTRY_TOKEN is not set" in out.getvalue()


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request with a redirect to ``target`` and notes what it was sent."""

    seen: list[tuple[str, str]] = []
    target = ""

    def _answer(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization", "")))
        self.send_response(302)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        return


def test_a_sync_never_follows_a_redirect_with_the_token(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SP_TEST_PEER_TOKEN", "sp_secret_for_the_peer")
    incident(world, tlp.GREEN)
    elsewhere = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    peer_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.seen = []
    _Recorder.target = f"http://127.0.0.1:{elsewhere.server_address[1]}/stolen"
    for server in (elsewhere, peer_server):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        peer = _peer(world, base_url=f"http://127.0.0.1:{peer_server.server_address[1]}/")
        with override_settings(SYNC_ALLOW_NETWORKS=("127.0.0.0/8",)):
            outcome = sync_peer(peer, SystemActor("test"))
    finally:
        elsewhere.shutdown()
        peer_server.shutdown()
    assert len(outcome.errors) == 2
    # The peer was asked twice (pull, push), and the address it pointed to never.
    assert [path.split("?")[0] for path, _ in _Recorder.seen] == [
        "/api/sharing/sync/pull",
        "/api/sharing/sync/push",
    ]
    assert all(auth == "Bearer sp_secret_for_the_peer" for _, auth in _Recorder.seen)


def test_the_scheduled_sync_job_runs_every_active_peer(world: World) -> None:
    assert SCHEDULED["safepassage.sharing.sync_jobs.sync_peers"][0] == "H"
    assert sync_peers() == "no active peer"
    _peer(world, active=True)
    summary = sync_peers()
    assert summary.startswith("partner ministry:") and "not set" in summary
