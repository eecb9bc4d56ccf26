"""Deaths and injuries: totals, bounds, conflicting figures and a breakdown by group.

The rules read one clause at a time. A casualty verb ("killed", "killing", "dead", "injured")
points either back to its subject ("13 people ... were killed") or forward to its object
("killing five Chinese nationals and their Pakistani driver"). The noun phrases found there are
split into items: the first item followed by "including" is the total and the rest its breakdown;
otherwise the items add up to the total.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from safepassage.extract.lexicon import SPEECH_VERBS
from safepassage.extract.numbers import NUMBER_PATTERN, parse_number, word_to_int

#: Nationality adjectives and nouns, and Pakistani institutions whose members are Pakistani.
NATIONALITIES: dict[str, str] = {
    "chinese": "CN",
    "pakistani": "PK",
    "pakistanis": "PK",
    "pak": "PK",
    "afghan": "AF",
    "afghans": "AF",
    "afghani": "AF",
    "indian": "IN",
    "indians": "IN",
    "iranian": "IR",
    "iranians": "IR",
    "american": "US",
    "americans": "US",
    "us": "US",
    "british": "GB",
    "japanese": "JP",
    "korean": "KR",
    "german": "DE",
    "french": "FR",
    "russian": "RU",
    "turkish": "TR",
    "saudi": "SA",
    "uzbek": "UZ",
    "tajik": "TJ",
    "frontier corps": "PK",
    "frontier constabulary": "PK",
    "fc": "PK",
    "levies": "PK",
    "rangers": "PK",
    "pakistan army": "PK",
    "police": "PK",
    "policemen": "PK",
    "ctd": "PK",
}

_PERPETRATOR_NOUNS = (
    "militants|militant|terrorists|terrorist|attackers|attacker|assailants|assailant|insurgents|"
    "insurgent|gunmen|gunman|bombers|bomber|rebels|rebel|separatists|separatist|fighters|"
    "miscreants|extremists|kidnappers|taliban|jihadists|dacoits|suspects"
)
_PLURAL_NOUNS = (
    "people|persons|civilians|nationals|citizens|engineers|workers|employees|staff|staffers|"
    "personnel|soldiers|troops|servicemen|policemen|police|officers|cops|constables|officials|"
    "guards|passengers|children|women|men|locals|labourers|laborers|miners|tourists|pilgrims|"
    "worshippers|students|members|drivers|villagers|residents|tribesmen|jawans|others|"
    "rangers|levies|commandos|sepoys|paramilitaries|family members|relatives|"
    "chinese|pakistanis|afghans|indians|iranians|americans|foreigners|"
    "bystanders|shoppers|protesters|teachers|doctors|journalists|lawyers|leaders|elders|"
    "commanders|fishermen|farmers|traders|contractors|technicians|experts|security men|volunteers|"
    r"children|boys|girls|cadets|recruits|vaccinators|health\s+workers|bodies|climbers|"
    r"mountaineers|porters|cooks|crew\s+members|surveyors|watchmen|guests|visitors|customers|"
    r"patients|nurses|supervisors|managers|translators|pilots|conductors|mourners|devotees|"
    r"commuters|travell?ers|truckers|hostages|assistants|aides|colleagues|companions|helpers|"
    r"co-drivers|sons|brothers|nephews|cousins|tailors|barbers|vendors|hawkers|mechanics|"
    r"electricians|carpenters|masons|jewellers|goldsmiths|pharmacists|dentists|clerics|imams|"
    r"scholars|professors|lecturers|principals|councillors|activists|clerks|cashiers|bankers|"
    r"sweepers|cleaners|shepherds|herders|peasants|youths|teenagers|rickshaw\s+drivers|"
    r"taxi\s+drivers|shopkeepers|businessmen|" + _PERPETRATOR_NOUNS
)
_SINGULAR_NOUNS = (
    "person|civilian|national|citizen|engineer|worker|employee|soldier|trooper|policeman|"
    "police officer|officer|cop|constable|official|guard|passenger|child|woman|man|local|"
    "labourer|laborer|miner|tourist|pilgrim|student|member|driver|villager|resident|"
    "tribesman|jawan|ranger|commando|sepoy|boy|girl|teacher|doctor|journalist|lawyer|leader|"
    "elder|commander|chief|spokesman|cleric|politician|official|judge|major|captain|colonel|"
    "lieutenant|sergeant|subedar|naik|havildar|sipahi|bodyguard|guide|interpreter|"
    r"contractor|technician|expert|farmer|trader|shopkeeper|fisherman|vaccinator|health\s+worker|"
    r"aid\s+worker|schoolteacher|businessman|passer-by|bystander|worshipper|climber|"
    r"mountaineer|porter|cook|surveyor|watchman|chowkidar|guest|visitor|customer|patient|nurse|"
    r"supervisor|manager|foreman|translator|pilot|conductor|mourner|commuter|travell?er|trucker|"
    r"hostage|assistant|aide|colleague|companion|helper|co-driver|son|brother|nephew|cousin|"
    r"tailor|barber|vendor|hawker|mechanic|electrician|carpenter|mason|jeweller|goldsmith|"
    r"pharmacist|dentist|imam|prayer\s+leader|scholar|professor|lecturer|principal|councillor|"
    r"activist|clerk|cashier|banker|sweeper|cleaner|shepherd|herder|peasant|youth|teenager|"
    "militant|terrorist|attacker|assailant|insurgent|gunman|bomber|rebel|separatist|"
    "fighter|kidnapper|suspect"
)
_STOP_MODIFIERS = frozenset(
    "was were is are be been being when the of at in on and or to by for with as that which who "
    "had has have from after before during while least than over about into their his her "
    "its them they it this these those there not no killed injured wounded dead including "
    "died were among said left leaving".split()
)
_STOP_ALT = "|".join(sorted(_STOP_MODIFIERS, key=len, reverse=True))
_MODIFIER = rf"(?:(?!(?:{_STOP_ALT})\b)[A-Za-z][\w'’-]*\s+)"
_ITEM_TAIL = re.compile(
    rf"\s+(?P<mods>{_MODIFIER}{{0,4}})(?P<noun>{_PLURAL_NOUNS}|{_SINGULAR_NOUNS})\b(?!-)",
    re.IGNORECASE,
)
# "(?!-)": "a Chinese-run plant" names no Chinese person.
_SINGULAR_ITEM = re.compile(
    rf"\b(?:[Tt]heir|[Hh]is|[Hh]er|[Ii]ts|a|an|[Oo]ne|the)\s+(?P<mods>{_MODIFIER}{{0,3}})"
    rf"(?P<noun>{_SINGULAR_NOUNS})\b(?!-)",
)
_UPPER_SINGULAR_ITEM = re.compile(
    rf"\b(?:kills?|killing|killed|injures?|injuring|wounds?|wounding)\s+(?P<mods>(?:[A-Za-z][\w'’-]*\s+){{0,2}}?)(?P<noun>{_SINGULAR_NOUNS})\b",
    re.IGNORECASE,
)
_PERPETRATOR_RE = re.compile(rf"\b(?:{_PERPETRATOR_NOUNS})\b", re.IGNORECASE)
_GENERIC_GROUPS = frozenset({"people", "persons", "others", "person", "bodies"})

_KILL_VERB = re.compile(
    r"\b(?P<verb>killing|kills|kill|killed|dead|died|dies|die|martyred|slain|perished|"
    r"embraced\s+(?:martyrdom|shahadat)|"
    r"(?:hacked|stabbed|beaten|burnt|burned|bludgeoned)\s+to\s+death|lynched|"
    r"shot\s+dead|gunned\s+down|guns?\s+down|gunning\s+down|shoots?\s+dead|shooting\s+dead|"
    r"found\s+dead|(?<=bodies\s)found|(?<=bodies\swere\s)found|(?<=bodies\s)recovered|"
    r"(?<=bodies\swere\s)recovered|lost\s+(?:their|his|her)\s+li(?:ves|fe)|"
    r"claimed\s+the\s+lives\s+of|claiming\s+the\s+lives\s+of|"
    r"(?:(?:death\s+)?toll|number\s+of\s+(?:the\s+)?(?:dead|deaths|fatalities))"
    r"(?:\s+[^.;]{0,60}?)?\s+(?:rose|rises|climbed|climbs|reached|jumped|has\s+risen|stood|stands|of|is|was|to)"
    r"(?:\s+(?:to|at))?|(?:put|puts|putting)\s+(?:the\s+)?(?:dead|death\s+toll|toll|number\s+of\s+(?:the\s+)?"
    r"(?:dead|deaths|fatalities))\s+at|received(?=\s+\S+\s+bodies))\b",
    re.IGNORECASE,
)
_INJURY_VERB = re.compile(
    r"\b(?P<verb>(?:being\s+)?treated\s+for\s+(?:their\s+|his\s+|her\s+)?(?:[a-z]+\s+)?"
    r"(?:wounds|injuries|burns)|"
    # "died of his wounds": the noun, not the verb.
    r"injuring|injures|injure|injured|wounding|(?<!\bof\s)(?<!\bfrom\s)(?<!\bhis\s)(?<!\bher\s)"
    r"(?<!\btheir\s)(?<!\bthe\s)(?<!\bits\s)wounds|wound|wounded|hurt|"
    r"sustained\s+injuries|were\s+hurt|survived\s+with\s+(?:burns|injuries|wounds))\b",
    re.IGNORECASE,
)
_FORWARD_VERBS = frozenset(
    {"killing", "kills", "kill", "injuring", "injures", "injure", "wounding", "wounds", "wound"}
)
_AUX = re.compile(
    r"\b(?:was|were|been|are|is|being|be)(?:\s+(?:reportedly|allegedly|also|all|later))?\s*$",
    re.IGNORECASE,
)
_FORWARD_BOUNDARY = re.compile(
    r"[.;:!?]|\b(?:in|on|at(?!\s+least)|near|when|after|during|while|since|who|which|that|but|(?<!well\s)as(?!\s+(?:many|well))|by|"
    r"although|though|whereas|said|says|told|"
    r"killing|killed|kills|injuring|injured|injures|wounding|wounded|wounds|wound|hurt|dead|died|"
    r"martyred|embraced|"
    r"arrest\w*|detain\w*|captur\w*|abduct\w*|kidnap\w*|rescu\w*|missing|"
    r"and\s+(?:injur|wound|kill)\w*)\b",
    re.IGNORECASE,
)
_BACKWARD_BOUNDARY = re.compile(
    r"[.;:!?]|\b(?:when|after|while|but|killing|killed|kills|injuring|injured|injures|wounding|"
    r"wounded|wounds|dead|died|martyred|martyrdom|which|whom|arrested|detained|captured)\b|—|–",
    re.IGNORECASE,
)
_RANGE = re.compile(
    r"\b(?:between\s+(?P<low>\w+)\s+and\s+(?P<high>\w+)"
    r"|(?P<low2>\d+)\s*(?:-|–|to)\s*(?P<high2>\d+))\b",
    re.IGNORECASE,
)
_ADDITIVE = re.compile(
    r"\b(?:also|as\s+well|in\s+addition|besides|along\s+with|too)\b", re.IGNORECASE
)
_AMONG_THEM = re.compile(r"\s*,?\s*(?:were\s+)?among\s+(?:them|whom)\b", re.IGNORECASE)
_AMONG = re.compile(r"\s*,?\s*(?:were\s+|are\s+|was\s+)?among\b", re.IGNORECASE)
_AMONG_BETWEEN = re.compile(r"\s+(?:were\s+|was\s+|are\s+)?among(?:\s+the)?\s+", re.IGNORECASE)
_INCLUDING = re.compile(
    r"\b(?:including|among\s+them|among\s+whom|of\s+whom|mostly)\b", re.IGNORECASE
)


@dataclass
class Item:
    """One counted group in a casualty phrase: "nine Chinese engineers"."""

    count: int
    group: str | None
    nationality: str | None
    start: int
    end: int
    bound: str | None = None
    vague: bool = False
    perpetrator: bool = False


@dataclass
class Figure:
    """The casualties stated by one clause."""

    kind: str  # "dead" or "injured"
    total: int
    bound: str | None
    start: int
    end: int
    items: list[Item] = field(default_factory=list)
    breakdown: bool = False
    #: True when the figure counts everyone ("13 people"), not one group ("two engineers").
    whole: bool = True
    perpetrators: int | None = None
    #: Stated as more dead on top of others: "two soldiers also died".
    additive: bool = False
    #: Attackers the text counts apart from their victims ("... before they were themselves
    #: killed"), so never already inside a toll of the victims.
    apart: bool = False
    #: Stated as part of the dead: "three soldiers were among those killed".
    subset: bool = False
    #: Set against another figure of the same sentence: "an official said eight soldiers had
    #: been killed, while hospital staff put the number of dead at 11".
    contrast: bool = False


_NATIONALITY_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(k) for k in sorted(NATIONALITIES, key=len, reverse=True)) + r")\b"
)


def nationality_of(group: str) -> str | None:
    """Return the ISO code of the nationality a group phrase names, if any."""
    match = _NATIONALITY_RE.search(group.lower())
    return NATIONALITIES[match.group(0)] if match else None


def _clean_group(mods: str, noun: str) -> str:
    words = [w for w in mods.split() if w.lower() not in _STOP_MODIFIERS]
    return " ".join([*words, noun]).strip()


def _modifiers_ok(mods: str) -> bool:
    return all(word.lower() not in _STOP_MODIFIERS for word in mods.split())


_OF_BEFORE = re.compile(r"\bof\s+$", re.IGNORECASE)
_COMMA_BEFORE = re.compile(r",\s*(?:the\s+|a\s+|an\s+)?$", re.IGNORECASE)
_OF_THEM = re.compile(
    rf"(?P<num>\w+)\s+of\s+(?:them|whom)\s+(?:were\s+)?(?P<mods>{_MODIFIER}{{0,3}})(?P<noun>{_PLURAL_NOUNS})\b",
    re.IGNORECASE,
)
#: "A security official in Peshawar said eight soldiers ...", "a spokesman for the Nangarhar
#: governor said": the speaker is not counted.
_SPEAKER_AFTER = re.compile(
    rf"(?:\s+(?:in|at|from|for|of)\s+(?:the\s+)?(?-i:[A-Z])[\w'’-]*(?:\s+(?-i:[A-Z])[\w'’-]*)*"
    r"(?:\s+(?-i:[a-z]+)){0,2}?)?\s*"
    rf"{SPEECH_VERBS}\b",
    re.IGNORECASE,
)


#: A number that measures something else: "for six years", "30 km from", "40 per cent".
_UNIT_AFTER = re.compile(
    r"\s*-?\s*(?:years?|months?|weeks?|days?|hours?|minutes?|decades?|km|kilomet(?:re|er)s?|"
    r"miles?|met(?:re|er)s?|kg|kilograms?|per\s*cent|percent|%|rupees|dollars)\b",
    re.IGNORECASE,
)


#: "the toll rose to four, one Chinese engineer among the dead": a part of the figure before.
_BREAKDOWN_NEXT = re.compile(
    rf",\s*(?:{NUMBER_PATTERN.pattern})(?:\s+[\w'’-]+){{1,4}}?\s+(?:were\s+|was\s+)?among\b",
    re.IGNORECASE,
)
#: "three of the attackers": the count is of the group that follows.
_PARTITIVE = re.compile(r"\s+of\s+(?:the|its|their|those)(?=\s)", re.IGNORECASE)
#: "killing two soldiers and two visa applicants": a further group the noun tables do not know,
#: counted only right after a known one and only when it ends the phrase.
_AND_LOOSE = re.compile(r"\s+and\s+$", re.IGNORECASE)
_AND_POSSESSIVE = re.compile(r"\s+and\s+(?:their|his|her)\s", re.IGNORECASE)
_LOOSE_TAIL = re.compile(
    rf"((?:\s+(?!(?:{_STOP_ALT})\b)[A-Za-z][a-z'’-]*){{1,3}})(?=\s*(?:$|[,.;:]|(?:{_STOP_ALT})\b))"
)


_ALL_BEFORE = re.compile(r"\b(?:all|the)\s+$", re.IGNORECASE)


def _after_of(text: str, start: int, at: int) -> bool:
    """ "members of a local peace committee": a qualifier after "of", not a group of the dead."""
    return _OF_BEFORE.search(text, max(start, at - 4), at) is not None


def _loose_group(text: str, count: int, item_start: int, at: int, end: int) -> Item | None:
    """A group of words the noun tables do not know, read from ``at`` (see :data:`_LOOSE_TAIL`)."""
    loose = _LOOSE_TAIL.match(text, at, end)
    if loose is None:
        return None
    group = loose.group(1).strip()
    return Item(count, group, nationality_of(group), item_start, loose.end(1))


def _named_before(text: str, at: int, count: int) -> str | None:
    """The attackers a bare "all three" refers to: "Three gunmen tried to storm the consulate
    ... All three were shot dead". Only attackers counted with the same number just before."""
    if not _ALL_BEFORE.search(text, max(0, at - 5), at):
        return None
    named = None
    for match in NUMBER_PATTERN.finditer(text, max(0, at - 600), at - 4):
        number = parse_number(match)
        tail = _ITEM_TAIL.match(text, match.end()) if number is not None else None
        if number is not None and tail and number.value == count:
            if _PERPETRATOR_RE.fullmatch(tail.group("noun")):
                named = _clean_group(tail.group("mods"), tail.group("noun"))
    return named


