"""Numbers in text: digits, number words and vague quantities, with their offsets.

Number words are converted with text2num, so "twenty-three" gives 23. Vague quantities follow
one documented table (:data:`VAGUE_NUMBERS`); "dozens" is 12, as ACLED codes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Vague quantities and the figure recorded for them. Lower bounds in spirit, so a figure taken
#: from this table is also reported as ``min``.
VAGUE_NUMBERS: dict[str, int] = {
    "a couple of": 2,
    "a few": 3,
    "several": 3,
    "a number of": 3,
    "some": 3,
    "many": 10,
    "a dozen": 12,
    "dozens of": 12,
    "dozens": 12,
    "a score of": 20,
    "scores of": 20,
    "scores": 20,
    "half a dozen": 6,
    "hundreds of": 100,
    "hundreds": 100,
    "thousands of": 1000,
    "thousands": 1000,
}

_UNITS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen"
)
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_WORD_NUMBER = (
    rf"(?:(?:{_TENS})(?:[- ](?:{_UNITS}))?|(?:{_UNITS}))"
    rf"(?:\s+hundred(?:\s+(?:and\s+)?(?:(?:{_TENS})(?:[- ](?:{_UNITS}))?|(?:{_UNITS})))?)?"
)
_VAGUE = "|".join(sorted((re.escape(k) for k in VAGUE_NUMBERS), key=len, reverse=True))
#: Bounds that qualify a number: "at least 12", "more than 30", "up to 5".
_QUALIFIER = (
    r"(?P<qual>at\s+least|more\s+than|over|nearly|almost|about|around|approximately|up\s+to|"
    r"as\s+many\s+as|some|roughly|an\s+estimated)\s+"
)

NUMBER_PATTERN = re.compile(
    rf"(?<![\w.-])(?:{_QUALIFIER})?(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d+|{_WORD_NUMBER}|{_VAGUE}|a|an|one|both)(?![\w-]|\.\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Number:
    """A number found in text, with the qualifier that bounds it."""

    start: int
    end: int
    value: int
    #: "at_least" for lower bounds ("at least", "more than", vague words), "at_most" for upper
    #: ones ("up to", "as many as"), "approx" for "about"/"nearly", None for an exact figure.
    bound: str | None
    vague: bool
    #: True for an article ("a", "an"), which counts one only before a singular noun.
    article: bool


@lru_cache(maxsize=2048)
def word_to_int(words: str) -> int | None:
    """Convert a number written in words or digits to an int, or None."""
    cleaned = words.strip().lower().replace(",", "")
    if cleaned.isdigit():
        return int(cleaned)
    if cleaned in VAGUE_NUMBERS:
        return VAGUE_NUMBERS[cleaned]
    if cleaned in ("a", "an"):
        return 1
    if cleaned == "both":
        return 2
    from text_to_num import text2num

    try:
        return int(text2num(cleaned.replace("-", " "), "en"))
    except ValueError:
        return None


_LOWER_BOUNDS = {"at least", "more than", "over"}
#: "up to 15 others", "as many as 30 people": the highest figure given, not a floor.
_UPPER_BOUNDS = {"as many as", "up to"}


def parse_number(match: re.Match[str]) -> Number | None:
    """Build a :class:`Number` from a match of :data:`NUMBER_PATTERN`."""
    raw = match.group("num")
    value = word_to_int(raw)
    if value is None:
        return None
    qual = re.sub(r"\s+", " ", (match.group("qual") or "").lower())
    vague = raw.lower() in VAGUE_NUMBERS
    bound: str | None = None
    if qual in _LOWER_BOUNDS or vague:
        bound = "at_least"
    elif qual in _UPPER_BOUNDS:
        bound = "at_most"
    elif qual:
        bound = "approx"
    if qual == "some" and not raw.isdigit() and vague:
        return None
    return Number(
        start=match.start(),
        end=match.end(),
        value=value,
        bound=bound,
        vague=vague,
        article=raw.lower() in ("a", "an"),
    )


def find_numbers(text: str, start: int = 0, end: int | None = None) -> list[Number]:
    """Return the numbers in ``text[start:end]`` in order."""
    found = []
    for match in NUMBER_PATTERN.finditer(text, start, len(text) if end is None else end):
        number = parse_number(match)
        if number is not None:
            found.append(number)
    return found
