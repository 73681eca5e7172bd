"""The single-use check of GM/T 0062-2018 as a case: one short draw through the poker test."""

from __future__ import annotations

from collections.abc import Callable

from certkit.checks import Checks, Probe
from certkit.device import Device
from certkit.randomness import bits as bitseq
from certkit.randomness.frequency import poker

from .phases import SingleDrawPhase


def poker_m(bits: int) -> int:
    """The largest m of 8, 4, 2 with floor(n/m) >= 5 * 2^m (Trisia/randomness detect.go)."""
    for m in (8, 4, 2):
        if bits // m >= 5 * (1 << m):
            return m
    raise ValueError(f"{bits} bits are too few for the poker test")


def run_case(phase: SingleDrawPhase) -> Callable[[Device, Checks], None]:
    """Draw `bits` bits, poker-test them; a failing draw may be redrawn `retries` times."""
    m = phase.m or poker_m(phase.bits)

    def run(device: Device, checks: Checks) -> None:
        for attempt in range(1, phase.retries + 2):
            data = device.random(phase.bits // 8)
            if len(data) != phase.bits // 8:
                checks.equal(Probe("draw", "RANDOM must answer the length asked"),
                             phase.bits // 8, len(data), "random")
                return
            p = poker(bitseq.from_bytes(data), m).p
            checks.metric(f"attempt.{attempt}.p", p)
            if p >= phase.alpha:
                break
        checks.metric("attempts", attempt)
        checks.metric("m", m)
        checks.holds(Probe(f"draw-{attempt}", f"poker m={m} on {phase.bits} bits, draw "
                           f"{attempt} of at most {phase.retries + 1}", {"random": data}),
                     p >= phase.alpha, f"P >= {phase.alpha}", f"P = {p:.6f}",
                     "poker (GM/T 0062-2018 single-use check)")

    return run