def _is_year(raw: str) -> bool:
    return len(raw) == 4 and raw.isdigit() and 1900 <= int(raw) <= 2100


def parse_items(text: str, start: int, end: int) -> list[Item]:
    """Find counted groups ("five Chinese nationals", "their Pakistani driver") in a region."""
    items = [
        item
        for index, item in enumerate(_parse_items(text, start, end))
        # "a hospital official said": a speaker, not a casualty.
        if not _SPEAKER_AFTER.match(text, item.end, item.end + 60)
        # "three labourers employed by a local contractor": the employer, not a fourth victim.
        and not (index and _AGENT_BEFORE.search(text, max(start, item.start - 40), item.start))
    ]
    return items


_AGENT_BEFORE = re.compile(
    r"\b(?:employed|hired|engaged|contracted|working|worked|sent|owned|run|escorted|guarded)\s+"
    r"(?:by|for)\s+$",
    re.IGNORECASE,
)


def _parse_items(text: str, start: int, end: int) -> list[Item]:
    items: list[Item] = []
    taken: list[tuple[int, int]] = []
    for match in NUMBER_PATTERN.finditer(text, start, end):
        number = parse_number(match)
        if number is None or _is_year(match.group("num")) or _UNIT_AFTER.match(text, number.end):
            continue
        tail = _ITEM_TAIL.match(text, match.end(), end)
        if tail is None:
            partitive = _PARTITIVE.match(text, match.end(), end)
            if partitive is not None:
                tail = _ITEM_TAIL.match(text, partitive.end(), end)
        if tail and _modifiers_ok(tail.group("mods")):
            noun = tail.group("noun")
            group = _clean_group(tail.group("mods"), noun)
            if number.article and noun.lower().endswith("s") and noun.lower() not in ("police",):
                continue
            if number.article and _after_of(text, start, number.start):
                continue
            items.append(
                Item(
                    count=number.value,
                    group=group,
                    nationality=nationality_of(group),
                    start=number.start,
                    end=tail.end(),
                    bound=number.bound,
                    vague=number.vague,
                    perpetrator=bool(_PERPETRATOR_RE.fullmatch(noun)),
                )
            )
            taken.append((number.start, tail.end()))
        elif not number.article and (number.value < 1900 or number.value > 2100):
            # A bare figure: "12 killed", "kills 3".
            rest = text[match.end() : end].strip(" ,")
            if (
                not rest
                or _FORWARD_BOUNDARY.match(rest)
                or rest.lower().startswith("and")
                # "kills 12, including two Chinese": the total, then its breakdown.
                or _INCLUDING.match(rest)
                or _BREAKDOWN_NEXT.match(text, match.end(), end)
            ):
                named = _named_before(text, number.start, number.value)
                items.append(
                    Item(
                        number.value,
                        named,
                        None,
                        number.start,
                        number.end,
                        number.bound,
                        number.vague,
                        perpetrator=named is not None,
                    )
                )
                taken.append((number.start, number.end))
            elif items and _AND_LOOSE.fullmatch(text, items[-1].end, number.start):
                loose = _loose_group(text, number.value, number.start, number.end, end)
                if loose is not None:
                    items.append(loose)
                    taken.append((loose.start, loose.end))
    for match in _SINGULAR_ITEM.finditer(text, start, end):
        if any(s <= match.start() < e for s, e in taken):
            continue
        if _after_of(text, start, match.start()):
            continue
        group = _clean_group(match.group("mods"), match.group("noun"))
        items.append(
            Item(
                count=1,
                group=group,
                nationality=nationality_of(group),
                start=match.start(),
                end=match.end(),
                perpetrator=bool(_PERPETRATOR_RE.fullmatch(match.group("noun"))),
            )
        )
    items.sort(key=lambda item: item.start)
    if items:
        # "ten foreign climbers and their Pakistani cook": one more, of a noun not in the tables.
        possessive = _AND_POSSESSIVE.match(text, items[-1].end, end)
        if possessive is not None:
            loose = _loose_group(text, 1, possessive.start(), possessive.end() - 1, end)
            if loose is not None:
                items.append(loose)
    # "all six attackers, the bomber among them": one of the attackers, not one more.
    items = [
        item
        for index, item in enumerate(items)
        if not (
            index > 0
            and item.perpetrator
            and items[index - 1].perpetrator
            and _COMMA_BEFORE.search(text, max(start, item.start - 6), item.start)
            and _AMONG_THEM.match(text, item.end)
        )
    ]
    for match in _OF_THEM.finditer(text, start, end):
        # "13 people, nine of them Chinese workers": a breakdown of the total before it.
        count = word_to_int(match.group("num"))
        if count is None or any(s <= match.start() < e for s, e in taken):
            continue
        items = [i for i in items if not (match.start() <= i.start < match.end())]
        group = _clean_group(match.group("mods"), match.group("noun"))
        items.append(Item(count, group, nationality_of(group), match.start(), match.end()))
    items.sort(key=lambda item: item.start)
    return items


