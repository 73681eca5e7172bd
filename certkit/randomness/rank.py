"""Binary matrix rank (5.10): ranks of 32x32 matrices over GF(2), all matrices at once."""

from __future__ import annotations

import numpy as np

from .outcome import Outcome
from .special import igamc

SIZE = 32

# GM/T 0005-2021 5.10 rounds the probabilities of rank 32, 31 and <= 30 to
# four places; SP 800-22 computes them exactly. Both are offered because the
# NIST C reference is the cross-check (tests/test_randomness_reference.py).
GMT_PROBABILITIES = (0.2888, 0.5776, 0.1336)


def exact_probabilities() -> tuple[float, float, float]:
    """The exact probabilities of rank 32, 31 and <= 30 of a random 32x32 matrix (SP 800-22)."""

    def rank_probability(r: int) -> float:
        product = 1.0
        for i in range(r):
            product *= (1.0 - 2.0 ** (i - SIZE)) ** 2 / (1.0 - 2.0 ** (i - r))
        return 2.0 ** (r * (2 * SIZE - r) - SIZE * SIZE) * product

    p32, p31 = rank_probability(32), rank_probability(31)
    return p32, p31, 1.0 - (p32 + p31)


def ranks(bits: np.ndarray) -> np.ndarray:
    """The GF(2) rank of each 32x32 matrix filled row by row from consecutive 1024-bit blocks."""
    count = bits.size // (SIZE * SIZE)
    packed = np.packbits(bits[: count * SIZE * SIZE]).reshape(count, SIZE, 4)
    rows = packed.astype(np.uint32)
    rows = (rows[:, :, 0] << 24) | (rows[:, :, 1] << 16) | (rows[:, :, 2] << 8) | rows[:, :, 3]
    used = np.zeros((count, SIZE), dtype=bool)
    every = np.arange(count)
    for column in range(SIZE):
        has = ((rows >> np.uint32(SIZE - 1 - column)) & np.uint32(1)).astype(bool)
        candidates = has & ~used
        found = candidates.any(axis=1)
        pivot = candidates.argmax(axis=1)
        pivot_row = rows[every, pivot]
        # clear the column in every other row holding it; the pivot row stays
        clear = has & found[:, None]
        clear[every, pivot] = False
        rows ^= np.where(clear, pivot_row[:, None], np.uint32(0))
        used[every[found], pivot[found]] = True
    return used.sum(axis=1)


def matrix_rank(
    bits: np.ndarray, probabilities: tuple[float, float, float] = GMT_PROBABILITIES
) -> Outcome:
    """Chi-square of full rank, rank 31 and lower against the probabilities; P = exp(-V/2)."""
    found = ranks(bits)
    count = found.size
    observed = (
        int(np.count_nonzero(found == SIZE)),
        int(np.count_nonzero(found == SIZE - 1)),
    )
    observed = (*observed, count - observed[0] - observed[1])
    v = sum((f - count * p) ** 2 / (count * p)
            for f, p in zip(observed, probabilities, strict=True))
    return Outcome.same(igamc(1.0, v / 2))
