"""Who: perpetrator groups (with claim or attribution), targets, and engagement participants.

Group names are canonicalised through one table of aliases, so "TTP", "Tehreek-e-Taliban
Pakistan" and "Pakistani Taliban" all become "Tehrik-i-Taliban Pakistan". Threat actors exist
only as group names attached to events: no person is ever profiled here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from safepassage.extract.casualties import nationality_of
from safepassage.extract.lexicon import HONORIFICS, SPEECH_VERBS

#: Canonical group names and the spellings that refer to them.
GROUP_ALIASES: dict[str, tuple[str, ...]] = {
    "Tehrik-i-Taliban Pakistan": (
        r"Tehr[ei]e?k[- ]?[ei]?[- ]?Taliban(?:[- ]Pakistan)?",
        r"Tehrik-i-Taliban(?: Pakistan)?",
        r"TTP",
        r"Pakistani Taliban",
        r"Pakistan Taliban",
        r"Pakistani Taleban",
    ),
    "Balochistan Liberation Army": (
        r"Balochistan Liberation Army",
        r"Baloch Liberation Army",
        r"Baluchistan Liberation Army",
        r"BLA",
        r"Majeed Brigade",
    ),
    "Balochistan Liberation Front": (r"Baloch(?:istan)? Liberation Front", r"BLF"),
    "Baloch Republican Army": (r"Baloch Republican Army", r"BRA"),
    "Baloch Raaji Aajoi Sangar": (r"Baloch Raaji Aajoi Sangar", r"BRAS"),
    "Islamic State Khorasan Province": (
        r"Islamic State(?: Khorasan(?: Province)?)?",
        r"IS-?K(?:P)?",
        r"ISIS(?:-K)?",
        r"Daesh",
    ),
    "Lashkar-e-Jhangvi": (r"Lashkar-e-Jhangvi", r"Lashkar-i-Jhangvi", r"LeJ"),
    "Lashkar-e-Taiba": (r"Lashkar-[ei]-T(?:ai|a|o)y?y?[ia]?ba", r"LeT"),
    "Jaish-e-Mohammed": (r"Jaish-e-Moh?amm?[ae]d", r"JeM"),
    "Jamaat-ul-Ahrar": (r"Jamaat-ul-Ahrar", r"Jamat-ul-Ahrar", r"JuA"),
    "Lashkar-e-Islam": (r"Lashkar-e-Islam",),
    "Hafiz Gul Bahadur group": (r"Hafiz Gul Bahadur(?: group)?",),
    "Tehreek-e-Jihad Pakistan": (r"Tehreek-e-Jihad Pakistan", r"TJP"),
    "Sindhudesh Revolutionary Army": (r"Sindhudesh Revolutionary Army", r"SRA"),
    "East Turkestan Islamic Movement": (r"East Turk[ei]stan Islamic Movement", r"ETIM"),
    "al-Qaeda": (r"al[- ]Qa'?eda", r"al[- ]Qaida"),
    "Hizbul Mujahideen": (r"Hizb-?ul[- ]Mujahideen",),
    "Taliban": (r"Taliban", r"Taleban"),
}

_GROUP_RE = re.compile(
    "|".join(
        f"(?P<g{index}>\\b(?:{'|'.join(aliases)})\\b)"
        for index, aliases in enumerate(GROUP_ALIASES.values())
    )
)
_GROUP_NAMES = list(GROUP_ALIASES)

_CLAIMED = re.compile(r"\bclaim(?:ed|s|ing)?\b(?!\s+(?:that|the\s+lives))", re.IGNORECASE)
_ATTRIBUTED = re.compile(
    r"\b(?:held\b.{0,80}?\bresponsible|blam(?:ed|es|ing)|attribut(?:ed|es)|accus(?:ed|es)|"
    r"carried out by|behind the (?:attack|bombing|blast)|responsible for)\b",
    re.IGNORECASE,
)
#: The group's own voice: "a spokesman for the TTP telephoned reporters to say its men had
#: carried out the attack", "a man who said he spoke for the BLA told reporters that his group
#: had planted the bomb".
_OWN_VOICE = re.compile(
    r"\b(?:say|says|said|saying|told\s+(?:\w+\s+){0,4}?that)\s+(?:that\s+)?(?:its|his|their)\s+"
    r"(?:men|fighters|group|members|militants|organi[sz]ation|cadres|commandos)\s+(?:had\s+|have\s+|has\s+)?"
    r"(?:carried\s+out|planted|staged|conducted|attacked|killed|fired|detonated|triggered|"
    r"kidnapped|abducted|ambushed|been\s+behind|was\s+behind|were\s+behind)\b",
    re.IGNORECASE,
)
#: A group's spokesman telling who did it: "a spokesman for the Taliban in Swat told reporters
#: that the TTP had carried out the attack" is the group's own claim.
_SPOKESMAN_FOR = re.compile(
    r"\b(?:spokes(?:man|woman|person)|spoke|speaks|speaking)\s+for\s+(?:the\s+)?$", re.IGNORECASE
)
_DID_IT = re.compile(
    r"\b(?:carried\s+out|was\s+behind|were\s+behind|responsib\w*|staged|conducted)\b",
    re.IGNORECASE,
)
#: Suspicion words; "suspect" as a person ("the suspects belonged to", "arrested a suspect") is
#: not a suspicion about who did it.
_SUSPECTED = re.compile(
    r"(?<!\bthe\s)(?<!\ba\s)(?<!\bany\s)(?<!\btwo\s)(?<!\bsix\s)(?<!\bthree\s)(?<!\bfour\s)"
    r"(?<!\bfive\s)(?<!\bmore\s)(?<!\bother\s)(?<!\bmain\s)(?<![\d]\s)"
    r"\bsuspects?\b"
    r"|\bsuspected\b"
    r"|\b(?:likely|believed|possibly|alleged(?:ly)?|pointed\s+to|points?\s+to)\b",
    re.IGNORECASE,
)

#: Attributing authorities, canonicalised. Province prefixes are read from the text.
_AUTHORITY = re.compile(
    r"(?P<prov>Khyber Pakhtunkhwa|KP|KPK|Balochistan|Sindh|Punjab)?\s*(?:'s\s+)?"
    r"(?:(?P<nat>Indian|Afghan|Iranian|Chinese)\s+)?"
    r"(?P<body>Counter[- ]Terrorism Department|CTD|police|Inter-Services Public Relations|ISPR|"
    r"military|army|Interior Ministry|Ministry of Interior|Foreign Office|officials|government|"
    r"Levies|Frontier Corps|Rangers)\b",
    re.IGNORECASE,
)
_PROVINCES = {
    "khyber pakhtunkhwa": "Khyber Pakhtunkhwa",
    "kp": "Khyber Pakhtunkhwa",
    "kpk": "Khyber Pakhtunkhwa",
    "balochistan": "Balochistan",
    "sindh": "Sindh",
    "punjab": "Punjab",
}
_BODIES = {
    "counter-terrorism department": "Counter-Terrorism Department",
    "counter terrorism department": "Counter-Terrorism Department",
    "ctd": "Counter-Terrorism Department",
    "police": "Police",
    "inter-services public relations": "Inter-Services Public Relations",
    "ispr": "Inter-Services Public Relations",
    "military": "Pakistan Army",
    "army": "Pakistan Army",
    "interior ministry": "Ministry of Interior",
    "ministry of interior": "Ministry of Interior",
    "foreign office": "Foreign Office",
    "officials": "officials",
    "government": "government",
    "levies": "Levies",
    "frontier corps": "Frontier Corps",
    "rangers": "Rangers",
}
#: A foreign force or government named by its nationality: "an Indian army officer blamed ...".
_FOREIGN_BODIES = {
    "army": "Army",
    "military": "Army",
    "police": "police",
    "government": "government",
}


#: The group itself speaking: "the BLA said its fighters had carried out the attack".
_GROUP_SAYS = re.compile(
    r"(?:\s*\([A-Z]+\))?(?:\s+spokes(?:man|woman|person)(?:\s+[A-Z][\w-]*){0,3})?"
    r"(?:,[^,.;]{0,110},)?,?\s+(?:later\s+|also\s+|quickly\s+)?(?:had\s+|has\s+)?"
    r"(?:said|says|claimed|has\s+claimed|announced|admitted|accepted|took|takes|owned)\b"
    r"(?!\s+(?:it\s+)?(?:was\s+not|had\s+no|denied))",
)
#: The group denying: "a spokesman for the TTP said it had no role in the attack".
_GROUP_DENIES = re.compile(
    r"(?:\s*\([A-Z]+\))?(?:\s+spokes(?:man|woman|person)(?:\s+[A-Z][\w-]*){0,3})?"
    r"(?:,[^,.;]{0,110},)?,?\s+(?:later\s+|also\s+|quickly\s+)?"
    r"(?:(?:said|says|stated)\s+(?:(?:in|on|through)\s+(?:a|an|the)\s+[\w-]+(?:\s+[\w-]+)?\s+)?"
    r"(?:that\s+)?(?:it|the\s+group|its\s+fighters)\s+"
    r"(?:had\s+no|has\s+no|was\s+not|were\s+not|played\s+no|had\s+nothing|did\s+not)"
    r"|denied|denies|distanced)\b",
    re.IGNORECASE,
)
_NO_CLAIM = re.compile(
    r"\b(?:no|none|nobody|no\s+one|not)\b[^.;]{0,30}\bclaim\w*|\bdenied\b", re.IGNORECASE
)


def find_groups(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Return ``(start, end, canonical name)`` for every armed group named in the span."""
    found = []
    for match in _GROUP_RE.finditer(text, start, end):
        if _AFFILIATE_BEFORE.search(text, max(start, match.start() - 60), match.start()):
            continue  # "a group with ties to al-Qaeda": context, not the one who acted
        if _VICTIM_BEFORE.search(
            text, max(start, match.start() - 40), match.start()
        ) and not _BLAMED_ON.search(text, max(start, match.start() - 60), match.start()):
            continue  # "killing two Taliban fighters": the group lost people
        if _AUTHORITY_AFTER.match(text, match.end(), end):
            continue  # "Taliban officials said", "a Taliban checkpoint": a government, a target
        if (
            _SPOKESMAN_AFTER.match(text, match.end(), end)
            or _SPEAKS_AFTER.match(text, match.end(), end)
        ) and not _OWNS_ATTACK.search(text, start, end):
            continue  # "a Taliban spokesman for the province said", "Taliban say 27 killed"
        index = int(next(key for key, value in match.groupdict().items() if value)[1:])
        found.append((match.start(), match.end(), _GROUP_NAMES[index]))
    return found


