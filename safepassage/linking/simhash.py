"""Text normalisation, exact content hashes and SimHash fingerprints for near duplicates.

Wire copy republished by several outlets differs in a headline, a byline or a closing line.
A 64-bit SimHash over word trigrams stays within a few bits for such copies; it is split into
four 16-bit bands so that the database finds candidates by an indexed equality on any band
(two fingerprints within 3 bits of each other must agree on at least one band: pigeonhole).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from simhash import Simhash

NEAR_DUPLICATE_BITS = 3
_BAND_BITS = 16
_BAND_MASK = (1 << _BAND_BITS) - 1
_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
# Texts this short share too many trigrams by chance to call them near duplicates.
MIN_WORDS = 12


def normalise_text(text: str) -> str:
    """NFC-normalise and collapse every run of whitespace to one space, trimmed.

    Two texts that differ only in Unicode composition, line breaks or indentation have the
    same normal form and so the same content hash.
    """
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def content_hash(text: str) -> str:
    """SHA-256 of the normalised text, hex."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def _features(text: str) -> list[str]:
    words = _WORD.findall(normalise_text(text).casefold())
    if len(words) < 3:
        return words
    return [" ".join(words[i : i + 3]) for i in range(len(words) - 2)]


def fingerprint(text: str) -> int | None:
    """The text's 64-bit SimHash as a signed integer (fits a BIGINT), or None if too short."""
    if len(_WORD.findall(text)) < MIN_WORDS:
        return None
    value = int(Simhash(_features(text), f=64).value)
    return value - (1 << 64) if value >= (1 << 63) else value


def _unsigned(value: int) -> int:
    return value & ((1 << 64) - 1)


def bands(value: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a fingerprint, lowest bits first."""
    raw = _unsigned(value)
    return (
        raw & _BAND_MASK,
        (raw >> 16) & _BAND_MASK,
        (raw >> 32) & _BAND_MASK,
        (raw >> 48) & _BAND_MASK,
    )


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints."""
    return (_unsigned(a) ^ _unsigned(b)).bit_count()
