"""Place mentions and the choice of where an event happened.

A text names many places; an event happened at one. The rules here drop names used as
modifiers ("the Dasu terror attack", "staff working on the Dasu project"), prefer places
introduced by a locative preposition ("in Bisham", "near the Dasu plant") in the sentence that
reports the event, and then the finest place consistent with the districts and provinces named
alongside it. Broad phrases such as "northwest Pakistan" or "the tribal areas" map to a province
when nothing finer is named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from safepassage.extract.lexicon import SPEECH_VERBS, TITLE_NOUN

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
PRECISION_RANK = {"point": 5, "town": 4, "district": 3, "province": 2, "country": 1}


class PlaceLike(Protocol):
    """The fields of :class:`safepassage.geo.Place` that extraction reads."""

    id: str
    name: str
    kind: str
    country: str
    admin1: str | None
    admin2: str | None
    lat: float
    lon: float
    precision: str


class GazetteerLike(Protocol):
    """The part of :class:`safepassage.geo.Gazetteer` that extraction uses."""

    def resolve(
        self, mention: str, context: Sequence[str] = (), country_hint: str = "PK"
    ) -> Any: ...

    def alias_patterns(self) -> list[tuple[str, str]]: ...


#: Towns whose names are also common English words or too short for the entity ruler's
#: patterns ("Hub", "Tank", "Dir", "Sui"): a place only when capitalised right after a
#: locative preposition ("on the outskirts of Hub", "a bomb in Tank") or as a headline's label.
_LOCATIVE_ONLY_NAME = re.compile(
    r"\b(?:in|near|of|outside|at|from|around|to|inside)\s+(?P<name>Hub|Tank|Dir|Sui|Mand)\b"
    r"(?![-'’]\w)"
    # A headline's place label: "Tank: Militants attack police post".
    r"|(?m:^[ \t*•-]*)(?P<label>Hub|Tank|Dir|Sui|Mand)(?=[ \t]*:)"
)


def add_locative_names(
    text: str, entities: list[tuple[int, int, str]], start: int
) -> list[tuple[int, int, str]]:
    """Add the places of :data:`_LOCATIVE_ONLY_NAME` that the model and the ruler miss; an
    entity the model gave the same words (an ORG "Hub") gives way."""
    found = [
        (match.start(group), match.end(group), "GPE")
        for match in _LOCATIVE_ONLY_NAME.finditer(text, start)
        for group in ("name", "label")
        if match.group(group)
    ]
    if not found:
        return entities
    kept = [e for e in entities if not any(s < e[1] and e[0] < t for s, t, _ in found)]
    return sorted(kept + found)


@lru_cache(maxsize=1)
def default_gazetteer() -> GazetteerLike:
    """Load the project's gazetteer once per process."""
    from safepassage.geo import Gazetteer

    gazetteer: GazetteerLike = Gazetteer.default()
    return gazetteer


