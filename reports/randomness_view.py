"""The randomness section of a report: each series judged again from its recorded numbers
(GM/T 0005-2021 6.2-6.4), so a report never repeats a verdict it cannot show."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .messages import DEFAULT_LANGUAGE, Messages, messages
from .numbers import as_count, as_real, format_number

_EN = messages(DEFAULT_LANGUAGE)


# GM/T 0005-2021 6.3: a series' Q-values are uniform enough when P_T is at least this.
UNIFORMITY_THRESHOLD = 0.0001
P_BINS = 10  # the randomness suite's P-value histogram: tenths of [0, 1], 1.0 in the last
_HISTOGRAM_KEY = re.compile(r"(?P<series>.+)\.p_hist\.0", re.DOTALL)
_ATTEMPT_KEY = re.compile(r"attempt\.(?P<number>\d+)\.failed_series")
SERIES_NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class SeriesView:
    """One randomness series, judged again from its recorded numbers by GM/T 0005-2021 6.2-6.4."""

    name: str
    passed: int | None  # samples with P >= alpha
    samples: int | None
    min_pass: int | None
    uniformity_applied: bool  # False: the profile does not apply 6.3 ("n/a")
    uniformity_p: float | None  # None when not applied, or recorded but not a number
    histogram: tuple[int, ...] | None  # P_BINS counts; None unless every bin is a count
    m: Messages = field(default=_EN, compare=False, repr=False)

    @property
    def pass_count_ok(self) -> bool | None:
        if self.passed is None or self.min_pass is None:
            return None
        return self.passed >= self.min_pass

    @property
    def uniformity_ok(self) -> bool | None:
        if not self.uniformity_applied:
            return True
        return None if self.uniformity_p is None else self.uniformity_p >= UNIFORMITY_THRESHOLD

    @property
    def failed_checks(self) -> tuple[str, ...]:
        """Which of the two checks this series failed: "pass count", "uniformity"."""
        failed = []
        if self.pass_count_ok is False:
            failed.append(self.m("randomness.check_pass_count"))
        if self.uniformity_ok is False:
            failed.append(self.m("randomness.check_uniformity"))
        return tuple(failed)

    @property
    def verdict(self) -> str:
        if self.failed_checks:
            return "fail"
        if self.pass_count_ok is None or self.uniformity_ok is None:
            return SERIES_NOT_RECORDED
        return "pass"

    @property
    def short_label(self) -> str:
        return self.m.verdict(self.verdict)

    @property
    def label(self) -> str:
        """The verdict as the report prints it, naming the failed checks."""
        if self.failed_checks:
            return f"{self.short_label} ({', '.join(self.failed_checks)})"
        return self.short_label

    @property
    def count_text(self) -> str:
        """"17 / 20": samples with P >= alpha of the samples tested."""
        passed = self.m("randomness.not_recorded") if self.passed is None else str(self.passed)
        return passed if self.samples is None else f"{passed} / {self.samples}"

    @property
    def threshold_text(self) -> str:
        return self.m("randomness.not_recorded") if self.min_pass is None else str(self.min_pass)

    @property
    def margin_text(self) -> str:
        """How many more samples passed than the threshold asks (negative: how many short)."""
        if self.passed is None or self.min_pass is None:
            return self.m("randomness.not_recorded")
        return f"{self.passed - self.min_pass:+d}"

    @property
    def uniformity_text(self) -> str:
        if not self.uniformity_applied:
            return self.m("randomness.na")
        if self.uniformity_p is None:
            return self.m("randomness.not_recorded")
        return format_number(self.uniformity_p)

    @property
    def expected_per_bin(self) -> float:
        """Each bin's count were the P-values uniform: the histogram's total over P_BINS."""
        return sum(self.histogram or ()) / P_BINS


@dataclass(frozen=True)
class RandomnessView:
    """A randomness case's series, the rule that judged them and how many sample sets it took."""

    samples: int | None
    bits: int | None
    alpha: float | None
    series: tuple[SeriesView, ...]
    attempts: tuple[tuple[int, int | None], ...]  # (attempt, series failed in it), in order
    problems: tuple[str, ...] = ()  # where the recorded numbers disagree with each other
    scaled_note: str | None = None  # fewer samples than planned: the device was too slow
    family_alpha: float | None = None  # a screening rule instead of 6.2's formula
    false_alarm_rate: float | None = None  # the rule's chance of failing a perfect generator
    m: Messages = field(default=_EN, compare=False, repr=False)

    @property
    def false_alarm_text(self) -> str:
        if self.false_alarm_rate is None:
            return self.m("randomness.not_recorded")
        return f"{self.false_alarm_rate * 100:.3g} %"

    def _family_threshold(self) -> int | None:
        """The screening rule, worked out again: allow the fewest failures f for which the
        series count times P(Binomial(s, alpha) > f) is at most family_alpha."""
        s, alpha, family = self.samples, self.alpha, self.family_alpha
        if s is None or alpha is None or family is None or not self.series:
            return None
        def tail(allowed: int) -> float:
            return sum(math.comb(s, k) * alpha ** k * (1 - alpha) ** (s - k)
                       for k in range(allowed + 1, s + 1))
        allowed = 0
        while allowed < s and len(self.series) * tail(allowed) > family:
            allowed += 1
        return s - allowed

    @property
    def threshold_bound(self) -> float | None:
        """s(1 - alpha - 3 sqrt(alpha(1 - alpha)/s)), the pass-count bound before rounding up."""
        if self.samples is None or self.samples < 1 or self.alpha is None:
            return None
        if not 0 < self.alpha < 1:
            return None
        alpha = self.alpha
        return self.samples * (1 - alpha - 3 * math.sqrt(alpha * (1 - alpha) / self.samples))

    @property
    def threshold(self) -> int | None:
        """The least pass count the rule allows: 6.2's threshold (or, under a screening rule,
        the smaller of that and the family-wise count)."""
        formula = self.formula_threshold
        if self.family_alpha is None or formula is None:
            return formula
        family = self._family_threshold()
        return formula if family is None else min(formula, family)

    @property
    def formula_threshold(self) -> int | None:
        """6.2's threshold: the bound rounded up."""
        bound = self.threshold_bound
        # 47.00000000000001 is 47 in exact arithmetic; the suite rounds the same way
        return None if bound is None else max(0, math.ceil(round(bound, 9)))

    @property
    def threshold_bound_text(self) -> str:
        bound = self.threshold_bound
        return self.m("randomness.not_recorded") if bound is None else f"{bound:.2f}"

    @property
    def samples_text(self) -> str:
        return self.m("randomness.not_recorded") if self.samples is None else str(self.samples)

    @property
    def bits_text(self) -> str:
        return self.m("randomness.not_recorded") if self.bits is None else str(self.bits)

    @property
    def alpha_text(self) -> str:
        return (self.m("randomness.not_recorded") if self.alpha is None
                else format_number(self.alpha))

    @property
    def uniformity_threshold_text(self) -> str:
        return format_number(UNIFORMITY_THRESHOLD)

    @property
    def uniformity_applied(self) -> bool:
        return any(series.uniformity_applied for series in self.series)

    @property
    def failing(self) -> tuple[SeriesView, ...]:
        return tuple(series for series in self.series if series.verdict == "fail")

    @property
    def attempts_text(self) -> str:
        """"2 (attempt 1: 3 series failed; attempt 2: 0 series failed)"."""
        if not self.attempts:
            return self.m("randomness.not_recorded")
        parts = "; ".join(
            self.m("randomness.attempt", number=number,
                   failed=self.m("randomness.not_recorded") if failed is None else failed)
            for number, failed in self.attempts
        )
        return f"{len(self.attempts)} ({parts})"




