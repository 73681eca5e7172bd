"""A battery phase as a case: draw s samples from RANDOM, test them, judge every series.

Each series makes two checks, the pass count (6.2) and, where the phase
applies it, the uniformity of its Q-values (6.3); a failing one carries the
counts, the threshold and the failing samples as evidence. The metrics hold
what the report charts: per series its pass count, threshold, uniformity P
and a 10-bin histogram of P-values (see `metrics`).
"""

from __future__ import annotations

import csv
import dataclasses
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from certkit.checks import Checks, Probe
from certkit.device import Device
from certkit.randomness.battery import Battery
from certkit.randomness.decision import ALPHA_T, SeriesDecision, decide, false_alarm_rate

from .phases import BatteryPhase, Settings


class ShortAnswer(Exception):
    """RANDOM answered fewer or more bytes than asked."""

    def __init__(self, asked: int, got: int) -> None:
        super().__init__(f"asked {asked} bytes, got {got}")
        self.asked, self.got = asked, got


def draw(random: Callable[[int], bytes], total: int, unit: int, chunk: int,
         on_draw: Callable[[int], None]) -> Iterator[bytes]:
    """Yield `total` bytes of RANDOM in pieces of `unit` bytes, at most `chunk` per call."""
    left = total
    while left:
        want = min(unit, left)
        parts, have = [], 0
        while have < want:
            ask = min(chunk, want - have)
            got = random(ask)
            if len(got) != ask:
                raise ShortAnswer(ask, len(got))
            parts.append(got)
            have += ask
        left -= want
        on_draw(want)
        yield b"".join(parts)


