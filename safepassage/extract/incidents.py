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
from safepassage.extract.lexicon import SPEECH_VERBS
from safepassage.extract.places import PlaceMention, choose_location

#: How many sentences at the start of a document count as its lead.
LEAD_SENTENCES = 3

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
            r"\bbl[eo]wn?\s+up\b|\bbomb(?:s|ed|ing|ings)?\b(?![\s-]+(?:disposal|squads?|proof|"
            r"detection|detectors?)\b)|\bblasts?\b|\bexplosions?\b|\bexplosives?\b|\bIEDs?\b|\bgrenades?\b|\bcrackers?\b|\brockets?\b|\bmortars?\b|\bshell(?:ing|s|ed)\b|\blandmines?\b|\bdetonat\w*|\bexploded\b|\bartillery\b",
        ),
        ("assassination", r"\bassassinat\w*|\btarget(?:ed)?\s+killings?\b"),
        (
            "facility_attack",
            r"\bstorm(?:ed|ing)?\b|\b(?:attack\w*|assault\w*)\s+(?:on\s+)?(?:a|an|the)?\s*(?:\w+\s+){0,3}"
            r"(?:consulate|embassy|airport|air\s+base|naval\s+base|hotel|office|camp|garrison|cantonment|"
            r"check\s*post|checkpoint|post|outpost|police\s+station|compound|complex|terminal|"
            r"depot|headquarters|fort|facility|plant)s?\b",
        ),
        (
            "armed_assault",
            r"\b(?:hacked|stabbed)\s+to\s+death\b|\bstabb(?:ed|ing)\b|\bgunm[ae]n\b|\bopened\s+fire\b|\bshot\s+dead\b|\bgunned\s+down\b|\bfiring\b|\bgunfire\b|\bambush\w*|\bshoot-?out\b|\bshooting\b|\bsniper\b|\bshot\b|\bfired\s+(?:on|upon)\b",
        ),
        (
            "unarmed_assault",
            r"\b(?:beaten(?!\s+(?:back|off))|beat\s+up|thrashed|lynched|manhandled|roughed\s+up)\b"
            r"|\b(?:assaulted|attacked)\s+by\s+(?:a|an)\s+(?:\w+\s+)?(?:mob|crowd)\b"
            r"|\bmob\s+(?:attack\w*|assault\w*)",
        ),
        (
            "unknown",
            r"\battack(?:ed|ing)?\b(?!s)|\bterror(?:ist)?\s+incident\b|\bclash(?:es|ed)?\b|\bviolence\b",
        ),
    )
)
#: The attack types from the most to the least specific: an event told with several keeps the
#: first.
ATTACK_ORDER = tuple(name for name, _pattern in ATTACK_TYPES)
_FACILITY = dict(ATTACK_TYPES)["facility_attack"]
#: "attackers armed with rifles, grenades and explosives": their kit, not how they attacked.
_ARMED_WITH = re.compile(
    r"\b(?:armed|equipped)\s+with\s+(?:(?:automatic|assault|heavy|hand|light|sniper|"
    r"rocket-propelled|small|suicide|explosive|and|or|[\w-]+(?=,)|,)\s*)*"
    r"(?:rifles?|guns?|grenades?|explosives?|weapons?|arms|vests?|jackets?|launchers?|rockets?)"
    r"(?:\s*(?:,|and)\s*(?:(?:automatic|assault|heavy|hand|light|suicide|explosive)\s+)?"
    r"(?:rifles?|guns?|grenades?|explosives?|weapons?|arms|vests?|jackets?|launchers?|rockets?))*",
    re.IGNORECASE,
)
#: Bombing words proper (not projectiles fired in an assault).
_BOMB = re.compile(
    r"\bbl[eo]wn?\s+up\b|\bbomb(?:s|ed|ing|ings)?\b|\bblasts?\b|\bIEDs?\b|\blandmines?\b"
    r"|\bexplosives?\b|\bdetonat\w*",
    re.IGNORECASE,
)
_OPERATION = re.compile(
    r"\b(?:operations?|raids?|raided|arrest(?:s|ed|ing)?|air\s*strikes?|airstrikes?|drone\s+strikes?|"
    r"crackdown|encounter|apprehended|detained|security\s+forces\s+(?:killed|kill)|"
    # "The Punjab CTD said it killed five suspected militants": the forces' own operation.
    r"(?:CTD|Counter-Terrorism\s+Department|police|Rangers|Frontier\s+Corps|FC|commandos)\s+"
    r"(?:said\s+(?:it|they)\s+(?:had\s+)?)?(?:killed|shot\s+dead)(?=\s+(?:\w+\s+){0,3}?"
    r"(?:(?:suspected|alleged)\s+)?(?:militants|terrorists|insurgents|kidnappers|bandits|"
    r"dacoits|attackers))|"
    r"troops\s+(?:killed|kill)|offensive|shelling\s+by\s+(?:the\s+)?(?:army|troops)|"
    r"(?:jets?|aircraft|warplanes?|drones?|helicopters?|gunships?)\s+(?:\w+\s+)?"
    r"(?:struck|strike|pounded|pound|targeted|hit))\b",
    re.IGNORECASE,
)
#: A raid carried out by militants ("insurgents torched a fuel depot in a night raid") is an
#: attack, not a security operation.
_HOSTILE_RAID = re.compile(
    r"\b(?:militants|gunmen|insurgents|attackers|terrorists|rebels|assailants)\b[^.;]*?"
    r"\braid(?:s|ed|ing)?\b",
    re.IGNORECASE,
)
#: Security forces named before the militants make the militants the target of the raid.
_SECURITY_AGENT = re.compile(
    r"\b(?:security\s+forces|forces|troops|police|policemen|army|soldiers|military|CTD|"
    r"Counter-Terrorism\s+Department|Frontier\s+Corps|FC|Rangers|Levies|commandos|paramilitar\w*)\b",
    re.IGNORECASE,
)
_RAID_ON_FACILITY = re.compile(
    r"\braids?\s+on\s+(?:\w+\s+){0,3}(?:terminal|depot|camp|post|checkpoint|base|station|"
    r"office|compound|check\s*post)s?\b",
    re.IGNORECASE,
)
#: Weapons found or seized ("explosives and a rifle were recovered") are not an attack.
_RECOVERED = re.compile(
    r"\b(?:found|recovered|seized|confiscated|discovered|defused|seizure|recovery|cache|haul)\b",
    re.IGNORECASE,
)
_ARREST_ONLY = re.compile(r"\b(?:arrest\w*|apprehended|detained)\b", re.IGNORECASE)
_RESPONSIBILITY = re.compile(
    r"\b(?:claim\w*|responsib\w*|blam\w*|behind|attribut\w*|accus\w*|suspect\w*|"
    r"carried\s+out|involv\w*|linked\s+to|planned|planted|its\s+(?:fighters|men|members)|"
    r"pointed\s+to|points?\s+to|belong\w*|described\s+as|identified\s+as|members\s+of|"
    r"sent\s+the\s+(?:suicide\s+)?(?:bomber|attackers?))\b",
    re.IGNORECASE,
)
_HABITUAL_BEFORE = re.compile(
    r"\b(?:which|who|that)\s+(?:has|have|had)\s+(?:also\s+|repeatedly\s+|previously\s+|often\s+)?"
    r"(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
#: "The BRA has blown up pipelines in the district several times in the past": a record of
#: what a group has done, not an event and no attribution of this one.
_RECORD = re.compile(
    r"\b(?:has|have)\s+(?:also\s+|repeatedly\s+|often\s+|previously\s+)?(?:blown|attacked|"
    r"bombed|targeted|carried|killed|kidnapped|abducted|struck|hit)\b[^.;]*?\b(?:several|many|"
    r"numerous|a\s+number\s+of|dozens\s+of)\s+times\b|\b(?:has|have)\s+(?:also\s+)?"
    r"(?:blown|attacked|bombed|targeted|carried|killed|kidnapped|abducted|struck|hit)\b[^.;]*?"
    r"\b(?:in\s+the\s+past|over\s+the\s+years|in\s+recent\s+(?:years|months))\b",
    re.IGNORECASE,
)
#: "The exercise will include drills on rescuing hostages", "soldiers cleared a mock village
#: and freed hostages": a training scenario, not an attack.
_DRILL = re.compile(
    r"\b(?:drills?|exercises?|demonstration|mock|rehears\w*|simulat\w*|scenarios?)\b"
    r"(?![^.;]{0,60}\b(?:killed|died|dead)\b)",
    re.IGNORECASE,
)
#: "... the TTP, which it blames for most attacks in Khyber Pakhtunkhwa", "accused Kabul of
#: sheltering the TTP": blame for a campaign, not for one attack.
_GENERAL_BLAME = re.compile(
    r"\b(?:most|many|all|several|a\s+series\s+of|dozens\s+of|scores\s+of|hundreds\s+of)\s+"
    r"(?:of\s+the\s+)?(?:recent\s+|deadly\s+)?attacks\b|\bshelter\w*\b|\bharbou?r\w*\b",
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
#: A definite word before the trigger: "the embassy condemned the bombing" speaks of an attack
#: already told.
_DEFINITE_BEFORE = re.compile(r"\b(?:the|this|that)\s+(?:[\w-]+\s+){0,2}\Z", re.IGNORECASE)
#: An arrest over an earlier attack: "arrested a man over last year's bus bombing".
_ARREST_OVER = re.compile(
    r"\b(?:arrest\w*|detain\w*|apprehended|rounded\s+up|held)\b[^.;]{0,80}?\s"
    r"(?P<cut>over|in\s+connection\s+with|for\s+(?:their|his|her)\s+(?:role|part|involvement)\s+in)"
    r"\s+(?:the|a|an|last|this|that)\b",
    re.IGNORECASE,
)
#: "... arrested two others in a raid on Friday night, and that the men had carried out a grenade
#: attack in March": the raid, then the earlier attack it solved.
_RAID_THEN_EARLIER = re.compile(
    r"\b(?:arrest\w*|detain\w*|raid\w*|killed|apprehended)\b[^.;]{0,160}?"
    r"(?P<cut>,?\s+and\s+(?:said\s+)?that\s+(?:the\s+(?:men|suspects|militants|man|suspect)|they|he)"
    r"\s+had\s+)",
    re.IGNORECASE,
)
#: "troops have been deployed since an operation against militants years ago": a time, not an
#: event.
_SINCE_OPERATION = re.compile(
    r"\b(?:since|before|after)\s+(?:an?|the)\s+(?:[\w-]+\s+){0,2}(?:operations?|offensive)\b",
    re.IGNORECASE,
)
#: "foiled a plan to attack Chinese engineers": an attack that did not happen.
_PLANNED = re.compile(
    r"\b(?:plan(?:s|ned|ning)?|plot(?:s|ted|ting)?|conspiracy|bid)\s+to\s+(?:attack|bomb|target|"
    r"kill|strike|blow\s+up|kidnap|abduct|assassinate)\b[^.;,]*",
    re.IGNORECASE,
)
#: "... had carried out the attack to avenge an air strike in Bajaur last week": the motive is
#: another, earlier event.
_MOTIVE = re.compile(
    r"(?P<cut>,?\s+(?:to\s+avenge|in\s+(?:retaliation|revenge|response)\s+(?:for|to)|"
    r"as\s+(?:revenge|retaliation)\s+for)\s+(?:an?|the)\s)",
    re.IGNORECASE,
)
#: Twin attacks told in one sentence: "bombs hit two markets, one in A and the other in B"
#: (also "and another in B"): one event per place.
_EACH_PLACE = re.compile(
    r"\bone\s+(?:in|at|near)\s+(?P<first>[^,;.]+?)\s*,?\s+and\s+(?:the\s+other|another)"
    r"\s+(?:one\s+)?(?:in|at|near)\s+(?P<second>[^,;.]+)",
    re.IGNORECASE,
)
_PLURAL_ATTACKS = re.compile(r"\battacks\b", re.IGNORECASE)
_PAST_CUE = re.compile(
    r"\b(?:earlier(?!\s+(?:this\s+week|today|on\b))|previously|"
    r"previous(?!\s+(?:day|morning|afternoon|evening|night))|last\s+(?:year|month)|"
    r"in\s+the\s+past|recalled|"
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
    #: Further places of twin attacks told together ("one in A and the other in B").
    also: list[PlaceMention] = field(default_factory=list)
    #: The date is only the day of a statement about the event ("the military said on Thursday").
    said: bool = False
    #: The trigger refers to an attack already told ("condemned the bombing").
    definite: bool = False

    @property
    def dead(self) -> bool:
        """Whether the mention gives a death toll."""
        return any(f.kind == "dead" for f in self.figures)

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
        """The first date any mention gives of the event itself, else the first statement's; a
        later day inside that first month or year ("in March" ... "on 15 March") refines it."""
        dated = [m for m in self.mentions if m.date is not None]
        first = next((m.date for m in dated if not m.said), dated[0].date if dated else None)
        if first is None or first.precision == "day" or not first.value:
            return first
        for mention in dated:
            found = mention.date
            if (
                found is not None
                and not mention.said
                and found.value
                and found.precision in ("day", "month")
                and found.value != first.value
                and found.value.startswith(first.value)
            ):
                return found
        return first

    @property
    def said(self) -> bool:
        """Whether the incident is dated only by the day of a statement about it."""
        return all(m.said for m in self.mentions if m.date is not None)

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

    @property
    def also(self) -> list[PlaceMention]:
        """Places of twin attacks told with this one: each is an event of its own."""
        return [p for m in self.mentions for p in m.also]


def _twin_places(analysis: Analysis, start: int, end: int) -> list[PlaceMention]:
    """The places of "one in A and the other in B" in a sentence: ``[A, B]``, or none."""
    match = _EACH_PLACE.search(analysis.text, start, end)
    if match is None:
        return []
    found = []
    for group in ("first", "second"):
        places = [
            p
            for p in analysis.places_in(match.start(group), match.end(group))
            if p.place is not None and not p.modifier
        ]
        if not places:
            return []
        found.append(places[0])
    return found


_SPEECH_BEFORE = re.compile(rf"\b{SPEECH_VERBS}\s+(?:\w+\s+)?$", re.IGNORECASE)


#: "Traders shut their shops on Friday after a blast on Thursday": a date before "after" dates
#: the aftermath, not the attack told after it.
_AFTER = re.compile(r"\b(?:after|following)\b", re.IGNORECASE)
#: How many days a statement may come after the event it reports.
_STATEMENT_LAG_DAYS = 3


def _best_date(text: str, dates: list[DateMention], anchor: int) -> DateMention | None:
    usable = [d for d in dates if not d.weak]
    if not usable:
        return None
    rank = {"day": 3, "month": 2, "year": 1, None: 0}

    # The date nearest the word that reports the attack: "met on Monday ... the bombing in
    # July 2021" dates the bombing to July 2021.
    return max(
        usable,
        key=lambda d: (
            d.value is not None,
            not _spoken(text, d, anchor),
            -abs(d.start - anchor),
            rank[d.precision],
        ),
    )


def _spoken(text: str, found: DateMention, anchor: int) -> bool:
    """Whether a date is the day of a statement or an aftermath rather than of the event: "...
    late on Sunday, officials said on Monday"; "a strike on Friday after a blast ..."."""
    if found.end <= anchor and _AFTER.search(text, found.end, anchor):
        return True
    return bool(_SPEECH_BEFORE.search(text, max(0, found.start - 30), found.start))


def _said_later(said: DateMention, other: DateMention) -> bool:
    """Whether a statement's day (``said``) can follow the event's day (``other``): the same
    day or up to three days later ("launched on Tuesday", "the military said on Thursday")."""
    if said.precision != "day" or other.precision != "day" or not said.value or not other.value:
        return False
    delta = (date.fromisoformat(said.value) - date.fromisoformat(other.value)).days
    return 0 <= delta <= _STATEMENT_LAG_DAYS


def _mentions(analysis: Analysis, index: int) -> list[Mention]:
    """The incident mentions of one sentence: usually one; two where an arrest is made over an
    earlier attack ("police held a man on Monday over the market bombing of last May")."""
    start, end = analysis.sentences[index]
    split = _ARREST_OVER.search(analysis.text, start, end) or _RAID_THEN_EARLIER.search(
        analysis.text, start, end
    )
    spans = [(start, end)]
    if split is not None:
        cut = split.start("cut")
        spans = [(start, cut), (cut, end)]
    found = [_mention(analysis, index, span) for span in spans]
    if len(found) == 2 and (found[0] is None or found[0].kind != "security_operation"):
        found = [_mention(analysis, index)]
    motive = _MOTIVE.search(analysis.text, start, end)
    if split is None and motive is not None:
        cut = motive.start("cut")
        first = _mention(analysis, index, (start, cut))
        if first is not None:
            found = [first, _mention(analysis, index, (cut, end))]
    return [m for m in found if m is not None]


def _mention(analysis: Analysis, index: int, span: tuple[int, int] | None = None) -> Mention | None:
    text = analysis.text
    start, end = span or analysis.sentences[index]
    sentence = text[start:end]
    attack_type = None
    anchor = -1
    # "attackers armed with rifles, grenades and explosives": their kit, not how they attacked.
    # "foiled a plan to attack ...": an attack that never happened.
    typed = _ARMED_WITH.sub(lambda m: " " * len(m.group(0)), sentence)
    typed = _PLANNED.sub(lambda m: " " * len(m.group(0)), typed)
    for name, pattern in ATTACK_TYPES:
        match = pattern.search(typed)
        if match:
            attack_type, anchor = name, start + match.start()
            break
    if attack_type == "bombing" and not _BOMB.search(sentence):
        # Rockets, grenades or mortars fired in an assault on a post, camp or airport: the
        # assault is the attack, the weapons are how it was fought.
        facility = _FACILITY.search(sentence)
        if facility is not None:
            attack_type, anchor = "facility_attack", start + facility.start()
    operation = _OPERATION.search(_SINCE_OPERATION.sub(lambda m: " " * len(m.group(0)), sentence))
    hostile = _HOSTILE_RAID.search(sentence) if operation is not None else None
    if hostile is not None and not _SECURITY_AGENT.search(sentence, 0, hostile.start()):
        operation = None
        raid = _RAID_ON_FACILITY.search(sentence)
        if raid is not None and attack_type in (None, "unknown", "armed_assault"):
            attack_type, anchor = "facility_attack", start + raid.start()
    if attack_type is not None and (_RECORD.search(sentence) or _DRILL.search(sentence)):
        return None
    if attack_type is not None and _HABITUAL_BEFORE.search(text, max(start, anchor - 40), anchor):
        # "ISKP, which has attacked foreigners ...": the group's record, not an event.
        perpetrators = perpetrators_in(text, start, end)
        if perpetrators and _RESPONSIBILITY.search(sentence):
            return Mention(index, start, end, start, None, None, None, None, [], perpetrators, [])
        return None
    figures = find_figures(text, start, end)
    dead = [f for f in figures if f.kind == "dead"]
    death = _DEATH_WORD.search(sentence)
    if (
        attack_type in ("bombing", "suicide_bombing")
        and not figures
        and death is None
        and _RECOVERED.search(sentence)
    ):
        # "Police found a bomb-making kit in the flat": a find, not a blast.
        attack_type, anchor = None, -1
    if attack_type is None and operation is None and not dead and death is not None:
        # "Commander of banned group killed in tribal area": a death with no count.
        attack_type, anchor = "unknown", start + death.start()
    if attack_type is None and operation is None and figures and all(f.total == 0 for f in dead):
        # "Two other officers were wounded.", "No one was hurt, but the train was held at Sibi":
        # the toll of the event before; a place beside it is not another scene.
        return Mention(index, start, end, start, None, None, None, None, figures, [], [])
    if attack_type is None and operation is None and not dead:
        perpetrators = perpetrators_in(text, start, end)
        if (
            perpetrators
            and _RESPONSIBILITY.search(sentence)
            and not _GENERAL_BLAME.search(sentence)
        ):
            # "The BLA claimed responsibility.": joins the incident before it.
            return Mention(index, start, end, start, None, None, None, None, [], perpetrators, [])
        return None
    if attack_type == "unknown" and _PLURAL_ATTACKS.search(sentence) and not figures:
        return None
    # A toll with no trigger word ("Two soldiers also died") says nothing of the kind.
    kind: str | None = "attack" if attack_type is not None or operation is not None else None
    if (
        operation is not None
        and attack_type is None
        and _ARREST_ONLY.fullmatch(operation.group(0))
        and not dead
        and not analysis.dates_in(start, end)
        and _RESPONSIBILITY.search(sentence)
    ):
        perpetrators = perpetrators_in(text, start, end)
        if perpetrators:
            # "police suspected ISKP and two suspects had been detained": the inquiry into the
            # attack just told, not an operation of its own.
            return Mention(index, start, end, start, None, None, None, None, [], perpetrators, [])
    if operation is not None and attack_type in (None, "unknown", "armed_assault"):
        kind = "security_operation"
        if _ARREST_ONLY.fullmatch(operation.group(0)) and attack_type is not None:
            # "held the TTP responsible, besides arresting four" refers to an attack.
            kind = "attack"
    if anchor < 0 or (kind == "security_operation" and operation is not None):
        # An operation is anchored on its own word ("launched on Wednesday after militants fired
        # on a convoy": Wednesday is the operation's day).
        anchor = start + (
            operation.start() if operation else (dead[0].start - start if dead else 0)
        )
    place = choose_location(analysis.places, (start, end), anchor)
    twins = _twin_places(analysis, start, end) if kind == "attack" else []
    found_date = _best_date(text, analysis.dates_in(start, end), anchor)
    if twins:
        place = twins[0]
    return Mention(
        sentence=index,
        start=start,
        end=end,
        anchor=anchor,
        kind=kind,
        attack_type=attack_type if kind == "attack" else None,
        date=found_date,
        place=place,
        figures=figures,
        perpetrators=perpetrators_in(text, start, end),
        targets=targets_in(text, start, end),
        also=twins[1:],
        said=found_date is not None and _spoken(text, found_date, anchor),
        definite=attack_type is not None
        and _DEFINITE_BEFORE.search(text, max(start, anchor - 30), anchor) is not None,
    )


def _dates_compatible(
    a: DateMention | None, b: DateMention | None, base: date | None = None
) -> bool:
    """Same date at the coarser precision, and both reported or both recalled: "earlier this
    month" is another event than the one of "on Friday", though both fall in this month."""
    if a is None or b is None or a.value is None or b.value is None:
        return True
    if _recalled(a, base) != _recalled(b, base):
        return False
    return a.value.startswith(b.value) or b.value.startswith(a.value)


def _recalled(found: DateMention, base: date | None) -> bool:
    """Whether a date points to the past of the report: its words ("last October", "earlier
    this month") or its distance from ``base`` (more than 10 days, a month or a year)."""
    if found.past:
        return True
    if base is None or found.value is None:
        return False
    if found.precision == "day":
        return (base - date.fromisoformat(found.value)).days > 10
    if found.precision == "month":
        return found.value < base.strftime("%Y-%m")
    return found.precision == "year" and found.value < f"{base.year:04d}"


def reference_day(analysis: Analysis) -> date | None:
    """The day the report speaks from: its dateline's or publication date, else (an undated
    text) the first full date of its lead, the day of the event it reports."""
    if analysis.report_base is not None:
        return analysis.report_base
    lead_end = analysis.sentences[min(len(analysis.sentences), LEAD_SENTENCES) - 1][1]
    for found in analysis.dates_in(analysis.body_start, lead_end):
        if found.precision == "day" and found.value and not found.weak and not found.past:
            return date.fromisoformat(found.value)
    return None


def _statement_of(mention: Mention, incident: Incident) -> bool:
    """Whether one of the two is dated only by a statement made soon after the other's date."""
    if mention.date is None or incident.date is None or mention.said == incident.said:
        return False
    if mention.said:
        return _said_later(mention.date, incident.date)
    return _said_later(incident.date, mention.date)


_FRONTED_DATE = re.compile(r"\s*(?:In|On|Last|Earlier,?\s+in)\s", re.IGNORECASE)


def _fronted_full_date(analysis: Analysis, mention: Mention) -> bool:
    """Whether the mention opens with a date that names its year ("In August 2024, ...")."""
    found = mention.date
    return (
        found is not None
        and bool(found.value)
        and found.start - mention.start < 25
        and _FRONTED_DATE.match(analysis.text, mention.start) is not None
        and re.search(r"\b(?:19|20)\d\d\b", found.text) is not None
    )


def _places_compatible(a: PlaceMention | None, b: PlaceMention | None) -> bool:
    """Whether place ``a`` (a new mention's) may be a place of the event at ``b``; a weak ``a``
    (where the wounded or the bodies were taken) never names another scene."""
    if a is None or b is None or a.place is None or b.place is None or a.weak:
        return True
    pa, pb = a.place, b.place
    if pa.id == pb.id:
        return True
    if pa.country != pb.country:
        return pa.precision == "country" or pb.precision == "country"
    if pa.admin1 and pb.admin1 and pa.admin1 != pb.admin1:
        return False
    fine = ("town", "point", "district")
    return not (
        pa.admin2
        and pb.admin2
        and pa.admin2 != pb.admin2
        and pa.precision in fine
        and pb.precision in fine
    )


def _place_mention(
    analysis: Analysis,
    incidents: list[Incident],
    pending: list[Mention],
    mention: Mention,
    base: date | None,
) -> list[Mention]:
    """Add ``mention`` to the incident it belongs to, or start one; return the mentions still
    waiting for an incident (unanchored ones before the first)."""
    if not mention.anchored:
        if incidents:
            # "the kidnappers were believed to be moving the men": the kidnapping told before,
            # even when another attack was recalled in between.
            same_type = next(
                (
                    incident
                    for incident in reversed(incidents)
                    if mention.attack_type not in (None, "unknown")
                    and any(m.attack_type == mention.attack_type for m in incident.mentions)
                ),
                incidents[-1],
            )
            same_type.mentions.append(mention)
        else:
            pending.append(mention)
        return pending
    if (
        incidents
        and _REFERS_BACK.match(analysis.text, mention.start, mention.end)
        and _dates_compatible(mention.date, incidents[-1].date, base)
    ):
        # "That attack happened in Upper Kohistan": more about the incident just told.
        incidents[-1].mentions.append(mention)
        return pending
    if incidents and mention.definite and mention.date is None and not mention.dead:
        # "The embassy in Islamabad condemned the bombing": the attack just told; a place that
        # does not fit it is where someone spoke, not where it happened.
        if not _places_compatible(mention.place, incidents[-1].place):
            mention.place = None
        incidents[-1].mentions.append(mention)
        return pending
    target = _same_place_update(analysis, incidents, mention)
    for incident in reversed(incidents if target is None else []):
        same_date = (
            mention.date is not None
            and incident.date is not None
            and _dates_compatible(mention.date, incident.date, base)
        )
        if not same_date and _statement_of(mention, incident):
            same_date = True
        elif not _dates_compatible(mention.date, incident.date, base):
            continue
        if (
            _fronted_full_date(analysis, mention)
            and incident.date is not None
            and not incident.date.value
        ):
            # Undated report: "on Friday night" ... "In August 2024, gunmen ...": another event.
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
    return pending


def _same_place_update(
    analysis: Analysis, incidents: list[Incident], mention: Mention
) -> Incident | None:
    """The earlier incident whose toll an undated mention of no particular kind updates at the
    same place ("Larkana: one more policeman dies of wounds, toll rises to three" in a digest)."""
    if mention.date is not None or not mention.figures or mention.kind == "security_operation":
        return None
    # The mention's place, or a place it names the event by ("Bannu police post attack: toll
    # rises to three").
    named = {
        found.place.id
        for found in [mention.place, *analysis.places_in(mention.start, mention.end)]
        if found is not None and found.place is not None and found.place.precision != "country"
    }
    if not named:
        return None
    for incident in reversed(incidents):
        place = incident.place
        if place is None or place.place is None or place.place.id not in named:
            continue
        types = {m.attack_type for m in incident.mentions}
        if incident.mentions[0].kind == "attack" and (
            mention.attack_type in (None, "unknown") or mention.attack_type in types
        ):
            # "Duki: bodies of five abducted miners found" after "Coal miners abducted in Duki".
            return incident
        return None
    return None


def find_incidents(
    analysis: Analysis, claimed: set[int], allow_vague: bool = False
) -> list[Incident]:
    """Build the document's incidents from its sentences, skipping ``claimed`` sentences.

    With ``allow_vague``, mentions that say nothing of when, where or how many still make an
    incident when the document has no other (a headline such as "Attack on polio team foiled").
    """
    incidents: list[Incident] = []
    pending: list[Mention] = []
    base = reference_day(analysis) if analysis.sentences else None
    for index in range(len(analysis.sentences)):
        if index in claimed:
            continue
        for mention in _mentions(analysis, index):
            pending = _place_mention(analysis, incidents, pending, mention, base)
    if pending and incidents:
        incidents[0].mentions.extend(pending)
    elif pending and allow_vague:
        # A report about an attack that gives no date, place or figure is still a report.
        incidents.append(Incident(mentions=pending))
    for incident in incidents:
        incident.mentions.sort(key=lambda m: m.start)
    return incidents


def is_past(incident: Incident, analysis: Analysis, first: bool = True) -> bool:
    """Whether the text recalls the incident rather than reporting it.

    In an undated text, an incident after the first that is dated only by month or year ("In
    August 2024, gunmen ...") is recalled: a report tells its own news by the day.
    """
    found = incident.date
    base = reference_day(analysis)
    if found is not None and _recalled(found, base):
        return True
    if base is None and not first and found is not None and found.value is not None:
        if found.precision in ("month", "year"):
            return True
    return any(_PAST_CUE.search(analysis.text[m.start : m.end]) for m in incident.mentions[:1])
