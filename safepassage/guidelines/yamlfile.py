"""Rule files: a YAML list of rules, read safely and checked before anything is stored.

Format::

    rules:
      - code: escort-strength
        name: Escort strength by route risk
        kind: escort_strength
        severity: fail          # or warn
        enabled: true
        description: ...
        params: {min_officers: {moderate: 4, high: 8, extreme: 12}}
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from safepassage.guidelines.rules import RuleSpec, RuleSpecError, validate_params

MAX_BYTES = 1_000_000
MAX_RULES = 200
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
FIELDS = {"code", "name", "kind", "severity", "enabled", "description", "params"}


def parse_rules(text: str) -> list[RuleSpec]:
    """Rules from the text of a rule file; ``RuleSpecError`` names every problem found."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise RuleSpecError(f"The rule file is larger than {MAX_BYTES} bytes.")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleSpecError(f"The rule file is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RuleSpecError("The rule file must have a top-level 'rules' list.")
    entries: list[Any] = data["rules"]
    if len(entries) > MAX_RULES:
        raise RuleSpecError(f"The rule file holds more than {MAX_RULES} rules.")
    specs: list[RuleSpec] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        try:
            spec = _spec(entry)
        except RuleSpecError as exc:
            errors.append(f"rule {number}: {exc}")
            continue
        if spec.code in seen:
            errors.append(f"rule {number}: code '{spec.code}' appears twice.")
            continue
        seen.add(spec.code)
        specs.append(spec)
    if errors:
        raise RuleSpecError("; ".join(errors))
    return specs


def _spec(entry: Any) -> RuleSpec:
    if not isinstance(entry, dict):
        raise RuleSpecError("each rule must be a mapping.")
    unknown = sorted(set(map(str, entry)) - FIELDS)
    if unknown:
        raise RuleSpecError(f"unknown field(s) {', '.join(unknown)}.")
    code = entry.get("code")
    if not isinstance(code, str) or not CODE.match(code):
        raise RuleSpecError("'code' must be 1-50 lowercase letters, digits, '-' or '_'.")
    name = entry.get("name")
    if not isinstance(name, str) or not 0 < len(name) <= 200:
        raise RuleSpecError(f"{code}: 'name' must be a text of at most 200 characters.")
    kind = entry.get("kind")
    severity = entry.get("severity", "fail")
    enabled = entry.get("enabled", True)
    description = entry.get("description", "") or ""
    params = entry.get("params", {})
    if not isinstance(kind, str) or not isinstance(severity, str):
        raise RuleSpecError(f"{code}: 'kind' and 'severity' must be texts.")
    if not isinstance(enabled, bool):
        raise RuleSpecError(f"{code}: 'enabled' must be true or false.")
    if not isinstance(description, str) or len(description) > 4000:
        raise RuleSpecError(f"{code}: 'description' must be a text of at most 4000 characters.")
    try:
        validate_params(kind, params, severity)
    except RuleSpecError as exc:
        raise RuleSpecError(f"{code}: {exc}") from exc
    return RuleSpec(code, name, kind, params, severity, enabled, description)


def load_rules(path: str | Path) -> list[RuleSpec]:
    """Rules from a rule file on disk (see ``parse_rules``)."""
    file = Path(path)
    if file.stat().st_size > MAX_BYTES:
        raise RuleSpecError(f"The rule file is larger than {MAX_BYTES} bytes.")
    return parse_rules(file.read_text(encoding="utf-8"))
