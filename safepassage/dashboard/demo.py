"""What the demo adds so that every persona's dashboard has something to show.

The core demo plans one draft movement. A unit commander's dashboard would then have no
request to decide, no escort on duty and no overdue check-in, and a partner liaison (who
reads only through a sharing agreement) would see no incident at all. So the demo also:

* submits a second movement (Islamabad → Besham transit camp, tomorrow) for a decision;
* puts a third one under way (Dasu camp → Chilas road camp, left two hours ago) with the
  Kohistan company as escort, one check-in made at departure and the next one overdue;
* gives the embassy desk a sharing agreement up to TLP:GREEN, unless the sharing app's own
  demo already gave it one.

Every write goes through the real services (transitions, check-in planning and recording)
and the gate. ``extend_demo`` is idempotent: what exists already is left alone.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from safepassage.access import gate
from safepassage.access.principals import SystemActor
from safepassage.audit.context import Source, acting

SUBMITTED_PURPOSE = "Site survey team to the Besham transit camp (demo)"
UNDER_WAY_PURPOSE = "Road camp supplies run, Dasu to Chilas (demo)"
AGREEMENT_NAME = "Consular protection sharing (demo)"


def _user(username: str) -> Any:
    from safepassage.accounts.models import User

    return User.objects.filter(username=username).first()


def _submitted_movement(today: datetime.date) -> Any:
    """A request the commander must decide: planned for tomorrow, submitted by the coordinator."""
    from safepassage.movements.demo import plan_demo_movement
    from safepassage.movements.models import MovementRequest
    from safepassage.movements.services import transition
    from safepassage.registry.models import ProtectedPerson, Site, Vehicle

    if MovementRequest.objects.filter(purpose=SUBMITTED_PURPOSE).exists():
        return None
    site = Site.objects.filter(name="Besham Transit Camp").first()
    coordinator = _user("coordinator")
    if site is None or coordinator is None:
        return None
    people = list(ProtectedPerson.objects.filter(organisation=site.organisation)[2:4])
    armoured = Vehicle.objects.filter(armoured=True, unit__code="kp-spu-shangla").first()
    movement = plan_demo_movement(
        destination=site,
        people=people,
        vehicles=[armoured] if armoured else [],
        created_by=coordinator,
        day=today + datetime.timedelta(days=1),
    )
    movement.purpose = SUBMITTED_PURPOSE
    movement.save(update_fields=["purpose"])
    transition(coordinator, movement, "submitted", "Survey of the transit camp's perimeter.")
    return movement


def _under_way_movement(now: datetime.datetime) -> Any:
    """A movement under way with its escort, a met departure check-in and an overdue one."""
    from safepassage.movements.models import Assignment, MovementRequest
    from safepassage.movements.services import next_reference, transition
    from safepassage.registry.models import ProtectedPerson, ProtectionUnit, Site, Vehicle
    from safepassage.tracking.services import plan_checkins, record_checkin

    if MovementRequest.objects.filter(purpose=UNDER_WAY_PURPOSE).exists():
        return None
    origin = Site.objects.filter(name="Dasu Residential Camp").first()
    destination = Site.objects.filter(name="Chilas Road Camp").first()
    unit = ProtectionUnit.objects.filter(code="kp-spu-kohistan").first()
    coordinator, officer, admin = _user("coordinator"), _user("officer"), _user("admin")
    if None in (origin, destination, unit, coordinator, officer, admin):
        return None
    depart = (now - datetime.timedelta(hours=2)).replace(second=0, microsecond=0)
    with transaction.atomic():
        movement = MovementRequest.objects.create(
            organisation=origin.organisation,
            reference=next_reference(timezone.localdate(now)),
            purpose=UNDER_WAY_PURPOSE,
            origin_site=origin,
            origin_name=origin.name,
            origin_lat=origin.lat,
            origin_lon=origin.lon,
            destination_site=destination,
            destination_name=destination.name,
            destination_lat=destination.lat,
            destination_lon=destination.lon,
            # Shatial lies on the Karakoram Highway between the two camps.
            waypoints=[{"name": "Shatial", "lat": 35.5333, "lon": 73.5667, "eta": None}],
            depart_at=depart,
            arrive_by=depart + datetime.timedelta(hours=4),
            escorts=[{"unit": unit.pk, "officers": 12}],
            state="approved",
            created_by=coordinator,
        )
        movement.people.set(ProtectedPerson.objects.filter(home_site=origin)[:2])
        vehicle = Vehicle.objects.filter(unit=unit, armoured=True).first()
        if vehicle is not None:
            movement.vehicles.set([vehicle])
        window = {"movement": movement, "starts": movement.depart_at, "ends": movement.arrive_by}
        Assignment.objects.create(unit=unit, officers=12, **window)
        if vehicle is not None:
            Assignment.objects.create(vehicle=vehicle, **window)
        # Planned from the departure time, so the waypoint's check-in is already late.
        plan_checkins(movement)
        transition(admin, movement, "under_way", "Convoy left the camp.")
        record_checkin(
            officer,
            movement,
            status="ok",
            lat=origin.lat,
            lon=origin.lon,
            note="Left the camp with the escort.",
            now=depart + datetime.timedelta(minutes=5),
        )
    return movement


def _agreement() -> Any:
    """A sharing agreement for the embassy desk, unless its organisation already has one."""
    from safepassage.registry.models import Organisation
    from safepassage.sharing.models import SharingAgreement

    liaison = _user("liaison")
    if liaison is None or liaison.organisation_id is None:
        return None
    partner = Organisation.objects.get(pk=liaison.organisation_id)
    if SharingAgreement.objects.filter(partner=partner).exists():
        return None
    agreement = SharingAgreement(
        partner=partner,
        name=AGREEMENT_NAME,
        max_tlp="green",
        notes="Demo: incidents and engagements up to TLP:GREEN, no personal data.",
    )
    return gate.save(SystemActor("demo"), agreement)


def extend_demo(now: datetime.datetime | None = None) -> list[str]:
    """Add the dashboard's demo movements and agreement when missing; say what was added."""
    moment = now or timezone.now()
    added = []
    with acting(Source.SYSTEM, user=SystemActor("demo"), label="demo"):
        submitted = _submitted_movement(timezone.localdate(moment))
        if submitted is not None:
            added.append(f"movement {submitted.reference} submitted for a decision")
        under_way = _under_way_movement(moment)
        if under_way is not None:
            added.append(f"movement {under_way.reference} under way with an overdue check-in")
        if _agreement() is not None:
            added.append("a sharing agreement for the embassy desk (up to TLP:GREEN)")
    return added
