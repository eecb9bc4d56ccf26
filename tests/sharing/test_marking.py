"""TLP 2.0 markings are enforced by the gate for every reader, partners included."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from safepassage.access import gate
from safepassage.access.marking import may_read
from safepassage.access.principals import SystemActor
from safepassage.intel.models import Claim, Engagement, Incident, Report, Source
from safepassage.sharing import tlp
from safepassage.sharing.models import SharingAgreement
from safepassage.sharing.services import (
    PartnerReader,
    highest_marking,
    personal_data_allowed,
    record,
)
from tests.conftest import World

pytestmark = pytest.mark.django_db

MEMBERS = ("admin", "coordinator", "commander", "officer", "analyst", "viewer")


def make(world: World, marking: str, **extra: Any) -> Incident:
    fields = {
        "kind": "attack",
        "attack_type": "bombing",
        "date": datetime.date(2026, 11, 1),
        "admin1": "Khyber Pakhtunkhwa",
        "admin2": "Shangla",
        "tlp": marking,
        "organisation": world.spu_kp,
    }
    return Incident.objects.create(**(fields | extra))


def readable(user: Any) -> set[int]:
    return set(gate.restrict(Incident.objects.all(), user).values_list("pk", flat=True))


@pytest.mark.parametrize("marking", [tlp.CLEAR, tlp.GREEN, tlp.AMBER])
def test_community_markings_reach_every_member_role(world: World, marking: str) -> None:
    inc = make(world, marking)
    for persona in MEMBERS:
        assert inc.pk in readable(world.user(persona)), persona


def test_amber_strict_stays_inside_the_owning_organisation(world: World) -> None:
    inc = make(world, tlp.AMBER_STRICT)
    inside = {p for p in MEMBERS if world.user(p).organisation_id == world.spu_kp.pk}
    assert inside == {"commander", "officer", "analyst"}
    for persona in (*MEMBERS, "liaison"):
        assert (inc.pk in readable(world.user(persona))) == (persona in inside), persona


def test_red_reaches_only_named_recipients(world: World) -> None:
    inc = make(world, tlp.RED)
    inc.recipients.add(world.user("coordinator"), world.user("liaison"))
    for persona in (*MEMBERS, "liaison"):
        expected = persona in ("coordinator", "liaison")
        assert (inc.pk in readable(world.user(persona))) == expected, persona


def test_a_red_incident_with_many_recipients_is_listed_once(world: World) -> None:
    inc = make(world, tlp.RED)
    inc.recipients.add(*world.users.values())
    rows = list(gate.restrict(Incident.objects.all(), world.user("viewer")))
    assert rows == [inc]


def test_a_partner_reads_up_to_its_agreements_highest_marking(world: World) -> None:
    levels = {m: make(world, m) for m in tlp.ORDER}
    liaison = world.user("liaison")
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(max_tlp=tlp.GREEN)
    assert readable(liaison) == {levels[tlp.CLEAR].pk, levels[tlp.GREEN].pk}
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(max_tlp=tlp.AMBER)
    assert readable(liaison) == {levels[m].pk for m in (tlp.CLEAR, tlp.GREEN, tlp.AMBER)}


def test_a_partner_without_an_agreement_in_force_reads_only_clear(world: World) -> None:
    clear, amber = make(world, tlp.CLEAR), make(world, tlp.AMBER)
    agreement = SharingAgreement.objects.get(partner=world.ministry_cn)
    agreement.valid_until = datetime.date(2020, 1, 1)
    agreement.save()
    assert readable(world.user("liaison")) == {clear.pk}
    agreement.delete()
    assert readable(world.user("liaison")) == {clear.pk}
    assert amber.pk not in readable(world.user("liaison"))


def test_an_agreement_filters_by_province_kind_and_topic(world: World) -> None:
    kp = make(world, tlp.GREEN)
    sindh = make(world, tlp.GREEN, admin1="Sindh", admin2="Karachi")
    shooting = make(world, tlp.GREEN, attack_type="armed_assault")
    operation = make(world, tlp.GREEN, kind="operation", attack_type="")
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(
        provinces=["Khyber Pakhtunkhwa"], kinds=["attack"], topics=["bombing"]
    )
    got = readable(world.user("liaison"))
    assert kp.pk in got
    assert not got & {sindh.pk, shooting.pk, operation.pk}


def test_two_agreements_widen_each_other(world: World) -> None:
    kp = make(world, tlp.AMBER)
    sindh = make(world, tlp.GREEN, admin1="Sindh", admin2="Karachi")
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(
        provinces=["Khyber Pakhtunkhwa"]
    )
    assert readable(world.user("liaison")) == {kp.pk}
    SharingAgreement.objects.create(
        partner=world.ministry_cn, name="Sindh", max_tlp=tlp.GREEN, provinces=["Sindh"]
    )
    assert readable(world.user("liaison")) == {kp.pk, sindh.pk}


def test_a_partner_reader_principal_reads_like_the_partners_liaison(world: World) -> None:
    for marking in tlp.ORDER:
        make(world, marking)
    reader = PartnerReader(world.ministry_cn)
    assert readable(reader) == readable(world.user("liaison")) - set(
        Incident.objects.filter(tlp=tlp.RED).values_list("pk", flat=True)
    )
    assert highest_marking(world.ministry_cn) == tlp.AMBER
    assert not personal_data_allowed(world.ministry_cn)


def test_jobs_read_everything(world: World) -> None:
    for marking in tlp.ORDER:
        make(world, marking)
    assert len(readable(SystemActor("job"))) == len(tlp.ORDER)


def test_a_marking_also_guards_changes(world: World) -> None:
    from safepassage.access.policy import Action

    inc = make(world, tlp.AMBER_STRICT, organisation=world.hydro)
    analyst = world.user("analyst")
    assert not gate.restrict(Incident.objects.all(), analyst, Action.CHANGE).exists()
    with pytest.raises(Exception, match="No incident"):
        gate.get_object(analyst, Action.CHANGE, Incident, pk=inc.pk)


def test_claims_follow_both_their_incident_and_their_report(world: World) -> None:
    source = Source.objects.create(name="wire", kind="push", organisation=world.spu_kp)
    open_report = Report.objects.create(
        source=source, organisation=world.spu_kp, content_hash="a" * 64, text="x", tlp=tlp.GREEN
    )
    red_report = Report.objects.create(
        source=source, organisation=world.spu_kp, content_hash="b" * 64, text="y", tlp=tlp.RED
    )
    inc = make(world, tlp.GREEN)
    Claim.objects.create(incident=inc, field="deaths", value=5, report=open_report)
    Claim.objects.create(incident=inc, field="deaths", value=6, report=red_report)
    Claim.objects.create(incident=inc, field="deaths", value=7)
    viewer = world.user("viewer")
    values = sorted(gate.restrict(Claim.objects.all(), viewer).values_list("value", flat=True))
    assert values == [5, 7]


def test_engagements_are_marked_too(world: World) -> None:
    strict = Engagement.objects.create(
        kind="meeting", tlp=tlp.AMBER_STRICT, organisation=world.hydro
    )
    coordinator, analyst = world.user("coordinator"), world.user("analyst")
    assert may_read(coordinator, strict)
    assert not may_read(analyst, strict)


def test_what_crossed_is_recorded(world: World) -> None:
    incs = [make(world, tlp.GREEN), make(world, tlp.AMBER)]
    assert record(world.ministry_cn, "export", incs, actor=world.user("admin")) == 2
    records = list(world.ministry_cn.share_records.order_by("object_id"))
    assert [(r.object_type, r.object_id, r.tlp) for r in records] == [
        ("incident", incs[0].pk, tlp.GREEN),
        ("incident", incs[1].pk, tlp.AMBER),
    ]
    assert all(r.agreement is not None and r.actor == world.user("admin") for r in records)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], tlp.CLEAR),
        (["green", "TLP:AMBER"], tlp.AMBER),
        (["amber", "amber+strict", "green"], tlp.AMBER_STRICT),
        (["red", "clear"], tlp.RED),
        (["TLP:WHITE"], tlp.CLEAR),
    ],
)
def test_a_derived_object_takes_the_most_restrictive_marking(
    values: list[str], expected: str
) -> None:
    assert tlp.most_restrictive(values) == expected


@pytest.mark.parametrize("bad", ["", "purple", "TLP:", "amber strict!", "tlp:red;drop"])
def test_an_unknown_marking_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="Unknown TLP marking"):
        tlp.normalise(bad)


def test_an_incident_takes_the_marking_of_its_most_restrictive_report(world: World) -> None:
    from safepassage.intel.services.linker import carry_marking

    source = Source.objects.create(name="desk", kind="push", organisation=world.hydro)
    inc = make(world, tlp.GREEN)
    actor = SystemActor("linker")
    amber = Report.objects.create(
        source=source, organisation=world.hydro, content_hash="c" * 64, text="x", tlp=tlp.AMBER
    )
    carry_marking(actor, inc, amber)
    inc.refresh_from_db()
    assert (inc.tlp, inc.organisation_id) == (tlp.AMBER, world.spu_kp.pk)
    strict = Report.objects.create(
        source=source,
        organisation=world.hydro,
        content_hash="d" * 64,
        text="y",
        tlp=tlp.AMBER_STRICT,
    )
    carry_marking(actor, inc, strict)
    inc.refresh_from_db()
    # The strict report's organisation now holds the incident.
    assert (inc.tlp, inc.organisation_id) == (tlp.AMBER_STRICT, world.hydro.pk)
    red = Report.objects.create(
        source=source, organisation=world.hydro, content_hash="e" * 64, text="z", tlp=tlp.RED
    )
    red.recipients.add(world.user("coordinator"))
    carry_marking(actor, inc, red)
    inc.refresh_from_db()
    assert inc.tlp == tlp.RED
    assert list(inc.recipients.all()) == [world.user("coordinator")]
    # A less restrictive report never lowers it.
    carry_marking(actor, inc, amber)
    inc.refresh_from_db()
    assert inc.tlp == tlp.RED
