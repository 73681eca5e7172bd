"""What a report shows, derived once from a results.json document.

The HTML, Markdown and JUnit renderers all read this view, so their counts,
tables and verdicts cannot disagree. Every string in the view has been made
printable first: device and vector text is untrusted, and a control or
bidirectional-override character must neither break a format nor hide text.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from certkit.inert import printable

from .messages import DEFAULT_LANGUAGE, Messages, messages
from .numbers import as_count, format_number
from .performance_view import PerformanceView, read_performance
from .randomness_view import RandomnessView, read_randomness
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
                   direction=str(r.get("dir", "")), size=as_count(r.get("size")) or 0,
                   hex=str(r.get("hex", "")))
        for r in evidence["records"] if isinstance(r, Mapping)
    )
    return WireView(records, as_count(evidence.get("omitted")) or 0,
                    format_number(evidence.get("truncated_to_bytes", "")))


SHOWN_PER_KIND = 3  # failing checks of one kind (vector file, operation, flags) shown
SHOWN_PER_CASE = 100


def folded(failures: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The failures a report shows: the first few of each kind, so that one defect failing
    hundreds of vectors cannot hide another; results.json keeps them all."""
    kept: dict[tuple[Any, ...], int] = {}
    shown = []
    for failure in failures:
        kind = (failure["vectors"], failure.get("check", ""), tuple(failure.get("flags", ())))
        if kept.get(kind, 0) < SHOWN_PER_KIND and len(shown) < SHOWN_PER_CASE:
            kept[kind] = kept.get(kind, 0) + 1
            shown.append(failure)
    return shown


def _case(item: Mapping[str, Any], m: Messages = _EN) -> CaseView:
    randomness, shown = read_randomness(item["verdict"], item["metrics"], m)
    performance, performance_shown = read_performance(item["metrics"], m)
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
            for f in folded(item["failures"])
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
