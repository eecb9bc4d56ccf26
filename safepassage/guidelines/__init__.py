"""Movement guidelines as rules kept as data: a pure evaluator with no Django imports.

A rule is a plain ``RuleSpec`` (code, name, kind, params, severity). ``evaluate`` checks a
``MovementContext`` (who moves, in what, with which escort, along which route, when) against
a list of specs and returns one ``RuleResult`` per enabled rule with a readable reason.
``validate_params`` checks a rule's parameters before they are stored or imported.
"""

from safepassage.guidelines.context import DistrictBand, EscortUnit, MovementContext, VehicleInfo
from safepassage.guidelines.rules import (
    BANDS,
    KINDS,
    RuleResult,
    RuleSpec,
    RuleSpecError,
    evaluate,
    required_officers,
    validate_params,
)
from safepassage.guidelines.yamlfile import load_rules, parse_rules

__all__ = [
    "BANDS",
    "KINDS",
    "DistrictBand",
    "EscortUnit",
    "MovementContext",
    "RuleResult",
    "RuleSpec",
    "RuleSpecError",
    "VehicleInfo",
    "evaluate",
    "load_rules",
    "parse_rules",
    "required_officers",
    "validate_params",
]