def _figure_from_items(kind: str, items: list[Item], text: str) -> Figure | None:
    if not items:
        return None
    head = items[0]
    between = text[head.end : items[1].start] if len(items) > 1 else ""
    of_them = len(items) > 1 and bool(
        _OF_THEM.match(text, items[1].start, items[1].end)
        # "seven people, two of the attackers among them": a breakdown.
        or _AMONG_THEM.match(text, items[1].end)
        # "four, one Chinese engineer among the dead": a bare total, then a part of it.
        or (head.group is None and _AMONG.match(text, items[1].end, items[1].end + 40))
    )
    if len(items) == 2 and _AMONG_BETWEEN.fullmatch(between):
        # "Three militant commanders among six killed": six, of whom three commanders.
        items = [items[1], items[0]]
        head = items[0]
        between = "including"
    # "Two civilians, a woman and her son, were killed": an apposition names the same people.
    apposition = (
        len(items) > 2
        and between.strip() == ","
        and sum(item.count for item in items[1:]) == head.count
    )
    if len(items) > 1 and (_INCLUDING.search(between) or of_them or apposition):
        parts = items[1:]
        figure = Figure(
            kind=kind,
            total=head.count,
            bound=head.bound,
            start=head.start,
            end=items[-1].end,
            items=parts,
            breakdown=True,
            whole=head.group is None or head.group.lower() in _GENERIC_GROUPS,
        )
        perps = sum(item.count for item in parts if item.perpetrator)
        figure.perpetrators = perps or None
        if _AMONG.match(text, items[-1].end, items[-1].end + 40) and not _AMONG_THEM.match(
            text, items[-1].end
        ):
            # "six civilians, including two children, were among those killed": a part.
            figure.subset, figure.whole = True, False
        return figure
    total = sum(item.count for item in items)
    specific = [item for item in items if item.group and item.group.lower() not in _GENERIC_GROUPS]
    among = bool(_AMONG.match(text, items[-1].end, items[-1].end + 40))
    perps = sum(item.count for item in items if item.perpetrator)
    return Figure(
        kind=kind,
        total=total,
        bound=head.bound if len(items) == 1 else None,
        start=head.start,
        end=items[-1].end,
        items=specific,
        breakdown=len(items) > 1,
        # One specific group ("two Chinese engineers"), or those "among the dead", may be only
        # part of the dead.
        whole=(len(items) > 1 or not specific) and not among,
        perpetrators=perps or None,
        subset=among,
    )


