"""The serial host and emulator over a real pty, against a raw pyserial echo over a pty.

Two figures, each as a ratio to the raw line: round trips per second of a
64-byte SM3 request, and bulk throughput of 60 KiB SM4-CTR requests. The
echo peer is as lean as a module can be (os.read/os.write on the pty
master, answering once the whole block is in, as a request/response module
must); the host side is pyserial on the slave, as for certkit. Echo and
certkit rounds alternate (the echo round runs in pytest-benchmark's setup),
so a busy machine slows both alike. Run with
`pytest benchmarks/test_serial_throughput.py --benchmark-only`; the ratios go
to benchmarks/README.md.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import tty
from collections.abc import Callable, Iterator

import pytest
import serial

from certkit.drivers.serial.host import SerialDevice, open_serial
from certkit.drivers.serial.spawn import EmulatorProcess
from certkit.url import DeviceURL

ROUNDS = 7
SMALL, SMALL_COUNT = 64, 2000
BULK, BULK_COUNT = 60 * 1024, 60
ECHO_PEER = """
import os, sys
master, size = int(sys.argv[1]), int(sys.argv[2])
pending = bytearray()
while True:
    try:
        data = os.read(master, 1 << 16)
    except OSError:
        break
    pending += data
    while len(pending) >= size:
        block = memoryview(bytes(pending[:size]))
        del pending[:size]
        while block:
            block = block[os.write(master, block):]
"""


@pytest.fixture(scope="module")
def device() -> Iterator[SerialDevice]:
    with EmulatorProcess("--pty") as emulator, \
            open_serial(DeviceURL.parse(emulator.url)) as opened:
        yield opened


class Echo:
    """A raw echo of `size`-byte blocks on a fresh pty, driven with pyserial."""

    def __init__(self, size: int) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        self.peer = subprocess.Popen([sys.executable, "-c", ECHO_PEER, str(master), str(size)],
                                     pass_fds=[master])
        os.close(master)
        self.port = serial.serial_for_url(os.ttyname(slave), timeout=5)
        os.close(slave)
        self.block = os.urandom(size)

    def round_trips(self, count: int) -> None:
        port, block = self.port, self.block
        for _ in range(count):
            port.write(block)
            assert len(port.read(len(block))) == len(block)

    def close(self) -> None:
        self.port.close()
        self.peer.kill()
        self.peer.wait()


@pytest.fixture
def echo() -> Iterator[Callable[[int], Echo]]:
    echoes: list[Echo] = []

    def make(size: int) -> Echo:
        echoes.append(Echo(size))
        return echoes[-1]

    yield make
    for made in echoes:
        made.close()


def _compare(benchmark, certkit_round: Callable[[], None], echo_round: Callable[[], None],
             count: int, size: int) -> None:
    echo_times: list[float] = []

    def timed_echo() -> None:
        started = time.perf_counter()
        echo_round()
        echo_times.append(time.perf_counter() - started)

    certkit_round()  # warm both paths before timing
    echo_round()
    benchmark.pedantic(certkit_round, setup=timed_echo, rounds=ROUNDS, iterations=1)
    certkit_s, echo_s = benchmark.stats.stats.median, statistics.median(echo_times)
    info = {
        "certkit_per_s": count / certkit_s, "echo_per_s": count / echo_s,
        "certkit_us_per_round_trip": certkit_s / count * 1e6,
        "echo_us_per_round_trip": echo_s / count * 1e6,
        "certkit_MiB_per_s": count * size / certkit_s / 2**20,
        "echo_MiB_per_s": count * size / echo_s / 2**20,
        "ratio_to_echo": echo_s / certkit_s,
    }
    benchmark.extra_info.update(info)
    print(f"\n{benchmark.name}: " + ", ".join(f"{k} {v:.3g}" for k, v in info.items()))


def test_sm3_64_byte_round_trips_over_a_pty(benchmark, device: SerialDevice, echo) -> None:
    message = os.urandom(SMALL)
    raw = echo(SMALL)

    def round_trips() -> None:
        for _ in range(SMALL_COUNT):
            device.digest("SM3", message)

    _compare(benchmark, round_trips, lambda: raw.round_trips(SMALL_COUNT), SMALL_COUNT, SMALL)


def test_sm4_ctr_60_kib_bulk_over_a_pty(benchmark, device: SerialDevice, echo) -> None:
    key, iv, data = os.urandom(16), os.urandom(16), os.urandom(BULK)
    raw = echo(BULK)

    def round_trips() -> None:
        for _ in range(BULK_COUNT):
            device.encrypt("SM4-CTR", key, data, iv=iv, aad=b"")

    _compare(benchmark, round_trips, lambda: raw.round_trips(BULK_COUNT), BULK_COUNT, BULK)


def test_sm4_ctr_60_kib_compute_alone(benchmark) -> None:
    """The module's SM4-CTR on 60 KiB without any line: the part of a bulk round trip
    that no protocol can hide, since the module needs the whole request first."""
    from certkit.drivers.emulator.core import SoftwareModule

    core = SoftwareModule()
    key, iv, data = os.urandom(16), os.urandom(16), os.urandom(BULK)
    benchmark(core.encrypt, "SM4-CTR", key, data, iv=iv, aad=b"")
    benchmark.extra_info["us"] = benchmark.stats.stats.median * 1e6
