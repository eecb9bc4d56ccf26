"""How high can any extractor score on the UCDP rows? An upper bound for the all-row targets.

The bound credits a reader that is right on *every* row whose text holds the answer (the
``province_named``, ``coords_25km_named`` and ``deaths_stated`` subsets) and, on every other
row, gives the single answer that is right most often there: the most common province, the
point within 25 km of the most coded points, the most common death toll. That best constant
answer is a guess the extractor refuses to make (it reports only what a text says); the bound
shows that even with it the all-row targets are out of reach, because most rows do not say.

A cleverer guess (a prior per headline word: "drone strike" means North Waziristan) could do
better than one constant, but no guess can reach a target that needs more right answers than
there are rows whose text gives them plus rows a guess can hit; the printed ``needed`` figure
says how many unanswerable rows a guess would have to get right.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from safepassage.evaluation.gold import GoldEvent, GoldSet
from safepassage.evaluation.normalize import haversine_km, province_key

#: The targets of issue 3 for the UCDP rows, in percent.
TARGETS = {"province": 95.0, "coords_25km": 85.0, "deaths": 85.0}
#: Candidate tolls for the best constant guess.
_TOLLS = range(0, 200)


@dataclass(frozen=True)
class Ceiling:
    """The bound for one field."""

    field: str
    rows: int
    #: Rows whose text gives the answer (a perfect reader gets them all).
    answerable: int
    #: The best single answer on the other rows, and how many of them it gets right.
    best_guess: str
    guessed: int
    target: float

    @property
    def bound(self) -> float:
        """The highest score, in percent, of a perfect reader plus the best constant guess."""
        return 100.0 * (self.answerable + self.guessed) / self.rows if self.rows else 0.0

    @property
    def needed(self) -> int:
        """How many of the unanswerable rows a guess would have to get right for the target."""
        return max(0, math.ceil(self.target * self.rows / 100.0) - self.answerable)

    @property
    def unanswerable(self) -> int:
        return self.rows - self.answerable


def _main_events(gold_set: GoldSet) -> list[GoldEvent]:
    return [document.events[0] for document in gold_set.documents if document.events]


def _province(events: Sequence[GoldEvent]) -> Ceiling:
    scored = [e for e in events if e.location is not None and e.location.admin1]
    answerable = [e for e in scored if e.location is not None and e.location.province_named]
    rest = Counter(
        province_key(e.location.admin1)
        for e in scored
        if e.location is not None and not e.location.province_named
    )
    guess, hits = rest.most_common(1)[0] if rest else ("-", 0)
    return Ceiling("province", len(scored), len(answerable), str(guess), hits, TARGETS["province"])


def _points(events: Iterable[GoldEvent]) -> list[tuple[float, float]]:
    return [
        (e.location.lat, e.location.lon)
        for e in events
        if e.location is not None and e.location.lat is not None and e.location.lon is not None
    ]


def _coordinates(events: Sequence[GoldEvent]) -> Ceiling:
    answerable = [e for e in events if e.location is not None and e.location.place_named]
    rest = _points(e for e in events if e.location is None or not e.location.place_named)
    best, hits = (0.0, 0.0), 0
    for candidate in rest:
        count = sum(haversine_km(*candidate, *point) <= 25.0 for point in rest)
        if count > hits:
            best, hits = candidate, count
    return Ceiling(
        "coords_25km",
        len(events),
        len(answerable),
        f"{best[0]:.4f},{best[1]:.4f}",
        hits,
        TARGETS["coords_25km"],
    )


def _accepts(event: GoldEvent, toll: int) -> bool:
    count = event.fatalities
    if count is None:
        return False
    if toll in count.totals:
        return True
    return count.low is not None and count.high is not None and count.low <= toll <= count.high


def _deaths(events: Sequence[GoldEvent]) -> Ceiling:
    answerable = [e for e in events if e.fatalities is not None and e.fatalities.stated]
    rest = [e for e in events if e.fatalities is None or not e.fatalities.stated]
    best, hits = 0, -1
    for toll in _TOLLS:
        count = sum(_accepts(e, toll) for e in rest)
        if count > hits:
            best, hits = toll, count
    return Ceiling(
        "deaths", len(events), len(answerable), str(best), max(hits, 0), TARGETS["deaths"]
    )


def ceilings(gold_set: GoldSet) -> list[Ceiling]:
    """The bound for the province, 25 km and deaths targets of a UCDP gold set."""
    events = _main_events(gold_set)
    return [_province(events), _coordinates(events), _deaths(events)]


def render(bounds: Sequence[Ceiling]) -> str:
    """A plain-text table of the bounds."""
    lines = [
        "UCDP ceiling: a perfect reader on the rows whose text holds the answer, plus the best "
        "single guess on the rest",
        f"   {'field':12} {'rows':>5} {'answerable':>10} {'best guess':>20} {'hits':>5} "
        f"{'bound':>7} {'target':>7} {'needed':>7}",
    ]
    for bound in bounds:
        lines.append(
            f"   {bound.field:12} {bound.rows:5d} {bound.answerable:10d} {bound.best_guess:>20} "
            f"{bound.guessed:5d} {bound.bound:6.1f}% {bound.target:6.1f}% "
            f"{bound.needed:4d}/{bound.unanswerable}"
        )
    return "\n".join(lines)
