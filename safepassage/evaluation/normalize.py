"""Normalisation of names before comparison: provinces, districts, groups, people and places.

Gold sets and the extractor spell the same thing in different ways ("Khyber Pakhtunkwa
province", "NWFP", "KP"; "Khyber agency" and "Khyber"; "Tehreek-e-Taliban Pakistan" and "TTP").
The scorer compares canonical keys built here, so a spelling difference is never counted as an
extraction error while a different place or group still is.
"""

from __future__ import annotations

import math
import re
import unicodedata

#: Canonical province names (the schema's ``admin1`` values) and the spellings that map to them.
#: FATA and the old NWFP map to Khyber Pakhtunkhwa: the tribal areas were merged into the
#: province in 2018, and the schema asks for current official names.
_PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "Khyber Pakhtunkhwa": (
        "khyber pakhtunkhwa",
        "khyber pakhtunkwa",
        "khyber pukhtunkhwa",
        "khyber pakhtoonkhwa",
        "kp",
        "kpk",
        "nwfp",
        "north west frontier province",
        "north west frontier",
        "northwest frontier province",
        "federally administered tribal areas",
        "fata",
        "tribal areas",
        "provincially administered tribal areas",
        "pata",
    ),
    "Balochistan": ("balochistan", "baluchistan", "beluchistan"),
    "Sindh": ("sindh", "sind"),
    "Punjab": ("punjab",),
    "Gilgit-Baltistan": ("gilgit baltistan", "northern areas", "gb"),
    "Islamabad Capital Territory": (
        "islamabad capital territory",
        "islamabad",
        "ict",
        "federal capital territory",
        "federal capital",
    ),
    "Azad Jammu and Kashmir": (
        "azad jammu and kashmir",
        "azad jammu kashmir",
        "azad kashmir",
        "ajk",
        "ajandk",
        "pakistan administered kashmir",
    ),
}

_PROVINCE_INDEX: dict[str, str] = {
    alias: canonical for canonical, aliases in _PROVINCE_ALIASES.items() for alias in aliases
}

#: Words that only say what kind of unit a name is ("Bajaur agency", "Quetta district").
_UNIT_WORDS = {"province", "district", "agency", "tribal", "division", "state", "region", "the"}

#: District spellings that differ between UCDP, GeoNames and the press, keyed by their
#: normalised form. Former FATA agencies and frontier regions are folded into today's districts.
_DISTRICT_ALIASES: dict[str, str] = {
    "qila abdullah": "killa abdullah",
    "qilla abdullah": "killa abdullah",
    "qila saifullah": "killa saifullah",
    "qilla saifullah": "killa saifullah",
    "di khan": "dera ismail khan",
    "d i khan": "dera ismail khan",
    "dg khan": "dera ghazi khan",
    "d g khan": "dera ghazi khan",
    "dir lower": "lower dir",
    "dir upper": "upper dir",
    "naseerabad": "nasirabad",
    "noshki": "nushki",
    "punjgur": "panjgur",
    "las bela": "lasbela",
    "kachhi": "bolan",
    "turbat": "kech",
    "hattian": "hattian bala",
    "jhelum valley": "hattian bala",
    "fr bannu mir ali": "bannu",
    "fr bannu": "bannu",
    "fr kohat": "kohat",
    "fr peshawar": "peshawar",
    "fr tank jandola": "tank",
    "fr tank": "tank",
    "fr dera ismail khan": "dera ismail khan",
    "fr lakki marwat": "lakki marwat",
    "kolai palas": "kolai palas kohistan",
    "kolai pallas": "kolai palas kohistan",
    "kohistan upper": "upper kohistan",
    "kohistan lower": "lower kohistan",
    "malir": "karachi malir",
    "korangi": "karachi korangi",
    "keamari": "karachi keamari",
    "kemari": "karachi keamari",
    "west karachi": "karachi west",
    "east karachi": "karachi east",
    "south karachi": "karachi south",
    "central karachi": "karachi central",
}

#: Districts that were split after the gold data was coded: a gold value naming the old
#: district accepts any of its successors (Kohistan split in 2014, Karachi's one district is now
#: seven). A gold value naming a successor still requires that successor.
_DISTRICT_SUCCESSORS: dict[str, tuple[str, ...]] = {
    "kohistan": ("kohistan", "upper kohistan", "lower kohistan", "kolai palas kohistan"),
    "south waziristan": ("south waziristan", "upper south waziristan", "lower south waziristan"),
    "karachi": (
        "karachi",
        "karachi east",
        "karachi west",
        "karachi south",
        "karachi central",
        "karachi malir",
        "karachi korangi",
        "karachi keamari",
        "karachi city",
    ),
}

