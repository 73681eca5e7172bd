"""Cumulative sums (5.11), forward and backward."""

from __future__ import annotations

import math

import numpy as np

from .outcome import Outcome
from .special import normal_cdf


def _c_div(a: int, b: int) -> int:
    """Integer division truncating toward zero, as C does in the reference's loop bounds."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def cusum_p(n: int, z: int) -> float:
    """P-value of a largest partial-sum excursion z over n steps (SP 800-22 2.13)."""
    if z == 0:
        return 1.0
    root = math.sqrt(n)
    top = _c_div(_c_div(n, z) - 1, 4)
    sum1 = 0.0
    for k in range(_c_div(_c_div(-n, z) + 1, 4), top + 1):
        sum1 += normal_cdf((4 * k + 1) * z / root)
        sum1 -= normal_cdf((4 * k - 1) * z / root)
    sum2 = 0.0
    for k in range(_c_div(_c_div(-n, z) - 3, 4), top + 1):
        sum2 += normal_cdf((4 * k + 3) * z / root)
        sum2 -= normal_cdf((4 * k + 1) * z / root)
    return 1.0 - sum1 + sum2


def excursions(bits: np.ndarray) -> tuple[int, int]:
    """The largest |partial sum| of the +-1 sequence read forward and read backward."""
    sums = np.cumsum(bits.astype(np.int32) * 2 - 1, dtype=np.int32)
    total = int(sums[-1])
    forward = max(int(sums.max()), -int(sums.min()))
    # the backward partial sums are total - S_j for j = 0..n-1, with S_0 = 0
    low = min(0, int(sums[:-1].min())) if sums.size > 1 else 0
    high = max(0, int(sums[:-1].max())) if sums.size > 1 else 0
    backward = max(total - low, high - total)
    return forward, backward


def cumulative_sums(bits: np.ndarray) -> tuple[Outcome, Outcome]:
    """Cumulative sums forward and backward; Q = P."""
    forward, backward = excursions(bits)
    n = bits.size
    return Outcome.same(cusum_p(n, forward)), Outcome.same(cusum_p(n, backward))
