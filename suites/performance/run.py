"""Running one performance case: sweep the sizes, time the series, record and judge the figures."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from certkit.cases import Case
from certkit.checks import Checks, Probe
from certkit.device import Device
from certkit.errors import Refusal

from .measure import (
    HOST_REFERENCE_SAMPLES,
    RunQueueClock,
    Series,
    Summary,
    Timing,
    host_reference_series,
    measure,
    positive,
    predicted_seconds,
    summarise,
    warm_up,
)
from .operations import CaseSpec, Operation, Prepared
from .scheme import DECLARED, LATENCY_US, UNIT_LABELS, SeriesName
from .settings import Declared, Settings

EVIDENCE = "measured"  # the "vector file" of a performance check's failure record


@dataclass
class _Sweep:
    """What became of one operation's payload sizes."""

    largest: int | None = None
    refused: int | None = None  # the first size the device refused
    skipped: int | None = None  # the first size left out as over the time budget


def _probe(name: SeriesName, what: str, detail: str = "") -> Probe:
    size = "" if name.size is None else f" of {name.size} bytes"
    return Probe(tc_id=str(name), comment=f"{what}{size}{detail}", vectors=EVIDENCE)


def _prepare_series(device: Device, operation: Operation, sizes: tuple[int, ...] | tuple[None],
                    timing: Timing, checks: Checks, closers: list[Callable[[], None]]
                    ) -> tuple[list[Series], _Sweep]:
    """Check one answer at each size, warm up, and drop sizes the device or the budget rule out.

    A size is left out, and every larger one with it, when one call of it is
    predicted (linearly from the last size) or found to overrun the budget by
    itself, or when its warm-up shows that measuring it would; the smallest
    size is always measured.
    """
    sweep = _Sweep()
    ready: list[Series] = []
    previous: tuple[int, float] | None = None  # (size, seconds per call)
    for size in sizes:
        name = SeriesName(operation.subject, operation.operation, size)
        if previous is not None and size is not None \
                and previous[1] * size / previous[0] > timing.size_budget_s:
            sweep.skipped = size
            break
        try:
            prepared: Prepared = operation.prepare(device, size)
            if prepared.close is not None:
                closers.append(prepared.close)
            started = time.perf_counter()
            answer = prepared.call()
            first_call_s = time.perf_counter() - started
        except Refusal as refusal:
            if ready:  # a larger payload than the device takes: the sweep ends here
                sweep.refused = size
                break
            checks.holds(_probe(name, operation.what), False, "an answer",
                         f"{type(refusal).__name__}: {refusal}", "refused")
            return ready, sweep
        ok, expected, got = prepared.check(answer)
        if prepared.after is not None:
            prepared.after(answer)
        if not checks.holds(_probe(name, operation.what), ok, expected, got, "answer"):
            return ready, sweep
        if ready and first_call_s > timing.size_budget_s:
            sweep.skipped = size
            break
        series = Series(name, prepared.call, prepared.after)
        warm_up(series, timing)
        if ready and predicted_seconds(series.seconds_per_call, timing) > timing.size_budget_s:
            sweep.skipped = size
            break
        ready.append(series)
        sweep.largest = size
        if size is not None:
            previous = (size, series.seconds_per_call)
    return ready, sweep


def _record(checks: Checks, series: Series, summary: Summary, what: str) -> None:
    name = series.name
    quantity = name.rate_quantity
    checks.metric(name.metric(quantity, "median"), summary.median)
    checks.metric(name.metric(quantity, "p25"), summary.p25)
    checks.metric(name.metric(quantity, "p75"), summary.p75)
    for percentile, value in summary.latency_us.items():
        checks.metric(name.metric(LATENCY_US, f"p{percentile}"), value)
    checks.metric(name.calls_metric, float(summary.calls))
    checks.metric(name.redone_metric, float(series.redone))
    checks.metric(name.disturbed_metric, float(series.disturbed))
    checks.holds(_probe(name, what), positive(summary),
                 f"a positive rate in each of {summary.repetitions} repetitions",
                 f"{summary.repetitions} repetitions, slowest {summary.slowest:.6g} "
                 f"{UNIT_LABELS[quantity]}",
                 "rate")