_VICTIM_BEFORE = re.compile(
    r"\b(?:killing|killed|kills|kill|wounding|wounded|injuring|injured|targeting|targeted|"
    r"attacks?\s+on|attacked)\s+(?:(?:the|a|an|two|three|four|five|six|seven|eight|nine|ten|"
    r"several|many|\d+)\s+)?$",
    re.IGNORECASE,
)
#: "blamed that attack on Jamaat-ul-Ahrar": the group blamed, not attacked.
_BLAMED_ON = re.compile(r"\bblam\w*\s+(?:[\w'’-]+\s+){0,4}on\s+(?:the\s+)?$", re.IGNORECASE)
_AUTHORITY_AFTER = re.compile(
    r"['’]?s?\s*-?\s*(?:officials?|government|administration|authorities|ministry|minister|"
    r"checkpoints?|check\s+posts?|police|security\s+forces|regime|-run|-led|interior|patrols?|"
    r"convoys?|posts?|positions?|bases?|camps?|hideouts?|vehicles?)\b",
    re.IGNORECASE,
)
_AFFILIATE_BEFORE = re.compile(
    r"\b(?:ties|links?|linked|close|allied|aligned|loyal|affiliated|affiliate|inspired|"
    r"front)\s+(?:to|with|of|for|by)\s+(?:the\s+)?$"
    # "a faction that has split from and rejoined the Pakistani Taliban" (but "a local
    # faction of the TTP" is the TTP).
    # "a former commander of the banned Lashkar-e-Taiba": the victim's past, not the attacker.
    r"|\bformer\s+[\w-]+(?:\s+[\w-]+)?\s+(?:of|with|in)\s+(?:the\s+)?"
    r"(?:banned\s+|outlawed\s+|proscribed\s+|defunct\s+)?$"
    r"|\b(?:split|splintered|broke\s+away|broken\s+away)\b[^.;,]{0,40}?"
    r"\b(?:from|rejoined)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
#: "a Taliban spokesman for the province said": the group's official reports, not a claim.
_SPOKESMAN_AFTER = re.compile(r"\s+spokes(?:man|woman|person)\b", re.IGNORECASE)
#: "Taliban say 27 killed": the group (a government here) gives a toll; it does not claim.
_SPEAKS_AFTER = re.compile(
    rf"\s+(?:{SPEECH_VERBS}|say)\s+(?:that\s+)?(?:at\s+least\s+|only\s+)?"
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?)\b",
    re.IGNORECASE,
)
_OWNS_ATTACK = re.compile(
    r"\b(?:claim\w*|responsib\w*|carried\s+out|behind|blam\w*|accus\w*|attribut\w*|"
    r"suspect\w*|belong\w*)\b",
    re.IGNORECASE,
)


