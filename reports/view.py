"""What a report shows, derived once from a results.json document.

The HTML, Markdown and JUnit renderers all read this view, so their counts,
tables and verdicts cannot disagree. Every string in the view has been made
printable first: device and vector text is untrusted, and a control or
bidirectional-override character must neither break a format nor hide text.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from certkit.inert import printable
from certkit.suites.performance.scheme import (
    UNIT_LABELS,
    is_performance_metric,
    series_figures,
    sweep_limits,
)

from .messages import DEFAULT_LANGUAGE, Messages, messages
from .requirements import (
    NOT_RUN,
    NOT_TESTED,
    Catalogue,
    Citation,
    TraceRow,
    load_catalogue,
    natural_key,
    row_status,
    trace,
)

SUPPORTED_SCHEMA_VERSION = 1

VERDICTS = ("pass", "fail", "error", "not-applicable")
_EN = messages(DEFAULT_LANGUAGE)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, Mapping):
        return {printable(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


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
    operation: str = ""  # which operation of the vector failed (encrypt, decrypt, ...)

    @property
    def differs_at(self) -> int | None:
        """The character where expected and got, both hex, first differ (a byte boundary)."""
        if not (_HEX.fullmatch(self.expected) and _HEX.fullmatch(self.got)):
            return None
        for index in range(0, min(len(self.expected), len(self.got)), 2):
            if self.expected[index:index + 2] != self.got[index:index + 2]:
                return index
        return None if len(self.expected) == len(self.got) else min(len(self.expected),
                                                                    len(self.got))

    @property
    def differing_byte(self) -> int | None:
        return None if self.differs_at is None else self.differs_at // 2


_HEX = re.compile(r"(?:[0-9a-f]{2})+")


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
    m: Messages = field(default=_EN, compare=False, repr=False)

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
    m: Messages = field(default=_EN, compare=False, repr=False)

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
            return self.m("randomness.not_recorded")
        return " / ".join(format_number(round_figure(value)) for _, value in self.latency_us)

    @property
    def declared_text(self) -> str:
        if self.declared is None:
            return "-"
        verdict = self.m("performance.met" if self.declared_met else "performance.not_met")
        return self.m("performance.declared_text",
                      value=format_number(round_figure(self.declared)), met=verdict)


@dataclass(frozen=True)
class PerformanceView:
    """A performance case's figures, series by series, and where its payload sweeps ended."""

    rates: tuple[RateView, ...]
    limits: tuple[str, ...]  # "SM4-CBC encrypt: refused 65536 bytes", ...
    repetitions: int | None
    host_cpu_wait: float | None  # share of the timing spent waiting for a CPU
    m: Messages = field(default=_EN, compare=False, repr=False)

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
        return (self.m("randomness.not_recorded") if self.repetitions is None
                else str(self.repetitions))

    @property
    def cpu_wait_text(self) -> str:
        if self.host_cpu_wait is None:
            return self.m("randomness.not_recorded")
        return self.m("performance.cpu_percent", value=f"{self.host_cpu_wait * 100:.1f}")


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
    evidence: WireView | None = None  # the bytes on the wire, when the driver traced them
    m: Messages = field(default=_EN, compare=False, repr=False)

    @property
    def note(self) -> str:
        """One line for the case table saying why the verdict is what it is."""
        if self.verdict == "not-applicable":
            return self.m("cases.note_na", missing=", ".join(self.missing) or "?")
        if self.verdict == "error":
            return (self.error.splitlines()[0] if self.error
                    else self.m("cases.note_error_unrecorded"))
        if self.verdict == "fail":
            return self.m("cases.note_fail", failed=self.failed, checks=self.checks)
        return self.m("cases.note_pass", checks=self.checks)

    @property
    def has_detail(self) -> bool:
        return bool(self.failures or self.error or self.metrics or self.verdict == "fail"
                    or self.evidence)

    @property
    def failing(self) -> bool:
        """Whether the case belongs in the failing-evidence section."""
        return self.verdict in ("fail", "error")

    @property
    def showing(self) -> str:
        """"showing N of M failing checks", since results.json caps the list."""
        return self.m("cases.showing", shown=len(self.failures), failed=self.failed)


@dataclass(frozen=True)
class WireRecord:
    t: str
    duration_ms: str
    direction: str  # "tx" (host to device) or "rx"
    size: int
    hex: str


@dataclass(frozen=True)
class WireView:
    """A failing case's wire-trace excerpt, as the serial driver records it."""

    records: tuple[WireRecord, ...]
    omitted: int
    truncated_to_bytes: str


@dataclass(frozen=True)
class ClauseView:
    """A clause a case cited, the cases that evidence it and what they found."""

    clause: str
    status: str  # a verdict, or NOT_TESTED when every case was not applicable
    cases: tuple[CaseView, ...]


@dataclass(frozen=True)
class NotRunView:
    id: str
    title: str
    suite: str
    clauses: tuple[str, ...]


