"""Official engagements: meetings, agreements and announcements.

Sentences with an engagement trigger ("met", "meeting", "agreed", "announced") form clusters.
A sentence that names new people, or gives a different date, starts a new cluster; one that only
refers back ("during the meeting", "both sides agreed") joins the current one. Topics are read
from the cluster's own sentences and from the sentences that follow it up to the next reported
engagement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from safepassage.extract.actors import Participant, participants_in
from safepassage.extract.analysis import Analysis
from safepassage.extract.dates import DateMention
from safepassage.extract.lexicon import SPEECH_VERBS, TITLE_NOUN
from safepassage.extract.places import PlaceMention, choose_location

_MEETING = re.compile(
    r"\b(?:met|meets|meet|meeting|meetings|talks|co-chaired|interaction|"
    r"held\s+discussions|visit(?:ed)?|visiting(?!\s+(?-i:[a-z]+)\s)|summit|dialogue|"
    r"tele?phone\s+(?:call|conversation)|phone\s+call|spoke\s+(?:by|on\s+the)\s+(?:tele)?phone)\b"
    # "Troops from Pakistan and China began a joint exercise", "It was opened by ...": the
    # opening of a joint exercise brings the two sides together.
    r"|\b(?:began|begin|begins|opened|inaugurated|kicked\s+off)\s+(?:a|an|the|their)\s+"
    r"(?:[\w-]+\s+){0,4}(?:exercises?|drills?)\b"
    # "Mr Zhou called on Prime Minister Shehbaz Sharif, who ...": a courtesy call, not "called on
    # Pakistan to do more" (a call for something, followed by "to").
    r"|\bcalled\s+on\s+(?:(?-i:[A-Z])[\w.'’-]*\s?)+(?=[,.;]|\s+(?:at|in|on|and|who|during)\b)"
    # "called on the Khyber Pakhtunkhwa chief secretary in Peshawar" (not "... minister to act")
    rf"|\bcalled\s+on\s+(?:the\s+)?(?:(?-i:[A-Z])[\w.'’-]*\s+){{0,4}}{TITLE_NOUN}\b(?!\s+to\b)",
    re.IGNORECASE,
)
_AGREEMENT = re.compile(
    r"\b(?:agreed|agreeing|agreement|agreements|signed|MoU|MoUs|memorandum\s+of\s+understanding|accord)\b",
    re.IGNORECASE,
)
_ANNOUNCEMENT = re.compile(
    r"\b(?:announc(?:ed|es|ing|ement)|unveiled|revealed\s+the|launch(?:ed|es)?\s+(?:of\s+)?(?:a|an|the)?|"
    r"decided|approved|ordered)\b"
    # "The home minister said on Friday that the province would raise a second battalion": a
    # security measure stated for the future.
    r"|\b(?:said|told)\b[^.;]{0,100}?\b(?:would|will)\b[^.;]{0,80}?\b(?:units?|battalions?|"
    r"force|escorts?|checkposts?|cell|recruits|training|guidelines|protection|convoys?|"
    r"movements?|patrols?|committees?|scanners|hotline)\b"
    # "he said all movements of Chinese staff would now be coordinated": the measure first.
    r"|\b(?:said|told)\s+(?:that\s+)?(?:all\s+|the\s+)?(?:[\w-]+\s+){0,2}(?:movements?|"
    r"convoys?|escorts?|patrols?|checkposts?)\b[^.;]{0,80}?\b(?:would|will)\b",
    re.IGNORECASE,
)
_GENERIC_MEETING = re.compile(
    r"\b(?:a|one)\s+(?:series|string)\s+of\s+meetings\b|\bhigh-level\s+exchanges\b", re.IGNORECASE
)
_REFERENCE = re.compile(
    r"\b(?:the|this|that)\s+(?:final\s+|opening\s+|closing\s+|first\s+|last\s+)?"
    r"(?:meeting|talks|agreement|announcement|interaction|visit|session|jirga)\b",
    re.IGNORECASE,
)
_DELEGATION = re.compile(
    r"\b(?:delegation|side|team)\s+(?:was|were|is)\s+(?:led|headed)\s+by\b"
    # "Pakistan was represented by its Interior Secretary, ..., China by ..."
    r"|\b(?:was|were)\s+represented\s+by\b",
    re.IGNORECASE,
)
#: "The commissioner said both sides had promised ...": the speaker reports the talks he was in.
_BOTH_SIDES_SAID = re.compile(
    rf"\b{SPEECH_VERBS}\s+(?:that\s+)?(?:both|the\s+two)\s+(?:sides|delegations|countries)\b",
    re.IGNORECASE,
)
#: "agreed to meet again in Beijing", "the next round would be held in Chengdu": a later
#: meeting's venue, not this one's.
_FUTURE_VENUE = re.compile(
    r"\b(?:(?:to|will|would|shall)\s+meet\s+(?:again\s+)?|next\s+(?:round|meeting|session|"
    r"talks)\b[^.;]{0,40}?\b(?:be\s+held\s+|take\s+place\s+)?)(?:\w+\s+){0,3}?(?:in|at)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_VENUE_RANK = {"point": 3, "town": 3, "district": 2, "province": 1}
_SPOKEN_IN = re.compile(
    r"\b(?:(?:news|press)\s+conference|briefing|reporters|journalists|ceremony|announced|"
    r"speaking|addressing\s+\w+|said|told\s+\w+)\s+(?:\w+\s+){0,2}?(?:in|at)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_THIS_CITY = re.compile(
    r"\b(?:in|at)\s+this\s+(?:[\w-]+\s+){0,3}(?:city|town|capital|port|village|valley)\b"
    # "signed an agreement here on Monday": the dateline's city.
    r"|\b(?:met|signed|held|agreed|reached|announced|inaugurated|opened|concluded)\s+"
    r"(?:\w+\s+){0,3}?here\b(?=\s*(?:on|this|last|today|yesterday|earlier|at|during|after|,|\.))",
    re.IGNORECASE,
)
_DEMONYMS = {
    "pakistani": "PK",
    "chinese": "CN",
    "afghan": "AF",
    "iranian": "IR",
    "indian": "IN",
    "tajik": "TJ",
    "uzbek": "UZ",
    "kyrgyz": "KG",
    "kazakh": "KZ",
    "russian": "RU",
    "turkish": "TR",
}
_NATIONAL_CAPITAL = re.compile(
    rf"\b(?:in|at)\s+the\s+(?P<demonym>{'|'.join(_DEMONYMS)})\s+capital\b", re.IGNORECASE
)
#: "Nadir Shah, who chaired the final session, said ...", "It was opened by Major General ...":
#: people who took part in what was just told.
_TOOK_PART = re.compile(
    r"\b(?:chaired|attended|presided\s+over|hosted|co-chaired)\s+(?:the|this|that)\s+"
    r"(?:\w+\s+)?(?:meeting|session|talks|jirga|conference|dialogue)\b"
    r"|^\s*(?:It|The\s+(?:exercise|meeting|session|talks|ceremony|drills?))\s+(?:was|were)\s+"
    r"(?:formally\s+)?(?:opened|inaugurated|attended|chaired|hosted|led)\s+by\b",
    re.IGNORECASE,
)
_MEANWHILE = re.compile(
    r"\s*(?:Meanwhile|Separately|In another development|Elsewhere)\b", re.IGNORECASE
)
#: Sentences at the start of a document that date its main story.
LEAD_SENTENCES = 3
_EXCLUDED_PERSON_BEFORE = re.compile(
    r"\b(?:behind|than|after|like|under)\s+(?:[A-Z][\w.]*\s+){0,3}$"
)


@dataclass
class Engagement:
    """Engagement sentences merged into one meeting, agreement or announcement."""

    kinds: list[str] = field(default_factory=list)
    sentences: list[int] = field(default_factory=list)
    trigger_sentences: list[int] = field(default_factory=list)
    persons: list[tuple[int, int]] = field(default_factory=list)
    date: DateMention | None = None
    place: PlaceMention | None = None
    participants: list[Participant] = field(default_factory=list)
    background: bool = False

    @property
    def kind(self) -> str:
        """A meeting where one took place; else an agreement; else an announcement."""
        for kind in ("meeting", "agreement", "announcement"):
            if kind in self.kinds:
                return kind
        return "meeting"

    def surnames(self, analysis: Analysis) -> set[str]:
        """Last names of the people in the cluster, to match later sentences."""
        return {analysis.text[s:e].split()[-1] for s, e in self.persons}


def tells_engagement(sentence: str) -> bool:
    """Whether a sentence tells a meeting, an agreement or an announcement."""
    return bool(_kinds(sentence))


def _kinds(sentence: str) -> list[str]:
    kinds = []
    if _MEETING.search(sentence) and not _GENERIC_MEETING.search(sentence):
        kinds.append("meeting")
    if _AGREEMENT.search(sentence):
        kinds.append("agreement")
    if _ANNOUNCEMENT.search(sentence):
        kinds.append("announcement")
    return kinds


def _persons(analysis: Analysis, start: int, end: int) -> list[tuple[int, int]]:
    """PERSON spans that take part: not those mentioned in passing ("behind President Xi")."""
    kept: list[tuple[int, int]] = []
    excluded_end = -1
    for p_start, p_end in analysis.persons_in(start, end):
        before = analysis.text[max(start, p_start - 40) : p_start]
        chained = excluded_end >= 0 and re.fullmatch(
            r"\s*(?:,|and)\s+(?:[A-Z][\w.]*\s+){0,3}", analysis.text[excluded_end:p_start]
        )
        if _EXCLUDED_PERSON_BEFORE.search(before) or chained:
            excluded_end = p_end
            continue
        if _OWNER_AFTER.match(analysis.text, p_end) or (
            analysis.text[p_start:p_end].endswith(("'s", "’s"))
            and _STAND_IN_AFTER.match(analysis.text, p_end)
        ):
            # "Ma Xingrui's representative, Li Wei": the owner did not take part.
            continue
        kept.append((p_start, p_end))
    return kept


_STAND_IN_AFTER = re.compile(
    r"\s+(?:special\s+)?(?:representative|envoy|deputy|spokes\w+|aide|behalf)\b"
)
_OWNER_AFTER = re.compile(r"['’]s" + _STAND_IN_AFTER.pattern)


#: "The jirga met two days after gunmen fired on a convoy on Monday": a date after "after" in
#: the meeting's sentence dates the earlier event, not the meeting.
_AFTER_TRIGGER = re.compile(r"\b(?:after|following|since)\b", re.IGNORECASE)


def _date_in(analysis: Analysis, start: int, end: int) -> DateMention | None:
    usable = [d for d in analysis.dates_in(start, end) if not d.weak]
    sentence = analysis.text[start:end]
    trigger = _MEETING.search(sentence) or _AGREEMENT.search(sentence)
    if trigger is not None:
        cut = _AFTER_TRIGGER.search(analysis.text, start + trigger.end(), end)
        if cut is not None:
            usable = [d for d in usable if d.start < cut.start()]
    if not usable:
        return None
    rank = {"day": 3, "month": 2, "year": 1, None: 0}
    return max(usable, key=lambda d: (rank[d.precision], -d.start))


def _conflicts(a: DateMention | None, b: DateMention | None) -> bool:
    if a is None or b is None:
        return False
    if a.value is None or b.value is None:
        return a.text.lower() != b.text.lower() and (a.past or b.past)
    return not (a.value.startswith(b.value) or b.value.startswith(a.value))


def find_engagements(analysis: Analysis) -> list[Engagement]:
    """Cluster the document's engagement sentences into engagements."""
    clusters: list[Engagement] = []
    current: Engagement | None = None
    text = analysis.text
    for index, (start, end) in enumerate(analysis.sentences):
        sentence = text[start:end]
        kinds = _kinds(sentence)
        follows = current is not None and index == current.sentences[-1] + 1
        if (
            not kinds
            and current is not None
            and (
                _DELEGATION.search(sentence)
                or _TOOK_PART.search(sentence)
                or (follows and _BOTH_SIDES_SAID.search(sentence))
            )
        ):
            # "Pakistan's delegation was led by Interior Secretary Aamir Latif."
            current.sentences.append(index)
            for person in _persons(analysis, start, end):
                if analysis.text[person[0] : person[1]].split()[-1] not in current.surnames(
                    analysis
                ):
                    current.persons.append(person)
            continue
        if not kinds:
            continue
        persons = _persons(analysis, start, end)
        found_date = _date_in(analysis, start, end)
        surnames = {text[s:e].split()[-1] for s, e in persons}
        referring = bool(_REFERENCE.search(sentence))
        if not persons:
            # "after the Shiren-Qazi meeting": a sentence naming earlier participants joins them.
            named = [
                c
                for c in clusters
                if any(re.search(rf"\b{re.escape(n)}\b", sentence) for n in c.surnames(analysis))
            ]
            if named:
                current = named[-1]
        new = current is None
        if current is not None and not new:
            known = current.surnames(analysis)
            mentions_known = any(re.search(rf"\b{re.escape(name)}\b", sentence) for name in known)
            if surnames and known and not mentions_known and not referring:
                new = True
            elif (
                surnames
                and not known
                and found_date is None
                and _is_old(current.date, analysis.base)
            ):
                new = True  # a dated meeting without names, then people at another one
            elif _MEANWHILE.match(sentence) and surnames and not mentions_known:
                new = True
            elif _conflicts(found_date, current.date) and not referring:
                new = True
            elif (
                found_date is not None
                and found_date.past
                and current.date is not None
                and not found_date.past == current.date.past
            ):
                new = True
        if new and not persons and found_date is None and current is not None:
            new = False  # nothing to tell it apart: a further sentence about the same talks
        if new:
            current = Engagement()
            clusters.append(current)
        assert current is not None
        current.kinds.extend(k for k in kinds if k not in current.kinds)
        current.sentences.append(index)
        current.trigger_sentences.append(index)
        for person in persons:
            if text[person[0] : person[1]].split()[-1] not in current.surnames(analysis):
                current.persons.append(person)
        if current.date is None and found_date is not None:
            current.date = found_date
    clusters = [c for c in clusters if c.persons or c.date is not None or _has_place(analysis, c)]
    if clusters and clusters[0].date is None:
        # The lead often dates the story ("X on Thursday affirmed ...") before naming the meeting.
        first = min(clusters[0].trigger_sentences)
        if first < LEAD_SENTENCES:
            lead_start = analysis.sentences[0][0]
            clusters[0].date = _date_in(analysis, lead_start, analysis.sentences[first][1])
    return clusters


