"""The binary layout of :class:`CellPack` records and the helpers that read and edit it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

RECORD = np.dtype([("id", "<i8"), ("value", "<f8"), ("day", "<f8"), ("lat", "<f8"), ("lon", "<f8")])


def record(row: Any) -> npt.NDArray[Any]:
    """One packed record of an IncidentRisk row (or anything with its attributes)."""
    return np.array([(row.incident_id, row.value, row.day, row.lat, row.lon)], dtype=RECORD)


def unpack(data: bytes | memoryview | None) -> npt.NDArray[Any]:
    """The records in a pack (an empty array for an empty or missing pack)."""
    return np.frombuffer(bytes(data) if data else b"", dtype=RECORD)


def join(blobs: Iterable[bytes | memoryview]) -> npt.NDArray[Any]:
    """All records of several packs as one array."""
    return unpack(b"".join(bytes(b) for b in blobs))