_AUTHORITY_ACTS = re.compile(
    # "the CTD's deputy inspector general, Asif Ali Bughio, told ...": an official named between.
    r"(?:['’]s\s+[\w -]{3,40}?,\s+[^,.;]{3,40},)?[^.;]{0,25}?\b(?:said|says|blam\w*|held|holds|suspect\w*|believ\w*|accus\w*|attribut\w*|told|"
    r"identified|named|stated)\b",
    re.IGNORECASE,
)


#: A capitalised word before "Army" or "police" that makes them part of a name ("Sindhudesh
#: Revolutionary Army"); not an article ("The army said").
_NAME_WORD_BEFORE = re.compile(
    r"\b(?!(?:The|A|An|This|That|Its|Their|Provincial|Local|District|Federal|Regional|City|"
    r"State|Senior|Pakistani|Afghan|Chinese|Iranian|Indian)\b)[A-Z][a-z]+\s+$"
)


def _authority(sentence: str) -> str | None:
    """The authority that attributes the attack: the subject of "said", "blamed", "held"."""
    best: str | None = None
    for match in _AUTHORITY.finditer(sentence):
        acts = _AUTHORITY_ACTS.match(sentence, match.end())
        before = sentence[max(0, match.start() - 15) : match.start()].lower()
        body_start = match.start("body")
        if (
            not match.group("prov")
            and match.group("body").lower() == "army"
            and _NAME_WORD_BEFORE.search(sentence[max(0, body_start - 20) : body_start])
            and not re.search(r"(?:Pakistan|Pakistani)\s+$", sentence[:body_start])
        ):
            continue  # part of a name: "Sindhudesh Revolutionary Army"
        if not acts and "according to" not in before:
            continue
        body = _BODIES.get(re.sub(r"\s+", " ", match.group("body").lower()))
        if body is None:
            continue
        nationality = match.group("nat")
        foreign = _FOREIGN_BODIES.get(match.group("body").lower())
        if nationality and foreign:
            return f"{nationality.capitalize()} {foreign}"
        prov = match.group("prov")
        if prov and body in ("Counter-Terrorism Department", "Police"):
            return f"{_PROVINCES[prov.lower()]} {body}"
        if body not in ("officials", "government") or best is None:
            best = body
    return best