def _judge_declared(checks: Checks, figure: Declared, summaries: dict[SeriesName, Summary],
                    sweeps: dict[tuple[str, str], _Sweep], what: str) -> None:
    name, quantity = figure.series, figure.quantity
    unit = UNIT_LABELS[quantity]
    checks.metric(name.metric(quantity, DECLARED), figure.minimum)
    expected = f"at least {figure.minimum:.6g} {unit} (declared: {figure.stated})"
    summary = summaries.get(name)
    if summary is None:
        sweep = sweeps.get((name.subject, name.operation), _Sweep())
        if sweep.refused is not None and name.size is not None and name.size >= sweep.refused:
            got = f"not measured: the device refused {sweep.refused} bytes"
        elif sweep.skipped is not None and name.size is not None and name.size >= sweep.skipped:
            got = f"not measured: {sweep.skipped} bytes and more are over the time budget"
        else:
            got = "not measured: the operation was refused or answered wrongly (see above)"
        checks.holds(_probe(name, what, ", declared"), False, expected, got, "declared")
        return
    got = (f"{summary.median:.6g} {unit} (median of {summary.repetitions} repetitions; "
           f"quartiles {summary.p25:.6g} to {summary.p75:.6g})")
    checks.holds(_probe(name, what, ", declared"), summary.median >= figure.minimum, expected,
                 got, "declared")


def bind(spec: CaseSpec, settings: Settings) -> Case:
    """The runnable case: the spec's operations at the profile's sizes and timing."""
    declared = tuple(figure for figure in settings.declared
                     if any(figure.series.subject == op.subject
                            and figure.series.operation == op.operation
                            for op in spec.operations))
    timing = settings.timing

    def sizes_of(operation: Operation) -> tuple[int, ...] | tuple[None]:
        if not operation.sized:
            return (None,)
        extra = {figure.series.size for figure in declared
                 if figure.series.subject == operation.subject
                 and figure.series.operation == operation.operation}
        return tuple(sorted(set(settings.sizes) | {size for size in extra if size is not None}))

    def run(device: Device, checks: Checks) -> None:
        closers: list[Callable[[], None]] = []
        whats = {(op.subject, op.operation): op.what for op in spec.operations}
        try:
            planned: list[Series] = []
            sweeps: dict[tuple[str, str], _Sweep] = {}
            for operation in spec.operations:
                ready, sweeps[(operation.subject, operation.operation)] = _prepare_series(
                    device, operation, sizes_of(operation), timing, checks, closers)
                planned += ready
            reference = host_reference_series()
            warm_up(reference, timing)
            measure([*planned, reference], timing)
        finally:
            for close in closers:
                close()
        summaries = {series.name: summarise(series) for series in planned}
        for series in planned:
            _record(checks, series, summaries[series.name],
                    whats[(series.name.subject, series.name.operation)])
            checks.sample(str(series.name), series.rates)
        checks.sample(HOST_REFERENCE_SAMPLES, reference.rates)
        checks.metric("host.reference_mb_s", summarise(reference).median)
        for (subject, operation), sweep in sweeps.items():
            for label, size in (("largest_bytes", sweep.largest), ("refused_bytes", sweep.refused),
                                ("skipped_bytes", sweep.skipped)):
                if size is not None:
                    checks.metric(f"{subject}.{operation}.{label}", float(size))
        for figure in declared:
            _judge_declared(checks, figure, summaries, sweeps,
                            whats[(figure.series.subject, figure.series.operation)])
        checks.metric("repetitions", float(timing.repetitions))
        checks.metric("warmup_s", timing.warmup_s)
        checks.metric("repetition_s", timing.repetition_s)
        checks.metric("threads", 1.0)
        checks.metric("host.cpus", float(os.cpu_count() or 0))
        checks.metric("host.load_1m", os.getloadavg()[0])
        wall = sum(series.wall for series in planned)
        if RunQueueClock.available() and wall > 0:
            checks.metric("host.cpu_wait", sum(series.waited for series in planned) / wall)

    return Case(spec.id, spec.title, "performance", spec.requires, (), run)
