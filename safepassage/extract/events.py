"""Assemble a document's events: engagements first found, then incidents, then the flags.

The main event is the first with ``background: false``. Events the text only recalls (an attack
months before a ministers' meeting) are ``background: true``. Events are ordered with the
reported ones first, each group by where it starts in the text, so output is deterministic.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from safepassage.extract.analysis import Analysis
from safepassage.extract.casualties import Figure, aggregate
from safepassage.extract.engagements import (
    Engagement,
    find_engagements,
    finish_engagement,
    tells_engagement,
)
from safepassage.extract.incidents import (
    ATTACK_ORDER,
    LEAD_SENTENCES,
    Incident,
    Mention,
    find_incidents,
    is_past,
    reference_day,
)
from safepassage.extract.places import PlaceMention, choose_location, location_object

#: A sentence that opens another report of the day: "Elsewhere in the tribal areas, a bomb ...",
#: "In a separate incident, ...". What it tells is news, not a recalled event.
_SEPARATE_REPORT = re.compile(
    r"\s*(?:Elsewhere|Separately|In\s+(?:a|another)\s+(?:separate\s+)?(?:incident|attack))\b"
)


def _date_object(mention: Any) -> dict[str, Any] | None:
    if mention is None or mention.value is None or mention.precision is None:
        return None
    return {"value": mention.value, "precision": mention.precision, "text": mention.text}


def _evidence(analysis: Analysis, indices: list[int]) -> list[dict[str, int]]:
    spans = sorted({analysis.sentences[i] for i in indices})
    return [{"start": start, "end": end} for start, end in spans]


def _confidence(filled: int, precision: str | None, background: bool) -> float:
    """A transparent score: 0.4, plus 0.1 per field found (date, place, casualties, actors),
    plus 0.1 for a place at town precision or finer, less 0.1 for recalled events."""
    score = 0.4 + 0.1 * filled
    if precision in ("town", "point"):
        score += 0.1
    if background:
        score -= 0.1
    return round(max(0.05, min(0.95, score)), 2)


def _refine(
    analysis: Analysis, place: PlaceMention | None, foreign_sentences: frozenset[int]
) -> PlaceMention | None:
    """Narrow a regional phrase ("southwest Pakistan") to a finer place of the same province
    that names the event elsewhere in the text ("the Quetta blast"), and a district to a town
    of it named so ("NORTH WAZIRISTAN IED" ... "RAZMAK BLAST"), unless that sentence belongs to
    another incident or the name is also used for something else."""
    if place is None or place.place is None:
        return place
    district = None if place.region or place.place.precision != "district" else place.place.admin2
    if not place.region and district is None:
        return place
    province = place.place.admin1
    # A name also used for a project ("the Dasu hydropower project") may name an attack after
    # the project rather than the place: the 2024 "Dasu attack" was near Bisham.
    modifiers = {m.place.id for m in analysis.places if m.modifier and m.place is not None}
    for mention in analysis.places:
        candidate = mention.place
        if (
            mention.weak
            and not mention.modifier
            and candidate is not None
            and candidate.admin1 == province
            and candidate.country == place.place.country
            and candidate.precision in ("point", "town", "district")
            and (
                district is None
                or (candidate.admin2 == district and candidate.precision != "district")
            )
            and candidate.id not in modifiers
            and analysis.sentence_of(mention.start) not in foreign_sentences
        ):
            return mention
    return place


#: The group speaks of its own kills: "said in a statement that its fighters had ... killed at
#: least ten", "claimed the attack, saying that dozens ... had been killed".
_GROUP_COUNT = re.compile(
    r"\b(?:said|says)\s+(?:in\s+a\s+statement\s+)?(?:that\s+)?(?:its|their)\s+(?:fighters|men|"
    r"militants|members|suicide\s+bombers?)\b|\bclaim\w*\b[^.;]{0,80}?\bsaying\b"
    r"|\bclaim(?:ed|ing|s)?\s+(?:to\s+have|that\s+(?:its|their))\b",
    re.IGNORECASE,
)


def _in_group_claim(analysis: Analysis, mention: Mention, figure: Figure) -> bool:
    """Whether a death figure is the claimant group's own count of its kills."""
    if not any(p["relation"] == "claimed" for p in mention.perpetrators):
        return False
    return _GROUP_COUNT.search(analysis.text, mention.start, figure.start) is not None