_UNKNOWN_CLAIMANT = re.compile(
    r"(?<![\w'’-])(?P<name>(?:[A-Z][\w'’-]+\s+){0,4}[A-Z][\w'’-]+)(?:\s*\([A-Z]+\))?"
    r"(?:,\s+(?:an?|the)\s+[^,.;]{3,60},)?\s+(?:has\s+|had\s+|later\s+)?"
    r"(?:claimed\s+(?:responsibility|the\s+(?:attack|bombing|blast|ambush|killing|assault|"
    r"abduction|kidnapping))"
    # "Jaish-e-Fursan-e-Muhammad, a little-known group, said it had carried out the attack"
    r"|said\s+(?:that\s+)?it\s+(?:had\s+|has\s+)?(?:carried\s+out|was\s+behind|staged))\b"
)
#: A group the table does not know, blamed by an authority: "Police blamed the Teghani gang".
_UNKNOWN_BLAMED = re.compile(
    r"\b(?:blamed|suspected|accused)\s+(?:the\s+)?"
    r"(?P<name>(?:[A-Z][\w'’-]+\s+){1,3}(?:gang|group|network|faction|outfit))\b"
)
#: The second of two clauses that may give different relations.
_OTHER_CLAUSE = re.compile(r",\s+(?:while|whereas|but)\s+")
_NOT_GROUP_WORDS = frozenset(
    "The A An No Nobody None Police Officials Authorities He She It They We Militants Gunmen "
    "Insurgents Attackers Nobody Someone Another Later Earlier".split()
)


def perpetrators_in(text: str, start: int, end: int) -> list[dict[str, Any]]:
    """Return the perpetrator objects stated in one sentence ``text[start:end]``."""
    found = find_groups(text, start, end)
    denied = {name for _s, e, name in found if _GROUP_DENIES.match(text, e, min(end, e + 150))}
    groups = [group for group in found if group[2] not in denied]
    clause = _OTHER_CLAUSE.search(text, start, end)
    if clause is not None:
        # "X claimed the attack, while an army officer blamed Y": each clause its own relation.
        first = perpetrators_in(text, start, clause.start())
        second = perpetrators_in(text, clause.end(), end)
        if first and second:
            return first + [p for p in second if p["name"] not in {q["name"] for q in first}]
    if not found:
        unknown = _UNKNOWN_CLAIMANT.search(text, start, end)
        name = unknown.group("name").removeprefix("The ") if unknown is not None else ""
        if name and name.split()[0] not in _NOT_GROUP_WORDS:
            # A group the table does not know, named as the claimant: "Ittehad-ul-Mujahideen
            # Pakistan, an alliance of militant factions, claimed the attack".
            return [{"name": name, "relation": "claimed", "by": None}]
        blamed = _UNKNOWN_BLAMED.search(text, start, end)
        if blamed is not None and blamed.group("name").split()[0] not in _NOT_GROUP_WORDS:
            relation = "suspected" if blamed.group(0).startswith("suspected") else "attributed"
            return [
                {
                    "name": blamed.group("name"),
                    "relation": relation,
                    "by": _authority(text[start:end]),
                }
            ]
    if not groups:
        return []
    sentence = text[start:end]
    names: list[str] = []
    for _s, _e, name in groups:
        if name not in names:
            names.append(name)
    # "Taliban" is a generic fallback: drop it when a specific Taliban group is named.
    if "Taliban" in names and "Tehrik-i-Taliban Pakistan" in names:
        names.remove("Taliban")
    negated = bool(_NO_CLAIM.search(sentence))
    group_speaks = any(_GROUP_SAYS.match(text, e, min(end, e + 150)) for _s, e, _n in groups) or (
        any(_SPOKESMAN_FOR.search(text, max(start, s - 30), s) for s, _e, _n in found)
        and bool(_DID_IT.search(sentence))
        and not negated
    )
    if (
        group_speaks
        or _OWN_VOICE.search(sentence)
        or (_CLAIMED.search(sentence) and not negated and not _ATTRIBUTED.search(sentence))
    ):
        relation, by = "claimed", None
    elif _SUSPECTED.search(sentence):
        relation, by = "suspected", _authority(sentence)
    else:
        relation, by = "attributed", _authority(sentence)
    return [{"name": name, "relation": relation, "by": by} for name in names]


