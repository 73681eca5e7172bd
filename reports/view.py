"""What a report shows, derived once from a results.json document.

The HTML, Markdown and JUnit renderers all read this view, so their counts,
tables and verdicts cannot disagree. Every string in the view has been made
printable first: device and vector text is untrusted, and a control or
bidirectional-override character must neither break a format nor hide text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
    metrics: tuple[Field, ...]
    duration_s: float

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
            Field(key, format_number(value)) for key, value in sorted(item["metrics"].items())
        ),
        duration_s=float(item["duration_s"]),
    )


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
