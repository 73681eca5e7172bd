"""Case results and the run's verdict: plain data, serialised to the journal and results.json."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any


class Verdict(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    NOT_APPLICABLE = "not-applicable"
    # A run's verdict only, never a case's: the run stopped early, or evidenced less than
    # its profile certifies (nothing applicable, none of the profile's algorithms).
    INCOMPLETE = "incomplete"


class ExitCode(enum.IntEnum):
    """certkit's exit status, the one place it is defined (DESIGN.md, "CLI")."""

    PASS = 0
    FAIL = 1
    ERROR = 2  # a case errored, or the run is incomplete (stopped early, coverage not met)
    USAGE = 3  # usage or configuration error; no verdict was reached


@dataclass(frozen=True)
class FailedCheck:
    """One check that did not hold, with what a reader needs to reproduce it."""

    vectors: str  # the vector file (relative to the vectors root) or "generated"
    tc_id: int | str
    comment: str
    expected: str
    got: str
    check: str = ""  # which operation of the vector failed, e.g. "decrypt"
    result: str = ""  # the vector's own verdict: valid, invalid or acceptable
    clause: str = ""  # what the check enforces: a standard's clause or an interface's rule
    flags: tuple[str, ...] = ()
    inputs: dict[str, str] = field(default_factory=dict)  # hex, possibly shortened

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["flags"] = list(self.flags)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FailedCheck:
        return cls(**{**data, "flags": tuple(data.get("flags", ()))})


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case against one device."""

    id: str
    title: str
    suite: str
    verdict: Verdict
    requires: tuple[str, ...]
    clauses: tuple[str, ...]
    checks: int = 0
    failed: int = 0
    failures: tuple[FailedCheck, ...] = ()  # the first few of `failed`, capped
    missing: tuple[str, ...] = ()  # capabilities the device lacks (not-applicable)
    error: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    duration_s: float = 0.0
    evidence: dict[str, Any] | None = None  # e.g. a wire trace excerpt of a failing case
    # the raw values behind some metrics (a performance series' rate per repetition), for
    # the statistics `certkit compare` runs
    samples: dict[str, list[float]] = field(default_factory=dict)
    # what the device did with each `acceptable` vector (either answer passes): shown, not judged
    acceptable: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "suite": self.suite,
            "verdict": str(self.verdict),
            "requires": list(self.requires),
            "clauses": list(self.clauses),
            "checks": self.checks,
            "failed": self.failed,
            "failures": [failure.to_dict() for failure in self.failures],
            "missing": list(self.missing),
            "error": self.error,
            "metrics": dict(self.metrics),
            "duration_s": round(self.duration_s, 6),
            "evidence": self.evidence,
            "samples": {name: list(values) for name, values in self.samples.items()},
            "acceptable": [dict(item) for item in self.acceptable],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseResult:
        return cls(
            id=data["id"],
            title=data["title"],
            suite=data["suite"],
            verdict=Verdict(data["verdict"]),
            requires=tuple(data["requires"]),
            clauses=tuple(data["clauses"]),
            checks=data["checks"],
            failed=data["failed"],
            failures=tuple(FailedCheck.from_dict(item) for item in data["failures"]),
            missing=tuple(data["missing"]),
            error=data["error"],
            metrics=dict(data["metrics"]),
            duration_s=data["duration_s"],
            evidence=data.get("evidence"),
            samples={name: list(values) for name, values in data.get("samples", {}).items()},
            acceptable=tuple(dict(item) for item in data.get("acceptable", ())),
        )


def overall_verdict(verdicts: Iterable[Verdict], *, complete: bool,
                    covered: bool = True) -> Verdict:
    """Combine case verdicts: fail beats error beats incomplete beats pass.

    A refinement of DESIGN.md's rule towards caution: a run that stopped early,
    passed nothing, or evidenced less than its profile certifies (`covered`) is
    `incomplete`, since "not applicable" is never "passed".
    """
    seen = set(verdicts)
    if Verdict.FAIL in seen:
        return Verdict.FAIL
    if Verdict.ERROR in seen:
        return Verdict.ERROR
    if not complete or not covered or Verdict.PASS not in seen:
        return Verdict.INCOMPLETE
    return Verdict.PASS


def exit_code_for(verdict: Verdict) -> ExitCode:
    return {Verdict.PASS: ExitCode.PASS, Verdict.FAIL: ExitCode.FAIL}.get(verdict, ExitCode.ERROR)