@dataclass(frozen=True)
class CertificationView:
    """The cover's inputs that the device cannot tell: given to `certkit run`, else None."""

    lab: str | None
    operator: str | None
    firmware_image: str | None
    firmware_sm3: str | None
    command_line: tuple[str, ...] | None

    @property
    def command_text(self) -> str:
        """The command line as a shell would take it back."""
        return shlex.join(self.command_line or ())


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
    not_run_cases: tuple[NotRunView, ...]
    matrix: tuple[TraceRow, ...]  # every catalogue entry, evidenced or not
    unknown_citations: tuple[Citation, ...]  # cited clauses the catalogue does not know
    catalogue_sha256: str
    certification: CertificationView
    m: Messages = field(default=_EN, compare=False, repr=False)

    @property
    def lang(self) -> str:
        return self.m.lang

    @property
    def product(self) -> tuple[Field, ...]:
        """The product's identity, as the device reported it, and how it was reached."""
        m = self.m
        return (
            Field(m("product.vendor"), self.vendor),
            Field(m("product.model"), self.model),
            Field(m("product.firmware"), self.firmware),
            Field(m("product.serial"), self.serial),
            Field(m("product.driver"), self.driver),
            Field(m("product.url"), self.device_url),
        )

    @property
    def tested_rows(self) -> int:
        return sum(1 for row in self.matrix if row.status != NOT_TESTED)

    def matrix_count(self, status: str) -> int:
        return sum(1 for row in self.matrix if row.status == status)

    @property
    def standards_applied(self) -> tuple[TraceRow, ...]:
        """The whole-standard rows of the standards some case that ran evidences, in catalogue
        order: a standard cited only by not-applicable cases was not applied."""
        return tuple(row for row in self.matrix
                     if not row.requirement.clause and
                     any(e.cited_as.startswith(row.requirement.id) and
                         e.verdict in ("pass", "fail", "error") for e in row.evidence))

    @property
    def failing_cases(self) -> tuple[CaseView, ...]:
        return tuple(case for case in self.cases if case.failing)

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

    @property
    def unknown_clauses(self) -> tuple[ClauseView, ...]:
        """Cited clauses the catalogue does not know, with their cases' verdicts."""
        unknown = {citation.text for citation in self.unknown_citations}
        return tuple(clause for clause in self.clauses if clause.clause in unknown)


def build_view(document: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE,
               catalogue: Catalogue | None = None) -> ReportView:
    """Derive everything a report shows from a results.json document, in `lang`."""
    version = document.get("schema_version")
    if version != SUPPORTED_SCHEMA_VERSION:
        raise ValueError(
            f"results.json schema version {version!r} is not supported "
            f"(this renderer reads version {SUPPORTED_SCHEMA_VERSION})"
        )
    m = messages(lang)
    catalogue = catalogue or load_catalogue()
    doc = _clean(document)
    cases = tuple(_case(item, m) for item in doc["cases"])
    device = doc["device"]
    counts = _counts(cases)
    run_problems = _run_problems(doc, counts, m)
    not_run = tuple(NotRunView(item["id"], item["title"], item["suite"], tuple(item["clauses"]))
                    for item in doc.get("not_run", ()))
    matrix, unknown = trace(catalogue, [
        *((case.id, case.verdict, case.clauses) for case in cases),
        *((case.id, NOT_RUN, case.clauses) for case in not_run),
    ])
    return ReportView(
        m=m,
        run_id=doc["run_id"],
        certkit_version=doc["certkit_version"],
        verdict=doc["verdict"],
        verdict_reasons=_verdict_reasons(doc, counts, run_problems, m),
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
        not_run_cases=not_run,
        matrix=matrix,
        unknown_citations=unknown,
        catalogue_sha256=catalogue.sha256,
        certification=_certification(doc.get("certification") or {}),
    )


def _certification(data: Mapping[str, Any]) -> CertificationView:
    image = data.get("firmware_image") or {}
    command = data.get("command_line")
    return CertificationView(
        lab=data.get("lab") or None,
        operator=data.get("operator") or None,
        firmware_image=image.get("name") or None,
        firmware_sm3=image.get("sm3") or None,
        command_line=tuple(str(arg) for arg in command) if command else None,
    )


def _wire(evidence: Any) -> WireView | None:
    """The wire excerpt of a case's `evidence`, tolerating what an old or odd driver wrote."""
    if not isinstance(evidence, Mapping) or not isinstance(evidence.get("records"), list):
        return None
    records = tuple(
        WireRecord(t=format_number(r.get("t", "")),
                   duration_ms=format_number(r.get("duration_ms", "")),
                   direction=str(r.get("dir", "")), size=_count(r.get("size")) or 0,
                   hex=str(r.get("hex", "")))
        for r in evidence["records"] if isinstance(r, Mapping)
    )
    return WireView(records, _count(evidence.get("omitted")) or 0,
                    format_number(evidence.get("truncated_to_bytes", "")))