# Broad regions that news reports use instead of a place name, mapped to the province they
# designate in Pakistan (FATA was merged into Khyber Pakhtunkhwa in 2018).
REGION_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), province)
    for pattern, province in (
        (
            r"\b(?:north[- ]?west(?:ern)?|n\.?w\.?|n-w)\s+(?:of\s+)?(?:pakistan|pak)\b"
            r"|\bpakistan['’]?s?\s+(?:restive\s+)?north[- ]?west(?:ern)?\b"
            r"|\b(?:in|across)\s+(?:the\s+)?(?:country['’]s\s+)?(?:restive\s+)?north[- ]?west(?:ern)?\b",
            "Khyber Pakhtunkhwa",
        ),
        (
            r"\b(?:tribal|semi-autonomous)\s+(?:region|regions|areas?|belt|districts?|agenc(?:y|ies))\b",
            "Khyber Pakhtunkhwa",
        ),
        (r"\bwaziristan\b|\bfata\b|\bnwfp\b|\bfrontier province\b", "Khyber Pakhtunkhwa"),
        (
            r"\b(?:south[- ]?west(?:ern)?|s\.?w\.?|s-w)\s+(?:of\s+)?(?:pakistan|pak)\b"
            r"|\bpakistan['’]?s?\s+(?:restive\s+)?south[- ]?west(?:ern)?\b"
            r"|\b(?:in|across)\s+(?:the\s+)?(?:country['’]s\s+)?(?:restive\s+)?south[- ]?west(?:ern)?\b"
            r"|\bbaluchistan\b",
            "Balochistan",
        ),
        (r"\bsouth(?:ern)?\s+(?:pakistan|pak)\b|\bpakistan['’]?s?\s+south\b|\bsind\b", "Sindh"),
        (r"\b(?:east(?:ern)?|central)\s+pakistan\b", "Punjab"),
        (r"\bnorthern areas\b", "Gilgit-Baltistan"),
        (
            r"\b(?:pakistani|pakistan-(?:administered|controlled|held)|azad)\s+kashmir\b"
            r"|\bline of control\b|\bloc\b|(?<!indian )(?<!indian-administered )(?<!indian-controlled )\bkashmir\b",
            "Azad Jammu and Kashmir",
        ),
    )
)

