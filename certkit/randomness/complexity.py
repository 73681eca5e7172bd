"""Linear complexity (5.13): Berlekamp-Massey over GF(2), bit-sliced across blocks.

Each uint64 word holds the same coefficient (or sequence bit) of 64
different blocks, so one numpy XOR advances 64 Berlekamp-Massey runs by one
coefficient, and the discrepancy of every block is an XOR-reduction over
coefficients rather than a popcount. The correction polynomial is kept
pre-multiplied by x^(N - m) (B' below), which makes its per-step shift the
same for every block: a move of a view into a zero-padded buffer. Only the
coefficients up to the largest degree any block can have are touched, about
half of a block, since L stays near N/2 for every block but a degenerate one.
"""

from __future__ import annotations

import numpy as np

from .outcome import Outcome
from .special import igamc

# GM/T 0005-2021 5.13; SP 800-22's table (and the NIST C code) has 0.01047 first.
GMT_PI = (0.010417, 0.03125, 0.125, 0.5, 0.25, 0.0625, 0.020833)
NIST_PI = (0.01047, 0.03125, 0.125, 0.5, 0.25, 0.0625, 0.020833)


def _slice(blocks: np.ndarray) -> np.ndarray:
    """Transpose (count, m) bits into (m, words) uint64, bit b of word w = block 64w + b."""
    count, m = blocks.shape
    padded = -count % 64
    columns = np.ascontiguousarray(blocks.T)
    if padded:
        columns = np.concatenate([columns, np.zeros((m, padded), dtype=np.uint8)], axis=1)
    return np.packbits(columns, axis=1, bitorder="little").view("<u8")


def _spread(mask: np.ndarray, count: int) -> np.ndarray:
    """One bool per block from a bit-sliced mask."""
    return np.unpackbits(mask.view(np.uint8), bitorder="little")[:count].astype(bool)


def _gather(flags: np.ndarray) -> np.ndarray:
    """A bit-sliced mask from one bool per block."""
    padded = -flags.size % 64
    if padded:
        flags = np.concatenate([flags, np.zeros(padded, dtype=bool)])
    return np.packbits(flags, bitorder="little").view("<u8")


def linear_complexities(blocks: np.ndarray) -> np.ndarray:
    """The linear complexity L of each row of a (count, m) array of bits."""
    count, m = blocks.shape
    sequence = _slice(blocks)[::-1].copy()  # sequence[m-1-t] holds bit t of every block
    words = sequence.shape[1]
    c = np.zeros((m + 1, words), dtype=np.uint64)
    c[0] = ~np.uint64(0)
    shifted = np.zeros((2 * m + 3, words), dtype=np.uint64)  # B' as a moving view
    offset = m + 1
    shifted[offset + 1] = ~np.uint64(0)  # B = 1 with m = -1, so B' = x at N = 0
    length = np.zeros(count, dtype=np.int64)
    low = high = 0  # smallest and largest L over the blocks
    for n in range(m):
        top = min(high, n)
        window = sequence[m - 1 - n : m - n + top]
        discrepancy = np.bitwise_xor.reduce(c[: top + 1] & window, axis=0)
        if not discrepancy.any():
            offset -= 1
            continue
        # C has degree <= L, B' has degree <= n + 1 - L: nothing above is ever nonzero
        rows = min(max(high, n + 1 - low) + 1, m + 1)
        grows = _spread(discrepancy, count) & (2 * length <= n)
        change = _gather(grows)
        b = shifted[offset : offset + rows]
        before = c[:rows].copy()
        c[:rows] ^= b & discrepancy
        b ^= (b ^ before) & change
        length = np.where(grows, n + 1 - length, length)
        low, high = int(length.min()), int(length.max())
        offset -= 1
    return length


def linear_complexity_outcome(
    complexities: np.ndarray, m: int, pi: tuple[float, ...] = GMT_PI
) -> Outcome:
    """Chi-square of T_i = (-1)^m (L_i - mu) + 2/9 over seven classes; P = igamc(3, V/2)."""
    sign = -1.0 if m % 2 else 1.0
    mu = m / 2 + (9 + (-1) ** (m + 1)) / 36 - (m / 3 + 2 / 9) * 2.0**-m
    t = sign * (complexities - mu) + 2 / 9
    # T is an integer or an integer plus one half away from every class edge
    classes = np.searchsorted(np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]), t, side="left")
    tally = np.bincount(classes, minlength=7)
    expected = complexities.size * np.asarray(pi)
    v = float(np.sum((tally - expected) ** 2 / expected))
    return Outcome.same(igamc(3.0, v / 2))


def linear_complexity(bits: np.ndarray, m: int, pi: tuple[float, ...] = GMT_PI) -> Outcome:
    """Linear complexity of floor(n/m) blocks of m bits."""
    count = bits.size // m
    return linear_complexity_outcome(
        linear_complexities(bits[: count * m].reshape(count, m)), m, pi
    )
