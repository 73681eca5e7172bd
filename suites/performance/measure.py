"""Timing device operations: warm-up, calibrated repetitions, interleaved rounds.

Each series is one operation called again and again. A repetition is a
batch of calls lasting about `repetition_s`, timed call by call; its rate
is the batch's work over the sum of its call times. Repetitions of all the
series of a case run in interleaved rounds (one repetition of each series
per round, the starting series rotating), so a burst of load from another
process on the host costs a few repetitions of every series instead of
most repetitions of one. And where the kernel tells (Linux), a repetition
during which certkit's thread waited for a CPU is done again later (up to
twice `repetitions` times per series): the figures are the device's, not the
scheduler's. What remains of the host's noise shows in the quartiles, and
in the count of repetitions that had to count although disturbed.
"""

from __future__ import annotations

import gc
import hashlib
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy

from .scheme import LATENCY_PERCENTILES, SeriesName

MAX_CALLS_PER_REPETITION = 100_000
# A repetition during which the thread waited for a CPU longer than this share
# of its time is done again, up to REDO_LIMIT times `repetitions` per series;
# past that it counts, and is counted as disturbed.
DISTURBED_WAIT_FRACTION = 0.05
REDO_LIMIT = 2


@dataclass(frozen=True)
class Timing:
    """How long and how often to measure; from the profile's `[params.performance]`."""

    repetitions: int = 21
    warmup_s: float = 0.05  # per series, before its first repetition
    repetition_s: float = 0.002  # a repetition batches calls until it lasts about this long
    size_budget_s: float = 2.0  # a payload size predicted to take longer is not measured


@dataclass
class Series:
    """One operation to time: `call` does it once; `after` tidies up its answer, untimed."""

    name: SeriesName
    call: Callable[[], Any]
    after: Callable[[Any], None] | None = None
    calls_per_repetition: int = 1
    seconds_per_call: float = 0.0  # the warm-up's estimate
    rates: list[float] = field(default_factory=list)  # one per repetition
    redone: int = 0  # repetitions done again because the host kept the CPU from them
    disturbed: int = 0  # repetitions counted although the host kept the CPU from them
    waited: float = 0.0  # seconds the thread waited for a CPU while timing this series
    wall: float = 0.0  # seconds spent timing this series, repetitions done again included
    durations: list[float] = field(default_factory=list)  # seconds, one per timed call

    @property
    def work_per_call(self) -> float:
        """Megabytes for a payload series, one operation for an operation series."""
        return 1.0 if self.name.size is None else self.name.size / 1e6

    def run_calls(self, count: int) -> float:
        """Make `count` timed calls; return the sum of their durations."""
        clock, call, after, durations = time.perf_counter, self.call, self.after, self.durations
        total = 0.0
        for _ in range(count):
            started = clock()
            answer = call()
            elapsed = clock() - started
            if after is not None:
                after(answer)
            durations.append(elapsed)
            total += elapsed
        return total


# The host's own speed, measured in the same interleaved rounds as the device's series: a
# fixed CPU-bound task (SHA-256 of 64 KiB, in OpenSSL). `certkit compare` reads its change
# between two runs as the host's drift, so that a busy or slower host is not taken for a
# slower device.
HOST_REFERENCE = SeriesName("HOST", "reference", 65536)
HOST_REFERENCE_SAMPLES = "host.reference"


def host_reference_series() -> Series:
    block = bytes(HOST_REFERENCE.size or 0)
    return Series(HOST_REFERENCE, lambda: hashlib.sha256(block).digest())


