"""Overlapping-pattern tests: overlapping subsequence (5.4) and approximate entropy (5.12)."""

from __future__ import annotations

import math

import numpy as np

from .outcome import Outcome
from .special import igamc


def cyclic_counts(bits: np.ndarray, m: int) -> list[np.ndarray]:
    """Counts of every overlapping k-bit pattern, k = 0..m, over the sequence extended cyclically.

    Only the m-bit counts are tallied: a cyclic (k-1)-bit count is the sum of
    the k-bit counts sharing its first k-1 bits, so one pass serves every
    smaller k (serial m=5 needs 5, 4, 3; approximate entropy m=5 needs 5, 6).
    """
    n = bits.size
    extended = np.concatenate([bits, bits[: m - 1]]) if m > 1 else bits
    value = np.zeros(n, dtype=np.uint8 if m <= 8 else np.int64)
    for offset in range(m):
        value <<= 1
        value |= extended[offset : offset + n]
    counts = [np.bincount(value, minlength=1 << m).astype(np.int64)]
    for _ in range(m):
        counts.append(counts[-1].reshape(-1, 2).sum(axis=1))
    return counts[::-1]


def _psi2(counts: np.ndarray, n: int) -> float:
    if counts.size == 1:
        return 0.0  # psi^2 of 0-bit patterns is 0 by definition
    return counts.size / n * float(np.sum(counts * counts)) - n


def overlapping_subsequence(
    bits: np.ndarray, m: int, counts: list[np.ndarray] | None = None
) -> tuple[Outcome, Outcome]:
    """Overlapping subsequence (SP 800-22 serial): P1 from del psi^2, P2 from del^2 psi^2."""
    n = bits.size
    counts = counts if counts is not None else cyclic_counts(bits, m)
    psi_m, psi_m1, psi_m2 = (_psi2(counts[k], n) for k in (m, m - 1, m - 2))
    p1 = igamc(2 ** (m - 2), (psi_m - psi_m1) / 2)
    p2 = igamc(2 ** (m - 3), (psi_m - 2 * psi_m1 + psi_m2) / 2)
    return Outcome.same(p1), Outcome.same(p2)


def _phi(counts: np.ndarray, n: int) -> float:
    seen = counts[counts > 0] / n
    return float(np.sum(seen * np.log(seen)))


def approximate_entropy(
    bits: np.ndarray, m: int, counts: list[np.ndarray] | None = None
) -> Outcome:
    """Approximate entropy: ApEn = phi(m) - phi(m+1), V = 2n(ln 2 - ApEn).

    P = igamc(2^(m-1), V/2).
    """
    n = bits.size
    counts = counts if counts is not None else cyclic_counts(bits, m + 1)
    apen = _phi(counts[m], n) - _phi(counts[m + 1], n)
    v = 2 * n * (math.log(2) - apen)
    return Outcome.same(igamc(2 ** (m - 1), v / 2))
