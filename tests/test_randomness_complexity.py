"""The bit-sliced Berlekamp-Massey gives the textbook linear complexity on every kind of block."""

from __future__ import annotations

import numpy as np
import pytest

from certkit.randomness.complexity import linear_complexities, linear_complexity


def textbook_complexity(block: np.ndarray) -> int:
    """Berlekamp-Massey as Massey (1969) states it, one block, Python integers as polynomials."""
    c, b, length, last = 1, 1, 0, -1
    for n, bit in enumerate(int(x) for x in block):
        window = sum(((c >> j) & 1) & int(block[n - j]) for j in range(1, length + 1))
        if (bit + window) % 2:
            previous = c
            c ^= b << (n - last)
            if 2 * length <= n:
                length, last, b = n + 1 - length, n, previous
    return length


def lfsr(taps: tuple[int, ...], seed: np.ndarray, n: int) -> np.ndarray:
    """An LFSR stream: s_t = XOR of s_(t - tap) over taps."""
    out = np.zeros(n, dtype=np.uint8)
    out[: seed.size] = seed
    for t in range(seed.size, n):
        out[t] = np.bitwise_xor.reduce(out[[t - tap for tap in taps]])
    return out


@pytest.mark.parametrize(("count", "m"), [(1, 1), (3, 7), (64, 33), (65, 64), (130, 100),
                                          (200, 51)])
def test_matches_textbook_on_random_blocks(count: int, m: int) -> None:
    rng = np.random.default_rng(count * 1000 + m)
    blocks = rng.integers(0, 2, (count, m), dtype=np.uint8)
    expected = [textbook_complexity(block) for block in blocks]
    assert linear_complexities(blocks).tolist() == expected


def test_matches_textbook_on_degenerate_blocks() -> None:
    m = 40
    rng = np.random.default_rng(7)
    rows = [np.zeros(m), np.ones(m), np.eye(1, m, m - 1)[0], np.eye(1, m, 0)[0],
            np.tile([1, 0], m // 2), lfsr((3, 5), np.array([1, 0, 0, 1, 1]), m),
            rng.integers(0, 2, m)]
    blocks = np.array(rows, dtype=np.uint8)
    expected = [textbook_complexity(block) for block in blocks]
    assert linear_complexities(blocks).tolist() == expected
    assert expected[:4] == [0, 1, m, 1]


def test_lfsr_blocks_have_the_register_length() -> None:
    stream = lfsr((7, 10), np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 1]), 5000)
    assert set(linear_complexities(stream.reshape(10, 500)).tolist()) == {10}
    assert linear_complexity(stream, 500).p < 1e-6
