"""`selftest`: self-tests and the error state (GB/T 37092-2018 7.10, 7.11.4; GM/T 0028).

Each case leaves the device as it found it (RESET at the end), since a
case that strands the module in its error state would fail every case
after it for the wrong reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from certkit.cases import Case, SuiteContext
from certkit.checks import Checks, Probe
from certkit.device import Device, DeviceState
from certkit.errors import ErrorState, Refusal
from certkit.suites.conformance.honesty import PRIVATE, PROBES
from certkit.suites.conformance.negative import PROTOCOL, speaks_serial_protocol
from certkit.suites.kat.common import answer

SELF_TESTS = "GB/T 37092-2018 7.10.2"
ERROR_STATE = "GB/T 37092-2018 7.11.4 (error state)"
ABC_SM3 = bytes.fromhex("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
# Services that need a key the error state forbids making: probed with a held one.
HELD_KEY_PROBES: dict[str, Callable[[Device, object], object]] = {
    "SM2-SIGN": lambda d, h: d.sign(h, b"abc", user_id=b"id"),
    "SM2-DECRYPT": lambda d, h: d.private_decrypt(h, bytes(116)),
}


def _healthy(device: Device, checks: Checks) -> None:
    passed = answer(device.self_test)
    checks.equal(Probe("selftest", "SELFTEST on a healthy module"), True, passed, "self-test")
    checks.equal(Probe("state", "STATE after a passing SELFTEST"), DeviceState.OPERATIONAL,
                 answer(device.state), "state")
    if passed is not True:
        device.reset()  # a failed self-test leaves the error state; don't strand later cases


def _refused_in_error_state(checks: Checks, device: Device, probe: Probe, got: object,
                            capability: str) -> None:
    """No cryptographic output in the error state (the standard), answered ErrorState (the
    serial protocol, on devices that speak it)."""
    checks.refused(probe, got, capability, ERROR_STATE)
    if speaks_serial_protocol(device) and isinstance(got, Refusal):
        checks.interface_refusal(probe, (ErrorState,), got, capability, PROTOCOL)


def _services_refused(device: Device, checks: Checks) -> None:
    handle = device.import_key("SM2", PRIVATE) if "SM2-IMPORT" in device.capabilities else None
    device.force_error()
    try:
        for capability in sorted(device.capabilities & PROBES.keys()):
            got = answer(PROBES[capability], device)
            probe = Probe(capability, f"{capability} in the error state",
                          {"output": got} if isinstance(got, bytes) else {})
            _refused_in_error_state(checks, device, probe, got, capability)
        if handle is not None:
            for capability in sorted(device.capabilities & HELD_KEY_PROBES.keys()):
                got = answer(HELD_KEY_PROBES[capability], device, handle)
                probe = Probe(capability, f"{capability} with a held key in the error state",
                              {"output": got} if isinstance(got, bytes) else {})
                _refused_in_error_state(checks, device, probe, got, capability)
    finally:
        device.reset()


def _status(device: Device, checks: Checks) -> None:
    device.force_error()
    try:
        checks.equal(Probe("state", "STATE in the error state"), DeviceState.ERROR,
                     answer(device.state), "state")
        checks.equal(Probe("selftest", "SELFTEST in the error state reports failure"), False,
                     answer(device.self_test), "self-test")
        checks.equal(Probe("state-after-selftest", "SELFTEST does not leave the error state"),
                     DeviceState.ERROR, answer(device.state), "state")
    finally:
        device.reset()


def _reset(device: Device, checks: Checks) -> None:
    device.force_error()
    device.reset()
    checks.equal(Probe("state", "STATE after RESET"), DeviceState.OPERATIONAL,
                 answer(device.state), "state")
    if "SM3" in device.capabilities:
        checks.equal(Probe("sm3", "SM3 of 'abc' after RESET"), ABC_SM3,
                     answer(device.digest, "SM3", b"abc"), "digest")


def cases(ctx: SuiteContext) -> Iterator[Case]:
    yield Case("selftest.healthy", "SELFTEST passes on a healthy module; STATE is operational",
               "selftest", frozenset({"SELFTEST"}), (SELF_TESTS,), _healthy)
    hooks = frozenset({"SELFTEST", "TEST-HOOKS"})
    yield Case("selftest.error-state.services",
               "In the error state every cryptographic service is refused and returns no data",
               "selftest", hooks, (ERROR_STATE, "GB/T 37092-2018 7.3 (data output inhibited)"),
               _services_refused)
    yield Case("selftest.error-state.status",
               "The error state shows in STATE, SELFTEST reports failure and does not clear it",
               "selftest", hooks, (ERROR_STATE, SELF_TESTS), _status)
    yield Case("selftest.reset", "Only RESET leaves the error state, and service resumes",
               "selftest", hooks, (ERROR_STATE,), _reset)
