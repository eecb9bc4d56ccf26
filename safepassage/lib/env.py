"""Typed readers for settings that come from the environment.

Each helper fails loudly with the variable's name when a value cannot be parsed, so a
mistyped deployment setting stops the process at start-up instead of being ignored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


class ConfigError(RuntimeError):
    """A setting in the environment is missing or malformed."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    """Return the variable as a string, or ``default`` when it is unset."""
    env = os.environ if environ is None else environ
    return env.get(name, default)


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    """Return the variable as a boolean; accepts 1/0, true/false, yes/no, on/off."""
    env = os.environ if environ is None else environ
    if name not in env:
        return default
    value = env[name].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={env[name]!r} is not a boolean (use 1/0, true/false, yes/no).")


def env_int(
    name: str,
    default: int,
    environ: Mapping[str, str] | None = None,
    minimum: int | None = None,
) -> int:
    """Return the variable as an integer, checking an optional lower bound."""
    env = os.environ if environ is None else environ
    if name not in env:
        return default
    try:
        value = int(env[name].strip())
    except ValueError as exc:
        raise ConfigError(f"{name}={env[name]!r} is not an integer.") from exc
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}={value} is below the minimum of {minimum}.")
    return value


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """Return a comma-separated variable as a list of non-empty, stripped items."""
    env = os.environ if environ is None else environ
    if name not in env:
        return list(default)
    return [item.strip() for item in env[name].split(",") if item.strip()]
