"""`emulator:` -- certkit's in-process software module, optionally with injected faults."""

from __future__ import annotations

from certkit.device import Device, DriverSpec
from certkit.errors import ConfigError
from certkit.hookspecs import hookimpl
from certkit.url import DeviceURL

from .core import SoftwareModule
from .faults import FAULTS

OPTIONS = {
    "fault": "inject a named defect (repeatable, or comma-separated); see `certkit list faults`",
    "test-hooks": "0 to behave as a module without FORCE_ERROR (default 1)",
    "delay-ms": "answer every operation this many milliseconds late (a slow module)",
}


def open_emulator(url: DeviceURL) -> Device:
    if url.target:
        raise ConfigError(f"emulator: takes no target, got {url.target!r}")
    faults = frozenset(name for value in url.get_all("fault") for name in value.split(",") if name)
    unknown = sorted(faults - FAULTS.keys())
    if unknown:
        raise ConfigError(f"emulator: unknown fault(s) {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(FAULTS))})")
    hooks = url.get("test-hooks", "1")
    if hooks not in ("0", "1"):
        raise ConfigError(f"emulator: test-hooks must be 0 or 1, got {hooks!r}")
    delay = url.get("delay-ms", "0")
    try:
        delay_s = float(delay) / 1000
    except ValueError:
        delay_s = -1.0
    if not 0 <= delay_s <= 60:
        raise ConfigError(f"emulator: delay-ms must be a number of milliseconds, got {delay!r}")
    return SoftwareModule(faults, test_hooks=hooks == "1", delay_s=delay_s)


@hookimpl
def certkit_drivers() -> list[DriverSpec]:
    return [DriverSpec(scheme="emulator", title="certkit's in-process software module",
                       open=open_emulator, options=OPTIONS,
                       tuning_options=frozenset({"delay-ms"}))]
