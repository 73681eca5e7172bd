"""How long a plan will take on a device: its round trip, measured, times each case's
operation count (`Case.operations`, a rough figure the suite gives)."""

from __future__ import annotations

import time

from certkit.device import Device
from certkit.errors import DeviceError

PROBES = 20  # cheap operations timed; their median is the round trip


def round_trip_s(device: Device) -> float:
    """The median time of a cheap operation on the device (a 16-byte digest or draw)."""
    capabilities = device.capabilities
    if "SM3" in capabilities:
        def operation() -> object:
            return device.digest("SM3", bytes(16))
    elif "RANDOM" in capabilities:
        def operation() -> object:
            return device.random(16)
    elif "SHA-256" in capabilities:
        def operation() -> object:
            return device.digest("SHA-256", bytes(16))
    else:
        return 0.0
    times = []
    for _ in range(PROBES):
        started = time.perf_counter()
        try:
            operation()
        except DeviceError:
            return 0.0  # nothing to measure with; the plan shows no estimate then
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]
