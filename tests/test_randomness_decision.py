"""The decision over s samples: the pass-count threshold, Q-value uniformity, igamc itself."""

from __future__ import annotations

import math

import numpy as np
import pytest

from certkit.randomness.battery import Battery, evaluate
from certkit.randomness.decision import decide, histogram, min_pass_count, uniformity_p
from certkit.randomness.series import select
from certkit.randomness.special import igamc


@pytest.mark.parametrize(("samples", "expected"), [(1000, 981), (50, 48), (20, 19), (5, 5),
                                                   (1, 1), (300, 292)])
def test_min_pass_count(samples: int, expected: int) -> None:
    assert min_pass_count(samples) == expected


def _q_integer(a: int, x: float) -> float:
    return math.exp(-x) * sum(x**j / math.factorial(j) for j in range(a))


def _q_half(a: float, x: float) -> float:
    # Q(k + 1/2, x) = erfc(sqrt x) + e^-x sum_{j=1..k} x^(j - 1/2) / Gamma(j + 1/2)
    terms = int(a - 0.5)
    return math.erfc(math.sqrt(x)) + math.exp(-x) * sum(
        x ** (j - 0.5) / math.gamma(j + 0.5) for j in range(1, terms + 1))


@pytest.mark.parametrize("a", [1, 2, 3, 7, 14, 16, 50])
@pytest.mark.parametrize("x", [0.01, 0.5, 1.0, 2.5, 7.0, 20.0, 60.0, 140.0])
def test_igamc_matches_closed_form_for_integer_a(a: int, x: float) -> None:
    assert igamc(a, x) == pytest.approx(_q_integer(a, x), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("a", [0.5, 1.5, 4.5, 7.5, 127.5])
@pytest.mark.parametrize("x", [0.01, 0.5, 1.0, 4.0, 9.0, 30.0, 140.0])
def test_igamc_matches_closed_form_for_half_integer_a(a: float, x: float) -> None:
    assert igamc(a, x) == pytest.approx(_q_half(a, x), rel=1e-10, abs=1e-15)


def test_uniform_q_values_pass_and_lumped_ones_fail() -> None:
    even = (np.arange(1000) + 0.5) / 1000
    assert uniformity_p(even) == 1.0
    assert uniformity_p(np.full(1000, 0.42)) < 1e-100
    # counts 120, 80, then 100 x 8: V = 8, P_T = Q(4.5, 4)
    lumpy = np.concatenate([np.full(120, 0.05), np.full(80, 0.15),
                            np.repeat(np.arange(2, 10) / 10 + 0.05, 100)])
    assert uniformity_p(lumpy) == pytest.approx(_q_half(4.5, 4.0), rel=1e-12)


def test_histogram_puts_one_in_the_last_bin_and_edges_up() -> None:
    assert histogram(np.array([0.0, 0.1, 0.0999, 0.9, 1.0])).tolist() == [2, 1, 0, 0, 0, 0, 0,
                                                                        0, 0, 2]


def _values(failing: int, samples: int = 1000) -> np.ndarray:
    p = (np.arange(samples) + 0.5) / samples  # uniform P, the lowest ones below alpha
    p[:10] = 0.02  # move the natural 10 failures above alpha
    p[:failing] = 0.001
    return np.stack([p, p], axis=-1)[:, None, :]


def test_pass_count_threshold_is_inclusive() -> None:
    assert decide(["x"], _values(19))[0].ok  # 981 of 1000 pass
    judged = decide(["x"], _values(20))[0]
    assert (judged.passed, judged.min_pass, judged.ok) == (980, 981, False)
    assert judged.failing_samples[:3] == (0, 1, 2)


def test_uniformity_failure_fails_the_item_though_every_sample_passes() -> None:
    values = np.full((1000, 1, 2), 0.5)
    judged = decide(["x"], values)[0]
    assert judged.pass_count_ok and not judged.uniformity_ok and not judged.ok
    assert decide(["x"], values, uniformity=False)[0].ok


def test_worker_processes_give_the_in_process_answer_in_order() -> None:
    series = select(20_000)
    data = np.random.default_rng(9).bytes(2500 * 12)
    alone = evaluate([np.unpackbits(np.frombuffer(data[i * 2500 : (i + 1) * 2500], np.uint8))
                      for i in range(12)], series)
    battery = Battery(series, 20_000, workers=2, batch=2)
    pieces = [data[i : i + battery.batch_bytes] for i in range(0, len(data),
                                                             battery.batch_bytes)]
    seen: list[int] = []
    together = np.concatenate(list(battery.run(pieces, seen.append)))
    assert np.array_equal(alone, together)
    assert sum(seen) == 12


def test_the_false_alarm_rates_of_the_rules_are_what_the_report_states() -> None:
    from certkit.randomness.decision import false_alarm_rate, family_min_pass

    # GM/T 0005-2021's 1000-sample battery fails about one perfect generator in twelve
    assert false_alarm_rate(1000, 27, 981) == pytest.approx(0.085, abs=0.005)
    # GM/T 0062's power-on rule (19 of 20, one redraw) about one in fourteen
    assert false_alarm_rate(20, 18, 19, attempts=2) == pytest.approx(0.07, abs=0.005)
    # the `standard` profile's screening threshold keeps it under one in a thousand runs
    screening = family_min_pass(20, 18, 0.001)
    assert screening == 17 and false_alarm_rate(20, 18, screening) < 0.001
    assert family_min_pass(1000, 27, 0.5) == 981  # never stricter than 6.2's formula
