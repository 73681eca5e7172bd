"""The performance metric names: built here by the suite, parsed here by compare and reports.

A metric name is `<series>.<quantity>.<statistic>`, where a series is one
operation of one algorithm, at one payload size when the operation takes a
payload:

    <subject>.<operation>[.<bytes>]      SM4-CBC.encrypt.4096, SM2.sign

See the suite's docstring (`certkit.suites.performance`) for the full list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

# Quantities: a rate (higher is better) or a latency (lower is better).
MB_S = "mb_s"  # 10^6 bytes per second
OPS_S = "ops_s"  # operations per second
LATENCY_US = "latency_us"  # microseconds per call
UNIT_LABELS = {MB_S: "MB/s", OPS_S: "ops/s", LATENCY_US: "us"}

RATE_STATISTICS = ("median", "p25", "p75")
LATENCY_PERCENTILES = (50, 95, 99)
DECLARED = "declared"  # a rate's statistic slot for the figure the vendor declares
# Operations in the order a reader expects them (then any other, alphabetically).
OPERATION_ORDER = ("encrypt", "decrypt", "digest", "mac", "keystream", "generate", "sign",
                   "verify")

_SERIES = r"(?P<subject>[A-Z0-9][A-Z0-9-]*)\.(?P<operation>[a-z]+)(?:\.(?P<size>\d+))?"
SERIES_PATTERN = re.compile(_SERIES)
_METRIC = re.compile(
    _SERIES + r"\.(?P<quantity>mb_s|ops_s|latency_us)\.(?P<statistic>median|p\d+|declared)"
)
_PER_SERIES = re.compile(_SERIES + r"\.(?P<count>calls|redone|disturbed)")


@dataclass(frozen=True, order=True)
class SeriesName:
    """One measured operation: `SM4-CBC.encrypt.4096` or `SM2.sign`."""

    subject: str
    operation: str
    size: int | None = None  # payload bytes per call; None for an operation rate

    def __str__(self) -> str:
        base = f"{self.subject}.{self.operation}"
        return base if self.size is None else f"{base}.{self.size}"

    @property
    def rate_quantity(self) -> str:
        return OPS_S if self.size is None else MB_S

    def metric(self, quantity: str, statistic: str) -> str:
        return f"{self}.{quantity}.{statistic}"

    @property
    def calls_metric(self) -> str:
        return f"{self}.calls"

    @property
    def redone_metric(self) -> str:
        return f"{self}.redone"

    @property
    def disturbed_metric(self) -> str:
        return f"{self}.disturbed"

    @property
    def sort_key(self) -> tuple[str, int, str, int]:
        order = OPERATION_ORDER.index(self.operation) if self.operation in OPERATION_ORDER \
            else len(OPERATION_ORDER)
        return (self.subject, order, self.operation, -1 if self.size is None else self.size)


def parse_series(text: str) -> SeriesName | None:
    """The series a name like `SM4-CBC.encrypt.4096` names, or None."""
    match = SERIES_PATTERN.fullmatch(text)
    return None if match is None else _series(match)


def _series(match: re.Match[str]) -> SeriesName:
    size = match.group("size")
    return SeriesName(match.group("subject"), match.group("operation"),
                      None if size is None else int(size))


@dataclass(frozen=True)
class SeriesFigures:
    """What one case recorded of one series: its rate, spread, latencies and any declaration."""

    name: SeriesName
    quantity: str  # MB_S or OPS_S
    median: float
    p25: float
    p75: float
    latency_us: Mapping[str, float]  # "p50", "p95", "p99" -> microseconds, those recorded
    calls: float | None
    declared: float | None
    disturbed: float | None = None  # repetitions counted although the host disturbed them
    repetitions: float | None = None  # the case's repetitions per series

    @property
    def disturbed_fraction(self) -> float:
        """The share of the repetitions the host disturbed (0 when not recorded)."""
        if not self.disturbed or not self.repetitions:
            return 0.0
        return self.disturbed / self.repetitions



def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def series_figures(metrics: Mapping[str, object]) -> Iterator[SeriesFigures]:
    """Every series with a complete rate (median and quartiles) in a case's metrics, sorted.

    A series whose figures are incomplete or not numbers is left out, so a
    hand-edited or truncated results.json cannot make a reader compare
    figures that were never measured.
    """
    found: dict[tuple[SeriesName, str], dict[str, float]] = {}
    latencies: dict[SeriesName, dict[str, float]] = {}
    counts: dict[tuple[SeriesName, str], float] = {}
    for key, value in metrics.items():
        number = _number(value)
        if number is None:
            continue
        if match := _METRIC.fullmatch(key):
            name, quantity = _series(match), match.group("quantity")
            if quantity == LATENCY_US:
                latencies.setdefault(name, {})[match.group("statistic")] = number
            else:
                found.setdefault((name, quantity), {})[match.group("statistic")] = number
        elif match := _PER_SERIES.fullmatch(key):
            counts[(_series(match), match.group("count"))] = number
    for (name, quantity), stats in sorted(found.items(), key=lambda item: item[0][0].sort_key):
        if not all(statistic in stats for statistic in RATE_STATISTICS):
            continue
        yield SeriesFigures(
            name=name, quantity=quantity, median=stats["median"], p25=stats["p25"],
            p75=stats["p75"], latency_us=dict(sorted(latencies.get(name, {}).items(),
                                                     key=lambda item: int(item[0][1:]))),
            calls=counts.get((name, "calls")), declared=stats.get(DECLARED),
            disturbed=counts.get((name, "disturbed")),
            repetitions=_number(metrics.get("repetitions")),
        )


SWEEP_LIMITS = ("largest_bytes", "refused_bytes", "skipped_bytes")
_LIMIT = re.compile(r"(?P<subject>[A-Z0-9][A-Z0-9-]*)\.(?P<operation>[a-z]+)\."
                    r"(?P<limit>largest_bytes|refused_bytes|skipped_bytes)")


def sweep_limits(metrics: Mapping[str, object]) -> dict[tuple[str, str], dict[str, int]]:
    """Where each payload sweep ended: (subject, operation) -> {"refused_bytes": 65536, ...}."""
    limits: dict[tuple[str, str], dict[str, int]] = {}
    for key, value in metrics.items():
        number = _number(value)
        if number is not None and (match := _LIMIT.fullmatch(key)):
            limits.setdefault((match.group("subject"), match.group("operation")), {})[
                match.group("limit")] = int(number)
    return limits


def is_performance_metric(key: str) -> bool:
    """True for the per-series metrics this scheme defines (not the case-wide ones)."""
    return bool(_METRIC.fullmatch(key) or _PER_SERIES.fullmatch(key) or _LIMIT.fullmatch(key))
