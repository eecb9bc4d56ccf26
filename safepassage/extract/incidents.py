"""Attacks and security operations: find the sentences that report them and merge mentions.

A sentence reports an incident when it has an attack or operation trigger, or a casualty
figure. It is *anchored* when it says when, where or how many; anchored mentions with a
different date or an incompatible place start a new event. Sentences that only refer back
("the attack", "held the TTP responsible") join the nearest event before them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from safepassage.extract.actors import perpetrators_in, targets_in
from safepassage.extract.analysis import Analysis
from safepassage.extract.casualties import Figure, find_figures
from safepassage.extract.dates import DateMention
from safepassage.extract.places import PlaceMention, choose_location

#: Attack types in priority order: the first that matches a sentence wins.
ATTACK_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "suicide_bombing",
            r"\bsuicide\s+(?:bomb\w*|attack\w*|blast|car\s+bomb|jacket)|\bblew\s+(?:himself|herself)\s+up|\bself-detonat\w*",
        ),
        ("hijacking", r"\bhijack\w*"),
        ("kidnapping", r"\bkidnap\w*|\babduct\w*|\btaken\s+hostage|\bhostages?\b"),
        (
            "bombing",
            r"\bbl[eo]wn?\s+up\b|\bbomb(?:s|ed|ing|ings)?\b|\bblasts?\b|\bexplosions?\b|\bexplosives?\b|\bIEDs?\b|\bgrenades?\b|\brockets?\b|\bmortars?\b|\bshell(?:ing|s|ed)\b|\blandmines?\b|\bdetonat\w*|\bexploded\b|\bartillery\b",
        ),
        ("assassination", r"\bassassinat\w*|\btarget(?:ed)?\s+killings?\b"),
        (
            "facility_attack",
            r"\bstorm(?:ed|ing)?\b|\b(?:attack\w*|assault\w*)\s+(?:on\s+)?(?:a|an|the)?\s*(?:\w+\s+){0,2}"
            r"(?:consulate|embassy|airport|air\s+base|naval\s+base|hotel|office|camp|garrison|cantonment|"
            r"check\s*post|checkpoint|post|outpost|police\s+station|compound)s?\b",
        ),
        (
            "armed_assault",
            r"\b(?:hacked|stabbed)\s+to\s+death\b|\bstabb(?:ed|ing)\b|\bgunm[ae]n\b|\bopened\s+fire\b|\bshot\s+dead\b|\bgunned\s+down\b|\bfiring\b|\bgunfire\b|\bambush\w*|\bshoot-?out\b|\bshooting\b|\bsniper\b|\bshot\b",
        ),
        (
            "unknown",
            r"\battack(?:ed|ing)?\b(?!s)|\bterror(?:ist)?\s+incident\b|\bclash(?:es|ed)?\b|\bviolence\b",
        ),
    )
)
_FACILITY = dict(ATTACK_TYPES)["facility_attack"]
#: Bombing words proper (not projectiles fired in an assault).
_BOMB = re.compile(
    r"\bbl[eo]wn?\s+up\b|\bbomb(?:s|ed|ing|ings)?\b|\bblasts?\b|\bIEDs?\b|\blandmines?\b"
    r"|\bexplosives?\b|\bdetonat\w*",
    re.IGNORECASE,
)
_OPERATION = re.compile(
    r"\b(?:operations?|raids?|raided|arrest(?:s|ed|ing)?|air\s*strikes?|airstrikes?|drone\s+strikes?|"
    r"crackdown|encounter|apprehended|detained|security\s+forces\s+(?:killed|kill)|"
    r"troops\s+(?:killed|kill)|offensive|shelling\s+by\s+(?:the\s+)?(?:army|troops))\b",
    re.IGNORECASE,
)
_ARREST_ONLY = re.compile(r"\b(?:arrest\w*|apprehended|detained)\b", re.IGNORECASE)
_RESPONSIBILITY = re.compile(
    r"\b(?:claim\w*|responsib\w*|blam\w*|behind|attribut\w*|accus\w*|suspect\w*|"
    r"carried\s+out|involv\w*|linked\s+to|planned|planted|its\s+(?:fighters|men|members))\b",
    re.IGNORECASE,
)
_HABITUAL_BEFORE = re.compile(
    r"\b(?:which|who|that)\s+(?:has|have|had)\s+(?:also\s+|repeatedly\s+|previously\s+|often\s+)?"
    r"(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_DEATH_WORD = re.compile(
    r"\b(?:killed|shot\s+dead|gunned\s+down|martyred|slain|dies|died|killing\s+of)\b",
    re.IGNORECASE,
)
_REFERS_BACK = re.compile(
    r"\s*(?:That|This|The)\s+(?:attack|bombing|blast|assault|explosion|ambush|incident)\b"
    r"(?!\s+(?:on|in|at|near)\b)",
)
_PLURAL_ATTACKS = re.compile(r"\battacks\b", re.IGNORECASE)
_PAST_CUE = re.compile(
    r"\b(?:earlier|previous(?:ly)?|last\s+(?:year|month)|in\s+the\s+past|recalled|"
    r"second\s+attack|first\s+attack|anniversary|since)\b",
    re.IGNORECASE,
)


@dataclass
class Mention:
    """One sentence that reports an incident."""

    sentence: int
    start: int
    end: int
    anchor: int
    kind: str | None
    attack_type: str | None
    date: DateMention | None
    place: PlaceMention | None
    figures: list[Figure]
    perpetrators: list[dict[str, Any]]
    targets: list[dict[str, Any]]

    @property
    def anchored(self) -> bool:
        """Whether the mention says when, where (finer than a country) or how many."""
        named_place = (
            self.place is not None
            and self.place.place is not None
            and not self.place.weak
            and (self.place.region or self.place.place.precision != "country")
        )
        dead = any(f.kind == "dead" for f in self.figures)
        return bool(self.date or named_place or dead)


@dataclass
class Incident:
    """Mentions merged into one attack or operation."""

    mentions: list[Mention] = field(default_factory=list)

    @property
    def date(self) -> DateMention | None:
        """The first date any mention gives."""
        return next((m.date for m in self.mentions if m.date is not None), None)

    @property
    def place(self) -> PlaceMention | None:
        """The finest place any anchored mention gives."""
        places = [
            m.place for m in self.mentions if m.place is not None and m.place.place is not None
        ]
        if not places:
            return None
        rank = {"point": 5, "town": 4, "district": 3, "province": 2, "country": 1}
        return max(
            places,
            key=lambda p: (
                0 if p.place is None or p.place.precision == "country" else 1,
                0 if p.weak else 1,
                0 if p.region else 1,
                rank.get(p.place.precision, 0) if p.place else 0,
                -p.start,
            ),
        )

    @property
    def start(self) -> int:
        """Offset of the first mention."""
        return min(m.start for m in self.mentions)


_SPEECH_BEFORE = re.compile(
    r"\b(?:said|says|told|announced|reported|confirmed|added|stated|disclosed)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)


def _best_date(text: str, dates: list[DateMention], anchor: int) -> DateMention | None:
    usable = [d for d in dates if not d.weak]
    if not usable:
        return None
    rank = {"day": 3, "month": 2, "year": 1, None: 0}

    def spoken(d: DateMention) -> bool:
        # "... late on Sunday, officials said on Monday": the day of the statement.
        return bool(_SPEECH_BEFORE.search(text, max(0, d.start - 30), d.start))

    # The date nearest the word that reports the attack: "met on Monday ... the bombing in
    # July 2021" dates the bombing to July 2021.
    return max(
        usable,
        key=lambda d: (
            d.value is not None,
            not spoken(d),
            -abs(d.start - anchor),
            rank[d.precision],
        ),
    )


def _mention(analysis: Analysis, index: int) -> Mention | None:
    text = analysis.text
    start, end = analysis.sentences[index]
    sentence = text[start:end]
    attack_type = None
    anchor = -1
    for name, pattern in ATTACK_TYPES:
        match = pattern.search(sentence)
        if match:
            attack_type, anchor = name, start + match.start()
            break
    if attack_type == "bombing" and not _BOMB.search(sentence):
        # Rockets, grenades or mortars fired in an assault on a post, camp or airport: the
        # assault is the attack, the weapons are how it was fought.
        facility = _FACILITY.search(sentence)
        if facility is not None:
            attack_type, anchor = "facility_attack", start + facility.start()
    operation = _OPERATION.search(sentence)
    if attack_type is not None and _HABITUAL_BEFORE.search(text, max(start, anchor - 40), anchor):
        # "ISKP, which has attacked foreigners ...": the group's record, not an event.
        perpetrators = perpetrators_in(text, start, end)
        if perpetrators and _RESPONSIBILITY.search(sentence):
            return Mention(index, start, end, start, None, None, None, None, [], perpetrators, [])
        return None
    figures = find_figures(text, start, end)
    dead = [f for f in figures if f.kind == "dead"]
    death = _DEATH_WORD.search(sentence)
    if attack_type is None and operation is None and not dead and death is not None:
        # "Commander of banned group killed in tribal area": a death with no count.
        attack_type, anchor = "unknown", start + death.start()
    if attack_type is None and operation is None and not dead and figures:
        # "Two other officers were wounded.": injuries of the event before.
        return Mention(index, start, end, start, None, None, None, None, figures, [], [])
    if attack_type is None and operation is None and not dead:
        perpetrators = perpetrators_in(text, start, end)
        if perpetrators and _RESPONSIBILITY.search(sentence):
            # "The BLA claimed responsibility.": joins the incident before it.
            return Mention(index, start, end, start, None, None, None, None, [], perpetrators, [])
        return None
    if attack_type == "unknown" and _PLURAL_ATTACKS.search(sentence) and not figures:
        return None
    # A toll with no trigger word ("Two soldiers also died") says nothing of the kind.
    kind: str | None = "attack" if attack_type is not None or operation is not None else None
    if operation is not None and attack_type in (None, "unknown", "armed_assault"):
        kind = "security_operation"
        if _ARREST_ONLY.fullmatch(operation.group(0)) and attack_type is not None:
            # "held the TTP responsible, besides arresting four" refers to an attack.
            kind = "attack"
    if anchor < 0:
        anchor = start + (
            operation.start() if operation else (dead[0].start - start if dead else 0)
        )
    place = choose_location(analysis.places, (start, end), anchor)
    return Mention(
        sentence=index,
        start=start,
        end=end,
        anchor=anchor,
        kind=kind,
        attack_type=attack_type if kind == "attack" else None,
        date=_best_date(text, analysis.dates_in(start, end), anchor),
        place=place,
        figures=figures,
        perpetrators=perpetrators_in(text, start, end),
        targets=targets_in(text, start, end),
    )


def _dates_compatible(a: DateMention | None, b: DateMention | None) -> bool:
    if a is None or b is None or a.value is None or b.value is None:
        return True
    return a.value.startswith(b.value) or b.value.startswith(a.value)


def _places_compatible(a: PlaceMention | None, b: PlaceMention | None) -> bool:
    if a is None or b is None or a.place is None or b.place is None:
        return True
    pa, pb = a.place, b.place
    if pa.id == pb.id:
        return True
    if pa.country != pb.country:
        return pa.precision == "country" or pb.precision == "country"
    if pa.admin1 and pb.admin1 and pa.admin1 != pb.admin1:
        return False
    return not (
        pa.admin2
        and pb.admin2
        and pa.admin2 != pb.admin2
        and "town" in (pa.precision, pb.precision)
        and pa.precision == pb.precision
    )


def find_incidents(
    analysis: Analysis, claimed: set[int], allow_vague: bool = False
) -> list[Incident]:
    """Build the document's incidents from its sentences, skipping ``claimed`` sentences.

    With ``allow_vague``, mentions that say nothing of when, where or how many still make an
    incident when the document has no other (a headline such as "Attack on polio team foiled").
    """
    incidents: list[Incident] = []
    pending: list[Mention] = []
    for index in range(len(analysis.sentences)):
        if index in claimed:
            continue
        mention = _mention(analysis, index)
        if mention is None:
            continue
        if not mention.anchored:
            if incidents:
                incidents[-1].mentions.append(mention)
            else:
                pending.append(mention)
            continue
        target = None
        if incidents and _REFERS_BACK.match(analysis.text, mention.start, mention.end):
            # "That attack happened in Upper Kohistan": more about the incident just told.
            target = incidents[-1]
            target.mentions.append(mention)
            continue
        for incident in reversed(incidents):
            same_date = (
                mention.date is not None
                and incident.date is not None
                and _dates_compatible(mention.date, incident.date)
            )
            if not _dates_compatible(mention.date, incident.date):
                continue
            if not _places_compatible(mention.place, incident.place):
                continue
            close = mention.sentence - incident.mentions[-1].sentence <= 2
            if same_date or close or (mention.date is None and mention.place is None):
                target = incident
            break
        if target is None:
            target = Incident()
            incidents.append(target)
            target.mentions.extend(pending)
            pending = []
        target.mentions.append(mention)
    if pending and incidents:
        incidents[0].mentions.extend(pending)
    elif pending and allow_vague:
        # A report about an attack that gives no date, place or figure is still a report.
        incidents.append(Incident(mentions=pending))
    for incident in incidents:
        incident.mentions.sort(key=lambda m: m.start)
    return incidents


def is_past(incident: Incident, analysis: Analysis) -> bool:
    """Whether the text recalls the incident rather than reporting it."""
    found = incident.date
    base = analysis.report_base
    if found is not None:
        if found.past:
            return True
        if base is not None and found.value is not None:
            value = found.value
            if found.precision == "day":
                delta = (base - date.fromisoformat(value)).days
                if delta > 10:
                    return True
            elif found.precision == "month" and value < base.strftime("%Y-%m"):
                return True
            elif found.precision == "year" and value < f"{base.year:04d}":
                return True
    return any(_PAST_CUE.search(analysis.text[m.start : m.end]) for m in incident.mentions[:1])