_PROJECT_AFTER = re.compile(
    r"[ \t]*(?:hydro\s*power|hydropower|hydroelectric|dam|project|plant|power\s+plant|"
    r"police|university|chamber|model|declaration|corridor|dialogue|mission)\b",
    re.IGNORECASE,
)
#: "the Dasu attack", "Rawalpindi blast": an event named after a place. Often where it
#: happened, but not always (the 2024 "Dasu attack" was near Bisham), so a weak location.
_ATTACK_AFTER = re.compile(
    r"\s*(?:terror(?:ist)?\s+)?(?:attack|attacks|bombing|blast|blasts|incident|probe|"
    r"investigation|case|massacre|carnage|tragedy)\b",
    re.IGNORECASE,
)
_LOCATIVE_BEFORE = re.compile(
    r"(?:\b(?:in|at|near|outside|inside|into|from|across|around|off|within|of|on|to)"
    r"(?:\s+the)?(?:\s+(?:outskirts|suburbs|vicinity|area|district|town|city|village|province|"
    r"region|border)\s+of(?:\s+the)?)?|'s|’s|,)\s*$",
    re.IGNORECASE,
)
_SPEAKER_IN_BEFORE = re.compile(
    r"\b(?:officials?|police|(?:police\s+)?officers?|authorities|sources?|analysts?|residents|diplomats?|reporters?|"
    r"spokesm[ae]n|correspondents?)\s+in\s+$",
    re.IGNORECASE,
)
#: "China's consul general in Karachi, Zhang Yuqing, called on the chief secretary in Quetta":
#: a diplomat's post, when the name follows (not "met the Consul General in Lahore on Monday").
_POSTED_BEFORE = re.compile(
    r"\b(?:consuls?(?:[- ]general)?|ambassadors?|envoys?)\s+in\s+$", re.IGNORECASE
)
_NAME_AFTER = re.compile(r",\s+(?:(?:Mr|Ms|Dr)\.?\s+)?[A-Z][a-z]+\s+[A-Z]")
_INSTITUTION_IN_BEFORE = re.compile(
    r"\b(?:government|embassy|consulate|mission|ministry|foreign\s+office|administration|"
    r"military|army|spokesm[ae]n|spokesperson)\s+in\s+$",
    re.IGNORECASE,
)
#: "officials in Urumqi said", "police in Quetta told reporters": a speaker (not "an attack
#: on police in Quetta").
_SPEECH_AFTER = re.compile(
    # "put the number of dead at five" gives a figure as a statement does.
    rf"[^.;\n]{{0,40}}?\b(?:{SPEECH_VERBS}|puts?\s+the\s+(?:death\s+)?(?:toll|number|figure))\b",
    re.IGNORECASE,
)
_JOURNEY_BEFORE = re.compile(
    r"\b(?:returning|returned|coming|travell?ing|travell?ed|heading|headed|bound|going|"
    r"on\s+(?:their|its|his|her)\s+way|en\s+route)\s+(?:from|to|for)\s+(?:[\w'’-]+\s+){0,5}$"
    # "a town on the road to the Torkham crossing": the way there, not the scene.
    r"|\bthe\s+(?:main\s+)?(?:road|highway|motorway|expressway|route|way)\s+(?:to|towards)\s+"
    r"(?:the\s+)?$"
    # "wounded ... and taken to a hospital in Quetta", "flown by helicopter to Karachi": where
    # the wounded were treated.
    r"|\b(?:taken|rushed|shifted|moved|brought|flown|airlifted|evacuated|referred|sent)\s+"
    r"(?:by\s+\w+\s+)?to\s+(?:(?:a|the)\s+(?:[\w'’-]+\s+){0,3}(?:hospitals?|clinic|"
    r"centre|center|facility)\s+in\s+)?$"
    # "one more worker died in hospital in Abbottabad": where the wounded were treated.
    r"|\b(?:died|treated|admitted|succumbed|recovering|undergoing|receiving)\b[^.;]{0,40}?"
    r"\bhospitals?\s+(?:in|at)\s+$",
    re.IGNORECASE,
)
_PROJECT_WORD_END = re.compile(r"\b(?:project|plant|dam|mine|scheme)\Z", re.IGNORECASE)
_PLACE_NEXT = re.compile(r"\s+(?:near|at|in|outside)\s+(?:the\s+)?[A-Z]")
_STAFF_OF_BEFORE = re.compile(
    r"\b(?:engineers|employees|staff|workers|personnel|experts|technicians|crew|labourers)\s+"
    r"(?:\w+\s+)?(?:of|for|with|on)\s+the\s+$",
    re.IGNORECASE,
)
#: "Lashkar-e-Taiba, which he said operated from across the Line of Control near Rawalakot",
#: "fighters based in Khost": where a group is based, not the scene (but a raid "on a hideout
#: in Manghopir" is).
_BASE_BEFORE = re.compile(
    r"\b(?:operat(?:es|ed|ing)|based)\s+(?:from|in|inside)\b[^.;,]{0,50}$",
    re.IGNORECASE,
)
#: "a Quetta-bound train": where it was going, not where it was; "a dozen wounded still in
#: Quetta hospitals": where the wounded are treated.
_BOUND_AFTER = re.compile(r"[-‑]bound\b|\s+hospitals\b", re.IGNORECASE)
_ORIGIN_BEFORE = re.compile(
    r"\b(?:residents?|natives?|hailing|belonging|hailed|originally)\s+(?:from|of|to)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
#: "north of Besham", "30 km from Quetta": a reference point, not the scene itself.
_RELATIVE_BEFORE = re.compile(
    r"\b(?:(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ern)?\s+of|"
    r"(?:km|kilomet(?:re|er)s?|miles?)\s+(?:from|away\s+from|outside)|away\s+from|drive\s+from)"
    r"(?:\s+the)?\s*$",
    re.IGNORECASE,
)
_COUNTRY_OWNS = re.compile(r"\b(?:Pakistan|Pak|China|Afghanistan)['’]s\s*$", re.I)
_TAKEN_FROM = re.compile(
    r"\b(?:abduct\w*|kidnap\w*|snatch\w*|seiz\w*|taken|took|whisked\s+away)\s+"
    r"(?:[\w'’-]+\s+){0,5}?from\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_PARTY_BEFORE = re.compile(r"\b(?:from|with|by|against|between)\s+(?:the\s+)?$", re.IGNORECASE)
_NEAR_BEFORE = re.compile(r"\b(?:near|at|outside|close\s+to)(?:\s+the)?\s*$", re.IGNORECASE)


@dataclass
class PlaceMention:
    """A place named in the text, with what its context says about it."""

    start: int
    end: int
    text: str
    place: PlaceLike | None
    locative: bool
    modifier: bool
    region: bool = False
    #: Named after the event ("the Dasu attack"): used only when nothing better is named.
    weak: bool = False


def location_object(place: PlaceLike, name: str | None = None) -> dict[str, Any]:
    """Render a gazetteer place as the schema's ``location`` object."""
    return {
        "name": name or place.name,
        "country": place.country,
        "admin1": place.admin1,
        "admin2": place.admin2,
        "lat": round(float(place.lat), 5),
        "lon": round(float(place.lon), 5),
        "precision": place.precision,
        "gazetteer_id": place.id,
    }


_DEMONYM_AFTER = re.compile(
    r"\s+(?:militants?|separatists?|rebels?|insurgents?|nationalists?|fighters?|groups?|tribes?|"
    r"tribesmen|leaders?|people|community|organi[sz]ations?|outfits?|Liberation|Republican|"
    r"man|men|woman|women|boy|girl|family|families|sect|minority|worshippers)\b",
    re.IGNORECASE,
)


#: "Zhou Jianming, China's vice-minister", "the Khyber Pakhtunkhwa chief secretary": the place
#: a title belongs to, not a scene.
_TITLE_OWNER_AFTER = re.compile(
    rf"(?:['’]s\s+(?:[\w-]+\s+){{0,3}}?|\s+(?:[a-z-]+\s+)?){TITLE_NOUN}\b"
)


#: "exploiting Balochistan's resources": the place owns something; it is not a scene.
_OWNER_OF_THING = re.compile(
    r"['’]s\s+(?:[a-z]+\s+)?(?:resources|wealth|minerals?|people|economy|politics|leaders?|"
    r"leadership|history|future|population|youth|development|interests?|sovereignty)\b"
)


def classify_mention(text: str, start: int, end: int) -> tuple[bool, bool]:
    """Return ``(locative, modifier)`` for the place name at ``text[start:end]``."""
    before = text[max(0, start - 40) : start]
    after = text[end : end + 40]
    if (
        _TITLE_OWNER_AFTER.match(after)
        or _OWNER_OF_THING.match(after)
        or (_POSTED_BEFORE.search(before) and _NAME_AFTER.match(after))
    ):
        return False, True
    locative = bool(_LOCATIVE_BEFORE.search(before))
    # "Baloch militants", "Baloch Liberation Army": a people's name, not a place.
    modifier = bool(_DEMONYM_AFTER.match(after)) and not locative
    # "firing from India", "talks with China": a party or a direction, not the scene;
    # "officials in Urumqi said": where the speaker is, not where it happened.
    speaker_in = _SPEAKER_IN_BEFORE.search(before)
    # "police in Quetta" may be the target ("an attack on police in Quetta"), not a speaker.
    speaker = speaker_in is not None and (
        not speaker_in.group(0).lower().startswith(("police", "officer"))
        or bool(_SPEECH_AFTER.match(after))
    )
    # "the Taliban government in Kabul said", "the embassy in Islamabad confirmed": where the
    # statement was made (but "an attack on the embassy in Kabul" is the scene).
    if _INSTITUTION_IN_BEFORE.search(before) and _SPEECH_AFTER.match(after):
        speaker = True
    # "residents of Punjab killed in Kalat": where the victims come from; but people "abducted
    # from Ghotki" were taken there.
    party = _PARTY_BEFORE.search(before) is not None and not _TAKEN_FROM.search(before)
    if party or speaker or _ORIGIN_BEFORE.search(before):
        modifier = True
    if (
        _PROJECT_WORD_END.search(text, start, end)
        and _STAFF_OF_BEFORE.search(before)
        and _PLACE_NEXT.match(after)
    ):
        # "a bus carrying engineers of the Saindak project near Dalbandin": whom they work
        # for; the place named next is where the bus was.
        return False, True
    if _PROJECT_AFTER.match(after):
        # "near the Dasu hydropower plant" places the event; "working on the Dasu project" and
        # "the Dasu attack" only name things after the place.
        modifier = not _NEAR_BEFORE.search(before)
    return locative and not modifier, modifier


def find_region_mentions(
    text: str, start: int, end: int, gazetteer: GazetteerLike
) -> list[PlaceMention]:
    """Find broad regional phrases ("northwest Pakistan") and map them to provinces."""
    mentions = []
    for pattern, province in REGION_PHRASES:
        for match in pattern.finditer(text, start, end):
            place = gazetteer.resolve(province, (), "PK")
            if place is None:
                continue
            mentions.append(
                PlaceMention(
                    match.start(), match.end(), match.group(0), place, True, False, region=True
                )
            )
    return mentions


def collect_mentions(
    text: str,
    entities: Iterable[tuple[int, int, str]],
    gazetteer: GazetteerLike,
    context: Sequence[str],
) -> list[PlaceMention]:
    """Resolve each place entity ``(start, end, label)`` of a document against the gazetteer."""
    mentions: list[PlaceMention] = []
    cache: dict[str, Any] = {}
    for start, end, label in entities:
        if label not in PLACE_LABELS and label != "ORG":
            continue
        surface = text[start:end]
        key = surface.strip().removeprefix("the ").removeprefix("The ")
        if key not in cache:
            cache[key] = gazetteer.resolve(key, context, "PK")
        if label == "ORG":
            # "the University of Karachi" read as an organisation: a curated site is a place.
            found = cache[key]
            if found is None or found.precision != "point":
                continue
        locative, modifier = classify_mention(text, start, end)
        before = text[max(0, start - 40) : start]
        # "in Pakistan's North Waziristan blast": qualified by its country, the name places
        # the event rather than naming it.
        named_after = bool(_ATTACK_AFTER.match(text, end, end + 40)) and not _COUNTRY_OWNS.search(
            before
        )
        # "returning from the holy city of Mashhad": a journey's end, not the scene.
        journey = bool(_JOURNEY_BEFORE.search(text[max(0, start - 80) : start])) or bool(
            _BOUND_AFTER.match(text, end)
        )
        weak = (
            named_after
            or journey
            or bool(_RELATIVE_BEFORE.search(before))
            or bool(_BASE_BEFORE.search(text, max(0, start - 80), start))
        )
        mentions.append(
            PlaceMention(
                start, end, surface, cache[key], locative and not weak, modifier, weak=weak
            )
        )
    return mentions


def _consistent(place: PlaceLike, others: Sequence[PlaceLike]) -> int:
    """Count how many of the broader places named nearby contain ``place``."""
    score = 0
    for other in others:
        if other is place:
            continue
        if other.precision == "province" and other.admin1 and other.admin1 == place.admin1:
            score += 1
        elif other.precision == "district" and other.admin2 and other.admin2 == place.admin2:
            score += 1
        elif other.precision == "province" and other.admin1 and other.admin1 != place.admin1:
            score -= 1
    return score


def choose_location(
    mentions: Sequence[PlaceMention], focus: tuple[int, int], anchor: int
) -> PlaceMention | None:
    """Pick the mention that says where the event happened.

    ``focus`` is the span of the sentences that report the event; ``anchor`` the offset of the
    word that reports it (the trigger). Named places beat regions, finer beats broader, and a
    place consistent with the districts and provinces named with it beats one that is not.
    """
    usable = [
        m
        for m in mentions
        if m.place is not None and not m.modifier and focus[0] <= m.start < focus[1]
    ]
    if not usable:
        return None
    named = [m for m in usable if m.place is not None and m.place.precision != "country"]
    pool = named or usable
    places = [m.place for m in pool if m.place is not None]

    def rank(m: PlaceMention) -> tuple[int, int, int, int, int, int, int]:
        assert m.place is not None
        return (
            0 if m.place.precision == "country" else 1,
            0 if m.weak else 1,
            0 if m.region else 1,
            _consistent(m.place, places) if m.place.precision in ("point", "town") else 0,
            PRECISION_RANK.get(m.place.precision, 0) + (1 if m.locative else 0),
            1 if m.locative else 0,
            -abs(m.start - anchor),
        )

    return max(pool, key=rank)