def _has_place(analysis: Analysis, cluster: Engagement) -> bool:
    return any(
        choose_location(analysis.places, analysis.sentences[i], analysis.sentences[i][0])
        for i in cluster.trigger_sentences
    )


def finish_engagement(
    analysis: Analysis, cluster: Engagement, excluded: frozenset[int] = frozenset()
) -> None:
    """Choose the place, the participants and the background flag of a cluster.

    ``excluded`` holds the offsets of place mentions that locate incidents ("two years after
    the bombing near Dasu"): they are not where the meeting was.
    """
    place = None
    best: tuple[int, int, int, int, int, int] | None = None
    for order, index in enumerate(cluster.trigger_sentences):
        start, end = analysis.sentences[index]
        sentence = analysis.text[start:end]
        trigger = (
            _MEETING.search(sentence)
            or _AGREEMENT.search(sentence)
            or _ANNOUNCEMENT.search(sentence)
        )
        anchor = start + (trigger.start() if trigger else 0)
        for candidate in analysis.places_in(start, end):
            if candidate.place is None or candidate.modifier or candidate.weak:
                continue
            if candidate.start in excluded:
                continue
            if _FUTURE_VENUE.search(
                analysis.text, max(start, candidate.start - 80), candidate.start
            ):
                continue
            # Where the meeting was beats where the announced unit will be; a named place beats
            # a country; "in X" beats a passing mention; an earlier sentence beats a later one;
            # nearer the verb ("met in Kashgar") beats farther.
            key = (
                1 if _held(sentence) else 0,
                0 if candidate.place.precision == "country" else 1,
                1 if candidate.locative else 0,
                -order,
                # In one sentence a town beats the province around it (a site is no finer
                # than a town here: "the Saindak project" is a topic, not a venue).
                _VENUE_RANK.get(candidate.place.precision, 0),
                -abs(candidate.start - anchor),
            )
            if best is None or key > best:
                best, place = key, candidate
    # An announcement happens where it is made: "the province would raise a battalion to guard
    # plants in Sahiwal" was announced in the dateline's city, not in Sahiwal, unless the text
    # says where it was made ("told a news conference in Karachi").
    announced_only = "meeting" not in cluster.kinds and "agreement" not in cluster.kinds
    if (
        announced_only
        and place is not None
        and analysis.dateline_place is not None
        and not cluster.background
        and not _SPOKEN_IN.search(analysis.text, max(0, place.start - 45), place.start)
    ):
        place = analysis.dateline_place
    # "after talks in this western Chinese city", "after a meeting in the Tajik capital" (in a
    # report datelined from it): the dateline's city, named by reference.
    dateline = analysis.dateline_place
    if dateline is not None and not cluster.background:
        for index in cluster.trigger_sentences:
            start, end = analysis.sentences[index]
            capital = _NATIONAL_CAPITAL.search(analysis.text, start, end)
            if _THIS_CITY.search(analysis.text, start, end) or (
                capital is not None
                and dateline.place is not None
                and dateline.place.country == _DEMONYMS[capital.group("demonym").lower()]
            ):
                place = dateline
                break
    # "Pakistan and China agreed ...", "Sindh signed ...": a country or province named as a
    # party says less than the dateline's city about where the talks were held.
    passing_party = (
        place is not None
        and place.place is not None
        and place.place.precision in ("country", "province")
        and not place.locative
    )
    if (
        (place is None or passing_party)
        and analysis.dateline_place is not None
        and not cluster.background
    ):
        place = analysis.dateline_place
    cluster.place = place
    cluster.participants = participants_in(
        analysis.text, cluster.persons, analysis.home_country, analysis.persons
    )
    cluster.background = _is_old(cluster.date, analysis.base)


#: "a working group that will meet every three months": a meeting to come, not this one.
_PLANNED_BEFORE = re.compile(r"\b(?:will|would|shall|to|may|could)\s+(?:\w+\s+)?$", re.IGNORECASE)


def _held(sentence: str) -> bool:
    """Whether the sentence tells a meeting that took place (not one planned)."""
    return any(
        not _PLANNED_BEFORE.search(sentence, max(0, found.start() - 30), found.start())
        for found in _MEETING.finditer(sentence)
    )


def _is_old(found: DateMention | None, base: date | None) -> bool:
    """Whether a date points well before the publication date (so the event is recalled)."""
    if found is None:
        return False
    if found.past:
        return True
    if base is None or found.value is None:
        return False
    if found.precision == "day":
        return (base - date.fromisoformat(found.value)).days > 10
    if found.precision == "month":
        return found.value < base.strftime("%Y-%m")
    return found.value < f"{base.year:04d}"
