"""The performance section of a report: each series' rate, spread, latencies and declared
figure, read from the metric names of `certkit.suites.performance.scheme`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from certkit.suites.performance.scheme import (
    UNIT_LABELS,
    is_performance_metric,
    series_figures,
    sweep_limits,
)

from .messages import DEFAULT_LANGUAGE, Messages, messages
from .numbers import as_count, as_real, format_number, round_figure, size_label

_EN = messages(DEFAULT_LANGUAGE)


@dataclass(frozen=True)
class RateView:
    """One series of a performance case: its rate, spread, latencies and any declared figure."""

    series: str  # "SM4-CBC.encrypt.4096"
    subject: str
    operation: str
    size: int | None  # payload bytes per call; None for an operation rate
    unit: str  # "MB/s" or "ops/s"
    median: float
    p25: float
    p75: float
    latency_us: tuple[tuple[str, float], ...]  # ("p50", microseconds), ...
    calls: int | None
    declared: float | None
    m: Messages = field(default=_EN, compare=False, repr=False)

    @property
    def declared_met(self) -> bool | None:
        return None if self.declared is None else self.median >= self.declared

    @property
    def size_text(self) -> str:
        return "-" if self.size is None else size_label(self.size)

    @property
    def rate_text(self) -> str:
        """"131.2 (129.8-132.0)": median and quartiles over repetitions."""
        return (f"{format_number(round_figure(self.median))} ("
                f"{format_number(round_figure(self.p25))}-{format_number(round_figure(self.p75))})")

    @property
    def latency_text(self) -> str:
        """"31.2 / 31.7 / 42.9": p50 / p95 / p99 in microseconds."""
        if not self.latency_us:
            return self.m("randomness.not_recorded")
        return " / ".join(format_number(round_figure(value)) for _, value in self.latency_us)

    @property
    def declared_text(self) -> str:
        if self.declared is None:
            return "-"
        verdict = self.m("performance.met" if self.declared_met else "performance.not_met")
        return self.m("performance.declared_text",
                      value=format_number(round_figure(self.declared)), met=verdict)


@dataclass(frozen=True)
class PerformanceView:
    """A performance case's figures, series by series, and where its payload sweeps ended."""

    rates: tuple[RateView, ...]
    limits: tuple[str, ...]  # "SM4-CBC encrypt: refused 65536 bytes", ...
    repetitions: int | None
    host_cpu_wait: float | None  # share of the timing spent waiting for a CPU
    m: Messages = field(default=_EN, compare=False, repr=False)

    @property
    def payload_rates(self) -> tuple[RateView, ...]:
        return tuple(rate for rate in self.rates if rate.size is not None)

    @property
    def operation_rates(self) -> tuple[RateView, ...]:
        return tuple(rate for rate in self.rates if rate.size is None)

    @property
    def operations(self) -> tuple[tuple[str, tuple[RateView, ...]], ...]:
        """Payload series by operation ("SM4-CBC encrypt"), sizes ascending."""
        groups: dict[str, list[RateView]] = {}
        for rate in self.payload_rates:
            groups.setdefault(f"{rate.subject} {rate.operation}", []).append(rate)
        return tuple((name, tuple(rates)) for name, rates in groups.items())

    @property
    def declared(self) -> tuple[RateView, ...]:
        return tuple(rate for rate in self.rates if rate.declared is not None)

    @property
    def repetitions_text(self) -> str:
        return (self.m("randomness.not_recorded") if self.repetitions is None
                else str(self.repetitions))

    @property
    def cpu_wait_text(self) -> str:
        if self.host_cpu_wait is None:
            return self.m("randomness.not_recorded")
        return self.m("performance.cpu_percent", value=f"{self.host_cpu_wait * 100:.1f}")


def read_performance(metrics: Mapping[str, Any],
                 m: Messages = _EN) -> tuple[PerformanceView | None, frozenset[str]]:
    """The performance view of a case's metrics (`certkit.suites.performance.scheme`), and
    the metric keys it shows; None when no series has a complete rate."""
    rates = tuple(
        RateView(
            m=m,
            series=str(figure.name), subject=figure.name.subject,
            operation=figure.name.operation, size=figure.name.size,
            unit=UNIT_LABELS[figure.quantity], median=figure.median, p25=figure.p25, p75=figure.p75,
            latency_us=tuple(figure.latency_us.items()),
            calls=None if figure.calls is None else int(figure.calls), declared=figure.declared,
        )
        for figure in series_figures(metrics)
    )
    if not rates:
        return None, frozenset()
    limits = []
    for (subject, operation), found in sorted(sweep_limits(metrics).items()):
        if "refused_bytes" in found:
            limits.append(m("performance.refused", subject=subject, operation=operation,
                            size=size_label(found["refused_bytes"])))
        if "skipped_bytes" in found:
            limits.append(m("performance.skipped", subject=subject, operation=operation,
                            size=size_label(found["skipped_bytes"])))
    view = PerformanceView(m=m, rates=rates, limits=tuple(limits),
                           repetitions=as_count(metrics.get("repetitions")),
                           host_cpu_wait=as_real(metrics.get("host.cpu_wait")))
    return view, frozenset(key for key in metrics if is_performance_metric(key))
