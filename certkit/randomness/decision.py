"""The decision over s samples (GM/T 0005-2021 6.2-6.4): pass counts and Q-value uniformity."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .special import igamc

ALPHA = 0.01  # significance level of each sample's test (4.5 of GM/T 0062, 6.2 of GM/T 0005)
ALPHA_T = 0.0001  # threshold of the uniformity P-value (6.3)
BINS = 10  # subintervals of [0, 1] for the uniformity check and the histograms


def min_pass_count(samples: int, alpha: float = ALPHA) -> int:
    """The fewest samples that must pass: s(1 - alpha - 3 sqrt(alpha(1-alpha)/s)), rounded up.

    981 of 1000, 48 of 50 and 19 of 20 at alpha = 0.01.
    """
    bound = samples * (1 - alpha - 3 * math.sqrt(alpha * (1 - alpha) / samples))
    # guard against a bound like 47.00000000000001 that is an integer in exact arithmetic
    return math.ceil(round(bound, 9))


def failure_tail(samples: int, alpha: float, allowed: int) -> float:
    """The chance that a perfect generator fails more than `allowed` of `samples` (each
    failing with probability alpha, independently): Binomial(samples, alpha) > allowed."""
    return sum(math.comb(samples, k) * alpha ** k * (1 - alpha) ** (samples - k)
               for k in range(allowed + 1, samples + 1))


def family_min_pass(samples: int, series: int, family_alpha: float,
                    alpha: float = ALPHA) -> int:
    """The fewest samples that must pass so that a perfect generator fails any of `series`
    series with chance at most `family_alpha` (Bonferroni), and never more than 6.2 asks."""
    allowed = 0
    while allowed < samples and series * failure_tail(samples, alpha, allowed) > family_alpha:
        allowed += 1
    return min(samples - allowed, min_pass_count(samples, alpha))


def false_alarm_rate(samples: int, series: int, min_pass: int, *, alpha: float = ALPHA,
                     uniformity: bool = False, attempts: int = 1) -> float:
    """The chance that a perfect generator fails the phase: some series below `min_pass`
    (or, with 6.3 applied, below ALPHA_T in uniformity) in every one of `attempts` sample
    sets, the series taken as independent."""
    series_ok = (1 - failure_tail(samples, alpha, samples - min_pass)) * (
        1 - ALPHA_T if uniformity else 1)
    return (1 - series_ok ** series) ** attempts


def histogram(values: np.ndarray, bins: int = BINS) -> np.ndarray:
    """Counts of values in [0, 1/bins), ..., [(bins-1)/bins, 1]; the last bin holds 1.0."""
    index = np.minimum((np.asarray(values) * bins).astype(np.int64), bins - 1)
    return np.bincount(np.clip(index, 0, bins - 1), minlength=bins)


def uniformity_p(q_values: np.ndarray, bins: int = BINS) -> float:
    """P_T = igamc((k-1)/2, V/2) of the chi-square of the Q-values over k equal subintervals."""
    counts = histogram(q_values, bins)
    expected = len(q_values) / bins
    v = float(np.sum((counts - expected) ** 2)) / expected
    return igamc((bins - 1) / 2, v / 2)


@dataclass(frozen=True)
class SeriesDecision:
    """One series judged over s samples: both rules, and what the report charts."""

    name: str
    samples: int
    passed: int  # samples with P >= alpha
    min_pass: int
    uniformity_p: float | None  # None when the profile does not apply 6.3
    p_histogram: tuple[int, ...]
    q_histogram: tuple[int, ...]
    failing_samples: tuple[int, ...]  # sample indices with P < alpha, first few

    @property
    def pass_count_ok(self) -> bool:
        return self.passed >= self.min_pass

    @property
    def uniformity_ok(self) -> bool:
        return self.uniformity_p is None or self.uniformity_p >= ALPHA_T

    @property
    def ok(self) -> bool:
        """6.4: an item passes only when it passes both 6.2 and 6.3."""
        return self.pass_count_ok and self.uniformity_ok


def decide(names: Sequence[str], values: np.ndarray, *, alpha: float = ALPHA,
           uniformity: bool = True, min_pass: int | None = None,
           keep_failing: int = 20) -> list[SeriesDecision]:
    """Judge every series from an array (samples, series, 2) of P- and Q-values."""
    samples = values.shape[0]
    threshold = min_pass if min_pass is not None else min_pass_count(samples, alpha)
    decisions = []
    for column, name in enumerate(names):
        p, q = values[:, column, 0], values[:, column, 1]
        failing = np.flatnonzero(p < alpha)
        decisions.append(SeriesDecision(
            name=name,
            samples=samples,
            passed=samples - failing.size,
            min_pass=threshold,
            uniformity_p=uniformity_p(q) if uniformity else None,
            p_histogram=tuple(int(c) for c in histogram(p)),
            q_histogram=tuple(int(c) for c in histogram(q)),
            failing_samples=tuple(int(i) for i in failing[:keep_failing]),
        ))
    return decisions