_NEXT_CLAUSE = re.compile(
    rf"(?:,|\band\b)\s*(?:{NUMBER_PATTERN.pattern})(?:\s+[\w'’-]+){{0,3}}?\s*(?:others?\s+)?$",
    re.IGNORECASE,
)


_PARTICIPLE = re.compile(r"(?:and\s+)?\w+ing", re.IGNORECASE)


def _region_forward(text: str, start: int, end: int) -> tuple[int, int]:
    boundary = _FORWARD_BOUNDARY.search(text, start, end)
    # "including" lists run over commas, so only a real boundary word ends the phrase.
    stop = boundary.start() if boundary else end
    if (
        boundary is not None
        and boundary.group(0)[:1].isalpha()
        # "killing two fighters and a child and wounding five": still the first verb's objects.
        and not _PARTICIPLE.fullmatch(boundary.group(0))
    ):
        # "kills one, six wounded": "six" is the subject of the next verb.
        clause = _NEXT_CLAUSE.search(text, start, stop)
        if clause is not None:
            stop = clause.start()
    return start, stop


def _region_backward(text: str, start: int, end: int) -> tuple[int, int]:
    last = start
    for match in _BACKWARD_BOUNDARY.finditer(text, start, end):
        last = match.end()
    return last, end


_LOOSE_WORDS = re.compile(r"\s*((?:[A-Za-z][\w'’-]*\s*){0,4})")
_PASSIVE_FILLER = frozenset(
    {
        "were",
        "was",
        "have",
        "has",
        "been",
        "are",
        "reportedly",
        "all",
        "also",
        "said",
        "feared",
        "believed",
        "confirmed",
    }
)


