"""Run tests: runs total (5.5), runs distribution (5.6), longest run in a block (5.7)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .outcome import Outcome
from .special import igamc, two_sided


@dataclass(frozen=True)
class Runs:
    """The runs of a sequence: where each starts, how long it is, and its bit."""

    starts: np.ndarray
    lengths: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, bits: np.ndarray, cut_every: int | None = None) -> Runs:
        """Find the runs; with `cut_every`, a run is also cut at each block boundary."""
        edge = np.empty(bits.size, dtype=bool)
        edge[0] = True
        np.not_equal(bits[1:], bits[:-1], out=edge[1:])
        if cut_every is not None:
            edge[::cut_every] = True
        starts = np.flatnonzero(edge)
        lengths = np.diff(starts, append=bits.size)
        return cls(starts, lengths, bits[starts])


def runs_total(bits: np.ndarray, runs: Runs | None = None) -> Outcome:
    """Runs total: V = (V_obs - 2n pi(1-pi)) / (2 sqrt(n) pi(1-pi)); one-sided Q.

    GM/T 0005-2021 has no frequency prerequisite here (NIST SP 800-22 sets
    P = 0 when |pi - 1/2| >= 2/sqrt(n)); a biased sample fails monobit
    instead, and a constant one yields P = 0 from V = -inf.
    """
    n = bits.size
    runs = runs or Runs.of(bits)
    pi = np.count_nonzero(bits) / n
    spread = pi * (1 - pi)
    if spread == 0:
        return Outcome(0.0, 1.0)
    v = (runs.starts.size - 2 * n * spread) / (2 * math.sqrt(n) * spread)
    return Outcome(*two_sided(v))


def runs_distribution_k(n: int) -> int:
    """The largest i with e_i = (n - i + 3) / 2^(i+2) >= 5 (15 for n = 10^6)."""
    k = 0
    i = 1
    while (n - i + 3) / 2 ** (i + 2) >= 5:
        k = i
        i += 1
    return k


def runs_distribution(bits: np.ndarray, runs: Runs | None = None) -> Outcome:
    """Runs distribution: 1-runs and 0-runs by length, runs >= k folded into bin k (2021 rule)."""
    n = bits.size
    k = runs_distribution_k(n)
    if k < 2:
        raise ValueError(f"runs distribution needs more bits than {n}")
    runs = runs or Runs.of(bits)
    capped = np.minimum(runs.lengths, k)
    ones = np.bincount(capped[runs.values == 1], minlength=k + 1)[1:].astype(np.float64)
    zeros = np.bincount(capped[runs.values == 0], minlength=k + 1)[1:].astype(np.float64)
    total = float(ones.sum() + zeros.sum())
    expected = total / 2.0 ** np.arange(2, k + 2, dtype=np.float64)
    expected[k - 1] = total / 2.0**k
    v = float(np.sum(((ones - expected) ** 2 + (zeros - expected) ** 2) / expected))
    return Outcome.same(igamc(k - 1, v / 2))


@dataclass(frozen=True)
class LongestRunTable:
    """Classes of the longest run in an m-bit block: <= low, ..., >= low + K, with probabilities."""

    m: int
    low: int
    pi: tuple[float, ...]


# GM/T 0005-2021 5.7 (the probabilities are more precise than SP 800-22's)
LONGEST_RUN_TABLES = {
    8: LongestRunTable(8, 1, (0.2148, 0.3672, 0.2305, 0.1875)),
    128: LongestRunTable(128, 4, (0.1174, 0.2430, 0.2494, 0.1752, 0.1027, 0.1124)),
    10000: LongestRunTable(
        10000, 10, (0.086632, 0.208201, 0.248419, 0.193913, 0.121458, 0.068011, 0.073366)
    ),
}
# SP 800-22 2.4.4's rounder probabilities for m = 10^4, for the cross-check with its reference
NIST_LONGEST_RUN_10000 = LongestRunTable(
    10000, 10, (0.0882, 0.2092, 0.2483, 0.1933, 0.1208, 0.0675, 0.0727)
)


def longest_run_block_size(n: int) -> int:
    """The block size GM/T 0005 tools pick for n bits: 10^4 from 750 000, 128 from 6272, else 8."""
    if n >= 750_000:
        return 10000
    if n >= 6272:
        return 128
    return 8


def longest_runs(bits: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The longest run of 0s and of 1s in each complete m-bit block."""
    count = bits.size // m
    runs = Runs.of(bits[: count * m], cut_every=m)
    first = np.searchsorted(runs.starts, np.arange(count) * m)
    zeros = np.maximum.reduceat(np.where(runs.values == 0, runs.lengths, 0), first)
    ones = np.maximum.reduceat(np.where(runs.values == 1, runs.lengths, 0), first)
    return zeros, ones


def longest_run_outcome(longest: np.ndarray, m: int,
                        table: LongestRunTable | None = None) -> Outcome:
    """Chi-square of the longest-run classes against the table for m; P = igamc(K/2, V/2)."""
    table = table or LONGEST_RUN_TABLES[m]
    classes = len(table.pi)
    tally = np.bincount(np.clip(longest - table.low, 0, classes - 1), minlength=classes)
    expected = longest.size * np.asarray(table.pi)
    v = float(np.sum((tally - expected) ** 2 / expected))
    return Outcome.same(igamc((classes - 1) / 2, v / 2))


def longest_run(bits: np.ndarray, m: int, value: int,
                table: LongestRunTable | None = None) -> Outcome:
    """Longest run of `value` (0 or 1) in m-bit blocks (GM/T 0005-2021 tests both)."""
    zeros, ones = longest_runs(bits, m)
    return longest_run_outcome(ones if value else zeros, m, table)