#: Armed groups: canonical name and the spellings and abbreviations the press uses.
_GROUP_ALIASES: dict[str, tuple[str, ...]] = {
    "Tehrik-i-Taliban Pakistan": (
        "ttp",
        "tehrik i taliban pakistan",
        "tehreek e taliban pakistan",
        "tehrik e taliban pakistan",
        "tehreek i taliban pakistan",
        "tehrik taliban pakistan",
        "pakistani taliban",
        "pakistan taliban",
        "pakistan taleban",
        "pakistani taleban",
    ),
    "Balochistan Liberation Army": (
        "bla",
        "balochistan liberation army",
        "baluchistan liberation army",
        "baloch liberation army",
        "majeed brigade",
        "bla majeed brigade",
    ),
    "Balochistan Liberation Front": (
        "blf",
        "balochistan liberation front",
        "baloch liberation front",
        "baluchistan liberation front",
    ),
    "Baloch Republican Army": ("bra", "baloch republican army"),
    "Baloch Raaji Aajoi Sangar": ("bras", "baloch raaji aajoi sangar"),
    "Lashkar-e-Jhangvi": ("lej", "lashkar e jhangvi", "lashkar i jhangvi", "lashkar jhangvi"),
    "Jamaat-ul-Ahrar": ("jua", "jamaat ul ahrar", "jamat ul ahrar", "jamaatul ahrar"),
    "Islamic State Khorasan Province": (
        "is",
        "isis",
        "isil",
        "is k",
        "isk",
        "iskp",
        "islamic state",
        "islamic state khorasan",
        "islamic state khorasan province",
        "daesh",
    ),
    "Lashkar-e-Islam": ("lashkar e islam", "lashkar i islam"),
    "Jaish-ul-Islam": ("jaish ul islam",),
    "United Baloch Army": ("uba", "united baloch army"),
    "Sindhudesh Revolutionary Army": ("sra", "sindhudesh revolutionary army"),
    "Hafiz Gul Bahadur group": (
        "hafiz gul bahadur group",
        "gul bahadur group",
        "hafiz gul bahadur",
    ),
    "Lashkar-e-Taiba": ("let", "lashkar e taiba", "lashkar e tayyiba"),
    "Jaish-e-Mohammed": ("jem", "jaish e mohammed", "jaish e muhammad"),
    "al-Qaeda": ("al qaeda", "al qaida", "alqaeda", "aqis", "al qaeda in the indian subcontinent"),
    "Jundallah": ("jundallah", "jundullah"),
}

_GROUP_INDEX: dict[str, str] = {
    alias: canonical for canonical, aliases in _GROUP_ALIASES.items() for alias in aliases
}

#: Abbreviations expanded before comparing who attributed an attack.
_ORG_EXPANSIONS: dict[str, str] = {
    "ctd": "counter terrorism department",
    "kp": "khyber pakhtunkhwa",
    "kpk": "khyber pakhtunkhwa",
    "ispr": "inter services public relations",
    "fc": "frontier corps",
    "counterterrorism": "counter terrorism",
}

_HONORIFICS = {"dr", "mr", "mrs", "ms", "gen", "general", "lt", "col", "maj", "sir", "prof"}


