"""Each test item fails on data built to break it, and seeded good data passes at the expected rate.

Every stream is made from a seed, so a failure here is a change in certkit,
never bad luck. The weakness each generator plants is the one its test is
built to see: a bias, blockwise bias, a favoured word, a Markov chain, a
lag-d correlation, runs kept short, rank-deficient matrices, a drifting
walk, an LFSR, a short period.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from certkit.randomness import series as annex_a
from certkit.randomness.battery import evaluate
from certkit.randomness.decision import decide, min_pass_count

N = 1_000_000


def good(seed: int, n: int = N) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2, n, dtype=np.uint8)


def bernoulli(rng: np.random.Generator, p: float, n: int) -> np.ndarray:
    return (rng.random(n) < p).astype(np.uint8)


def biased(seed: int) -> np.ndarray:
    return bernoulli(np.random.default_rng(seed), 0.503, N)


def block_biased(seed: int) -> np.ndarray:
    """Blocks of 10^4 bits alternately 53% and 47% ones: balanced overall."""
    rng = np.random.default_rng(seed)
    p = np.repeat(np.tile([0.53, 0.47], N // 20000), 10000)
    return (rng.random(N) < p).astype(np.uint8)


def favoured_word(seed: int) -> np.ndarray:
    """One 4-bit word in 25 is forced to 1010."""
    rng = np.random.default_rng(seed)
    bits = good(seed).reshape(-1, 4)
    bits[rng.random(bits.shape[0]) < 0.04] = (1, 0, 1, 0)
    return bits.reshape(-1)


def markov(seed: int) -> np.ndarray:
    """Each bit repeats the previous one with probability 0.52."""
    rng = np.random.default_rng(seed)
    flips = bernoulli(rng, 0.48, N)
    flips[0] = rng.integers(0, 2)
    return np.bitwise_xor.accumulate(flips)


def lagged(d: int, p: float = 0.48) -> Callable[[int], np.ndarray]:
    """b[i] = b[i-d] xor noise, noise 1 with probability p: correlation at lag d only."""

    def make(seed: int) -> np.ndarray:
        noise = bernoulli(np.random.default_rng(seed), p, N).reshape(-1, d)
        return np.bitwise_xor.accumulate(noise, axis=0).reshape(-1)

    return make


def derivative_biased(k: int) -> Callable[[int], np.ndarray]:
    """The k-th binary derivative (k = 2^r - 1: XOR of k+1 neighbours) is 49% ones."""

    def make(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        span = k + 1
        derived = bernoulli(rng, 0.49, N + span).reshape(-1, span)
        # parity prefix c with c[i + k + 1] = c[i] xor y[i]; the bits are its differences
        parity = np.bitwise_xor.accumulate(derived, axis=0).reshape(-1)
        return (parity[1 : N + 1] ^ parity[:N]).astype(np.uint8)

    return make


def short_runs(seed: int) -> np.ndarray:
    """Every ninth bit is the complement of the one before it: no run is longer than 9."""
    bits = good(seed, (N // 9 + 1) * 9).reshape(-1, 9)
    bits[:, 8] = 1 - bits[:, 7]
    return bits.reshape(-1)[:N]


def low_rank(seed: int) -> np.ndarray:
    """In every 32x32 matrix, row 31 is row 0 xor row 1."""
    matrices = good(seed).copy()[: N // 1024 * 1024].reshape(-1, 32, 32)
    matrices[:, 31] = matrices[:, 0] ^ matrices[:, 1]
    return np.concatenate([matrices.reshape(-1), good(seed + 1, N % 1024)])


def drifting(seed: int) -> np.ndarray:
    """52% ones in the first half, 48% in the second: balanced, but the walk strays far."""
    rng = np.random.default_rng(seed)
    return np.concatenate([bernoulli(rng, 0.505, N // 2), bernoulli(rng, 0.495, N // 2)])


def lfsr_stream(seed: int) -> np.ndarray:
    """s_t = s_(t-37) xor s_(t-100): linear complexity 100 in every block."""
    out = np.zeros(N, dtype=np.uint8)
    out[:100] = good(seed, 100)
    for t in range(100, N, 37):
        end = min(t + 37, N)
        out[t:end] = out[t - 37 : end - 37] ^ out[t - 100 : end - 100]
    return out


def short_period(seed: int) -> np.ndarray:
    """A random 700-bit block repeated."""
    return np.tile(good(seed, 700), N // 700 + 1)[:N]


BREAKERS: dict[str, Callable[[int], np.ndarray]] = {
    "monobit": biased,
    "block_frequency_m10000": block_biased,
    "poker_m4": favoured_word,
    "poker_m8": favoured_word,
    "serial_m3_p1": markov,
    "serial_m3_p2": lagged(2),
    "serial_m5_p1": markov,
    "serial_m5_p2": lagged(4),
    "runs": markov,
    "runs_distribution": markov,
    "longest_run_zeros_m10000": short_runs,
    "longest_run_ones_m10000": short_runs,
    "binary_derivative_k3": derivative_biased(3),
    "binary_derivative_k7": derivative_biased(7),
    "autocorrelation_d1": lagged(1),
    "autocorrelation_d2": lagged(2),
    "autocorrelation_d8": lagged(8),
    "autocorrelation_d16": lagged(16),
    "matrix_rank": low_rank,
    "cumulative_sums_forward": drifting,
    "cumulative_sums_backward": drifting,
    "approximate_entropy_m2": markov,
    "approximate_entropy_m5": lagged(4),
    "linear_complexity_m500": lfsr_stream,
    "linear_complexity_m1000": lfsr_stream,
    "universal_l7": short_period,
    "dft": short_period,
}


def test_every_annex_a_series_has_a_breaker() -> None:
    assert set(BREAKERS) == {s.name for s in annex_a.select(N)}


@pytest.mark.parametrize("name", list(BREAKERS))
def test_series_fails_on_data_built_to_break_it(name: str) -> None:
    series = annex_a.parse(name)
    broken = evaluate([BREAKERS[name](seed=5)], [series])[0, 0, 0]
    control = evaluate([good(seed=5)], [series])[0, 0, 0]
    assert broken < 1e-4
    assert control >= 0.01


def test_biased_data_fails_the_decision_and_good_data_passes() -> None:
    names = ["monobit", "runs"]
    chosen = [annex_a.parse(n) for n in names]
    biased_values = evaluate([bernoulli(np.random.default_rng(s), 0.503, N) for s in range(20)],
                             chosen)
    good_values = evaluate([good(100 + s) for s in range(20)], chosen)
    assert not decide(names, biased_values)[0].ok
    assert all(d.ok for d in decide(names, good_values))


def test_good_data_passes_at_the_expected_rate() -> None:
    """300 seeded samples of 2x10^4 bits through the 22 series of that Annex A set."""
    chosen = annex_a.select(20_000)
    rng = np.random.default_rng(2021)
    values = evaluate([rng.integers(0, 2, 20_000, dtype=np.uint8) for _ in range(300)], chosen)
    failures = int(np.sum(values[:, :, 0] < 0.01))
    trials = values.shape[0] * values.shape[1]
    # 6600 P-values at alpha = 0.01: 66 expected, sd 8.1; +-4 sd
    assert 33 <= failures <= 99, failures
    decisions = decide([s.name for s in chosen], values)
    assert all(d.ok for d in decisions), [d for d in decisions if not d.ok]
    assert decisions[0].min_pass == min_pass_count(300) == 292
    assert trials == 6600
