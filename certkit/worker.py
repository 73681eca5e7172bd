"""Cases run in a worker process, for devices behind a vendor's native library.

A PKCS#11 (later SDF, SKF) library may crash, abort or hang the process it runs in. With
`isolate=process` (the default for such drivers) the device is opened in a worker
process, and each case runs there whole: the suites and their raw interface checks see the
device as they always do, and a call costs nothing extra. When the worker dies, its case
is `error` naming the native function it died in and the signal ("the PKCS#11 library
crashed in C_Sign: signal 11 (SIGSEGV)"); when a native call outlives the operation
timeout, the worker is killed and the case is a hang. Every earlier result is kept, and the
next case gets a fresh worker (the library initialised again, logged in again).

The worker rebuilds the run's cases from the same profile and vectors and finds each by
id, so nothing but ids, progress and results cross the pipe.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from certkit import native_trace, profiles
from certkit.case_runner import collect_cases, open_device, run_case
from certkit.cases import Case
from certkit.device import Device, DeviceInfo
from certkit.errors import ConfigError, DeviceError, Unreachable
from certkit.plugins import load_plugins
from certkit.results import CaseResult, Verdict
from certkit.vectors import VectorStore
from certkit.watchdog import GuardedDevice, Watchdog

POLL_S = 0.05
START_TIMEOUT_S = 120.0  # opening a token: C_Initialize, login, the mechanism list
STOP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs to open the device and rebuild the cases."""

    device_url: str  # with isolate=none: the worker opens the device in its own process
    profile: str
    vectors_root: str | None
    operation_timeout_s: float
    timeout_per_mib_s: float
    library: str  # what the report names: "the PKCS#11 library"
    native_functions: tuple[str, ...] = ()  # the driver's table of native function names


def serve(connection: Connection, spec: WorkerSpec, trace_name: str) -> None:
    """The worker's main loop: open, answer `run` requests, close on `close` or EOF."""

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    native_trace.active = native_trace.NativeTrace(trace_name)
    try:
        profile = profiles.load(spec.profile)
        plugins = load_plugins(profile.allow_plugins)
        vectors = VectorStore(Path(spec.vectors_root) if spec.vectors_root else None)
        cases = {case.id: case for case in collect_cases(plugins, profile, vectors)}
        inner, _, _ = open_device(plugins, spec.device_url)
    except ConfigError as exc:  # a wrong PIN, a bad option: the user's to fix (exit 3)
        connection.send(("config", str(exc)))
        return
    except (DeviceError, OSError) as exc:
        connection.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    device = GuardedDevice(inner, spec.operation_timeout_s, spec.timeout_per_mib_s)
    connection.send(("ready", inner.info, frozenset(inner.capabilities),
                     frozenset(inner.interfaces)))
    try:
        with Watchdog(device):
            while True:
                try:
                    request = connection.recv()
                except EOFError:
                    return
                if request[0] == "close":
                    return
                case = cases[request[1]]

                def progress(done: int, total: int, unit: str) -> None:
                    connection.send(("progress", done, total, unit))

                try:
                    result = run_case(case, device, progress)
                except Unreachable as exc:
                    connection.send(("unreachable", str(exc)))
                    return
                connection.send(("result", result.to_dict(), device.diagnostics()))
    finally:
        with contextlib.suppress(Exception):
            inner.close()


class WorkerDevice(Device):
    """The parent's face of a device that lives in a worker process: its identity, and
    cases run through `run_case`. Its operations are never called in the parent."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self._context = multiprocessing.get_context("spawn")
        self._trace = native_trace.NativeTrace()
        self._process: Any = None
        self._connection: Connection | None = None
        self._diagnostics: dict[str, Any] = {}
        self.restarts = 0
        self.lost = 0  # workers that crashed or hung
        try:
            self.info, self.capabilities, self.interfaces = self._start()
        except BaseException:
            self._trace.close()
            raise

    def _start(self) -> tuple[DeviceInfo, frozenset[str], frozenset[str]]:
        parent, child = self._context.Pipe()
        self._process = self._context.Process(target=serve, args=(child, self.spec,
                                                                  self._trace.name),
                                              name="certkit-worker")
        # not a daemon: a case may start processes of its own (the randomness battery's
        # pool); the worker ends when its pipe closes, the parent's exit included
        self._process.start()
        child.close()
        self._connection = parent
        if not parent.poll(START_TIMEOUT_S):
            self._kill()
            raise Unreachable(f"{self.spec.library} did not open within {START_TIMEOUT_S:g} s")
        try:
            message = parent.recv()
        except EOFError:
            raise Unreachable(f"{self.spec.library} {self._death()} while opening "
                              "the device") from None
        if message[0] == "config":
            self._kill()
            raise ConfigError(message[1])
        if message[0] == "failed":
            self._kill()
            raise Unreachable(f"{self.spec.library}: {message[1]}")
        _, info, capabilities, interfaces = message
        return info, capabilities, interfaces

    def run_case(self, case: Case, progress: Callable[[int, int, str], None]) -> CaseResult:
        """Run `case` in the worker (a fresh one if the last died); a crash or a native
        hang is the case's error."""
        if self._connection is None:
            self.restarts += 1
            self._start()
        assert self._connection is not None
        started = time.perf_counter()
        self._trace.clear()
        self._connection.send(("run", case.id))
        limit = self.spec.operation_timeout_s
        while True:
            if self._connection.poll(POLL_S):
                try:
                    message = self._connection.recv()
                except EOFError:
                    return self._lost(case, started, self._death())
                if message[0] == "progress":
                    progress(*message[1:])
                    continue
                if message[0] == "unreachable":
                    self._kill()
                    raise Unreachable(message[1])
                self._diagnostics = message[2]
                return CaseResult.from_dict(message[1])
            under_way = self._trace.current(self.spec.native_functions)
            if under_way is not None and under_way[1] > limit:
                function, seconds = under_way
                self._kill()
                return self._lost(case, started, f"hung in {function}: no answer after "
                                                 f"{seconds:.0f} s (the operation timeout is "
                                                 f"{limit:g} s)")
            if not self._process.is_alive():
                return self._lost(case, started, self._death())

    def _death(self) -> str:
        self._process.join(STOP_TIMEOUT_S)
        code = self._process.exitcode
        under_way = self._trace.current(self.spec.native_functions)
        where = f" in {under_way[0]}" if under_way else ""
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = "unknown"
            return f"crashed{where}: signal {-code} ({name})"
        return f"exited{where} with status {code}"

    def _lost(self, case: Case, started: float, what: str) -> CaseResult:
        self.lost += 1
        self._kill()
        return CaseResult(id=case.id, title=case.title, suite=case.suite,
                          verdict=Verdict.ERROR, requires=tuple(sorted(case.requires)),
                          clauses=case.clauses, error=f"{self.spec.library} {what}",
                          duration_s=time.perf_counter() - started)

    def _kill(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._process is not None and self._process.is_alive():
            self._process.kill()
        if self._process is not None:
            self._process.join(STOP_TIMEOUT_S)

    def diagnostics(self) -> dict[str, Any]:
        return {**self._diagnostics, "worker": {"lost": self.lost, "restarts": self.restarts}}

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError, BrokenPipeError):
                self._connection.send(("close",))
            self._process.join(STOP_TIMEOUT_S)
        self._kill()
        self._trace.close()
