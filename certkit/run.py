"""A run: the plan, the device, the results as they come; and its results.json document."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from certkit import __version__
from certkit.cases import Case
from certkit.device import DeviceInfo
from certkit.profiles import Profile
from certkit.results import CaseResult, Verdict, overall_verdict

RESULTS_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class LoadedPlugin:
    """A plugin recorded in every run: a stray package must not change a verdict unseen."""

    name: str
    module: str
    distribution: str
    version: str

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name, "module": self.module,
            "distribution": self.distribution, "version": self.version,
        }


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def host_description() -> dict[str, str]:
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
    }


@dataclass
class Run:
    """Everything known about one certification run; hooks receive it."""

    run_id: str
    out_dir: Path
    device_url: str  # with secret options redacted
    driver: str
    profile: Profile
    device_info: DeviceInfo
    capabilities: frozenset[str]
    plugins: list[LoadedPlugin]
    vectors_manifest_sha256: str
    started_at: str
    cases: list[Case]
    results: dict[str, CaseResult] = field(default_factory=dict)
    operation_timeout_s: float = 30.0
    sessions: list[dict[str, object]] = field(default_factory=list)
    stopped: str | None = None  # why the run ended early, if it did
    unrecognised_capabilities: tuple[str, ...] = ()
    # What the device cannot tell the report's cover (lab, operator, firmware image digest)
    # and the command line, secrets removed; given to `certkit run`, empty otherwise.
    certification: dict[str, Any] = field(default_factory=dict)
    # The command line's case filters (-k, --case): a filtered run is never a full one.
    selection: dict[str, Any] | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)  # the driver's, at the end

    @property
    def pending(self) -> list[Case]:
        return [case for case in self.cases if case.id not in self.results]

    @property
    def complete(self) -> bool:
        return not self.pending

    @property
    def coverage_shortfall(self) -> str | None:
        """Why the run evidences less than its profile certifies; None when it does not."""
        coverage = self.profile.coverage
        if coverage.capabilities and not self.capabilities & set(coverage.capabilities):
            return (f"the device offers none of the capabilities profile "
                    f"{self.profile.name!r} certifies ({', '.join(coverage.capabilities)})")
        applicable = sum(1 for result in self.results.values()
                         if result.verdict is not Verdict.NOT_APPLICABLE)
        if self.complete and applicable < coverage.min_applicable:
            return (f"{applicable} applicable case(s); profile {self.profile.name!r} "
                    f"certifies only with at least {coverage.min_applicable}")
        return None

    @property
    def verdict(self) -> Verdict:
        return overall_verdict(
            (result.verdict for result in self.results.values()), complete=self.complete,
            covered=self.coverage_shortfall is None,
        )

    def ordered_results(self) -> list[CaseResult]:
        """Results in plan order, whatever order sessions finished them in."""
        return [self.results[case.id] for case in self.cases if case.id in self.results]

    def document(self) -> dict[str, Any]:
        """The results.json document; reports are a pure function of it."""
        ordered = self.ordered_results()
        counts = {str(v): sum(1 for r in ordered if r.verdict is v) for v in Verdict}
        return {
            "schema_version": RESULTS_SCHEMA_VERSION,
            "certkit_version": __version__,
            "run_id": self.run_id,
            "verdict": str(self.verdict),
            "complete": self.complete,
            "stopped": self.stopped,
            "coverage_shortfall": self.coverage_shortfall,
            "selection": self.selection,
            "started_at": self.started_at,
            "ended_at": utc_now(),
            "sessions": self.sessions,
            "host": host_description(),
            "driver": {"scheme": self.driver, "url": self.device_url},
            "device": {
                "vendor": self.device_info.vendor,
                "model": self.device_info.model,
                "firmware": self.device_info.firmware,
                "serial": self.device_info.serial,
                "capabilities": sorted(self.capabilities),
                "unrecognised_capabilities": list(self.unrecognised_capabilities),
            },
            "profile": {
                "name": self.profile.name,
                "description": self.profile.description,
                "suites": list(self.profile.suites),
                "operation_timeout_s": self.operation_timeout_s,
                "timeout_per_mib_s": self.profile.timeout_per_mib_s,
                "coverage": {"capabilities": list(self.profile.coverage.capabilities),
                             "min_applicable": self.profile.coverage.min_applicable},
                "params": self.profile.params,
            },
            "vectors": {"manifest_sha256": self.vectors_manifest_sha256},
            "diagnostics": self.diagnostics,
            "certification": self.certification,
            "plugins": [plugin.to_dict() for plugin in self.plugins],
            "summary": {"planned": len(self.cases), "finished": len(ordered), **counts},
            "cases": [result.to_dict() for result in ordered],
            "not_run": [
                {"id": case.id, "title": case.title, "suite": case.suite,
                 "requires": sorted(case.requires), "clauses": list(case.clauses)}
                for case in self.pending
            ],
        }
