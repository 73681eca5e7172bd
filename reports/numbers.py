"""Numbers as a report shows them: metrics, rounded figures, payload sizes."""

from __future__ import annotations

import math
from typing import Any


def format_number(value: Any) -> str:
    """A metric as text: integers exactly, floats to six significant digits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return str(value) if isinstance(value, int) else f"{value:.6g}"


def size_label(size: int) -> str:
    """A payload size as people write it: 16 B, 4 KiB, 1 MiB."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} B"


def round_figure(value: float) -> float:
    """Four significant digits: what a rate measured to a few per cent can claim."""
    return float(f"{value:.4g}") if math.isfinite(value) else value


def as_count(value: Any) -> int | None:
    """A recorded count, or None when the value is not a non-negative whole number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value) if value >= 0 else None


def as_real(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None
