"""Capability honesty: every algorithm a device declares must answer.

A device that lists SM4-GCM and answers Unsupported fails; an algorithm it
does not declare is not applicable elsewhere, never tried here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from certkit.cases import Case, SuiteContext
from certkit.checks import Checks, Probe
from certkit.device import Device
from certkit.errors import Unsupported
from certkit.reference import sm2
from certkit.suites.kat.common import answer

KEY = bytes(range(16))
IV = bytes(range(16, 32))
PRIVATE = bytes.fromhex("0c1d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8d9eafb")
PUBLIC = sm2.public_key_from_private(int.from_bytes(PRIVATE, "big"))

def _import_and_release(device: Device) -> object:
    handle = device.import_key("SM2", PRIVATE)
    answer(device.destroy_key, handle)  # destroying is KEY-DESTROY's business, not IMPORT's
    return handle


def _generate_and_release(device: Device) -> object:
    handle = device.generate_key("SM2")
    answer(device.destroy_key, handle)
    return handle


# One minimal, well-formed request per capability the vocabulary names for SM devices.
PROBES: dict[str, Callable[[Device], object]] = {
    "SM3": lambda d: d.digest("SM3", b"abc"),
    "HMAC-SM3": lambda d: d.mac("HMAC-SM3", KEY, b"abc"),
    "SM4-ECB": lambda d: d.encrypt("SM4-ECB", KEY, IV, iv=b"", aad=b""),
    "SM4-CBC": lambda d: d.encrypt("SM4-CBC", KEY, KEY, iv=IV, aad=b""),
    "SM4-CTR": lambda d: d.encrypt("SM4-CTR", KEY, b"abc", iv=IV, aad=b""),
    "SM4-OFB": lambda d: d.encrypt("SM4-OFB", KEY, b"abc", iv=IV, aad=b""),
    "SM4-CFB": lambda d: d.encrypt("SM4-CFB", KEY, b"abc", iv=IV, aad=b""),
    "SM4-GCM": lambda d: d.encrypt("SM4-GCM", KEY, b"abc", iv=IV[:12], aad=b""),
    "SM4-CCM": lambda d: d.encrypt("SM4-CCM", KEY, b"abc", iv=IV[:12], aad=b""),
    "ZUC": lambda d: d.keystream("ZUC", KEY, IV, 1),
    "RANDOM": lambda d: d.random(16),
    "SM2-IMPORT": _import_and_release,
    "SM2-GENERATE": _generate_and_release,
    "SM2-VERIFY": lambda d: d.verify("SM2", PUBLIC, b"abc", bytes(64), user_id=b"id"),
    "SM2-ENCRYPT": lambda d: d.public_encrypt("SM2", PUBLIC, b"abc"),
}


def _honesty_case(capability: str) -> Case:
    def run(device: Device, checks: Checks) -> None:
        got = answer(PROBES[capability], device)
        probe = Probe(capability, f"{capability} is declared, so it must answer")
        checks.holds(probe, not isinstance(got, Unsupported), "an answer other than Unsupported",
                     got, capability)

    return Case(f"conformance.declared.{capability.lower()}",
                f"{capability} is declared, so it answers (not Unsupported)", "conformance",
                frozenset({capability}), ("serial-protocol.md (INFO algorithms)",), run)


def cases(ctx: SuiteContext) -> Iterator[Case]:
    for capability in PROBES:
        yield _honesty_case(capability)