def fold(text: str) -> str:
    """Lower-case ``text``, strip accents and punctuation, and collapse white space.

    Hyphens, apostrophes and dots become spaces so "Tehreek-e-Taliban" and "Tehreek e Taliban"
    fold to the same key.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_only = ascii_only.replace("&", " and ")
    words = re.sub(r"[^0-9a-zA-Z]+", " ", ascii_only).lower().split()
    return " ".join(words)


def province_aliases(canonical: str) -> tuple[str, ...]:
    """Return the folded spellings that denote a canonical province (empty when unknown)."""
    return _PROVINCE_ALIASES.get(canonical, ())


def mentions(text: str, name: str | None) -> bool:
    """Say whether the folded ``name`` occurs in ``text`` as a whole-word sequence."""
    if not name:
        return False
    key = fold(name)
    return bool(key) and f" {key} " in f" {fold(text)} "


def province_key(name: str | None) -> str | None:
    """Return the canonical province name for ``name``, or its folded form when unknown.

    ``None`` and empty strings give ``None``. Names outside Pakistan (e.g. "Xinjiang") fold to a
    lower-case key, so two spellings of them still compare equal.
    """
    if name is None:
        return None
    key = fold(name)
    if not key:
        return None
    if key in _PROVINCE_INDEX:
        return _PROVINCE_INDEX[key]
    trimmed = " ".join(word for word in key.split() if word not in _UNIT_WORDS)
    if trimmed in _PROVINCE_INDEX:
        return _PROVINCE_INDEX[trimmed]
    # "and" is sometimes dropped ("Azad Jammu Kashmir") or spelled "&" (already folded above).
    without_and = " ".join(word for word in trimmed.split() if word != "and")
    if without_and in _PROVINCE_INDEX:
        return _PROVINCE_INDEX[without_and]
    return trimmed or key


def district_key(name: str | None) -> str | None:
    """Return a comparable key for a district name, or ``None`` for an empty name."""
    if name is None:
        return None
    key = fold(name)
    trimmed = " ".join(word for word in key.split() if word not in _UNIT_WORDS)
    if not trimmed:
        return None
    return _DISTRICT_ALIASES.get(trimmed, trimmed)


def districts_match(gold: str, predicted: str | None) -> bool:
    """Say whether ``predicted`` names the gold district (or one of its successor districts)."""
    gold_key = district_key(gold)
    predicted_key = district_key(predicted)
    if gold_key is None or predicted_key is None:
        return False
    if gold_key == predicted_key:
        return True
    return predicted_key in _DISTRICT_SUCCESSORS.get(gold_key, ())


def group_key(name: str | None) -> str | None:
    """Return the canonical name of an armed group, or the folded name when it is not listed."""
    if name is None:
        return None
    key = fold(name)
    if not key:
        return None
    if key in _GROUP_INDEX:
        return _GROUP_INDEX[key]
    # "the banned TTP", "TTP militants": look for a listed alias as a whole-word part.
    words = key.split()
    for size in range(len(words), 0, -1):
        for start in range(len(words) - size + 1):
            part = " ".join(words[start : start + size])
            # Two-letter words such as "is" and "let" are ordinary English, not group names.
            if part in _GROUP_INDEX and part not in {"is", "let"}:
                return _GROUP_INDEX[part]
    return key


def org_tokens(name: str | None) -> frozenset[str]:
    """Return the folded words of an organisation name with abbreviations expanded."""
    if not name:
        return frozenset()
    words: list[str] = []
    for word in fold(name).split():
        words.extend(_ORG_EXPANSIONS.get(word, word).split())
    return frozenset(word for word in words if word not in {"the", "of"})


def orgs_match(gold: str, predicted: str | None) -> bool:
    """Say whether two organisation names denote the same body.

    One name's words must all occur in the other's ("Counter-Terrorism Department" matches
    "Khyber Pakhtunkhwa Counter-Terrorism Department"), with abbreviations expanded first.
    """
    gold_words = org_tokens(gold)
    predicted_words = org_tokens(predicted)
    if not gold_words or not predicted_words:
        return False
    return gold_words <= predicted_words or predicted_words <= gold_words


def person_tokens(name: str | None) -> tuple[str, ...]:
    """Return the folded words of a person's name without honorifics."""
    if not name:
        return ()
    return tuple(word for word in fold(name).split() if word not in _HONORIFICS)


def persons_match(gold: str, predicted: str | None) -> bool:
    """Say whether ``predicted`` names the gold person.

    The family name (the last word of the gold name, as written in English-language reports for
    both Pakistani and Chinese names) must be present, and every other word of the shorter name
    must occur in the longer one ("Naqvi" and "Mohsin Naqvi" match; "Wang Yi" and "Wang
    Xiaohong" do not).
    """
    gold_words = person_tokens(gold)
    predicted_words = person_tokens(predicted)
    if not gold_words or not predicted_words:
        return False
    shorter, longer = sorted((gold_words, predicted_words), key=len)
    if not set(shorter) <= set(longer):
        return False
    return gold_words[-1] in predicted_words or predicted_words[-1] in gold_words


EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two WGS84 points (mean Earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
