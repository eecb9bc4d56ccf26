"""Name normalisation shared by the gazetteer builder and the runtime index.

Two keys are derived from every name:

* ``norm_key`` folds case, diacritics and punctuation ("Dera Ghāzi Khān" -> "dera ghazi khan",
  "D.I. Khan" -> "d i khan", "Gilgit-Baltistan" -> "gilgit baltistan").
* ``loose_key`` also smooths the usual English spellings of Urdu, Pashto and Chinese names
  (doubled letters, q/k, v/w, ee/i, oo/u, spaces), so "Dassu" meets "Dasu", "Qila Abdullah"
  meets "Killa Abdullah" and "Mir Ali" meets "Mirali". It is only used when ``norm_key`` finds
  nothing, because it merges more than it should for very short names.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import groupby

# Longest mention we accept. Real place names are far shorter; a cap keeps hostile input
# (a 10 MB string) from costing more than a slice.
MAX_MENTION_CHARS = 200

# Letters that NFKD does not decompose into ASCII plus a combining mark.
_SPECIAL = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ə": "a",
        "ʼ": "",
        "ʻ": "",
        "’": "",
        "‘": "",
        "'": "",
        "`": "",
        "´": "",
        "&": " and ",
    }
)
_LOOSE_LETTERS = str.maketrans({"q": "k", "v": "w"})
_LOOSE_PAIRS = (
    ("ph", "f"),
    ("ee", "i"),
    ("oo", "u"),
    ("ou", "au"),
    ("ei", "ai"),
    ("kh", "k"),
    ("gh", "g"),
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")

# Generic words that may trail or lead a place name in text ("Shangla district", "city of
# Karachi"). Stripping them is a fallback, tried only when the full form is not a known name.
TRAILING_WORDS: dict[str, str] = {
    "district": "admin2",
    "districts": "admin2",
    "agency": "admin2",
    "tribal district": "admin2",
    "tribal agency": "admin2",
    "division": "admin2",
    "tehsil": "admin3",
    "sub division": "admin3",
    "subdivision": "admin3",
    "city": "town",
    "town": "town",
    "village": "town",
    "township": "town",
    "bazaar": "town",
    "bazar": "town",
    "area": "",
    "areas": "",
    "tribal area": "admin2",
    "tribal areas": "admin2",
    "tribal region": "admin2",
    "tribal belt": "admin2",
    "border area": "",
    "border region": "",
    "district headquarters": "admin2",
    "region": "",
    "valley": "",
    "sector": "",
    "province": "admin1",
    "provinces": "admin1",
    "state": "admin1",
    "territory": "admin1",
    "capital territory": "admin1",
    "autonomous region": "admin1",
    "country": "country",
}
LEADING_WORDS: dict[str, str] = {
    "the": "",
    "city of": "town",
    "town of": "town",
    "village of": "town",
    "district of": "admin2",
    "province of": "admin1",
    "the city of": "town",
    "the town of": "town",
    "the village of": "town",
    "the district of": "admin2",
    "the province of": "admin1",
    "republic of": "country",
    "the republic of": "country",
}


def to_ascii(text: str) -> str:
    """ASCII form of ``text`` with diacritics removed and case kept; other scripts are dropped."""
    text = text.translate(_SPECIAL)
    if text.isascii():  # the common case, and ten times cheaper than decomposing
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.encode("ascii", "ignore").decode("ascii")


def fold(text: str) -> str:
    """Lower-case ASCII form of ``text`` with diacritics removed; other scripts are dropped."""
    return to_ascii(text).lower()


def norm_key(name: str) -> str:
    """Case-, diacritic- and punctuation-insensitive key of a name ('' when nothing Latin is left)."""
    if not isinstance(name, str) or not name:
        return ""
    return _NON_ALNUM.sub(" ", fold(name[: MAX_MENTION_CHARS * 2])).strip()


def loose_key(key: str) -> str:
    """Spelling-insensitive key derived from a ``norm_key`` (see the module docstring)."""
    k = key.replace(" ", "").translate(_LOOSE_LETTERS)
    for old, new in _LOOSE_PAIRS:
        if old in k:
            k = k.replace(old, new)
    if k.endswith("y"):
        k = k[:-1] + "i"
    # collapse doubled letters ("dassu" -> "dasu"); groupby beats a back-referencing regex here
    return "".join(ch for ch, _ in groupby(k))


def split_generic(key: str) -> tuple[str, str]:
    """Strip one leading and one trailing generic word from a ``norm_key``.

    Returns the remaining key and a kind hint ('admin2', 'town', 'admin1', 'country', or '').
    "shangla district" -> ("shangla", "admin2"); "city of karachi" -> ("karachi", "town").
    """
    hint = ""
    for lead in sorted(LEADING_WORDS, key=len, reverse=True):
        if key.startswith(lead + " "):
            key = key[len(lead) + 1 :]
            hint = LEADING_WORDS[lead] or hint
            break
    for trail in sorted(TRAILING_WORDS, key=len, reverse=True):
        if key.endswith(" " + trail):
            key = key[: -len(trail) - 1]
            hint = TRAILING_WORDS[trail] or hint
            break
    return key.strip(), hint
