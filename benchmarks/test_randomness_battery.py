"""The whole GM/T 0005-2021 battery (27 series) on 100 and 1000 samples of 10^6 bits.

Run by hand: `pytest benchmarks/test_randomness_battery.py --benchmark-only -s`.
The samples come from a seeded PCG64 generator, made batch by batch in the
parent process as a device's draws would be, and spread over one worker per
core. Each run records in `extra_info` the wall time, the peak resident
memory of the parent and of the largest worker, and the verdict; the
per-series benchmark records milliseconds per sample of each series in one
process. The figures go to benchmarks/README.md.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator

import numpy as np
import pytest

from certkit.randomness import series as annex_a
from certkit.randomness.battery import Battery, default_workers, evaluate
from certkit.randomness.decision import decide

BITS = 1_000_000


def _batches(samples: int, battery: Battery, seed: int) -> Iterator[bytes]:
    rng = np.random.default_rng(seed)
    left = samples * BITS // 8
    while left:
        size = min(battery.batch_bytes, left)
        left -= size
        yield rng.bytes(size)


def _peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


@pytest.mark.parametrize("samples", [100, 1000])
def test_battery_wall_time(benchmark, samples: int) -> None:
    chosen = annex_a.select(BITS)
    names = [s.name for s in chosen]
    outcome: dict[str, object] = {}

    def run() -> None:
        battery = Battery(chosen, BITS)
        started = time.perf_counter()
        values = np.concatenate(list(battery.run(_batches(samples, battery, seed=samples))))
        outcome["wall_s"] = round(time.perf_counter() - started, 2)
        decisions = decide(names, values)
        outcome["failed_series"] = [d.name for d in decisions if not d.ok]
        outcome["shape"] = values.shape

    benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(
        samples=samples, workers=default_workers(), wall_s=outcome["wall_s"],
        peak_parent_mib=round(_peak_mib(resource.RUSAGE_SELF), 1),
        peak_worker_mib=round(_peak_mib(resource.RUSAGE_CHILDREN), 1),
        failed_series=outcome["failed_series"],
    )
    print(f"\n{samples} samples: {outcome['wall_s']} s wall on {default_workers()} workers; "
          f"peak RSS parent {_peak_mib(resource.RUSAGE_SELF):.0f} MiB, largest worker "
          f"{_peak_mib(resource.RUSAGE_CHILDREN):.0f} MiB; failed: {outcome['failed_series']}")
    assert outcome["shape"] == (samples, len(chosen), 2)


def test_per_series_time(benchmark) -> None:
    """Milliseconds per 10^6-bit sample for each series, one process, batches of 8."""
    chosen = annex_a.select(BITS)
    rng = np.random.default_rng(1)
    samples = [rng.integers(0, 2, BITS, dtype=np.uint8) for _ in range(8)]
    times: dict[str, float] = {}

    def run() -> None:
        for item in chosen:
            started = time.perf_counter()
            evaluate(samples, [item])
            times[item.name] = (time.perf_counter() - started) / len(samples) * 1000

    benchmark.pedantic(run, rounds=3, iterations=1)
    benchmark.extra_info["ms_per_sample"] = {k: round(v, 2) for k, v in times.items()}
    print()
    for name, ms in sorted(times.items(), key=lambda item: -item[1]):
        print(f"{name:28s} {ms:7.2f} ms/sample")
    print(f"{'total':28s} {sum(times.values()):7.2f} ms/sample")