def _loose_item(text: str, start: int, end: int, forward: bool) -> list[Item]:
    """A number with nouns the tables do not know: "kill 47 Shia Ismaili Muslims",
    "43 Shiites killed". Only right next to the verb, to stay safe."""
    numbers = [
        n
        for n in (parse_number(m) for m in NUMBER_PATTERN.finditer(text, start, end))
        if n is not None
        and not n.article
        and not 1900 <= n.value <= 2100
        and not _UNIT_AFTER.match(text, n.end)
    ]
    if not numbers:
        return []
    number = numbers[0] if forward else numbers[-1]
    if forward and len(text[start : number.start].split()) > 1:
        return []
    words_text = text[number.end : end]
    words = words_text.split()
    mixed_case = any(c.islower() for c in words_text)

    def stop(word: str) -> bool:
        # In mixed-case text an upper-case "IS" is an acronym, not the verb.
        return word.lower() in _STOP_MODIFIERS and not (mixed_case and word.isupper())

    if not forward:
        words = [
            w
            for i, w in enumerate(words)
            # "Al-Qaeda and TTP terrorists": one group of two names.
            if not (w == "and" and 0 < i < len(words) - 1 and words[i + 1][:1].isupper())
        ]
        if len(words) > 5 or any(stop(w) and w.lower() not in _PASSIVE_FILLER for w in words):
            return []
        words = [w for w in words if w.lower() not in _PASSIVE_FILLER]
    else:
        kept = []
        for word in words[:4]:
            if stop(word) or not word[:1].isalpha():
                break
            kept.append(word)
        words = kept
    group = " ".join(w.strip(",") for w in words) or None
    named = None if group else _named_before(text, number.start, number.value)
    return [
        Item(
            number.value,
            group or named,
            nationality_of(group) if group else None,
            number.start,
            number.end + len(words_text),
            number.bound,
            number.vague,
            perpetrator=named is not None,
        )
    ]


_BACK_SINGULAR = re.compile(
    rf"(?:^|[\s,:;(\-])(?P<mods>(?:[A-Za-z][\w'’-]*\s+){{0,3}}?)(?P<noun>{_SINGULAR_NOUNS})\s+"
    r"(?:was\s+|is\s+|has\s+been\s+|reportedly\s+|also\s+)*$",
    re.IGNORECASE,
)


def _back_singular(text: str, start: int, end: int) -> list[Item]:
    """A bare singular subject right before the verb: "Pakistani soldier killed"."""
    match = _BACK_SINGULAR.search(text, start, end)
    if not match:
        return []
    words = match.group("mods").split()
    if any(w.lower() in _STOP_MODIFIERS and w.lower() not in ("the", "a", "an") for w in words):
        return []
    if any(NUMBER_PATTERN.fullmatch(w) and w.lower() not in ("a", "an", "one") for w in words):
        return []
    group = _clean_group(match.group("mods"), match.group("noun"))
    perpetrator = bool(_PERPETRATOR_RE.fullmatch(match.group("noun")))
    return [
        Item(
            1,
            group,
            nationality_of(group),
            match.start("mods"),
            match.end("noun"),
            perpetrator=perpetrator,
        )
    ]


def _upper_singular(text: str, start: int, end: int) -> list[Item]:
    """A bare singular object after the verb, as headlines write it: "kills soldier"."""
    upper = _UPPER_SINGULAR_ITEM.match(text, start, end)
    if not upper or not _modifiers_ok(upper.group("mods")):
        return []
    group = _clean_group(upper.group("mods"), upper.group("noun"))
    return [Item(1, group, nationality_of(group), upper.start("mods"), upper.end())]


def _apply_range(text: str, figure: Figure, figures: list[Figure], start: int, end: int) -> None:
    """ "between 25 and 30 were wounded": a range, not two groups to add up."""
    match = _RANGE.search(text, start, end)
    if match is None:
        return
    low = word_to_int(match.group("low") or match.group("low2"))
    high = word_to_int(match.group("high") or match.group("high2"))
    if low is None or high is None or not low < high:
        return
    figure.total, figure.bound, figure.breakdown = high, None, False
    figure.items = [i for i in figure.items if i.count not in (low, high)]
    figures.append(Figure(figure.kind, low, None, figure.start, figure.end))


