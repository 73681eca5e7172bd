"""What a report shows, derived once from a results.json document.

The HTML, Markdown and JUnit renderers all read this view, so their counts,
tables and verdicts cannot disagree. Every string in the view has been made
printable first: device and vector text is untrusted, and a control or
bidirectional-override character must neither break a format nor hide text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from certkit.suites.performance.scheme import (
    UNIT_LABELS,
    is_performance_metric,
    series_figures,
    sweep_limits,
)

SUPPORTED_SCHEMA_VERSION = 1

VERDICTS = ("pass", "fail", "error", "not-applicable")
NOT_TESTED = "not tested"
LABELS = {
    "pass": "PASS",
    "fail": "FAIL",
    "error": "ERROR",
    "not-applicable": "NOT APPLICABLE",
    NOT_TESTED: "NOT TESTED",
}

# Kept as-is: tab, line breaks, and everything XML 1.0 allows except C1 controls,
# DEL and the bidirectional controls that can reorder what a reader sees.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufffe\uffff]"
)


def printable(text: str) -> str:
    """Replace characters that could corrupt a report or disguise text with visible escapes."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, Mapping):
        return {printable(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def _natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort "GB/T 32907-2016 6.9" before "... 6.10"."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.split(r"(\d+)", text)
        if part
    )


def format_number(value: Any) -> str:
    """A metric as text: integers exactly, floats to six significant digits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return str(value) if isinstance(value, int) else f"{value:.6g}"


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class FailureView:
    """One failing check, with what a reader needs to reproduce it."""

    vectors: str
    tc_id: str
    comment: str
    flags: tuple[str, ...]
    inputs: tuple[Field, ...]
    expected: str
    got: str


# GM/T 0005-2021 6.3: a series' Q-values are uniform enough when P_T is at least this.
UNIFORMITY_THRESHOLD = 0.0001
P_BINS = 10  # the randomness suite's P-value histogram: tenths of [0, 1], 1.0 in the last
_HISTOGRAM_KEY = re.compile(r"(?P<series>.+)\.p_hist\.0", re.DOTALL)
_ATTEMPT_KEY = re.compile(r"attempt\.(?P<number>\d+)\.failed_series")
SERIES_NOT_RECORDED = "not recorded"
_SERIES_LABELS = {"pass": "PASS", "fail": "FAIL", SERIES_NOT_RECORDED: "NOT RECORDED"}


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
            failed.append("pass count")
        if self.uniformity_ok is False:
            failed.append("uniformity")
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
        return _SERIES_LABELS[self.verdict]

    @property
    def label(self) -> str:
        """The verdict as the report prints it, naming the failed checks."""
        if self.failed_checks:
            return f"{self.short_label} ({', '.join(self.failed_checks)})"
        return self.short_label

    @property
    def count_text(self) -> str:
        """"17 / 20": samples with P >= alpha of the samples tested."""
        passed = SERIES_NOT_RECORDED if self.passed is None else str(self.passed)
        return passed if self.samples is None else f"{passed} / {self.samples}"

    @property
    def threshold_text(self) -> str:
        return SERIES_NOT_RECORDED if self.min_pass is None else str(self.min_pass)

    @property
    def uniformity_text(self) -> str:
        if not self.uniformity_applied:
            return "n/a"
        if self.uniformity_p is None:
            return SERIES_NOT_RECORDED
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
        """The least pass count the rule allows: the bound rounded up."""
        bound = self.threshold_bound
        # 47.00000000000001 is 47 in exact arithmetic; the suite rounds the same way
        return None if bound is None else max(0, math.ceil(round(bound, 9)))

    @property
    def threshold_bound_text(self) -> str:
        bound = self.threshold_bound
        return SERIES_NOT_RECORDED if bound is None else f"{bound:.2f}"

    @property
    def samples_text(self) -> str:
        return SERIES_NOT_RECORDED if self.samples is None else str(self.samples)

    @property
    def bits_text(self) -> str:
        return SERIES_NOT_RECORDED if self.bits is None else str(self.bits)

    @property
    def alpha_text(self) -> str:
        return SERIES_NOT_RECORDED if self.alpha is None else format_number(self.alpha)

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
            return SERIES_NOT_RECORDED
        parts = "; ".join(
            f"attempt {number}: "
            f"{SERIES_NOT_RECORDED if failed is None else failed} series failed"
            for number, failed in self.attempts
        )
        return f"{len(self.attempts)} ({parts})"


@dataclass(frozen=True)
class RateView:
    """One series of a performance case: its rate, spread, latencies and any declared figure."""

    series: str  # "SM4-CBC.encrypt.4096"
    subject: str
    operation: str
    size: int | None  # payload bytes per call; None for an operation rate
    unit: str  # "MB/s" or "ops/s"
    median: float
    p25: float
    p75: float
    latency_us: tuple[tuple[str, float], ...]  # ("p50", microseconds), ...
    calls: int | None
    declared: float | None

    @property
    def declared_met(self) -> bool | None:
        return None if self.declared is None else self.median >= self.declared

    @property
    def size_text(self) -> str:
        return "-" if self.size is None else size_label(self.size)

    @property
    def rate_text(self) -> str:
        """"131.2 (129.8-132.0)": median and quartiles over repetitions."""
        return (f"{format_number(round_figure(self.median))} ("
                f"{format_number(round_figure(self.p25))}-{format_number(round_figure(self.p75))})")

    @property
    def latency_text(self) -> str:
        """"31.2 / 31.7 / 42.9": p50 / p95 / p99 in microseconds."""
        if not self.latency_us:
            return SERIES_NOT_RECORDED
        return " / ".join(format_number(round_figure(value)) for _, value in self.latency_us)

    @property
    def declared_text(self) -> str:
        if self.declared is None:
            return "-"
        verdict = "met" if self.declared_met else "NOT MET"
        return f"at least {format_number(round_figure(self.declared))}: {verdict}"


@dataclass(frozen=True)
class PerformanceView:
    """A performance case's figures, series by series, and where its payload sweeps ended."""

    rates: tuple[RateView, ...]
    limits: tuple[str, ...]  # "SM4-CBC encrypt: refused 65536 bytes", ...
    repetitions: int | None
    host_cpu_wait: float | None  # share of the timing spent waiting for a CPU

    @property
    def payload_rates(self) -> tuple[RateView, ...]:
        return tuple(rate for rate in self.rates if rate.size is not None)

    @property
    def operation_rates(self) -> tuple[RateView, ...]:
        return tuple(rate for rate in self.rates if rate.size is None)

    @property
    def operations(self) -> tuple[tuple[str, tuple[RateView, ...]], ...]:
        """Payload series by operation ("SM4-CBC encrypt"), sizes ascending."""
        groups: dict[str, list[RateView]] = {}
        for rate in self.payload_rates:
            groups.setdefault(f"{rate.subject} {rate.operation}", []).append(rate)
        return tuple((name, tuple(rates)) for name, rates in groups.items())

    @property
    def declared(self) -> tuple[RateView, ...]:
        return tuple(rate for rate in self.rates if rate.declared is not None)

    @property
    def repetitions_text(self) -> str:
        return SERIES_NOT_RECORDED if self.repetitions is None else str(self.repetitions)

    @property
    def cpu_wait_text(self) -> str:
        if self.host_cpu_wait is None:
            return SERIES_NOT_RECORDED
        return f"{self.host_cpu_wait * 100:.1f} %"


def size_label(size: int) -> str:
    """A payload size as people write it: 16 B, 4 KiB, 1 MiB."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} B"


def round_figure(value: float) -> float:
    """Four significant digits: what a rate measured to a few per cent can claim."""
    return float(f"{value:.4g}") if math.isfinite(value) else value


@dataclass(frozen=True)
class CaseView:
    id: str
    title: str
    suite: str
    verdict: str
    requires: tuple[str, ...]
    clauses: tuple[str, ...]
    checks: int
    failed: int
    failures: tuple[FailureView, ...]  # the first few of `failed`
    missing: tuple[str, ...]
    error: str | None
    metrics: tuple[Field, ...]  # all but those `randomness` shows series by series
    duration_s: float
    randomness: RandomnessView | None  # when the metrics hold P-value histograms
    performance: PerformanceView | None = None  # when the metrics hold performance series

    @property
    def note(self) -> str:
        """One line for the case table saying why the verdict is what it is."""
        if self.verdict == "not-applicable":
            return "not applicable, not a pass: missing " + (", ".join(self.missing) or "?")
        if self.verdict == "error":
            return self.error.splitlines()[0] if self.error else "error not recorded"
        if self.verdict == "fail":
            return f"{self.failed} of {self.checks} checks failed"
        return f"{self.checks} checks passed"

    @property
    def has_detail(self) -> bool:
        return bool(self.failures or self.error or self.metrics or self.verdict == "fail")

    @property
    def showing(self) -> str:
        """"showing N of M failing checks", since results.json caps the list."""
        return f"showing {len(self.failures)} of {self.failed} failing checks"


@dataclass(frozen=True)
class ClauseView:
    """A requirement clause, the cases that evidence it and what they found."""

    clause: str
    status: str  # a verdict, or NOT_TESTED when every case was not applicable
    cases: tuple[CaseView, ...]


@dataclass(frozen=True)
class SuiteCounts:
    suite: str
    counts: tuple[tuple[str, int], ...]  # (verdict, count) in VERDICTS order
    total: int


@dataclass(frozen=True)
class SessionView:
    started_at: str
    resumed: bool


@dataclass(frozen=True)
class PluginView:
    name: str
    module: str
    distribution: str
    version: str


@dataclass(frozen=True)
class ReportView:
    run_id: str
    certkit_version: str
    verdict: str
    verdict_reasons: tuple[str, ...]
    run_problems: tuple[str, ...]  # incomplete, or nothing applicable: no case shows these
    complete: bool
    stopped: str | None
    planned: int
    finished: int
    counts: tuple[tuple[str, int], ...]
    started_at: str
    ended_at: str
    sessions: tuple[SessionView, ...]
    vendor: str
    model: str
    firmware: str
    serial: str
    driver: str
    device_url: str
    capabilities: tuple[str, ...]
    unrecognised_capabilities: tuple[str, ...]
    profile_name: str
    profile_description: str
    suites: tuple[str, ...]
    host: tuple[Field, ...]
    plugins: tuple[PluginView, ...]
    vectors_manifest_sha256: str
    cases: tuple[CaseView, ...]
    clauses: tuple[ClauseView, ...]
    cases_without_clause: tuple[CaseView, ...]
    suite_counts: tuple[SuiteCounts, ...]

    @property
    def product(self) -> tuple[Field, ...]:
        """The product's identity, as the device reported it, and how it was reached."""
        return (
            Field("Vendor", self.vendor),
            Field("Model", self.model),
            Field("Firmware", self.firmware),
            Field("Serial number", self.serial),
            Field("Driver", self.driver),
            Field("Device URL", self.device_url),
        )

    @property
    def resumed(self) -> bool:
        return any(session.resumed for session in self.sessions)

    @property
    def not_run(self) -> int:
        return self.planned - self.finished

    @property
    def detailed_cases(self) -> tuple[CaseView, ...]:
        return tuple(case for case in self.cases if case.has_detail)

    @property
    def randomness_cases(self) -> tuple[CaseView, ...]:
        return tuple(case for case in self.cases if case.randomness is not None)

    @property
    def performance_cases(self) -> tuple[CaseView, ...]:
        return tuple(case for case in self.cases if case.performance is not None)

    def count(self, verdict: str) -> int:
        return dict(self.counts)[verdict]


def build_view(document: Mapping[str, Any]) -> ReportView:
    """Derive everything a report shows from a results.json document."""
    version = document.get("schema_version")
    if version != SUPPORTED_SCHEMA_VERSION:
        raise ValueError(
            f"results.json schema version {version!r} is not supported "
            f"(this renderer reads version {SUPPORTED_SCHEMA_VERSION})"
        )
    doc = _clean(document)
    cases = tuple(_case(item) for item in doc["cases"])
    device = doc["device"]
    counts = _counts(cases)
    run_problems = _run_problems(doc, counts)
    return ReportView(
        run_id=doc["run_id"],
        certkit_version=doc["certkit_version"],
        verdict=doc["verdict"],
        verdict_reasons=_verdict_reasons(doc, counts, run_problems),
        run_problems=run_problems,
        complete=bool(doc["complete"]),
        stopped=doc["stopped"],
        planned=doc["summary"]["planned"],
        finished=len(cases),
        counts=counts,
        started_at=doc["started_at"],
        ended_at=doc["ended_at"],
        sessions=tuple(
            SessionView(started_at=s["started_at"], resumed=s.get("resumed") in (True, "true"))
            for s in doc["sessions"]
        ),
        vendor=device["vendor"],
        model=device["model"],
        firmware=device["firmware"],
        serial=device["serial"],
        driver=doc["driver"]["scheme"],
        device_url=doc["driver"]["url"],
        capabilities=tuple(device["capabilities"]),
        unrecognised_capabilities=tuple(device["unrecognised_capabilities"]),
        profile_name=doc["profile"]["name"],
        profile_description=doc["profile"]["description"],
        suites=tuple(doc["profile"]["suites"]),
        host=tuple(Field(key, str(value)) for key, value in doc["host"].items()),
        plugins=tuple(
            PluginView(p["name"], p["module"], p["distribution"], p["version"])
            for p in doc["plugins"]
        ),
        vectors_manifest_sha256=doc["vectors"]["manifest_sha256"],
        cases=cases,
        clauses=_clauses(cases),
        cases_without_clause=tuple(case for case in cases if not case.clauses),
        suite_counts=_suite_counts(cases, doc["profile"]["suites"]),
    )


def _case(item: Mapping[str, Any]) -> CaseView:
    randomness, shown = _randomness(item["verdict"], item["metrics"])
    performance, performance_shown = _performance(item["metrics"])
    shown |= performance_shown
    return CaseView(
        id=item["id"],
        title=item["title"],
        suite=item["suite"],
        verdict=item["verdict"],
        requires=tuple(item["requires"]),
        clauses=tuple(item["clauses"]),
        checks=item["checks"],
        failed=item["failed"],
        failures=tuple(
            FailureView(
                vectors=f["vectors"],
                tc_id=str(f["tc_id"]),
                comment=f["comment"],
                flags=tuple(f.get("flags", ())),
                inputs=tuple(Field(k, str(v)) for k, v in f.get("inputs", {}).items()),
                expected=f["expected"],
                got=f["got"],
            )
            for f in item["failures"]
        ),
        missing=tuple(item["missing"]),
        error=item["error"],
        metrics=tuple(
            Field(key, format_number(value))
            for key, value in sorted(item["metrics"].items())
            if key not in shown
        ),
        duration_s=float(item["duration_s"]),
        randomness=randomness,
        performance=performance,
    )


def _count(value: Any) -> int | None:
    """A recorded count, or None when the value is not a non-negative whole number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value) if value >= 0 else None


def _real(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _randomness(verdict: str, metrics: Mapping[str, Any]) -> tuple[RandomnessView | None,
                                                                  frozenset[str]]:
    """The randomness view of a case's metrics, and the metric keys it shows.

    A case is a randomness case when some metric is a series' first P-value
    bin (`<series>.p_hist.0`), whichever suite made it. Series keep the order
    the suite recorded them in, which is the standard's order of tests.
    """
    names = [m.group("series") for key in metrics if (m := _HISTOGRAM_KEY.fullmatch(key))]
    if not names:
        return None, frozenset()
    samples = _count(metrics.get("samples"))
    shown: set[str] = set()
    series = []
    for name in names:
        keys = {"passed": f"{name}.passed", "min_pass": f"{name}.min_pass",
                "uniformity_p": f"{name}.uniformity_p"}
        bins = [f"{name}.p_hist.{index}" for index in range(P_BINS)]
        shown.update(key for key in (*keys.values(), *bins) if key in metrics)
        counts = [_count(metrics.get(key)) for key in bins]
        histogram = tuple(c for c in counts if c is not None)
        complete = len(histogram) == P_BINS
        series.append(SeriesView(
            name=name,
            passed=_count(metrics.get(keys["passed"])),
            samples=samples if samples is not None or not complete else sum(histogram),
            min_pass=_count(metrics.get(keys["min_pass"])),
            uniformity_applied=keys["uniformity_p"] in metrics,
            uniformity_p=_real(metrics.get(keys["uniformity_p"])),
            histogram=histogram if complete else None,
        ))
    attempts = sorted(
        (int(m.group("number")), _count(value))
        for key, value in metrics.items() if (m := _ATTEMPT_KEY.fullmatch(key))
    )
    view = RandomnessView(
        samples=samples,
        bits=_count(metrics.get("bits")),
        alpha=_real(metrics.get("alpha")),
        series=tuple(series),
        attempts=tuple(attempts),
    )
    problems = _randomness_problems(view, verdict, _count(metrics.get("series_failed")))
    return replace(view, problems=problems), frozenset(shown)


def _performance(metrics: Mapping[str, Any]) -> tuple[PerformanceView | None, frozenset[str]]:
    """The performance view of a case's metrics (`certkit.suites.performance.scheme`), and
    the metric keys it shows; None when no series has a complete rate."""
    rates = tuple(
        RateView(
            series=str(figure.name), subject=figure.name.subject,
            operation=figure.name.operation, size=figure.name.size,
            unit=UNIT_LABELS[figure.quantity], median=figure.median, p25=figure.p25, p75=figure.p75,
            latency_us=tuple(figure.latency_us.items()),
            calls=None if figure.calls is None else int(figure.calls), declared=figure.declared,
        )
        for figure in series_figures(metrics)
    )
    if not rates:
        return None, frozenset()
    limits = []
    for (subject, operation), found in sorted(sweep_limits(metrics).items()):
        if "refused_bytes" in found:
            limits.append(f"{subject} {operation}: the device refused "
                          f"{size_label(found['refused_bytes'])}")
        if "skipped_bytes" in found:
            limits.append(f"{subject} {operation}: {size_label(found['skipped_bytes'])} and "
                          "larger left out, over the time budget")
    view = PerformanceView(rates=rates, limits=tuple(limits),
                           repetitions=_count(metrics.get("repetitions")),
                           host_cpu_wait=_real(metrics.get("host.cpu_wait")))
    return view, frozenset(key for key in metrics if is_performance_metric(key))


def _names(series: list[SeriesView]) -> str:
    return ", ".join(item.name for item in series)


def _randomness_problems(view: RandomnessView, verdict: str,
                         recorded_failed: int | None) -> tuple[str, ...]:
    """Where a randomness case's recorded numbers disagree with each other or with the rule."""
    problems = []
    unrecorded = [s for s in view.series if s.pass_count_ok is None or s.uniformity_ok is None]
    if unrecorded:
        problems.append(f"pass count, threshold or uniformity P not recorded for: "
                        f"{_names(unrecorded)}")
    no_histogram = [s for s in view.series if s.histogram is None]
    if no_histogram:
        problems.append(f"P-value histogram incomplete for: {_names(no_histogram)}")
    if view.samples is None:
        problems.append("the number of samples is not recorded")
    elif view.threshold is None:
        problems.append("alpha is not recorded as a number between 0 and 1, so the pass-count "
                        "threshold cannot be checked")
    else:
        off_rule = [s for s in view.series
                    if s.min_pass is not None and s.min_pass != view.threshold]
        if off_rule:
            problems.append(f"recorded threshold differs from the rule's {view.threshold} "
                            f"for: {_names(off_rule)}")
        miscounted = [s for s in view.series
                      if s.histogram is not None and sum(s.histogram) != view.samples]
        if miscounted:
            problems.append(f"P-value histogram does not hold {view.samples} samples for: "
                            f"{_names(miscounted)}")
    failing = len(view.failing)
    if recorded_failed is not None and recorded_failed != failing:
        problems.append(f"the case records {recorded_failed} failing series; "
                        f"its per-series numbers give {failing}")
    if verdict == "pass" and failing:
        problems.append(f"the case passed, but its per-series numbers fail {failing} series")
    return tuple(problems)


def _counts(cases: tuple[CaseView, ...]) -> tuple[tuple[str, int], ...]:
    return tuple((v, sum(1 for case in cases if case.verdict == v)) for v in VERDICTS)


def _run_problems(doc: Mapping[str, Any], counts: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    """What keeps the run from passing beyond its case verdicts; no case result shows these."""
    by_verdict = dict(counts)
    problems = []
    if not doc["complete"]:
        problems.append(
            f"run incomplete: {len(doc['cases'])} of {doc['summary']['planned']} planned cases "
            f"finished; stopped: {doc['stopped'] or 'reason not recorded'}"
        )
    if not (by_verdict["pass"] or by_verdict["fail"] or by_verdict["error"]):
        problems.append("no case was applicable to this device, so nothing was shown to pass")
    return tuple(problems)


def _verdict_reasons(
    doc: Mapping[str, Any], counts: tuple[tuple[str, int], ...], run_problems: tuple[str, ...]
) -> tuple[str, ...]:
    """Why the overall verdict is what it is, in the order a reader needs it."""
    by_verdict = dict(counts)
    reasons = []
    if by_verdict["fail"]:
        reasons.append(f"{by_verdict['fail']} case(s) failed")
    if by_verdict["error"]:
        reasons.append(f"{by_verdict['error']} case(s) ended in error")
    reasons.extend(run_problems)
    if not reasons and doc["verdict"] == "pass":
        reasons.append(f"all {by_verdict['pass']} applicable case(s) passed")
    return tuple(reasons)


def _clause_status(cases: list[CaseView]) -> str:
    verdicts = {case.verdict for case in cases}
    if "fail" in verdicts:
        return "fail"
    if "error" in verdicts:
        return "error"
    if verdicts == {"not-applicable"}:
        return NOT_TESTED
    return "pass"


def _clauses(cases: tuple[CaseView, ...]) -> tuple[ClauseView, ...]:
    evidence: dict[str, list[CaseView]] = {}
    for case in cases:
        for clause in dict.fromkeys(case.clauses):
            evidence.setdefault(clause, []).append(case)
    return tuple(
        ClauseView(clause, _clause_status(evidence[clause]), tuple(evidence[clause]))
        for clause in sorted(evidence, key=_natural_key)
    )


def _suite_counts(
    cases: tuple[CaseView, ...], profile_suites: list[str]
) -> tuple[SuiteCounts, ...]:
    order = list(dict.fromkeys([*profile_suites, *(case.suite for case in cases)]))
    rows = []
    for suite in order:  # a profile's suite with no finished case still gets its row
        members = tuple(case for case in cases if case.suite == suite)
        rows.append(SuiteCounts(suite, _counts(members), len(members)))
    return tuple(rows)