def read_randomness(verdict: str, metrics: Mapping[str, Any],
                m: Messages = _EN) -> tuple[RandomnessView | None, frozenset[str]]:
    """The randomness view of a case's metrics, and the metric keys it shows.

    A case is a randomness case when some metric is a series' first P-value
    bin (`<series>.p_hist.0`), whichever suite made it. Series keep the order
    the suite recorded them in, which is the standard's order of tests.
    """
    names = [found.group("series") for key in metrics
             if (found := _HISTOGRAM_KEY.fullmatch(key))]
    if not names:
        return None, frozenset()
    samples = as_count(metrics.get("samples"))
    shown: set[str] = set()
    series = []
    for name in names:
        keys = {"passed": f"{name}.passed", "min_pass": f"{name}.min_pass",
                "uniformity_p": f"{name}.uniformity_p"}
        bins = [f"{name}.p_hist.{index}" for index in range(P_BINS)]
        shown.update(key for key in (*keys.values(), *bins) if key in metrics)
        counts = [as_count(metrics.get(key)) for key in bins]
        histogram = tuple(c for c in counts if c is not None)
        complete = len(histogram) == P_BINS
        series.append(SeriesView(
            m=m,
            name=name,
            passed=as_count(metrics.get(keys["passed"])),
            samples=samples if samples is not None or not complete else sum(histogram),
            min_pass=as_count(metrics.get(keys["min_pass"])),
            uniformity_applied=keys["uniformity_p"] in metrics,
            uniformity_p=as_real(metrics.get(keys["uniformity_p"])),
            histogram=histogram if complete else None,
        ))
    attempts = sorted(
        (int(found.group("number")), as_count(value))
        for key, value in metrics.items() if (found := _ATTEMPT_KEY.fullmatch(key))
    )
    view = RandomnessView(
        m=m,
        samples=samples,
        bits=as_count(metrics.get("bits")),
        alpha=as_real(metrics.get("alpha")),
        series=tuple(series),
        attempts=tuple(attempts),
        family_alpha=as_real(metrics.get("family_alpha")),
        false_alarm_rate=as_real(metrics.get("false_alarm_rate")),
    )
    problems = _randomness_problems(view, verdict, as_count(metrics.get("series_failed")), m)
    planned, rate = as_count(metrics.get("samples_planned")), as_real(metrics.get(
        "draw_rate_bytes_s"))
    budget = as_real(metrics.get("budget_s"))
    scaled = None
    if planned is not None and samples is not None and rate is not None and budget is not None:
        scaled = m("randomness.scaled_down", planned=planned, samples=samples,
                   rate=f"{rate / 1000:.3g}", budget=format_number(budget))
        shown |= {"samples_planned", "draw_rate_bytes_s", "budget_s"}
    shown |= {"family_alpha", "false_alarm_rate"} & set(metrics)
    return replace(view, problems=problems, scaled_note=scaled), frozenset(shown)


