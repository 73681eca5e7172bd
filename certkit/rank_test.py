"""The Mann-Whitney U test (one-sided) and Holm's correction, for `certkit compare`.

Rates of repeated measurements are not normal (a busy host adds a long tail on the slow
side), so the gate asks a rank question: are NEW's repetitions slower than BASE's more
often than chance allows? The p-value is exact for small samples without ties (the
distribution of U by counting), and the normal approximation with the tie correction
otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

EXACT_LIMIT = 30  # per sample; beyond it the normal approximation is close enough


def u_statistic(smaller: Sequence[float], larger: Sequence[float]) -> float:
    """U: how many (a, b) pairs have a < b, ties counting one half."""
    return sum(1.0 if a < b else 0.5 if a == b else 0.0 for a in smaller for b in larger)


@cache
def _counts(m: int, n: int) -> tuple[int, ...]:
    """How many orderings of m + n values give U = 0, 1, ..., m * n."""
    if m == 0 or n == 0:
        return (1,)
    # the largest value is the first sample's (it is below no b: U unchanged) or the
    # second's (every a is below it: U grows by m)
    first, second = _counts(m - 1, n), _counts(m, n - 1)
    return tuple((first[u] if u < len(first) else 0) +
                 (second[u - m] if 0 <= u - m < len(second) else 0)
                 for u in range(m * n + 1))


def p_less(a: Sequence[float], b: Sequence[float]) -> float:
    """P-value that values of `a` tend to be smaller than values of `b` (one-sided)."""
    m, n = len(a), len(b)
    if m == 0 or n == 0:
        return 1.0
    u = u_statistic(a, b)  # large when a's values are the smaller ones
    values = [*a, *b]
    tied = len(set(values)) < len(values)
    if not tied and m <= EXACT_LIMIT and n <= EXACT_LIMIT:
        counts = _counts(m, n)
        at_least = sum(counts[math.ceil(u):])
        return at_least / math.comb(m + n, m)
    mean = m * n / 2
    ties = sum(count ** 3 - count for count in
               (values.count(value) for value in set(values)))
    total = m + n
    variance = m * n / 12 * ((total + 1) - ties / (total * (total - 1)))
    if variance <= 0:
        return 1.0
    z = (u - mean - 0.5) / math.sqrt(variance)  # continuity correction
    return 0.5 * math.erfc(z / math.sqrt(2))


def holm(p_values: Sequence[float], alpha: float) -> list[bool]:
    """Which hypotheses Holm's step-down procedure rejects at family-wise level `alpha`."""
    order = sorted(range(len(p_values)), key=lambda index: p_values[index])
    rejected = [False] * len(p_values)
    for rank, index in enumerate(order):
        if p_values[index] > alpha / (len(p_values) - rank):
            break
        rejected[index] = True
    return rejected