_TARGET_TYPES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (r"\bconvoy\b", "convoy"),
        (r"\b(?:bus|coach|van|minibus)\b", "bus"),
        (r"\b(?:vehicle|car|truck|jeep)\b", "vehicle"),
        (r"\bairport\b", "airport"),
        (r"\bhotel\b", "hotel"),
        (r"\bconsulate\b|\bembassy\b", "consulate"),
        (
            r"\b(?:police\s+(?:station|post|van|mobile)|check\s*post|checkpoint|policemen|police)\b",
            "police",
        ),
        (r"\b(?:army|military|soldiers|troops|cantonment|base|camp|FC\s+post)\b", "military"),
        (
            r"\b(?:project\s+site|hydropower|dam|power\s+plant|construction\s+site)\b",
            "project_site",
        ),
        (r"\b(?:mosque|shrine|imambargah|church|temple)\b", "religious"),
        (r"\b(?:market|bazaar|school|hospital)\b", "civilians"),
    )
)
_TARGET_PEOPLE = re.compile(
    r"\b(?P<nat>Chinese|Pakistani|Afghan|Iranian|American|British|Japanese|foreign)\s+"
    r"(?P<noun>engineers|nationals|citizens|workers|employees|staff|personnel|tourists|officials|"
    r"teachers|experts|technicians|labourers|laborers|diplomats|students)\b",
    re.IGNORECASE,
)


def targets_in(text: str, start: int, end: int) -> list[dict[str, Any]]:
    """Return target objects (vehicles, facilities, groups of people) named in a sentence."""
    sentence = text[start:end]
    targets: list[dict[str, Any]] = []
    people = _TARGET_PEOPLE.search(sentence)
    people_nat = nationality_of(people.group("nat")) if people else None
    for pattern, kind in _TARGET_TYPES:
        match = pattern.search(sentence)
        if match:
            targets.append(
                {
                    "description": match.group(0).lower(),
                    "type": kind,
                    "nationality": people_nat if kind in ("convoy", "bus", "vehicle") else None,
                }
            )
    for match in _TARGET_PEOPLE.finditer(sentence):
        targets.append(
            {
                "description": f"{match.group('nat')} {match.group('noun')}",
                "type": "civilians",
                "nationality": nationality_of(match.group("nat")),
            }
        )
    return targets


@dataclass
class Participant:
    """A named person taking part in an engagement."""

    name: str
    title: str | None
    organisation: str | None
    country: str | None
    start: int
    counterpart: bool = False


