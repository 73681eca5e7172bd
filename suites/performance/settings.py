"""The suite's parameters from a profile's `[params.performance]`, checked once at collection.

    sizes = [16, 256, 4096]        payload sizes in bytes (default 16 B to 1 MiB, x4 steps)
    repetitions = 21               repetitions per series (at least 5)
    warmup_s = 0.05                warm-up per series
    repetition_s = 0.002           length of one repetition (a batch of calls)
    size_budget_s = 2.0            sizes predicted to take longer are skipped, and larger ones
    declaration = "product.toml"   a product declaration file: its [declared] table
    [params.performance.declared]  figures the vendor declares, each a minimum:
    "SM4-CBC.encrypt.4096.mb_s" = 200      MB/s (10^6 bytes per second)
    "SM4-CBC.decrypt.4096.mbit_s" = 1600   Mbit/s (10^6 bits per second), as product specs state it
    "SM2.sign.ops_s" = 1000                operations per second
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certkit.errors import ConfigError

from .measure import Timing
from .scheme import MB_S, OPS_S, SeriesName, parse_series

DEFAULT_SIZES = (16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576)
MIN_REPETITIONS = 5
_KNOWN = {"sizes", "repetitions", "warmup_s", "repetition_s", "size_budget_s", "declaration",
          "declared"}
# Declared quantities and the factor to this suite's unit.
_UNITS = {MB_S: (MB_S, 1.0), "mbit_s": (MB_S, 1 / 8), OPS_S: (OPS_S, 1.0)}


@dataclass(frozen=True)
class Declared:
    """A rate the vendor declares for one series: the median measured must reach it."""

    series: SeriesName
    quantity: str  # MB_S or OPS_S
    minimum: float  # in `quantity`'s unit
    stated: str  # as the declaration put it, for the failure record


@dataclass(frozen=True)
class Settings:
    sizes: tuple[int, ...] = DEFAULT_SIZES
    timing: Timing = field(default_factory=Timing)
    declared: tuple[Declared, ...] = ()


def _problem(message: str) -> ConfigError:
    return ConfigError(f"[params.performance]: {message}")


def _positive_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise _problem(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _sizes(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value or not all(
            type(size) is int and size > 0 for size in value):
        raise _problem(f"sizes must be a list of positive byte counts, got {value!r}")
    if len(set(value)) != len(value):
        raise _problem(f"sizes lists a size twice: {value!r}")
    odd = [size for size in value if size % 16]
    if odd:
        raise _problem(f"sizes must be multiples of 16 bytes (the SM4 block), got {odd}")
    return tuple(sorted(value))


def _declared(table: Any, origin: str) -> list[Declared]:
    if not isinstance(table, Mapping):
        raise _problem(f"{origin}: declared must be a table of figures")
    figures = []
    for key, value in table.items():
        series_text, _, unit = str(key).rpartition(".")
        series = parse_series(series_text)
        if series is None or unit not in _UNITS:
            raise _problem(f"{origin}: declared figure {key!r} is not "
                           "<subject>.<operation>[.<bytes>].<mb_s|mbit_s|ops_s>")
        quantity, factor = _UNITS[unit]
        if series.size is not None and series.size % 16:
            raise _problem(f"{origin}: declared figure {key!r}: payload sizes are multiples "
                           "of 16 bytes (the SM4 block)")
        if (quantity == OPS_S) != (series.size is None):
            raise _problem(f"{origin}: declared figure {key!r}: a payload size goes with "
                           "mb_s or mbit_s, an operation without one with ops_s")
        minimum = _positive_number(f"declared figure {key!r}", value) * factor
        figures.append(Declared(series, quantity, minimum, f"{key} = {value}"))
    return figures


def _declaration_file(path_text: Any) -> list[Declared]:
    if not isinstance(path_text, str):
        raise _problem(f"declaration must be a file path, got {path_text!r}")
    path = Path(path_text)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _problem(f"declaration {path}: {exc}") from None
    if "declared" not in document:
        raise _problem(f"declaration {path}: no [declared] table")
    return _declared(document["declared"], f"declaration {path}")


def load(params: Mapping[str, Any]) -> Settings:
    """Check the profile's parameters and read the declaration file they name."""
    unknown = sorted(set(params) - _KNOWN)
    if unknown:
        raise _problem(f"unknown parameter(s) {', '.join(unknown)} "
                       f"(known: {', '.join(sorted(_KNOWN))})")
    defaults = Timing()
    repetitions = params.get("repetitions", defaults.repetitions)
    if type(repetitions) is not int or repetitions < MIN_REPETITIONS:
        raise _problem(f"repetitions must be a whole number of at least {MIN_REPETITIONS} "
                       f"(quartiles of fewer mean little), got {repetitions!r}")
    timing = Timing(
        repetitions=repetitions,
        warmup_s=_positive_number("warmup_s", params.get("warmup_s", defaults.warmup_s)),
        repetition_s=_positive_number("repetition_s",
                                      params.get("repetition_s", defaults.repetition_s)),
        size_budget_s=_positive_number("size_budget_s",
                                       params.get("size_budget_s", defaults.size_budget_s)),
    )
    declared = _declared(params.get("declared", {}), "the profile")
    if "declaration" in params:
        declared += _declaration_file(params["declaration"])
    seen: dict[tuple[SeriesName, str], str] = {}
    for figure in declared:
        key = (figure.series, figure.quantity)
        if key in seen:
            raise _problem(f"{figure.stated!r} declares {figure.series} again "
                           f"(first: {seen[key]!r})")
        seen[key] = figure.stated
    sizes = _sizes(params.get("sizes", list(DEFAULT_SIZES)))
    return Settings(sizes=sizes, timing=timing, declared=tuple(declared))
