"""Counting tests: monobit (5.1), frequency within a block (5.2) and poker (5.3)."""

from __future__ import annotations

import math

import numpy as np

from .outcome import Outcome
from .special import igamc, two_sided


def words(bits: np.ndarray, m: int) -> np.ndarray:
    """Split into floor(n/m) non-overlapping m-bit words, first bit most significant."""
    count = bits.size // m
    if m == 8:
        return np.packbits(bits[: count * 8])
    blocks = bits[: count * m].reshape(count, m)
    value = np.zeros(count, dtype=np.int64)
    for column in range(m):
        value <<= 1
        value |= blocks[:, column]
    return value


def monobit(bits: np.ndarray) -> Outcome:
    """Monobit frequency: V = S/sqrt(n) with S the sum of +-1; one-sided Q."""
    n = bits.size
    s = 2 * int(np.count_nonzero(bits)) - n
    return Outcome(*two_sided(s / math.sqrt(n)))


def block_frequency(bits: np.ndarray, m: int) -> Outcome:
    """Frequency within blocks of m bits: V = 4m sum (pi_j - 1/2)^2, P = igamc(N/2, V/2)."""
    count = bits.size // m
    ones = bits[: count * m].reshape(count, m).sum(axis=1, dtype=np.int64)
    # 4m (ones/m - 1/2)^2 = (2 ones - m)^2 / m, summed in integers first
    v = float(np.sum((2 * ones - m) ** 2)) / m
    return Outcome.same(igamc(count / 2, v / 2))


def poker(bits: np.ndarray, m: int) -> Outcome:
    """Poker with m-bit words: V = 2^m/N sum n_i^2 - N, P = igamc((2^m - 1)/2, V/2)."""
    values = words(bits, m)
    count = values.size
    tally = np.bincount(values, minlength=1 << m).astype(np.int64)
    v = (1 << m) / count * float(np.sum(tally * tally)) - count
    return Outcome.same(igamc(((1 << m) - 1) / 2, v / 2))
