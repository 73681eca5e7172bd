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
from certkit.drivers.serial.spawn import EmulatorProcess
from certkit.results import Verdict
from certkit.runner import execute, finish, start


@dataclass(frozen=True)
class Detection:
    fault: str  # "" for the clean module
    failing: tuple[str, ...]  # cases that failed or errored
    expected: tuple[str, ...]
    not_applicable: tuple[str, ...] = ()  # of the expected cases, those this device lacks

    @property
    def detected(self) -> bool:
        return bool(self.failing)

    @property
    def unobservable(self) -> bool:
        """Every case that would catch the fault is not applicable to this device (the serial
        protocol has no SM4-CCM, say): the sweep can say nothing about it, and says so."""
        return bool(self.expected) and set(self.expected) <= set(self.not_applicable)

    @property
    def exact(self) -> bool:
        """The failing cases are exactly the catalogued ones that apply to this device."""
        return set(self.failing) == set(self.expected) - set(self.not_applicable)


class SerialEmulators:
    """Device URLs for the sweep over the wire: a fresh serial emulator on a pty per fault."""

    def __init__(self) -> None:
        self._running: EmulatorProcess | None = None

    def __call__(self, fault: str) -> str:
        self.stop()
        args = ["--pty", "--test-hooks", *(["--fault", fault] if fault else [])]
        self._running = EmulatorProcess(*args)
        return self._running.url

    def stop(self) -> None:
        if self._running is not None:
            self._running.stop()
            self._running = None


def _outcome(device_url: str, profile: str, out: Path) -> tuple[tuple[str, ...], set[str]]:
    """(cases that failed or errored, cases this run cannot speak for: not applicable, or
    not in the profile at all, as the randomness phases are not in `smoke`)."""
    session = start(device_url, profile, out)
    execute(session)
    finish(session)
    results = session.run.results.items()
    failing = tuple(sorted(case_id for case_id, result in results
                           if result.verdict in (Verdict.FAIL, Verdict.ERROR)))
    planned = {case.id for case in session.run.cases}
    return failing, {case_id for case_id, r in results if r.verdict is Verdict.NOT_APPLICABLE
                     } | {case_id for fault in all_faults() for case_id in fault.caught_by
                          if case_id not in planned}


def sweep(profile: str, faults: Iterable[Fault], device_url: Callable[[str], str],
          out_dir: Path | None = None, progress: Callable[[Detection], None] = print
          ) -> list[Detection]:
    """Run `profile` clean and once per fault; `device_url(fault)` names the device."""
    detections = []
    with tempfile.TemporaryDirectory(prefix="certkit-mutants-") as scratch:
        base = out_dir or Path(scratch)
        for fault in [None, *faults]:
            name = fault.name if fault else ""
            failing, absent = _outcome(device_url(name), profile, base / (name or "clean"))
            expected = fault.caught_by if fault else ()
            detection = Detection(name, failing, expected,
                                  tuple(case for case in expected if case in absent))
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
        elif detection.unobservable and not detection.failing:
            result = "not observable (its cases are not applicable or not in this profile)"
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
        (d.detected or d.unobservable) and d.exact for d in detections if d.fault)