def warm_up(series: Series, timing: Timing) -> None:
    """Call until `warmup_s` has passed (at least twice), then size the repetitions."""
    series.run_calls(1)
    while sum(series.durations) < timing.warmup_s or len(series.durations) < 2:
        series.run_calls(1)
    # The quickest call of the settled half: the host's interruptions only ever add time,
    # and repetitions sized on an interrupted call would be too short to time well.
    series.seconds_per_call = max(min(series.durations[len(series.durations) // 2:]), 1e-9)
    series.calls_per_repetition = max(1, min(MAX_CALLS_PER_REPETITION,
                                             round(timing.repetition_s / series.seconds_per_call)))
    series.durations.clear()


def predicted_seconds(seconds_per_call: float, timing: Timing) -> float:
    """How long measuring a series whose calls take this long will take, warm-up included."""
    per_repetition = max(seconds_per_call, timing.repetition_s)
    return timing.repetitions * per_repetition + max(timing.warmup_s, 2 * seconds_per_call)


class RunQueueClock:
    """How long this thread has waited, runnable, for a CPU (Linux schedstat), in seconds.

    A repetition during which the thread waited is the host's noise, not the
    device's; where the kernel does not say (not Linux), nothing is known
    and every repetition counts.
    """

    PATH = "/proc/thread-self/schedstat"

    def __init__(self) -> None:
        try:
            self._fd: int | None = os.open(self.PATH, os.O_RDONLY)
        except OSError:
            self._fd = None

    @classmethod
    def available(cls) -> bool:
        return os.path.exists(cls.PATH)

    def waited(self) -> float:
        if self._fd is None:
            return 0.0
        return int(os.pread(self._fd, 128, 0).split()[1]) / 1e9

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _repetition(series: Series, clock: RunQueueClock, timing: Timing) -> None:
    """One repetition; done again later when the host kept the CPU from it."""
    kept = len(series.durations)
    waited, started = clock.waited(), time.perf_counter()
    seconds = series.run_calls(series.calls_per_repetition)
    wall = time.perf_counter() - started
    wait = clock.waited() - waited
    series.waited += wait
    series.wall += wall
    if wait > DISTURBED_WAIT_FRACTION * wall:
        if series.redone < REDO_LIMIT * timing.repetitions:
            series.redone += 1
            del series.durations[kept:]
            return
        series.disturbed += 1
    series.rates.append(series.calls_per_repetition * series.work_per_call / max(seconds, 1e-12))


def measure(series_list: list[Series], timing: Timing) -> None:
    """Time every series in interleaved rounds until each has `timing.repetitions`."""
    clock = RunQueueClock()
    collect_garbage = gc.isenabled()
    gc.disable()  # a collection inside a timed call is the host's noise, not the device's
    try:
        round_number = 0
        while pending := [s for s in series_list if len(s.rates) < timing.repetitions]:
            start = round_number % len(pending)
            for series in pending[start:] + pending[:start]:
                _repetition(series, clock, timing)
            round_number += 1
            if collect_garbage:
                gc.collect(0)  # between rounds, outside every timed call
    finally:
        clock.close()
        if collect_garbage:
            gc.enable()


@dataclass(frozen=True)
class Summary:
    """A series' figures: rate quartiles over repetitions, latency percentiles over calls."""

    median: float
    p25: float
    p75: float
    slowest: float
    latency_us: dict[int, float]
    calls: int
    repetitions: int


def summarise(series: Series) -> Summary:
    rates = numpy.asarray(series.rates, dtype=float)
    p25, median, p75 = (float(v) for v in numpy.percentile(rates, [25, 50, 75]))
    durations = numpy.asarray(series.durations, dtype=float) * 1e6
    latency = {p: float(v) for p, v in zip(
        LATENCY_PERCENTILES, numpy.percentile(durations, LATENCY_PERCENTILES), strict=True)}
    return Summary(median=median, p25=p25, p75=p75, slowest=float(rates.min()), latency_us=latency,
                   calls=len(series.durations), repetitions=len(series.rates))


def positive(summary: Summary) -> bool:
    """A rate was measured: every figure a finite number, the slowest repetition above zero."""
    figures = (summary.median, summary.p25, summary.p75, *summary.latency_us.values())
    return summary.repetitions > 0 and summary.slowest > 0 and all(map(math.isfinite, figures))
