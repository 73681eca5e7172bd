"""`serial:` -- modules speaking serial-protocol.md, and certkit's serial emulator.

Host: `host.SerialDevice` over `link.Link` (framing, SEQ matching,
retransmission, resynchronisation, timeouts, wire trace). Module:
`module.ProtocolModule` puts the protocol's face on the same SoftwareModule
that `emulator:` wraps, and `server.ModuleServer` serves it on a pty or TCP
(`certkit emulate serial`). Both read the wire with `protocol.FrameParser`.
"""

from __future__ import annotations

from certkit.device import DriverSpec
from certkit.hookspecs import hookimpl

from .host import open_serial

OPTIONS = {
    "baud": "line speed for a UART, default 115200 (a pty or TCP ignores it)",
    "timeout": "seconds to wait for a response, default 2",
    "slow-timeout": "seconds to wait for SELFTEST, RESET and SM2_GENERATE, default 10",
    "retries": "retransmissions before the device is unreachable, default 3",
    "trace": "1 to record the bytes exchanged as evidence for failing cases",
}


@hookimpl
def certkit_drivers() -> list[DriverSpec]:
    return [DriverSpec(scheme="serial", title="a module speaking certkit's serial protocol",
                       open=open_serial, options=OPTIONS,
                       tuning_options=frozenset({"timeout", "slow-timeout", "retries", "trace"}))]