#: Countries whose officials the reports name, for "Afghanistan's acting Foreign Minister".
_COUNTRIES = {
    "Pakistan": "PK",
    "China": "CN",
    "Afghanistan": "AF",
    "Iran": "IR",
    "India": "IN",
    "Tajikistan": "TJ",
    "Uzbekistan": "UZ",
    "Russia": "RU",
    "Turkey": "TR",
}
_COUNTRY_NAMES = "(?:" + "|".join(_COUNTRIES) + ")"
_TITLE_WORDS = (
    r"(?:[Aa]cting\s+)?(?:Deputy\s+|Vice\s+|Federal\s+|Chief\s+|Prime\s+|Foreign\s+|Interior\s+|Home\s+|Defence\s+|"
    r"Defense\s+|State\s+|Senior\s+|Executive\s+|Provincial\s+)*"
    r"(?:Minister(?:\s+(?:for|of)\s+[A-Z][\w]*(?:\s+(?:and|of)\s+[A-Z][\w]*|\s+[A-Z][\w]*)*)?|"
    r"Secretary(?:\s+(?:for|of)\s+[A-Z][\w]*)?|Consul\s+General|Ambassador|President|Premier|"
    r"Chairman|Senator|Governor|Chief\s+Minister|Inspector\s+General|Army\s+Chief|General|"
    r"Director\s+General|Spokesperson|Commissioner|Envoy|Chief\s+Secretary)"
)
_TITLE_BEFORE = re.compile(
    rf"(?P<nat>Chinese|Pakistani|{_COUNTRY_NAMES}['’]s|US|American|Afghan|Iranian)?\s*"
    rf"(?P<counterpart>(?:his|her|their)\s+(?:Chinese|Pakistani|Afghan|Iranian|US)?\s*counterpart\s+)?"
    rf"(?P<title>{_TITLE_WORDS})?(?(title),?)\s*(?:Dr\.?\s+|Mr\.?\s+|Ms\.?\s+|Gen\.?\s+)?$",
)
_COUNTERPART = re.compile(
    r"(?:his|her|their)\s+(?P<nat>Chinese|Pakistani|Afghan|Iranian|US)?\s*counterpart,?\s*$"
)
_APPOSITIVE = re.compile(
    r"^,\s+(?:the\s+)?(?P<title>[a-zA-Z ]{3,60}?)\s+of\s+(?P<org>(?:Pakistan's|China's|Pakistan’s|China’s|the)?\s*[A-Z][\w’' -]{2,80}?)(?=[,.;]|\s+and\b|\s+on\b|\s+to\b)"
)
_TITLE_ORGS = {
    "interior minister": "Ministry of Interior",
    "minister for interior": "Ministry of Interior",
    "minister of interior": "Ministry of Interior",
    "foreign minister": "Ministry of Foreign Affairs",
    "home secretary": "Home Department",
    "federal secretary of interior": "Ministry of Interior",
}


def _country_word(word: str | None) -> str | None:
    if not word:
        return None
    cleaned = word.replace("’s", "").replace("'s", "")
    return _COUNTRIES.get(cleaned) or nationality_of(cleaned)


_NATIONALITY_NEAR = re.compile(
    r"\b(?:Chinese|Pakistani|China[’']s|Pakistan[’']s|Afghan|Iranian|American|Indian)\b"
)


def _nationality_near(text: str, start: int, end: int) -> str | None:
    """The last nationality word in ``text[start:end]``, as an ISO code."""
    found = list(_NATIONALITY_NEAR.finditer(text, start, end))
    return _country_word(found[-1].group(0)) if found else None


#: Common Chinese family names, and a pinyin syllable: "Tan Wenhui", "Lin Weidong" are Chinese
#: names when no word around them says so.
_CHINESE_SURNAMES = frozenset(
    "Bai Cai Cao Chen Cheng Cui Dai Deng Ding Dong Du Duan Fan Fang Feng Fu Gao Gong Gu Guo Han "
    "Hao He Hou Hu Huang Jia Jiang Jin Kang Kong Lai Li Liang Liao Lin Liu Long Lu Luo Ma Mao "
    "Meng Pan Peng Qian Qiao Qin Qiu Ren Shao Shen Shi Song Su Sun Tan Tang Tian Wan Wang Wei "
    "Wen Wu Xia Xiao Xie Xiong Xu Xue Yan Yang Yao Ye Yin Yu Yuan Zeng Zhang Zhao Zheng Zhong "
    "Zhou Zhu Zou".split()
)
_PINYIN = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|er|in|un|ia|ie|iu|"
    r"ua|uo|ui|ue|a|o|e|i|u)"
)
_PINYIN_GIVEN = re.compile(rf"{_PINYIN}(?:-?{_PINYIN})?", re.IGNORECASE)


def looks_chinese(name: str) -> bool:
    """Whether a two-word name is a Chinese family name followed by a pinyin given name."""
    words = name.split()
    return (
        len(words) == 2
        and words[0] in _CHINESE_SURNAMES
        and _PINYIN_GIVEN.fullmatch(words[1]) is not None
    )


#: Religious and courtesy honorifics that are not part of the name.
_HONORIFIC = re.compile(rf"^(?:(?:{'|'.join(HONORIFICS)})\.?\s+)+")
_OWNED_APPOSITION = re.compile(
    rf",\s+(?:the\s+)?(?P<nat>{_COUNTRY_NAMES})(?:'s|’s)\s+"
    rf"(?P<title>{_TITLE_WORDS}|[a-z][a-z -]{{2,40}}?)"
    r"(?:\s+(?:of|for)\s+(?P<org>[A-Z][\w]*(?:\s+(?:of\s+)?[A-Z][\w]*){0,4}))?"
    r"(?=[,.;)]|\s+(?:and|at|on|in|to|said|says)\b)"
)
_NEXT_PERSON = re.compile(r",\s+and\s+[A-Z]")
_CLAUSE_BREAK = re.compile(r";|,\s+and\b|\b(?:between|after|before|while|with)\b")


