"""The risk model, pure Python: incident worth, decay, distance weighting, bands, geometry.

See docs/RISK.md for the formula. The Django side lives in ``safepassage.risk``.
"""

from .model import (
    BANDS,
    DEFAULT_PARAMS,
    EPOCH,
    BaseValue,
    IncidentFacts,
    RiskParams,
    age_factor,
    band_for,
    base_value,
    confidence_weight,
    day_number,
    decay,
    denormalise,
    distance_weight,
    normalised,
    precision_weight,
    severity,
)

__all__ = [
    "BANDS",
    "DEFAULT_PARAMS",
    "EPOCH",
    "BaseValue",
    "IncidentFacts",
    "RiskParams",
    "age_factor",
    "band_for",
    "base_value",
    "confidence_weight",
    "day_number",
    "decay",
    "denormalise",
    "distance_weight",
    "normalised",
    "precision_weight",
    "severity",
]