def _figures_for(
    kind: str, verb_re: re.Pattern[str], text: str, start: int, end: int
) -> list[Figure]:
    figures: list[Figure] = []
    for match in verb_re.finditer(text, start, end):
        verb = match.group("verb").lower()
        forward = verb in _FORWARD_VERBS or verb.startswith(
            (
                "claimed",
                "claiming",
                "death",
                "toll",
                "number",
                "put",
                "received",
                "gun ",
                "guns",
                "gunning",
                "shoot ",
                "shoots",
                "shooting",
            )
        )
        items: list[Item] = []
        if kind == "dead" and _THEY_BEFORE.search(
            text, max(start, match.start() - 60), match.start()
        ):
            # "... before they were themselves killed": the attackers named as the subject.
            attackers = _subject_attackers(text, start, match.start())
            if attackers is not None:
                figures.append(attackers)
            continue
        back_start, back_end = _region_backward(text, start, match.start())
        if verb in ("killed", "injured", "wounded") or verb.startswith(("shot", "gunned")):
            before = text[max(start, match.start() - 30) : match.start()]
            adjacent = [i for i in parse_items(text, back_start, back_end) if back_end - i.end <= 3]
            if adjacent and not (all(i.perpetrator for i in adjacent) and not _AUX.search(before)):
                items = parse_items(text, back_start, back_end)
            elif not _AUX.search(before):
                fwd_start, fwd_end = _region_forward(text, match.end(), end)
                # An object right after the verb, and the breakdown that follows it. After an
                # attacker ("a suicide bomber killed three teachers") the verb is active.
                items = parse_items(text, fwd_start, fwd_end)
                if not items or items[0].start - fwd_start > 16:
                    items = []
                if not items:
                    items = _upper_singular(text, match.start(), fwd_end)
                if not items and adjacent:
                    items = parse_items(text, back_start, back_end)
        if forward:
            fwd_start, fwd_end = _region_forward(text, match.end(), end)
            items = parse_items(text, fwd_start, fwd_end)
            if not items:
                items = _upper_singular(text, match.start(), fwd_end)
        if not items and not forward:
            items = parse_items(text, back_start, back_end)
            if items and back_end - items[-1].end > 60:
                items = []
        if not items:
            if (
                forward
                or verb in ("killed", "injured", "wounded")
                or verb.startswith(("shot", "gunned"))
            ):
                fwd_start, fwd_end = _region_forward(text, match.end(), end)
                if forward or not _AUX.search(text[max(start, match.start() - 30) : match.start()]):
                    items = _loose_item(text, fwd_start, fwd_end, forward=True)
            if not items and not forward:
                items = _loose_item(text, back_start, back_end, forward=False)
            if not items and not forward:
                items = _back_singular(text, back_start, back_end)
        figure = _figure_from_items(kind, items, text)
        if figure is not None and items:
            _apply_range(text, figure, figures, max(start, items[0].start - 12), items[-1].end + 1)
            if _INCLUDED_BEFORE.search(text, max(start, items[0].start - 12), items[0].start):
                figure.subset, figure.whole = True, False
        if figure is not None:
            clause = text[max(start, figure.start) : min(end, match.end() + 25)]
            figure.additive = bool(_ADDITIVE.search(clause))
            figure.end = max(figure.end, match.end())
            figure.start = min(figure.start, match.start())
            figures.append(figure)
            if not forward:
                _breakdown_after(figure, text, match.end(), end)
                figures.extend(_along_with(kind, text, match.end(), end))
    return figures


#: "... before they were themselves killed": the subject of the attack died too.
_THEY_BEFORE = re.compile(
    r"\b(?:before|after|until|when|and)\s+they\s+(?:were|had\s+been|have\s+been)\s+"
    r"(?:(?:themselves|also|all|later|then)\s+)*$",
    re.IGNORECASE,
)
#: "seven soldiers were killed along with all six attackers": more dead, in addition.
_ALONG_WITH = re.compile(
    r"\s*,?\s*(?:along|together)\s+with\s+(?:all\s+|the\s+|their\s+)?", re.IGNORECASE
)


#: "five killed including two Chinese": the breakdown follows the verb.
_INCLUDING_AFTER = re.compile(r"\s*,?\s*(?:including|among\s+them)\s+", re.IGNORECASE)


def _items_right_after(text: str, at: int, end: int) -> list[Item]:
    """The counted groups of the phrase that starts at ``at``; none unless the first is there."""
    fwd_start, fwd_end = _region_forward(text, at, end)
    items = parse_items(text, fwd_start, fwd_end)
    return items if items and items[0].start - fwd_start <= 3 else []


def _breakdown_after(figure: Figure, text: str, verb_end: int, end: int) -> None:
    """Add the breakdown stated after the verb to a figure read before it."""
    including = _INCLUDING_AFTER.match(text, verb_end, end)
    if including is None or figure.breakdown:
        return
    items = _items_right_after(text, including.end(), end)
    parts = [item for item in items if item.count < figure.total]
    if not parts or parts[0] is not items[0]:
        return
    figure.items = parts
    figure.breakdown = True
    figure.perpetrators = sum(item.count for item in parts if item.perpetrator) or None
    figure.end = parts[-1].end


def _subject_attackers(text: str, start: int, end: int) -> Figure | None:
    """Return the attackers of a sentence's subject ("three gunmen stormed ...") as a figure of
    attackers killed apart from their victims, or ``None`` when the subject has no count."""
    attackers = [item for item in parse_items(text, start, end) if item.perpetrator]
    if not attackers:
        return None
    first = attackers[0]
    return Figure(
        "dead",
        first.count,
        first.bound,
        first.start,
        end,
        [first],
        whole=False,
        perpetrators=first.count,
        apart=True,
    )


def _along_with(kind: str, text: str, verb_end: int, end: int) -> list[Figure]:
    """Return the further dead named after the verb: "were killed along with six attackers"."""
    along = _ALONG_WITH.match(text, verb_end, end)
    if along is None:
        return []
    figure = _figure_from_items(kind, _items_right_after(text, along.end(), end), text)
    if figure is None:
        return []
    figure.additive = True
    figure.start = along.start()
    return [figure]


