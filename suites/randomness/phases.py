"""What a profile asks of the randomness suite: phases, each a sample set and its decision rule.

A profile's `[params.randomness]` holds one table per phase (`kind =
"battery"` or `"single-draw"`) and a few settings shared by all of them
(`workers`, `batch`, `chunk_bytes`). Without any phase the suite runs the
GM/T 0005-2021 sample test: 1000 samples of 10^6 bits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from certkit.errors import ConfigError
from certkit.randomness import series as annex_a
from certkit.randomness.decision import ALPHA, family_min_pass, min_pass_count
from certkit.randomness.series import Series

GMT0005_CLAUSES = ("GM/T 0005-2021 6.2", "GM/T 0005-2021 6.3", "GM/T 0005-2021 6.4")
SHARED_KEYS = {"workers", "batch", "chunk_bytes"}
# the serial protocol's RANDOM answers at most max_payload - 3 = 65532 bytes
DEFAULT_CHUNK_BYTES = 65532


@dataclass(frozen=True)
class Settings:
    """How the suite works, not what it decides: processes, batch size, device chunk size."""

    workers: int | None = None  # None: one per core
    batch: int = 8
    chunk_bytes: int = DEFAULT_CHUNK_BYTES


@dataclass(frozen=True)
class BatteryPhase:
    """s samples of n bits through GM/T 0005 series, judged by 6.2 and (optionally) 6.3."""

    name: str
    title: str
    clauses: tuple[str, ...]
    bits: int
    samples: int
    series: tuple[Series, ...]
    alpha: float = ALPHA
    uniformity: bool = True
    retries: int = 0  # fresh sample sets drawn after a failing one (GM/T 0062: one)
    # Seconds the drawing may take; on a device too slow for it (a serial link at 115200
    # baud draws 20 x 10^6 bits in about 4 minutes) the samples are scaled down to fit, and
    # the result says so. None: every sample is drawn, however long it takes.
    budget_s: float | None = None
    # A screening rule instead of 6.2's threshold: the pass count that keeps a perfect
    # generator's chance of failing any series at most this (GM/T 0062's power-on rule fails
    # one in 14 perfect generators even with its redraw). None: 6.2's formula.
    family_alpha: float | None = None

    def min_pass(self, samples: int) -> int:
        if self.family_alpha is None:
            return min_pass_count(samples, self.alpha)
        return family_min_pass(samples, len(self.series), self.family_alpha, self.alpha)


@dataclass(frozen=True)
class SingleDrawPhase:
    """One draw of a few hundred bits through the poker test (GM/T 0062 single-use check)."""

    name: str
    title: str
    clauses: tuple[str, ...]
    bits: int = 256
    m: int | None = None  # None: the largest of 8, 4, 2 with floor(n/m) >= 5 * 2^m
    alpha: float = ALPHA
    retries: int = 1


Phase = BatteryPhase | SingleDrawPhase

DEFAULT_PHASES: dict[str, dict[str, Any]] = {
    "gmt0005": {"kind": "battery", "bits": 1_000_000, "samples": 1000},
}


def _int(table: Mapping[str, Any], key: str, default: int | None, where: str) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{where}: {key} must be a non-negative integer, got {value!r}")
    return value


PHASE_KEYS = {"kind", "title", "clauses", "bits", "samples", "series", "alpha", "uniformity",
              "retries", "m", "budget_s", "family_alpha"}


def _phase(name: str, table: Mapping[str, Any]) -> Phase:
    where = f"randomness phase {name!r}"
    stray = set(table) - PHASE_KEYS
    if stray:
        # a misspelt key silently ignored would change what a certificate means
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(stray))}")
    kind = table.get("kind", "battery")
    clauses = tuple(table.get("clauses", GMT0005_CLAUSES))
    alpha = float(table.get("alpha", ALPHA))
    if kind == "single-draw":
        bits = _int(table, "bits", 256, where)
        if bits < 128 or bits % 8:
            raise ConfigError(f"{where}: single-draw bits must be a multiple of 8, >= 128")
        m = table.get("m")
        return SingleDrawPhase(name, table.get("title", f"single draw of {bits} bits"), clauses,
                               bits, None if m is None else _int(table, "m", None, where),
                               alpha, _int(table, "retries", 1, where))
    if kind != "battery":
        raise ConfigError(f"{where}: kind must be 'battery' or 'single-draw', not {kind!r}")
    bits = _int(table, "bits", 1_000_000, where)
    samples = _int(table, "samples", 1000, where)
    if samples < 1:
        raise ConfigError(f"{where}: samples must be at least 1")
    try:
        chosen = annex_a.select(bits, table.get("series"))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return BatteryPhase(
        name=name, clauses=clauses,
        title=table.get("title", f"GM/T 0005-2021 randomness: {samples} samples of {bits} bits"),
        bits=bits, samples=samples, series=chosen, alpha=alpha,
        uniformity=bool(table.get("uniformity", True)),
        retries=_int(table, "retries", 0, where),
        budget_s=_budget(table, where),
        family_alpha=_family_alpha(table, where),
    )


def _family_alpha(table: Mapping[str, Any], where: str) -> float | None:
    value = table.get("family_alpha")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, float) or not 0 < value < 1:
        raise ConfigError(f"{where}: family_alpha must be a number between 0 and 1, "
                          f"got {value!r}")
    return value


def _budget(table: Mapping[str, Any], where: str) -> float | None:
    value = table.get("budget_s")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{where}: budget_s must be a positive number of seconds, "
                          f"got {value!r}")
    return float(value)


def parse(params: Mapping[str, Any]) -> tuple[Settings, list[Phase]]:
    """The shared settings and the phases, in the profile's order; errors name the phase."""
    tables = {key: value for key, value in params.items() if isinstance(value, Mapping)}
    stray = set(params) - set(tables) - SHARED_KEYS
    if stray:
        raise ConfigError(f"randomness params: unknown key(s) {', '.join(sorted(stray))} "
                          f"(shared keys: {', '.join(sorted(SHARED_KEYS))}; phases are tables)")
    workers = params.get("workers")
    settings = Settings(
        workers=None if workers is None else _int(params, "workers", None, "randomness"),
        batch=max(1, _int(params, "batch", 8, "randomness")),
        chunk_bytes=max(1, _int(params, "chunk_bytes", DEFAULT_CHUNK_BYTES, "randomness")),
    )
    phases = [_phase(name, table) for name, table in (tables or DEFAULT_PHASES).items()]
    return settings, phases
