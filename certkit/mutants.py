"""The mutant sweep: run a profile against the clean emulator and against every catalogued
fault, and show which cases caught each one.

A harness is worth the defects it catches: every fault must make its
catalogued cases fail (and nothing else), and the clean module must pass.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from certkit.drivers.emulator.faults import Fault, verdict_faults
from certkit.results import Verdict
from certkit.runner import execute, finish, start


@dataclass(frozen=True)
class Detection:
    fault: str  # "" for the clean module
    failing: tuple[str, ...]  # cases that failed or errored
    expected: tuple[str, ...]

    @property
    def detected(self) -> bool:
        return bool(self.failing)

    @property
    def exact(self) -> bool:
        """The failing cases are exactly the catalogued ones."""
        return set(self.failing) == set(self.expected)


def _failing(device_url: str, profile: str, out: Path) -> tuple[str, ...]:
    session = start(device_url, profile, out)
    execute(session)
    finish(session)
    return tuple(sorted(case_id for case_id, result in session.run.results.items()
                        if result.verdict in (Verdict.FAIL, Verdict.ERROR)))


def sweep(profile: str, faults: Iterable[Fault], device_url: Callable[[str], str],
          out_dir: Path | None = None, progress: Callable[[Detection], None] = print
          ) -> list[Detection]:
    """Run `profile` clean and once per fault; `device_url(fault)` names the device."""
    detections = []
    with tempfile.TemporaryDirectory(prefix="certkit-mutants-") as scratch:
        base = out_dir or Path(scratch)
        for fault in [None, *faults]:
            name = fault.name if fault else ""
            failing = _failing(device_url(name), profile, base / (name or "clean"))
            detection = Detection(name, failing, fault.caught_by if fault else ())
            progress(detection)
            detections.append(detection)
    return detections


def emulator_url(fault: str) -> str:
    return f"emulator:?fault={fault}" if fault else "emulator:"


def all_faults() -> list[Fault]:
    """The faults a verdict must catch; performance faults belong to `certkit compare`."""
    return verdict_faults()


def table(detections: list[Detection]) -> str:
    """Plain-text detection table: fault, verdict of the sweep, failing cases."""
    rows = [("fault", "result", "failing cases")]
    for detection in detections:
        if not detection.fault:
            result = "clean: pass" if not detection.failing else "clean: FAILS"
        elif not detection.detected:
            result = "MISSED"
        else:
            result = "detected" if detection.exact else "detected (not as catalogued)"
        rows.append((detection.fault or "(none)", result, ", ".join(detection.failing) or "-"))
    width = [max(len(row[i]) for row in rows) for i in range(2)]
    return "\n".join(f"{row[0]:<{width[0]}}  {row[1]:<{width[1]}}  {row[2]}" for row in rows)


def sweep_passed(detections: list[Detection]) -> bool:
    clean = [d for d in detections if not d.fault]
    return all(not d.failing for d in clean) and all(
        d.detected and d.exact for d in detections if d.fault)
