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
    return SoftwareModule(faults, test_hooks=hooks == "1")


@hookimpl
def certkit_drivers() -> list[DriverSpec]:
    return [DriverSpec(scheme="emulator", title="certkit's in-process software module",
                       open=open_emulator, options=OPTIONS)]