def _case(item: Mapping[str, Any], m: Messages = _EN) -> CaseView:
    randomness, shown = _randomness(item["verdict"], item["metrics"], m)
    performance, performance_shown = _performance(item["metrics"], m)
    shown |= performance_shown
    return CaseView(
        m=m,
        evidence=_wire(item.get("evidence")),
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
                operation=f.get("check", ""),
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


def _randomness(verdict: str, metrics: Mapping[str, Any],
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
            m=m,
            name=name,
            passed=_count(metrics.get(keys["passed"])),
            samples=samples if samples is not None or not complete else sum(histogram),
            min_pass=_count(metrics.get(keys["min_pass"])),
            uniformity_applied=keys["uniformity_p"] in metrics,
            uniformity_p=_real(metrics.get(keys["uniformity_p"])),
            histogram=histogram if complete else None,
        ))
    attempts = sorted(
        (int(found.group("number")), _count(value))
        for key, value in metrics.items() if (found := _ATTEMPT_KEY.fullmatch(key))
    )
    view = RandomnessView(
        m=m,
        samples=samples,
        bits=_count(metrics.get("bits")),
        alpha=_real(metrics.get("alpha")),
        series=tuple(series),
        attempts=tuple(attempts),
    )
    problems = _randomness_problems(view, verdict, _count(metrics.get("series_failed")), m)
    return replace(view, problems=problems), frozenset(shown)


def _performance(metrics: Mapping[str, Any],
                 m: Messages = _EN) -> tuple[PerformanceView | None, frozenset[str]]:
    """The performance view of a case's metrics (`certkit.suites.performance.scheme`), and
    the metric keys it shows; None when no series has a complete rate."""
    rates = tuple(
        RateView(
            m=m,
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
            limits.append(m("performance.refused", subject=subject, operation=operation,
                            size=size_label(found["refused_bytes"])))
        if "skipped_bytes" in found:
            limits.append(m("performance.skipped", subject=subject, operation=operation,
                            size=size_label(found["skipped_bytes"])))
    view = PerformanceView(m=m, rates=rates, limits=tuple(limits),
                           repetitions=_count(metrics.get("repetitions")),
                           host_cpu_wait=_real(metrics.get("host.cpu_wait")))
    return view, frozenset(key for key in metrics if is_performance_metric(key))


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


def _counts(cases: tuple[CaseView, ...]) -> tuple[tuple[str, int], ...]:
    return tuple((v, sum(1 for case in cases if case.verdict == v)) for v in VERDICTS)


def _run_problems(doc: Mapping[str, Any], counts: tuple[tuple[str, int], ...],
                  m: Messages = _EN) -> tuple[str, ...]:
    """What keeps the run from passing beyond its case verdicts; no case result shows these."""
    by_verdict = dict(counts)
    problems = []
    if not doc["complete"]:
        problems.append(m("verdict_section.problem_incomplete", finished=len(doc["cases"]),
                          planned=doc["summary"]["planned"],
                          reason=doc["stopped"] or m("verdict_section.reason_not_recorded")))
    if not (by_verdict["pass"] or by_verdict["fail"] or by_verdict["error"]):
        problems.append(m("verdict_section.problem_nothing_applicable"))
    if doc.get("coverage_shortfall"):
        problems.append(m("verdict_section.problem_coverage", reason=doc["coverage_shortfall"]))
    return tuple(problems)


def _verdict_reasons(
    doc: Mapping[str, Any], counts: tuple[tuple[str, int], ...], run_problems: tuple[str, ...],
    m: Messages = _EN,
) -> tuple[str, ...]:
    """Why the overall verdict is what it is, in the order a reader needs it."""
    by_verdict = dict(counts)
    reasons = []
    if by_verdict["fail"]:
        reasons.append(m("verdict_section.reason_failed", count=by_verdict["fail"]))
    if by_verdict["error"]:
        reasons.append(m("verdict_section.reason_errors", count=by_verdict["error"]))
    reasons.extend(run_problems)
    if not reasons and doc["verdict"] == "pass":
        reasons.append(m("verdict_section.reason_passed", count=by_verdict["pass"]))
    if doc.get("selection"):  # said, not a problem: the filter was asked for
        selection = doc["selection"]
        reasons.append(m("verdict_section.problem_filtered", filters=" ".join(
            ([f"-k {selection['keyword']}"] if selection.get("keyword") else []) +
            [f"--case {case}" for case in selection.get("cases", [])])))
    return tuple(reasons)


def _clauses(cases: tuple[CaseView, ...]) -> tuple[ClauseView, ...]:
    evidence: dict[str, list[CaseView]] = {}
    for case in cases:
        for clause in dict.fromkeys(case.clauses):
            evidence.setdefault(clause, []).append(case)
    return tuple(
        ClauseView(clause, row_status(case.verdict for case in evidence[clause]),
                   tuple(evidence[clause]))
        for clause in sorted(evidence, key=natural_key)
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