_NEGATED = re.compile(
    r"\b(?:no\s+one|none|nobody|no\s+casualties|no\s+deaths|no\s+injuries)\b", re.IGNORECASE
)
#: "No one was hurt": a toll of zero for the whole event (not "none of its citizens").
_ZERO = re.compile(
    r"\b(?:no\s+one|nobody)\s+(?:was|were|has\s+been|had\s+been)\s+(?P<what>hurt|injured|killed|harmed|wounded)\b"
    r"|\bno\s+(?P<what2>casualties|deaths|injuries|loss\s+of\s+life)\s+(?:were|was|have\s+been)\s+reported\b",
    re.IGNORECASE,
)


#: "more than 300 militants had been killed in operations over the past year": a statistic
#: of a period, not the toll of an event.
_PERIOD_STAT = re.compile(
    r"\b(?:over|in|during|within)\s+the\s+(?:past|last|previous)\s+(?:[\w-]+\s+)?"
    r"(?:years?|months?|decades?)\b|\bso\s+far\s+this\s+year\b|\bthis\s+year\s+alone\b"
    r"|\bsince\s+(?:the\s+(?:start|beginning)\s+of\s+)?(?:19|20)\d\d\b"
    r"|\bin\s+recent\s+(?:years|months|weeks)\b|\bover\s+the\s+years\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.;,]")
#: "the higher figure included two people who died elsewhere": a part of another figure.
_INCLUDED_BEFORE = re.compile(r"\b(?:included|includes|include)\s+$", re.IGNORECASE)


#: "The attack set off days of clashes in which more than 130 people died": the toll of what
#: followed, not of the attack.
_CONSEQUENCE = re.compile(
    r"\b(?:set\s+off|sparked|triggered|led\s+to|provoked|touched\s+off)\b[^.;]{0,120}?"
    r"\bin\s+which\b",
    re.IGNORECASE,
)


_CONTRAST = re.compile(
    r"\b(?:while|whereas|but|however|although|though)\b[^.;]{0,120}?\b(?:put|said|told|gave|"
    r"reported|counted|according)\b",
    re.IGNORECASE,
)


def _statistic(text: str, figure: Figure, end: int) -> bool:
    stop = _CLAUSE_END.search(text, figure.end, end)
    return _PERIOD_STAT.search(text, figure.start, stop.start() if stop else end) is not None


def find_figures(text: str, start: int, end: int) -> list[Figure]:
    """Return the death and injury figures stated in ``text[start:end]``."""
    consequence = _CONSEQUENCE.search(text, start, end)
    figures = [
        f
        for f in _find_figures(text, start, end)
        if not _statistic(text, f, end) and not (consequence and f.start >= consequence.end())
    ]
    dead = sorted((f for f in figures if f.kind == "dead" and not f.subset), key=lambda f: f.start)
    for first, second in zip(dead, dead[1:], strict=False):
        if first.total != second.total and _CONTRAST.search(text, first.end, second.end):
            first.contrast = second.contrast = True
    return figures


def _find_figures(text: str, start: int, end: int) -> list[Figure]:
    zero = _ZERO.search(text, start, end)
    if zero is not None:
        what = (zero.group("what") or zero.group("what2") or "").lower()
        found = [Figure("dead", 0, None, zero.start(), zero.end())]
        if what not in ("killed", "deaths", "loss of life"):
            found.append(Figure("injured", 0, None, zero.start(), zero.end()))
        return found
    if _NEGATED.search(text, start, end):
        # "none of its citizens had been killed": a subset spared, not a toll.
        return []
    return (
        _figures_for("dead", _KILL_VERB, text, start, end)
        + _parts_of_the_dead(text, start, end)
        + _bodies_found(text, start, end)
        + _figures_for("injured", _INJURY_VERB, text, start, end)
    )


#: "bodies of five abducted miners found", "the bodies of two Levies men were recovered".
_BODIES_OF = re.compile(
    rf"\bbodies\s+of\s+(?:the\s+|all\s+)?(?P<count>{NUMBER_PATTERN.pattern})\s+"
    rf"(?P<mods>{_MODIFIER}{{0,3}})(?P<noun>{_PLURAL_NOUNS})\b[^.;]{{0,30}}?"
    r"\b(?:found|recovered|retrieved|discovered|dumped)\b",
    re.IGNORECASE,
)


def _bodies_found(text: str, start: int, end: int) -> list[Figure]:
    return _dead_counted(_BODIES_OF, text, start, end, part=False)


#: "Two of the dead were Chinese citizens": a part of the dead, stated on its own.
_OF_THE_DEAD = re.compile(
    rf"\b(?P<count>{NUMBER_PATTERN.pattern})\s+of\s+(?:the|those)\s+"
    r"(?:dead|killed|victims|deceased|slain)\s+(?:were|was|are)\s+"
    rf"(?P<mods>{_MODIFIER}{{0,3}})(?P<noun>{_PLURAL_NOUNS}|{_SINGULAR_NOUNS})\b",
    re.IGNORECASE,
)


def _parts_of_the_dead(text: str, start: int, end: int) -> list[Figure]:
    return _dead_counted(_OF_THE_DEAD, text, start, end, part=True)


def _dead_counted(
    pattern: re.Pattern[str], text: str, start: int, end: int, *, part: bool
) -> list[Figure]:
    """One death figure per match of a pattern with ``count``, ``mods`` and ``noun`` groups;
    with ``part``, a part of the dead stated on its own ("Two of the dead were Chinese")."""
    figures = []
    for match in pattern.finditer(text, start, end):
        number = parse_number(match)
        if number is None:
            continue
        count = number.value
        group = _clean_group(match.group("mods"), match.group("noun"))
        item = Item(count, group, nationality_of(group), match.start(), match.end())
        figures.append(
            Figure(
                "dead",
                count,
                None,
                match.start(),
                match.end(),
                [item],
                whole=not part,
                subset=part,
            )
        )
    return figures


