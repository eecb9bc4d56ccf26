"""Scoring candidates near a route or point: distance, age and the breakdown.

Pure Python (with numpy); the Django app fetches candidate rows through its H3 index and
hands them here as columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .geometry import Segment, polyline_distances
from .model import DEFAULT_PARAMS, RiskParams


@dataclass(frozen=True)
class ArrayScore:
    """Scores of many candidates at once: the total, the number of contributors and the
    indices of the largest (all of them unless a limit was given), largest first."""

    total: float
    count: int
    order: npt.NDArray[np.intp]
    values: npt.NDArray[np.float64]
    distances: npt.NDArray[np.float64]
    ages: npt.NDArray[np.float64]
    age_factors: npt.NDArray[np.float64]
    weights: npt.NDArray[np.float64]


def score_arrays(
    ids: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    days: npt.NDArray[np.float64],
    lats: npt.NDArray[np.float64],
    lons: npt.NDArray[np.float64],
    segs: Sequence[Segment],
    radius_km: float,
    now_day: float,
    params: RiskParams = DEFAULT_PARAMS,
    limit: int | None = None,
) -> ArrayScore:
    """Each candidate's contribution: base value × age factor × distance weight.

    Vectorised, because a route through a busy district has thousands of candidates.
    Candidates dated after ``now_day`` and those beyond the radius contribute nothing.
    """
    distances = polyline_distances(lats, lons, segs, radius_km)
    weights = np.where(
        distances <= radius_km,
        1.0 - (1.0 - params.edge_weight) * np.clip(distances, 0.0, None) / radius_km,
        0.0,
    )
    ages = np.clip(now_day - days, 0.0, None)
    aged = (1.0 - params.long_weight) * np.exp2(-ages / params.half_life_days) + (
        params.long_weight * np.exp2(-ages / params.long_half_life_days)
    )
    counted = (days <= now_day) & (values > 0) & (weights > 0)
    contribution = np.where(counted, values * aged * weights, 0.0)
    keep = np.flatnonzero(contribution > 0)
    if limit is not None and keep.size > limit:
        # Only the largest `limit` are listed: select them in linear time, then sort those.
        # Ties at the cut are broken by id so the listed set does not depend on fetch order.
        cut = -np.partition(-contribution[keep], limit - 1)[limit - 1] if limit > 0 else np.inf
        above = keep[contribution[keep] > cut]
        at_cut = keep[contribution[keep] == cut]
        at_cut = at_cut[np.argsort(ids[at_cut], kind="stable")][: max(0, limit - above.size)]
        top = np.concatenate([above, at_cut])
    else:
        top = keep
    # Largest first; equal values in incident order, so the breakdown is stable.
    order = top[np.lexsort((ids[top], -contribution[top]))]
    return ArrayScore(
        float(contribution[keep].sum()),
        int(keep.size),
        order,
        contribution,
        distances,
        ages,
        aged,
        weights,
    )
