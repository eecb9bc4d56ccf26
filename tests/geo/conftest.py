"""Shared fixtures: the gazetteer is built once per test session."""

from __future__ import annotations

import pytest

from safepassage.geo import Gazetteer


@pytest.fixture(scope="session")
def gaz() -> Gazetteer:
    """The packaged gazetteer."""
    return Gazetteer.default()
