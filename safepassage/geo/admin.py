"""Official names of Pakistan's provinces and districts, and the old or variant names that map to them.

Pakistan's first-level units changed names over time: the North-West Frontier Province became
Khyber Pakhtunkhwa in 2010, the Federally Administered Tribal Areas were merged into it in 2018,
and the Northern Areas became Gilgit-Baltistan in 2009. Sources and news spell them many ways
("Khyber Pakhtunkwa province", "Sind", "Baluchistan", "Azad Jammu & Kashmir"). This module maps
all of them to one current English name, which is what the events schema stores.
"""

from __future__ import annotations

from collections.abc import Callable

from .text import loose_key, norm_key, split_generic

KP = "Khyber Pakhtunkhwa"
BALOCHISTAN = "Balochistan"
SINDH = "Sindh"
PUNJAB = "Punjab"
AJK = "Azad Jammu and Kashmir"
GB = "Gilgit-Baltistan"
ICT = "Islamabad Capital Territory"

# GeoNames first-level codes of Pakistan and their current official English names.
PK_ADMIN1_BY_CODE: dict[str, str] = {
    "PK.02": BALOCHISTAN,
    "PK.03": KP,
    "PK.04": PUNJAB,
    "PK.05": SINDH,
    "PK.06": AJK,
    "PK.07": GB,
    "PK.08": ICT,
    # PK.01 was FATA in older GeoNames releases; it is part of Khyber Pakhtunkhwa since 2018.
    "PK.01": KP,
}

_PK_VARIANTS: dict[str, tuple[str, ...]] = {
    KP: (
        "Khyber Pakhtunkhwa",
        "Khyber Pakhtunkwa",
        "Khyber Pakhtoonkhwa",
        "Khyber Pukhtunkhwa",
        "Khyber Pakhtunkhawa",
        "Pakhtunkhwa",
        "KP",
        "KPK",
        "K-P",
        "NWFP",
        "N.W.F.P.",
        "North-West Frontier Province",
        "North West Frontier",
        "Frontier Province",
        "FATA",
        "F.A.T.A.",
        "Federally Administered Tribal Areas",
        "Federally Administered Tribal Area",
        "Tribal Areas",
        "Tribal Area",
        "Tribal Region",
        "Tribal Belt",
        "Northwest Pakistan",
        "North-West Pakistan",
        "Northwestern Pakistan",
        "North-Western Pakistan",
        "NW Pakistan",
        "Erstwhile FATA",
        "Former FATA",
        "PATA",
        "Provincially Administered Tribal Areas",
        "Merged Districts",
    ),
    BALOCHISTAN: (
        "Balochistan",
        "Baluchistan",
        "Balochistan province",
        "Baloochistan",
        "Southwest Pakistan",
        "South-West Pakistan",
        "Southwestern Pakistan",
        "South-Western Pakistan",
        "SW Pakistan",
    ),
    SINDH: ("Sindh", "Sind"),
    PUNJAB: ("Punjab", "Panjab"),
    AJK: (
        "Azad Jammu and Kashmir",
        "Azad Jammu & Kashmir",
        "Azad Jammu Kashmir",
        "Azad Kashmir",
        "AJK",
        "AJ&K",
        "Pakistan-administered Kashmir",
        "Pakistani Kashmir",
        "Pakistan-controlled Kashmir",
        "Pakistan-occupied Kashmir",
    ),
    GB: (
        "Gilgit-Baltistan",
        "Gilgit Baltistan",
        "GB",
        "Northern Areas",
        "Federally Administered Northern Areas",
        "FANA",
    ),
    ICT: (
        "Islamabad Capital Territory",
        "Islamabad Capital territory",
        "Federal Capital Territory",
        "Islamabad Territory",
        "ICT",
        "Islamabad",
    ),
}


def pk_admin1_variants() -> dict[str, tuple[str, ...]]:
    """Every known surface form of each Pakistani province, keyed by its official name."""
    return dict(_PK_VARIANTS)


def _build_pk_index() -> tuple[dict[str, str], dict[str, str]]:
    exact: dict[str, str] = {}
    loose: dict[str, str] = {}
    for official, variants in _PK_VARIANTS.items():
        for variant in (official, *variants):
            key = norm_key(variant)
            exact[key] = official
            loose[loose_key(key)] = official
    return exact, loose


