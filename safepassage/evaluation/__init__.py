"""Evaluation of the extraction engine: gold sets, field-by-field scoring and reports.

Pure Python, no Django. Entry point: :func:`safepassage.evaluation.cli.main`
(``safepassage eval`` / ``python -m safepassage.evaluation``).
"""

from safepassage.evaluation.gold import (
    GoldDocument,
    GoldError,
    GoldEvent,
    GoldSet,
    load_corpus,
    load_seeds,
)
from safepassage.evaluation.scoring import FieldScore, SetScore, score_set
from safepassage.evaluation.ucdp import load_ucdp

__all__ = [
    "FieldScore",
    "GoldDocument",
    "GoldError",
    "GoldEvent",
    "GoldSet",
    "SetScore",
    "load_corpus",
    "load_seeds",
    "load_ucdp",
    "score_set",
]