#: "Pakistan was represented by its Interior Secretary, ...": the country the person stood for.
_REPRESENTED_BY = re.compile(
    rf"\b(?P<country>{_COUNTRY_NAMES})\s+(?:was\s+represented\s+)?by\s+(?:its\s+)?"
    r"(?:[^,.;]{0,60},\s+)?$"
)


def _describe(text: str, start: int, end: int, lower_bound: int) -> Participant:
    """Title, organisation and country of the person at ``text[start:end]``."""
    name = _HONORIFIC.sub("", text[start:end].strip()) or text[start:end].strip()
    before = text[max(0, start - 90) : start]
    title_match = _TITLE_BEFORE.search(before)
    title = None
    country = None
    counterpart = False
    organisation = None
    if title_match:
        title = title_match.group("title")
        country = _country_word(title_match.group("nat"))
        if title_match.group("counterpart"):
            counterpart = True
            nat = re.search(
                r"Chinese|Pakistani|Afghan|Iranian|US", title_match.group("counterpart")
            )
            country = country or (_country_word(nat.group(0)) if nat else None)
    appositive = _APPOSITIVE.match(text[end : end + 160])
    if appositive and title is None:
        title = appositive.group("title").strip()
        org = appositive.group("org").strip()
        nat_word = re.match(r"(Pakistan|China)(?:'s|’s)", org)
        if nat_word:
            country = country or _country_word(nat_word.group(1))
            org = org[nat_word.end() :].strip()
        organisation = org.removeprefix("the ").strip() or None
    owned = _OWNED_APPOSITION.match(text, end, end + 120)
    if owned:
        # "Zhou Jianming, China's vice-minister of public security", "Wang Lixin, China's
        # Vice Minister of Public Security"
        country = country or _country_word(owned.group("nat"))
        if title is None:
            title = owned.group("title")
            organisation = organisation or owned.group("org")
    represented = _REPRESENTED_BY.search(before)
    if represented and country is None:
        # "... and Tajikistan by its first deputy interior minister, Rustam Nazarzoda".
        country = _COUNTRIES[represented.group("country")]
    if country is None:
        # "a Chinese delegation led by ...", "... and China's third highest-ranking official";
        # only in the person's own clause ("talks with Chinese officials, after which ...").
        window = max(lower_bound, start - 60)
        cut = max((m.end() for m in _CLAUSE_BREAK.finditer(text, window, start)), default=window)
        country = _nationality_near(text, cut, start)
    if country is None and appositive:
        # The apposition up to the next person joined by ", and": "X, the inspector general
        # of police, and Y, China's ..." gives Y's country, not X's.
        stop = text.find(".", end, end + 200)
        stop = stop if stop > 0 else end + 200
        joined = _NEXT_PERSON.search(text, end, stop)
        country = _nationality_near(text, end, joined.start() if joined else stop)
    if country is None and looks_chinese(name):
        country = "CN"
    if title:
        title = re.sub(r"\s+", " ", title).strip()
        organisation = organisation or _TITLE_ORGS.get(title.lower())
    return Participant(name, title, organisation, country, start, counterpart)


def _name_words(text: str, start: int, end: int) -> list[str]:
    """The words of a person's name without honorifics ("Mr Zhou" -> ["Zhou"])."""
    return (_HONORIFIC.sub("", text[start:end]) or text[start:end]).split()


def participants_in(
    text: str,
    persons: Sequence[tuple[int, int]],
    home_country: str | None,
    all_persons: Sequence[tuple[int, int]] = (),
) -> list[Participant]:
    """Describe the PERSON spans of an engagement: title, organisation and country.

    A surname alone ("Naqvi") is expanded to the fullest form the document uses, and the title
    is read where the document introduces the person. A "counterpart" takes the title of the
    other side's first participant; a participant with no nationality cue takes
    ``home_country`` (the country the report is about).
    """
    found: list[Participant] = []
    seen: set[str] = set()
    previous_end = 0
    for start, end in persons:
        words = _name_words(text, start, end)
        last = words[-1]
        forms = [(s, e) for s, e in all_persons if text[s:e].split()[-1] == last]
        if len(words) == 1 and not any(len(_name_words(text, s, e)) > 1 for s, e in forms):
            # "Mr Zhou" after "Zhou Jianming": a family name written first.
            forms += [
                (s, e)
                for s, e in all_persons
                if len(named := _name_words(text, s, e)) > 1 and named[0] == last
            ]
        forms = forms or [(start, end)]
        keys = {text[s:e].split()[-1] for s, e in forms} | {last}
        if keys & seen:
            continue
        seen |= keys
        full = max(len(text[s:e]) for s, e in forms)
        described = [
            _describe(text, s, e, previous_end if s == start else 0)
            for s, e in sorted(forms)
            if len(text[s:e]) == full or (s, e) == (start, end)
        ]
        participant = next((d for d in described if d.title), described[0])
        participant.name = max((d.name for d in described), key=len)
        participant.country = participant.country or next(
            (d.country for d in described if d.country), None
        )
        participant.start = start
        previous_end = end
        found.append(participant)
    if found:
        lead = next((p for p in found if not p.counterpart), None)
        for participant in found:
            if participant.counterpart and lead is not None:
                participant.title = participant.title or lead.title
                participant.organisation = participant.organisation or lead.organisation
        for participant in found:
            if participant.country is None and home_country:
                participant.country = home_country
    return found


