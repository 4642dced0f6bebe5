"""Percentiles and the small summaries every table row is made of."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

PERCENTILES = (50, 95, 99)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest rank: the smallest value with at least ``pct`` % of the values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, Any]:
    """``{"n", "p50", "p95", "p99", "max"}`` in milliseconds, rounded for the report."""
    result: dict[str, Any] = {"n": len(seconds)}
    for pct in PERCENTILES:
        result[f"p{pct}"] = _ms(percentile(seconds, pct))
    result["max"] = _ms(max(seconds)) if seconds else None
    return result


def _ms(value: float) -> float | None:
    return None if math.isnan(value) else round(value * 1000, 2)