def _incident_event(
    analysis: Analysis,
    incident: Incident,
    background: bool,
    foreign_sentences: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    # The kind its first anchored report gives: an operation in which "a shell hit a house"
    # stays an operation.
    kinds = [m.kind for m in incident.mentions if m.kind and m.anchored] or [
        m.kind for m in incident.mentions if m.kind
    ]
    kind = "security_operation" if kinds and kinds[0] == "security_operation" else "attack"
    attack_types = [m.attack_type for m in incident.mentions if m.attack_type]
    specific = [t for t in attack_types if t != "unknown"]
    attack_type = (
        min(specific, key=ATTACK_ORDER.index)
        if specific
        else ("unknown" if kind == "attack" else None)
    )
    figures = [f for m in incident.mentions for f in m.figures]
    claimed = [f for m in incident.mentions for f in m.figures if _in_group_claim(analysis, m, f)]
    if any(f.kind == "dead" and f not in claimed for f in figures):
        # A group's own count of its kills ("saying dozens of soldiers had been killed") is
        # propaganda beside the officials' toll; it stands only when nothing else is stated.
        figures = [f for f in figures if f not in claimed]
    fatalities, injured = aggregate(figures)
    perpetrators: list[dict[str, Any]] = []
    for mention in incident.mentions:
        for perp in mention.perpetrators:
            existing = next((p for p in perpetrators if p["name"] == perp["name"]), None)
            if existing is None:
                perpetrators.append(dict(perp))
            elif existing["by"] is None and perp["by"]:
                existing.update(perp)
    targets: list[dict[str, Any]] = []
    for mention in incident.mentions:
        for target in mention.targets:
            if target not in targets:
                targets.append(target)
    place = incident.place
    if place is None and not background:
        # A report that names its place only outside the sentences about the event (a list of
        # headlines, a dateline) still places it: the best place named anywhere in the text.
        place = choose_location(
            analysis.places, (analysis.body_start, len(analysis.text)), incident.start
        )
        if place is None:
            place = analysis.dateline_place
    place = _refine(analysis, place, foreign_sentences)
    location = location_object(place.place) if place and place.place else None
    found_date = incident.date
    if found_date is None and not background:
        # A headline list or a lead may date the story outside the event's own sentences.
        lead_end = analysis.sentences[min(len(analysis.sentences), LEAD_SENTENCES) - 1][1]
        found_date = next(
            (
                d
                for d in analysis.dates_in(analysis.body_start, lead_end)
                if d.value and not d.weak and not d.past
            ),
            None,
        ) or next(
            # The earliest digest: a digest appears on or after the day of what it lists.
            (
                d
                for d in sorted(analysis.digest_dates, key=lambda d: d.value or "")
                if d.value and d.precision == "day"
            ),
            analysis.dateline_date,
        )
    date = _date_object(found_date)
    filled = sum(bool(x) for x in (date, location, fatalities, perpetrators))
    return {
        "kind": kind,
        "background": background,
        "attack_type": attack_type if kind == "attack" else None,
        "date": date,
        "location": location,
        "fatalities": fatalities,
        "injured": injured,
        "perpetrators": perpetrators,
        "targets": targets,
        "participants": [],
        "topics": [],
        "evidence": _evidence(analysis, [m.sentence for m in incident.mentions]),
        "confidence": _confidence(filled, location["precision"] if location else None, background),
    }


def _twin_event(analysis: Analysis, event: dict[str, Any], place: PlaceMention) -> dict[str, Any]:
    """The twin of an attack told in the same words ("one in A and the other in B"): the same
    event at another place. The tolls stay with the first, since the text gives them for both
    places together."""
    twin = dict(event)
    location = location_object(place.place) if place.place else None
    twin["location"] = location
    twin["fatalities"] = None
    twin["injured"] = None
    twin["evidence"] = _evidence(analysis, [analysis.sentence_of(place.start)])
    filled = sum(bool(x) for x in (event["date"], location, event["perpetrators"]))
    twin["confidence"] = _confidence(
        filled, location["precision"] if location else None, event["background"]
    )
    return twin


def _engagement_event(
    analysis: Analysis, cluster: Engagement, topic_sentences: list[int]
) -> dict[str, Any]:
    from safepassage.extract.actors import topics_in

    place = cluster.place
    location = location_object(place.place) if place and place.place else None
    date = _date_object(cluster.date)
    participants = [
        {"name": p.name, "title": p.title, "organisation": p.organisation, "country": p.country}
        for p in cluster.participants
    ]
    topics = topics_in(analysis.text, [analysis.sentences[i] for i in topic_sentences])
    filled = sum(bool(x) for x in (date, location, participants, topics))
    return {
        "kind": cluster.kind,
        "background": cluster.background,
        "attack_type": None,
        "date": date,
        "location": location,
        "fatalities": None,
        "injured": None,
        "perpetrators": [],
        "targets": [],
        "participants": participants,
        "topics": topics,
        "evidence": _evidence(analysis, cluster.sentences),
        "confidence": _confidence(
            filled, location["precision"] if location else None, cluster.background
        ),
    }


def _days_old(incident: Incident, analysis: Analysis) -> bool:
    """Whether the incident is dated to a day of the last week before the report and told on
    its own ("the CTD had arrested three suspects on Sunday"), not as the time of a meeting
    ("The jirga met two days after gunmen fired on a convoy on Monday")."""
    start, end = analysis.sentences[min(m.sentence for m in incident.mentions)]
    if tells_engagement(analysis.text[start:end]):
        return False
    found = incident.date
    base = reference_day(analysis)
    if found is None or found.precision != "day" or not found.value or base is None:
        return False
    return 0 <= (base - date.fromisoformat(found.value)).days <= 7


def _told_as_incident(cluster: Engagement, incidents: list[Incident]) -> bool:
    """Whether an engagement is only the incident told in its sentences: "the army launched an
    operation", "a bomber struck a meeting of elders". Its sentences all report the incident,
    and it has no date of its own ("announced on Tuesday a fund for the victims of the 2014
    attack" stays an announcement)."""
    for incident in incidents:
        sentences = {m.sentence for m in incident.mentions if m.anchored}
        if not set(cluster.trigger_sentences) <= sentences:
            continue
        found = incident.date
        if cluster.date is None or cluster.date.value is None:
            return True
        if found is not None and found.value is not None:
            return found.value.startswith(cluster.date.value) or cluster.date.value.startswith(
                found.value
            )
    return False


def build_events(analysis: Analysis) -> list[dict[str, Any]]:
    """Return the document's events as schema objects, reported events first."""
    clusters = find_engagements(analysis)
    incidents = find_incidents(analysis, set(), allow_vague=not clusters)
    incident_places = frozenset(
        m.place.start for inc in incidents for m in inc.mentions if m.place is not None
    )
    for cluster in clusters:
        finish_engagement(analysis, cluster, incident_places)
    claimed = {i for c in clusters for i in c.trigger_sentences}
    # An attack sentence that also names a meeting belongs to the attack, not the meeting.
    incident_sentences = {m.sentence for inc in incidents for m in inc.mentions if m.anchored}
    for cluster in clusters:
        cluster.sentences = [
            i for i in cluster.sentences if i not in incident_sentences
        ] or cluster.sentences
    claimed -= incident_sentences
    clusters = [c for c in clusters if not _told_as_incident(c, incidents)]
    main_engagement_in_lead = any(
        not c.background and min(c.trigger_sentences) < LEAD_SENTENCES for c in clusters
    )
    events: list[tuple[bool, int, dict[str, Any]]] = []
    starts = sorted(min(c.trigger_sentences) for c in clusters if not c.background)
    for cluster in clusters:
        first = min(cluster.trigger_sentences)
        if cluster.background:
            topic_sentences = cluster.sentences
        else:
            following = [s for s in starts if s > first]
            stop = following[0] if following else len(analysis.sentences)
            topic_sentences = [
                i
                for i in range(first, stop)
                if i not in incident_sentences and (i in cluster.sentences or i not in claimed)
            ]
        event = _engagement_event(analysis, cluster, topic_sentences)
        events.append((cluster.background, analysis.sentences[first][0], event))
    for incident in incidents:
        if clusters and not any(m.anchored for m in incident.mentions):
            continue
        first_sentence = min(m.sentence for m in incident.mentions)
        separate = _SEPARATE_REPORT.match(analysis.text, analysis.sentences[first_sentence][0])
        # In a story led by a meeting, an attack told later is context, unless the text dates
        # it to the last few days ("had arrested three suspects on Sunday"): news of its own.
        background = is_past(incident, analysis, incident is incidents[0]) or (
            main_engagement_in_lead
            and first_sentence >= LEAD_SENTENCES
            and not separate
            and not _days_old(incident, analysis)
        )
        if not any(m.sentence not in claimed for m in incident.mentions):
            continue
        foreign = frozenset(
            m.sentence for other in incidents if other is not incident for m in other.mentions
        )
        event = _incident_event(analysis, incident, background, foreign)
        events.append((background, incident.start, event))
        for offset, place in enumerate(incident.also, start=1):
            events.append(
                (background, incident.start + offset, _twin_event(analysis, event, place))
            )
    events.sort(key=lambda item: (item[0], item[1]))
    return [event for _bg, _start, event in events]