#: Engagement topics and the words that signal them.
TOPIC_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (topic, re.compile(pattern, re.IGNORECASE))
    for topic, pattern in (
        (
            "intelligence_sharing",
            r"\bintelligence[- ]sharing\b"
            r"|\bshar(?:e|ing)\s+(?:of\s+)?(?:\w+\s+){0,2}(?:intelligence|information)\b"
            r"|\bintelligence\s+(?:cooperation|exchange)\b"
            r"|\bexchang(?:e|ing)\s+(?:of\s+)?(?:\w+\s+){0,2}(?:intelligence|information|data)\b"
            r"|\binformation[- ]sharing\b",
        ),
        (
            "protection_unit",
            r"\b(?:special\s+)?protection\s+unit\b|\bSPU\b|\bspecial\s+security\s+(?:division|unit)\b"
            r"|\bSSU\b"
            # "a dedicated unit of 400 officers to escort Chinese nationals"
            r"|\b(?:unit|force|battalion|division|company)\b[^.;]{0,40}?\b(?:escort|protect|guard)\w*"
            r"\s+(?:[\w-]+\s+){0,2}(?:Chinese|foreign)\s+(?:nationals|citizens|workers|engineers|staff)\b",
        ),
        (
            "joint_exercise",
            r"\bjoint\s+(?:[a-z-]+\s+){0,3}(?:exercises?|drills?)\b"
            r"|\b(?:counter[- ]?terrorism|counterterrorism|anti-terror\w*)\s+(?:[a-z-]+\s+)?"
            r"(?:exercises?|drills?)\b",
        ),
        (
            "training",
            r"\btraining\b|\bcapacity[- ]building\b|\bpolice\s+academy\b"
            # "will train 300 police officers" (not a railway train).
            r"|\btrain(?:s|ed)?\s+(?:[\w-]+\s+){0,3}(?:officers|personnel|police|policemen|"
            r"troops|soldiers|staff|guards|commandos|recruits|officials|investigators)\b"
            # "300 Levies personnel would be trained by Chinese instructors"
            r"|\b(?:be|been|being|are|were)\s+trained\b",
        ),
        ("border_security", r"\bborder\b|\bcross-border\b|\bsmuggling\b"),
        (
            "counter_terrorism",
            r"\bcounter[- ]?terrorism\b|\bcounterterrorism\b|\bagainst\s+terrorism\b|\banti-terror"
            r"|\bused\s+for\s+terrorism\b|\bfight(?:ing)?\s+terrorism\b",
        ),
        (
            "movement_security",
            r"\bmovements?\s+of\b|\bmovements?\s+(?:security|guidelines|plans?)\b"
            r"|\btravel\s+(?:security|guidelines|restrictions|routes?|plans?)\b|\bconvoys?\b"
            r"|\bescort(?:s|ed|ing)?\b|\broad\s+(?:movements?|travel|journeys?)\b"
            r"|\b(?:travel\w*|move|moving)\s+(?:\w+\s+){0,2}by\s+road\b|\broutes?\s+(?:approved|cleared)\b",
        ),
        ("cybercrime", r"\bcyber\s*-?crimes?\b|\bcyber\s+security\b|\bcybersecurity\b"),
    )
)


#: "A proposal for joint drills was discussed but left for a later meeting": not agreed.
_DEFERRED = re.compile(
    r"\bbut\s+(?:was\s+|were\s+)?(?:left|deferred|postponed|shelved|put\s+off|rejected|not\s+agreed)\b",
    re.IGNORECASE,
)


def topics_in(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    """Return the engagement topics signalled in the given spans, in the table's order; a
    sentence about a proposal left for later signals none."""
    found = set()
    for start, end in spans:
        chunk = text[start:end]
        if _DEFERRED.search(chunk):
            continue
        for topic, pattern in TOPIC_PATTERNS:
            if pattern.search(chunk):
                found.add(topic)
    return [topic for topic, _ in TOPIC_PATTERNS if topic in found]
