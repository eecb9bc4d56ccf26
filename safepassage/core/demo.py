"""Fictional demo data: organisations, projects, sites, people, units, vehicles and users.

Everything here is made up. Organisations carry "(demo)" in their names, project names are
invented, and people's names are built deterministically from short lists of common given
and family names, so no record describes a real person. Site coordinates are the real
positions of the towns they are named after, so maps and distances look right.

``load_demo_data`` is idempotent: when the demo organisations exist it changes nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from safepassage.access.policy import Role
from safepassage.audit.context import Source, acting
from safepassage.registry import models as m
from safepassage.registry.choices import OrganisationKind as OK
from safepassage.registry.choices import Posture, SiteKind, UnitStatus

# One password for every demo account. It is weak on purpose and only ever set here, for
# demo users, which is why the password validators are not run on it.
DEMO_PASSWORD = "safe-passage-demo"  # noqa: S105

# key: (name, short name, kind, country)
ORGANISATIONS = {
    "kp_spu": (
        "Khyber Pakhtunkhwa Police Special Protection Unit (demo)",
        "KP SPU",
        OK.PROTECTION_UNIT,
        "PK",
    ),
    "sd_spu": (
        "Sindh Police Special Protection Unit (demo)",
        "Sindh SPU",
        OK.PROTECTION_UNIT,
        "PK",
    ),
    "ba_spu": (
        "Balochistan Police Special Protection Unit (demo)",
        "Balochistan SPU",
        OK.PROTECTION_UNIT,
        "PK",
    ),
    "cell": (
        "Federal Foreign Staff Security Coordination Cell (demo)",
        "Coordination Cell",
        OK.MINISTRY,
        "PK",
    ),
    "hydro": (
        "Indus Gorge Hydropower Company Security Office (demo)",
        "IGHC Security",
        OK.SECURITY_OFFICE,
        "CN",
    ),
    "roads": (
        "Silk Coast Motorway and Port Contractors Security Office (demo)",
        "SCMP Security",
        OK.SECURITY_OFFICE,
        "CN",
    ),
    "ministry": ("Ministry of Overseas Project Safety (demo)", "MOPS", OK.MINISTRY, "CN"),
    "embassy": ("Embassy Consular Protection Desk (demo)", "Consular Desk", OK.EMBASSY, "CN"),
}

# key: (organisation, code, name, province, description)
PROJECTS = {
    "hpp": (
        "hydro",
        "uk-hpp",
        "Upper Kohistan Hydropower Project (fictional)",
        "KP",
        "A run-of-river dam and power house on the Indus near Dasu.",
    ),
    "road": (
        "hydro",
        "diamer-access",
        "Diamer Access Road Realignment (fictional)",
        "GB",
        "Realigning a stretch of the Karakoram Highway near Chilas.",
    ),
    "port": (
        "roads",
        "gwadar-east-berths",
        "Gwadar East Berths Expansion (fictional)",
        "BA",
        "New berths and a container yard at Gwadar port.",
    ),
    "coal": (
        "roads",
        "thar-block-9",
        "Thar Block 9 Mine-Mouth Power Plant (fictional)",
        "SD",
        "A lignite-fired plant beside an open-pit mine near Islamkot.",
    ),
    "motorway": (
        "roads",
        "m-99-lahore",
        "Lahore Ring Motorway Section 4 (fictional)",
        "PB",
        "A motorway section on the southern edge of Lahore.",
    ),
}

# key: (organisation, code, name, base name, lat, lon, province, strength, available, status)
UNITS = {
    "kp1": (
        "kp_spu",
        "kp-spu-kohistan",
        "KP SPU Kohistan Company",
        "Dasu",
        35.2917,
        73.2906,
        "KP",
        120,
        85,
        UnitStatus.DEPLOYED,
    ),
    "kp2": (
        "kp_spu",
        "kp-spu-shangla",
        "KP SPU Shangla Company",
        "Besham",
        34.9236,
        72.8760,
        "KP",
        90,
        60,
        UnitStatus.AVAILABLE,
    ),
    "sd1": (
        "sd_spu",
        "sd-spu-karachi",
        "Sindh SPU Karachi Company",
        "Karachi (Malir)",
        24.8930,
        67.2090,
        "SD",
        150,
        110,
        UnitStatus.AVAILABLE,
    ),
    "sd2": (
        "sd_spu",
        "sd-spu-thar",
        "Sindh SPU Thar Company",
        "Islamkot",
        24.7000,
        70.1800,
        "SD",
        60,
        40,
        UnitStatus.DEPLOYED,
    ),
    "ba1": (
        "ba_spu",
        "ba-spu-gwadar",
        "Balochistan SPU Gwadar Company",
        "Gwadar",
        25.1216,
        62.3254,
        "BA",
        130,
        90,
        UnitStatus.DEPLOYED,
    ),
    "ba2": (
        "ba_spu",
        "ba-spu-hub",
        "Balochistan SPU Hub Company",
        "Hub",
        25.0490,
        66.8870,
        "BA",
        70,
        20,
        UnitStatus.STAND_DOWN,
    ),
}

# unit key: [(registration, model, armoured, seats)]
VEHICLES = {
    "kp1": [
        ("SPU-KP1-01", "Toyota Land Cruiser 79 (B6 armour)", True, 7),
        ("SPU-KP1-02", "Toyota Land Cruiser 79 (B6 armour)", True, 7),
        ("SPU-KP1-03", "Toyota Hilux double cab", False, 5),
        ("SPU-KP1-04", "Toyota Coaster", False, 26),
    ],
    "kp2": [
        ("SPU-KP2-01", "Toyota Land Cruiser 200 (B6 armour)", True, 6),
        ("SPU-KP2-02", "Toyota Hilux double cab", False, 5),
    ],
    "sd1": [
        ("SPU-SD1-01", "Toyota Land Cruiser 200 (B6 armour)", True, 6),
        ("SPU-SD1-02", "Toyota Hiace", False, 12),
        ("SPU-SD1-03", "Toyota Hilux double cab", False, 5),
    ],
    "sd2": [
        ("SPU-SD2-01", "Toyota Fortuner (B4 armour)", True, 6),
        ("SPU-SD2-02", "Toyota Hilux double cab", False, 5),
    ],
    "ba1": [
        ("SPU-BA1-01", "Toyota Land Cruiser 79 (B6 armour)", True, 7),
        ("SPU-BA1-02", "Toyota Land Cruiser 79 (B6 armour)", True, 7),
        ("SPU-BA1-03", "Toyota Coaster (B4 armour)", True, 22),
    ],
    "ba2": [
        ("SPU-BA2-01", "Toyota Hilux double cab", False, 5),
        ("SPU-BA2-02", "Toyota Hiace", False, 12),
    ],
}

# key: (organisation, project, name, kind, lat, lon, province, district, posture, guards, unit)
SITES = {
    "dasu_dam": (
        "hydro",
        "hpp",
        "Dasu Dam Site",
        SiteKind.PROJECT_SITE,
        35.3340,
        73.2190,
        "KP",
        "Upper Kohistan",
        Posture.HIGH,
        60,
        "kp1",
    ),
    "dasu_camp": (
        "hydro",
        "hpp",
        "Dasu Residential Camp",
        SiteKind.CAMP,
        35.2917,
        73.2906,
        "KP",
        "Upper Kohistan",
        Posture.HIGH,
        40,
        "kp1",
    ),
    "besham": (
        "hydro",
        "hpp",
        "Besham Transit Camp",
        SiteKind.CAMP,
        34.9236,
        72.8760,
        "KP",
        "Shangla",
        Posture.HIGH,
        30,
        "kp2",
    ),
    "chilas": (
        "hydro",
        "road",
        "Chilas Road Camp",
        SiteKind.CAMP,
        35.4206,
        74.0966,
        "GB",
        "Diamer",
        Posture.ELEVATED,
        25,
        "kp1",
    ),
    "isb_house": (
        "hydro",
        None,
        "Islamabad Guest House",
        SiteKind.RESIDENCE,
        33.7077,
        73.0550,
        "ICT",
        "Islamabad",
        Posture.GUARDED,
        10,
        None,
    ),
    "isb_cell": (
        "cell",
        None,
        "Islamabad Coordination Office",
        SiteKind.OFFICE,
        33.7294,
        73.0931,
        "ICT",
        "Islamabad",
        Posture.GUARDED,
        8,
        None,
    ),
    "lahore": (
        "roads",
        "motorway",
        "Lahore Motorway Camp",
        SiteKind.CAMP,
        31.4500,
        74.3200,
        "PB",
        "Lahore",
        Posture.ELEVATED,
        20,
        None,
    ),
    "qasim": (
        "roads",
        "coal",
        "Port Qasim Industrial Zone",
        SiteKind.INDUSTRIAL_ZONE,
        24.7760,
        67.3420,
        "SD",
        "Malir",
        Posture.ELEVATED,
        35,
        "sd1",
    ),
    "khi_airport": (
        "cell",
        None,
        "Karachi Airport Arrival Point",
        SiteKind.AIRPORT,
        24.9065,
        67.1608,
        "SD",
        "Malir",
        Posture.ELEVATED,
        12,
        "sd1",
    ),
    "islamkot": (
        "roads",
        "coal",
        "Islamkot Plant Camp",
        SiteKind.CAMP,
        24.7000,
        70.1800,
        "SD",
        "Tharparkar",
        Posture.ELEVATED,
        35,
        "sd2",
    ),
    "gwadar": (
        "roads",
        "port",
        "Gwadar Port Site",
        SiteKind.PORT,
        25.1150,
        62.3350,
        "BA",
        "Gwadar",
        Posture.HIGH,
        50,
        "ba1",
    ),
    "hub": (
        "roads",
        None,
        "Hub Transit Residence",
        SiteKind.RESIDENCE,
        25.0490,
        66.8870,
        "BA",
        "Hub",
        Posture.ELEVATED,
        15,
        "ba2",
    ),
}

CN_FAMILY = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Zhao",
    "Huang",
    "Zhou",
    "Wu",
    "Xu",
    "Sun",
    "Hu",
    "Zhu",
    "Gao",
    "Lin",
    "He",
    "Guo",
    "Ma",
    "Luo",
]
CN_GIVEN = [
    "Wei",
    "Fang",
    "Jun",
    "Lei",
    "Min",
    "Jing",
    "Hao",
    "Yan",
    "Tao",
    "Qiang",
    "Xiuying",
    "Bo",
    "Chao",
    "Dan",
    "Gang",
    "Hui",
    "Jian",
    "Kai",
    "Lan",
    "Peng",
]
PK_GIVEN = ["Ahmed", "Bilal", "Faisal", "Hamza", "Imran", "Kamran", "Naveed", "Saad"]
PK_FAMILY = ["Khan", "Qureshi", "Shah", "Baloch", "Awan", "Malik", "Siddiqui", "Memon"]
OTHERS = [("Anna Keller", "DE"), ("Emre Yildiz", "TR"), ("Farah Ismail", "MY")]
# Where the people live, in turn (site key, project key).
HOMES = [
    ("dasu_camp", "hpp"),
    ("dasu_dam", "hpp"),
    ("besham", "hpp"),
    ("chilas", "road"),
    ("isb_house", None),
    ("qasim", "coal"),
    ("islamkot", "coal"),
    ("gwadar", "port"),
    ("lahore", "motorway"),
    ("hub", None),
]

# username: (role, organisation, provinces, units)
USERS = {
    "admin": (Role.ADMINISTRATOR, "cell", [], []),
    "coordinator": (Role.SECURITY_COORDINATOR, "hydro", [], []),
    "commander": (Role.UNIT_COMMANDER, "kp_spu", ["KP", "GB"], ["kp1"]),
    "officer": (Role.FIELD_OFFICER, "kp_spu", ["KP"], ["kp1"]),
    "analyst": (Role.ANALYST, "cell", [], []),
    "liaison": (Role.PARTNER_LIAISON, "embassy", [], []),
    "viewer": (Role.VIEWER, "roads", [], []),
}


def demo_logins() -> dict[str, str]:
    """Username -> role label of every demo account, plus "password": their one password."""
    logins = {username: role.label for username, (role, *_rest) in USERS.items()}
    return {"password": DEMO_PASSWORD, **logins}


def _people() -> list[tuple[str, str, int]]:
    """(full name, nationality, index) for 50 made-up people: 40 CN, 7 PK, 3 others."""
    people = []
    for i in range(40):
        # Steps of 7 and 3 through lists of 20 give 40 distinct name pairs.
        people.append((f"{CN_FAMILY[(i * 7) % 20]} {CN_GIVEN[(i * 3 + i // 20) % 20]}", "CN", i))
    for i in range(7):
        people.append((f"{PK_GIVEN[i]} {PK_FAMILY[(i * 3) % 8]}", "PK", 40 + i))
    people += [(name, country, 47 + n) for n, (name, country) in enumerate(OTHERS)]
    return people


def _create(model: type[models.Model], **fields: Any) -> Any:
    obj = model(**fields)
    obj.full_clean()
    obj.save()
    return obj


def load_demo_data() -> dict[str, str]:
    """Load the demo data unless it is already there; return the demo logins."""
    first_org = ORGANISATIONS["kp_spu"][0]
    if m.Organisation.objects.filter(name=first_org).exists():
        return demo_logins()
    with acting(Source.SYSTEM, label="demo"), transaction.atomic():
        _load(timezone.localdate())
    return demo_logins()


def _load(today: datetime.date) -> None:
    orgs = {
        key: _create(m.Organisation, name=name, short_name=short, kind=kind, country=country)
        for key, (name, short, kind, country) in ORGANISATIONS.items()
    }
    projects = {
        key: _create(
            m.Project, organisation=orgs[org], code=code, name=name, province=prov, description=text
        )
        for key, (org, code, name, prov, text) in PROJECTS.items()
    }
    units = {}
    for key, (org, code, name, base, lat, lon, prov, strength, available, status) in UNITS.items():
        units[key] = _create(
            m.ProtectionUnit,
            organisation=orgs[org],
            code=code,
            name=name,
            base_name=base,
            base_lat=lat,
            base_lon=lon,
            province=prov,
            strength=strength,
            available_strength=available,
            status=status,
        )
        for registration, model_name, armoured, seats in VEHICLES[key]:
            _create(
                m.Vehicle,
                unit=units[key],
                registration=registration,
                model_name=model_name,
                armoured=armoured,
                seats=seats,
            )
    sites = {}
    for key, (
        org,
        project,
        name,
        kind,
        lat,
        lon,
        prov,
        district,
        posture,
        guards,
        unit,
    ) in SITES.items():
        sites[key] = _create(
            m.Site,
            organisation=orgs[org],
            project=projects[project] if project else None,
            name=name,
            kind=kind,
            lat=lat,
            lon=lon,
            province=prov,
            district=district,
            posture=posture,
            guard_strength=guards,
            responsible_unit=units[unit] if unit else None,
        )
    for full_name, nationality, i in _people():
        site_key, project_key = HOMES[i % len(HOMES)]
        site = sites[site_key]
        consent = today - datetime.timedelta(days=20 + (i * 37) % 600)
        # Spread retention ends so some records come up for deletion within weeks.
        retention = today + datetime.timedelta(days=7 + (i * 53) % 720)
        prefix = "IGH" if site.organisation == orgs["hydro"] else "SCM"
        _create(
            m.ProtectedPerson,
            organisation=site.organisation,
            project=projects[project_key] if project_key else None,
            staff_ref=f"{prefix}-{i + 1:04d}",
            full_name=full_name,
            nationality=nationality,
            home_site=site,
            consent_date=consent,
            retention_until=retention,
        )
    user_model = get_user_model()
    for username, (role, org, provinces, unit_keys) in USERS.items():
        user = user_model(
            username=username,
            role=role.value,
            organisation=orgs[org],
            provinces=provinces,
            is_staff=role is Role.ADMINISTRATOR,
            first_name="Demo",
            last_name=role.label,
        )
        # Demo accounts only: the weak shared password skips the validators on purpose.
        user.set_password(DEMO_PASSWORD)
        user.save()
        if unit_keys:
            user.units.set([units[k] for k in unit_keys])
