"""Maurer's universal statistical test (5.14)."""

from __future__ import annotations

import math

import numpy as np

from .frequency import words
from .outcome import Outcome
from .special import two_sided

# SP 800-22 Table 2.14 / GM/T 0005-2021 5.14: expected value and variance of f_n per L
EXPECTED = {6: 5.2177052, 7: 6.1962507, 8: 7.1836656, 9: 8.1764248, 10: 9.1723243,
            11: 10.170032, 12: 11.168765, 13: 12.168070, 14: 13.167693, 15: 14.167488,
            16: 15.167379}
VARIANCE = {6: 2.954, 7: 3.125, 8: 3.238, 9: 3.311, 10: 3.356, 11: 3.384, 12: 3.401,
            13: 3.410, 14: 3.416, 15: 3.419, 16: 3.421}


def universal(bits: np.ndarray, block: int = 7, init: int = 1280) -> Outcome:
    """Maurer's universal test with L-bit blocks and Q initialisation blocks; one-sided Q.

    The distance of each test block to the last earlier block of the same
    value comes from a stable sort by value, not from a table walked block by
    block: within one value the sort keeps positions in order, so each
    block's predecessor is the one before it. A value never seen before
    counts its distance from position 0, as the reference's zeroed table does.
    """
    total_blocks = bits.size // block
    tested = total_blocks - init
    if tested <= 0:
        raise ValueError(f"universal L={block} Q={init} needs more than {bits.size} bits")
    values = words(bits, block)[:total_blocks]
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    position = order + 1  # blocks are numbered from 1
    previous = np.zeros(total_blocks, dtype=np.int64)
    same = ordered[1:] == ordered[:-1]
    previous[1:][same] = position[:-1][same]
    test = position > init
    f = float(np.sum(np.log2(position[test] - previous[test]))) / tested
    c = 0.7 - 0.8 / block + (4 + 32 / block) * tested ** (-3 / block) / 15
    sigma = c * math.sqrt(VARIANCE[block] / tested)
    return Outcome(*two_sided((f - EXPECTED[block]) / sigma))