def run_phase(phase: BatteryPhase, settings: Settings, device: Device, checks: Checks,
              label: str, csv_path: Path | None, first_sample: int = 0) -> np.ndarray:
    """Draw and test one sample set; return its (samples, series, 2) P- and Q-values.

    Rows go to `csv_path` as their batch finishes, so the raw values of a run
    cut short are kept too. Progress (samples drawn and tested) goes to `checks`.
    """
    battery = Battery(phase.series, phase.bits, workers=settings.workers, batch=settings.batch)
    sample_bytes = phase.bits // 8
    counts = {"drawn": 0, "tested": 0}

    def advance(kind: str, samples: int) -> None:
        counts[kind] += samples
        checks.progress(counts["tested"], phase.samples,
                        f"samples tested, {counts['drawn']} drawn{label}")

    chunks = draw(device.random, phase.samples * sample_bytes, battery.batch_bytes,
                  settings.chunk_bytes, lambda size: advance("drawn", size // sample_bytes))
    names = [s.name for s in phase.series]
    parts = []
    handle = csv_path.open("a", newline="", encoding="ascii") if csv_path else None
    try:
        writer = csv.writer(handle) if handle else None
        if writer is not None and handle is not None and handle.tell() == 0:
            writer.writerow(["sample", "series", "p", "q"])
        sample = first_sample
        for values in battery.run(chunks, lambda samples: advance("tested", samples)):
            parts.append(values)
            if writer is not None:
                for row in values:
                    writer.writerows((sample, name, repr(float(p)), repr(float(q)))
                                     for name, (p, q) in zip(names, row, strict=True))
                    sample += 1
    finally:
        if handle:
            handle.close()
    return np.concatenate(parts)


def _failing_text(decision: SeriesDecision, values: np.ndarray, column: int) -> str:
    shown = ", ".join(f"#{i} P={values[i, column, 0]:.6f}" for i in decision.failing_samples)
    more = decision.samples - decision.passed - len(decision.failing_samples)
    return shown + (f" and {more} more" if more > 0 else "")


def record(phase: BatteryPhase, decisions: list[SeriesDecision], values: np.ndarray,
           checks: Checks) -> None:
    """Make the checks and metrics of one judged sample set."""
    clause_62, clause_63 = "GM/T 0005-2021 6.2", "GM/T 0005-2021 6.3"
    for column, d in enumerate(decisions):
        probe = Probe(d.name, f"{phase.samples} samples of {phase.bits} bits; failing: "
                      f"{_failing_text(d, values, column) or 'none'}")
        checks.holds(probe, d.pass_count_ok,
                     f">= {d.min_pass} of {d.samples} samples with P >= {phase.alpha}",
                     f"{d.passed} of {d.samples}", f"pass count ({clause_62})")
        if d.uniformity_p is not None:
            checks.holds(Probe(d.name, f"Q-value counts in 10 bins: {list(d.q_histogram)}"),
                         d.uniformity_ok, f"uniformity P_T >= {ALPHA_T}",
                         f"P_T = {d.uniformity_p:.6g}", f"Q-value uniformity ({clause_63})")
        checks.metric(f"{d.name}.passed", d.passed)
        checks.metric(f"{d.name}.min_pass", d.min_pass)
        if d.uniformity_p is not None:
            checks.metric(f"{d.name}.uniformity_p", d.uniformity_p)
        for index, count in enumerate(d.p_histogram):
            checks.metric(f"{d.name}.p_hist.{index}", count)


def fitted_samples(phase: BatteryPhase, settings: Settings, device: Device,
                   checks: Checks) -> int:
    """How many samples the phase draws: all of them, or as many as its time budget allows
    at the rate one timed draw shows (recorded, so the report says it was scaled down)."""
    if phase.budget_s is None:
        return phase.samples
    probe = min(settings.chunk_bytes, phase.bits // 8)
    started = time.perf_counter()
    device.random(probe)
    rate = probe / max(time.perf_counter() - started, 1e-9)
    fitting = int(phase.budget_s * rate // (phase.bits // 8))
    if fitting >= phase.samples:
        return phase.samples
    chosen = max(1, fitting)
    checks.metric("samples_planned", phase.samples)
    checks.metric("draw_rate_bytes_s", rate)
    checks.metric("budget_s", phase.budget_s)
    return chosen


def run_case(phase: BatteryPhase, settings: Settings,
             csv_path: Callable[[], Path | None]) -> Callable[[Device, Checks], None]:
    """The case body for a phase: draw, test, judge, and draw again if the phase allows a retry."""

    def run(device: Device, checks: Checks) -> None:
        samples = fitted_samples(phase, settings, device, checks)
        _judge(dataclasses.replace(phase, samples=samples), settings, csv_path, device, checks)

    return run


def _judge(phase: BatteryPhase, settings: Settings, csv_path: Callable[[], Path | None],
           device: Device, checks: Checks) -> None:
    """Draw, test and judge one phase's sample set, drawing again if the phase allows."""
    path = csv_path()
    if path is not None and path.exists():
        path.unlink()  # a resumed run redoes the case; its raw values start afresh
    names = [s.name for s in phase.series]
    attempt = 0
    while True:
        label = "" if attempt == 0 else f" (retry {attempt})"
        try:
            values = run_phase(phase, settings, device, checks, label, path,
                               first_sample=attempt * phase.samples)
        except ShortAnswer as short:
            checks.equal(Probe("draw", "RANDOM must answer the length asked"),
                         short.asked, short.got, "random")
            return
        decisions = decide(names, values, alpha=phase.alpha, uniformity=phase.uniformity,
                           min_pass=phase.min_pass(phase.samples))
        failed = [d.name for d in decisions if not d.ok]
        checks.metric(f"attempt.{attempt + 1}.failed_series", len(failed))
        if not failed or attempt >= phase.retries:
            break
        attempt += 1
    checks.metric("attempts", attempt + 1)
    checks.metric("samples", phase.samples)
    checks.metric("bits", phase.bits)
    checks.metric("alpha", phase.alpha)
    checks.metric("series", len(decisions))
    checks.metric("series_failed", len(failed))
    # what the rule costs a perfect generator, stated next to the verdict in the report
    checks.metric("false_alarm_rate", false_alarm_rate(
        phase.samples, len(decisions), phase.min_pass(phase.samples), alpha=phase.alpha,
        uniformity=phase.uniformity, attempts=phase.retries + 1))
    if phase.family_alpha is not None:
        checks.metric("family_alpha", phase.family_alpha)
    record(phase, decisions, values, checks)