_PK_EXACT, _PK_LOOSE = _build_pk_index()

# Hook set by the gazetteer module so that non-Pakistani names can be looked up there without an
# import cycle; it receives (key, country) and returns an official admin1 name or None.
_other_country_lookup: Callable[[str, str], str | None] | None = None


def set_other_country_lookup(func: Callable[[str, str], str | None]) -> None:
    """Register the function used by :func:`normalise_admin1` for countries other than Pakistan."""
    global _other_country_lookup
    _other_country_lookup = func


def normalise_admin1(name: str, country: str = "PK") -> str | None:
    """Map an old or variant province/state name to its current official English name.

    >>> normalise_admin1("NWFP")
    'Khyber Pakhtunkhwa'
    >>> normalise_admin1("Federally Administered Tribal Areas")
    'Khyber Pakhtunkhwa'

    Returns None when the name is not a known first-level unit of ``country``.
    """
    if not isinstance(name, str) or not isinstance(country, str):
        return None
    key = norm_key(name)
    if not key:
        return None
    country = country.upper()
    if country == "PK":
        for candidate in (key, split_generic(key)[0]):
            if candidate in _PK_EXACT:
                return _PK_EXACT[candidate]
            if candidate and loose_key(candidate) in _PK_LOOSE:
                return _PK_LOOSE[loose_key(candidate)]
        return None
    if _other_country_lookup is None:
        # Other countries need the gazetteer; building it registers the lookup (lazy import:
        # the gazetteer module imports this one).
        from .gazetteer import Gazetteer

        Gazetteer.default()
    if _other_country_lookup is None:
        return None
    return _other_country_lookup(key, country)


# Districts whose GeoNames name differs from the current official one. The key is the GeoNames
# name with its "District"/"Agency" suffix removed and folded to ASCII.
PK_DISTRICT_RENAMES: dict[str, str] = {
    "Thar Parkar": "Tharparkar",
    "Diamir": "Diamer",
    "Rahimyar Khan": "Rahim Yar Khan",
    "Nawabshah": "Shaheed Benazirabad",
    "North Waziristan": "North Waziristan",
    "South Waziristan": "South Waziristan",
    "Malakand Protected Area": "Malakand",
    "Khyber": "Khyber",
    "Bajaur": "Bajaur",
    "Kachhi": "Kachhi",
    "Upper Dir": "Upper Dir",
    "Lower Dir": "Lower Dir",
    "Naushahro Firoz": "Naushahro Feroze",
    "Qamber Shahdadkot": "Qambar Shahdadkot",
    "Tor Ghar": "Torghar",
    "Neelum": "Neelum",
    "Hatian": "Hattian Bala",
    "Sudhanoti": "Sudhnoti",
    "Shekhupura": "Sheikhupura",
    "Mirpur": "Mirpur",
    "Qila Abdullah": "Killa Abdullah",
    "Qila Saifullah": "Killa Saifullah",
    "Hunza Nagar": "Hunza",
    "Astor": "Astore",
    "Jafarabad": "Jaffarabad",
    "Musa Khel": "Musakhel",
    "Shirani": "Sherani",
    "Tando Mohammad Khan": "Tando Muhammad Khan",
    # The former Frontier Regions were merged into the neighbouring settled districts in 2018.
    "Dera Ismail Khan Tribal Area": "Dera Ismail Khan",
    "Tank Frontier Region": "Tank",
    "Bannu Tribal Area": "Bannu",
    "Lakki Marwat Tribal Area": "Lakki Marwat",
    "Peshawar Frontier Region": "Peshawar",
    "Tribal Area Adjoining Kohat": "Kohat",
    # Karachi convention: every district of the Karachi Division is stored as admin2 "Karachi"
    # (see docs/GEO.md); the district itself stays findable by its own name.
    "Karachi Central": "Karachi",
    "Karachi East": "Karachi",
    "Karachi South": "Karachi",
    "Karachi West": "Karachi",
    "West Karachi": "Karachi",
    "Korangi": "Karachi",
    "Malir": "Karachi",
    "Keamari": "Karachi",
}

KARACHI_DISTRICTS = frozenset(
    name for name, official in PK_DISTRICT_RENAMES.items() if official == "Karachi"
)