def _names(series: list[SeriesView]) -> str:
    return ", ".join(item.name for item in series)


def _randomness_problems(view: RandomnessView, verdict: str, recorded_failed: int | None,
                         m: Messages = _EN) -> tuple[str, ...]:
    """Where a randomness case's recorded numbers disagree with each other or with the rule."""
    problems = []
    unrecorded = [s for s in view.series if s.pass_count_ok is None or s.uniformity_ok is None]
    if unrecorded:
        problems.append(m("randomness.problem_unrecorded", names=_names(unrecorded)))
    no_histogram = [s for s in view.series if s.histogram is None]
    if no_histogram:
        problems.append(m("randomness.problem_histogram", names=_names(no_histogram)))
    if view.samples is None:
        problems.append(m("randomness.problem_samples"))
    elif view.threshold is None:
        problems.append(m("randomness.problem_alpha"))
    else:
        off_rule = [s for s in view.series
                    if s.min_pass is not None and s.min_pass != view.threshold]
        if off_rule:
            problems.append(m("randomness.problem_threshold", threshold=view.threshold,
                              names=_names(off_rule)))
        miscounted = [s for s in view.series
                      if s.histogram is not None and sum(s.histogram) != view.samples]
        if miscounted:
            problems.append(m("randomness.problem_miscounted", samples=view.samples,
                              names=_names(miscounted)))
    failing = len(view.failing)
    if recorded_failed is not None and recorded_failed != failing:
        problems.append(m("randomness.problem_failed_count", recorded=recorded_failed,
                          failing=failing))
    if verdict == "pass" and failing:
        problems.append(m("randomness.problem_passed", failing=failing))
    return tuple(problems)