def _combine_totals(figures: list[Figure]) -> tuple[int | None, int | None, int | None]:
    """Return ``(total, min, max)`` for a list of figures about one event.

    The best figure is the highest one stated for everyone: tolls rise as reports come in
    ("kills 12" ... "toll rises to 13"), so the last and highest is usually the truest. A lower
    bound ("at least 12") or figures that disagree set ``min`` and ``max``.
    """
    if not figures:
        return None, None, None
    # A part of the dead ("three soldiers were among those killed") is inside another figure.
    figures = [f for f in figures if not f.subset] or figures
    whole = [f for f in figures if f.whole]
    if not whole:
        # Only single groups: "14 militants were killed ... two soldiers also died" add up
        # across groups; figures for the same group ("3 policemen", "four policemen") conflict.
        by_noun: dict[str, list[Figure]] = {}
        for figure in figures:
            noun = (figure.items[0].group or "").split()[-1].lower() if figure.items else ""
            by_noun.setdefault(noun.rstrip("s"), []).append(figure)
        if any(f.additive for f in figures):
            total = sum(max(f.total for f in group) for group in by_noun.values())
        else:
            # Separate reports of one toll ("9 soldiers killed; nine security men killed").
            total = max(f.total for f in figures)
        same = max(by_noun.values(), key=len)
        values = sorted({f.total for f in same})
        if len(by_noun) == 1 and len(values) > 1:
            return total, values[0], values[-1]
        lower = [f.total for f in figures if f.bound == "at_least"]
        return total, (min(lower) if lower and len(by_noun) == 1 else None), None
    counts = Counter(f.total for f in whole)
    total = max(counts)
    # "killing at least 17 worshippers ... put the toll at 21": a lead figure for one group,
    # lower than the toll, is a conflicting report, not a part ("among the dead") of it.
    lower = [
        f.total
        for f in figures
        if (_conflicting_group(f) or (f.contrast and not f.whole)) and f.total < total
    ]
    if lower:
        counts[min(lower)] += 1
    # No group can be larger than the toll: "13 killed ... 18 militants killed" means 18.
    larger = [f.total for f in figures if not f.whole and f.total > total]
    if larger:
        counts[max(larger)] += 1
        total = max(larger)
    distinct = sorted(counts)
    low: int | None = None
    high: int | None = None
    if len(distinct) > 1:
        low, high = distinct[0], distinct[-1]
    if any(f.bound == "at_least" for f in whole):
        bounded = min(f.total for f in whole if f.bound == "at_least")
        low = bounded if low is None else min(low, bounded)
    if any(f.bound == "at_most" for f in whole):
        capped = max(f.total for f in whole if f.bound == "at_most")
        high = capped if high is None else max(high, capped)
    return total, low, high


def _conflicting_group(figure: Figure) -> bool:
    """A bounded figure for one group of no named nationality: "at least 17 worshippers"."""
    return (
        not figure.whole
        and not figure.subset
        and not figure.additive
        and not figure.perpetrators
        and figure.bound == "at_least"
        and len(figure.items) == 1
        and figure.items[0].nationality is None
    )


def _attackers_only(figure: Figure) -> bool:
    # "seven people, two of the attackers among them": a breakdown, not attackers only.
    return (
        bool(figure.items)
        and all(item.perpetrator for item in figure.items)
        and sum(item.count for item in figure.items) == figure.total
    )


def _with_attackers(dead: list[Figure]) -> tuple[int | None, int | None, int | None]:
    """Fold the death figures, adding attackers counted apart from their victims.

    "The bomb killed five soldiers ... all six attackers were shot dead" is 11 dead: attackers and
    victims are different people. Not added when a figure may already count both: a toll of
    everyone ("the toll rose to 38", "13 people") or a breakdown that names attackers.
    """
    attackers = [f for f in dead if _attackers_only(f)]
    # A part "among the dead" is inside another figure, never more dead on its own.
    victims = [f for f in dead if not _attackers_only(f) and not f.subset]
    apart = [f for f in attackers if f.apart]
    if (
        not attackers
        or not victims
        # A toll may already count them, unless the text counts them apart.
        or (not apart and any(f.perpetrators or f.whole for f in victims))
    ):
        return _combine_totals(dead)
    total, low, high = _combine_totals(victims)
    extra = max(f.total for f in apart or attackers)
    return (
        None if total is None else total + extra,
        None if low is None else low + extra,
        None if high is None else high + extra,
    )


def _groups(dead: list[Figure]) -> dict[tuple[str, str | None], int]:
    """Merge the groups of an event's death figures into one breakdown.

    A group named twice keeps its highest count. Figures that restate the dead of one
    nationality under other words ("one Chinese engineer among the dead" ... "five killed
    including two Chinese") are one count, not two: per nationality, the figure naming the most
    is kept. Groups stated as more dead ("two Chinese guards also died") are added.
    """
    groups: dict[tuple[str, str | None], int] = {}
    best: dict[str, tuple[int, int]] = {}  # nationality -> (count, figure index)
    for index, figure in enumerate(dead):
        per_nationality: Counter[str] = Counter()
        for item in figure.items:
            if item.group is not None and item.nationality is not None:
                per_nationality[item.nationality] += item.count
        for nationality, count in per_nationality.items():
            if not figure.additive and count >= best.get(nationality, (0, -1))[0]:
                best[nationality] = (count, index)
    for index, figure in enumerate(dead):
        for item in figure.items:
            if item.group is None:
                continue
            chosen = best.get(item.nationality or "")
            if item.nationality is not None and not figure.additive and chosen is not None:
                if chosen[1] != index:
                    continue
            key = (item.group, item.nationality)
            groups[key] = max(groups.get(key, 0), item.count)
    return groups


def aggregate(figures: list[Figure]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Fold one event's figures into the schema's ``fatalities`` and ``injured`` objects."""
    dead = [f for f in figures if f.kind == "dead"]
    hurt = [f for f in figures if f.kind == "injured"]
    fatalities: dict[str, Any] | None = None
    if dead:
        total, low, high = _with_attackers(dead)
        groups = _groups(dead)
        perps = [f.perpetrators for f in dead if f.perpetrators]
        fatalities = {
            "total": total,
            "min": low,
            "max": high,
            "perpetrators": max(perps) if perps else None,
            "by_group": [
                {"group": group, "nationality": nat, "count": count}
                for (group, nat), count in groups.items()
            ],
        }
    injured: dict[str, Any] | None = None
    if hurt:
        total, low, high = _combine_totals(hurt)
        injured = {"total": total, "min": low, "max": high}
    return fatalities, injured
