"""`keys`: key protection (GB/T 37092-2018 7.9: SSP output and zeroisation)."""

from __future__ import annotations

from collections.abc import Iterator

from certkit.cases import Case, SuiteContext
from certkit.checks import Checks, Probe
from certkit.device import Device, KeyHandle
from certkit.errors import Denied, NoSuchKey, Refusal
from certkit.suites.conformance.honesty import PRIVATE
from certkit.suites.conformance.negative import PROTOCOL, speaks_serial_protocol
from certkit.suites.kat.common import answer

OUTPUT = "GB/T 37092-2018 7.9.5 (SSP entry and output)"
ZEROISATION = "GB/T 37092-2018 7.9.7 (SSP zeroisation)"


def _refused(checks: Checks, device: Device, probe: Probe, got: object, check: str,
             clause: str, vocabulary: type[Refusal]) -> None:
    """The standard's "refused, nothing output", then the serial protocol's status for it."""
    checks.refused(probe, got, check, clause)
    if speaks_serial_protocol(device) and isinstance(got, Refusal):
        checks.interface_refusal(probe, (vocabulary,), got, check, PROTOCOL)


def _export_refused(device: Device, checks: Checks) -> None:
    handle = device.import_key("SM2", PRIVATE)
    got = answer(device.export_key, handle)
    _refused(checks, device, Probe("export", "SM2_EXPORT of a held private key",
                                   {"output": got} if isinstance(got, bytes) else {}),
             got, "export", OUTPUT, Denied)
    answer(device.destroy_key, handle)


def _destroyed_is_gone(device: Device, checks: Checks) -> None:
    handle = device.import_key("SM2", PRIVATE)
    device.destroy_key(handle)
    for what, call in (("sign", lambda: device.sign(handle, b"abc", user_id=b"id")),
                       ("export", lambda: device.export_key(handle)),
                       ("destroy again", lambda: device.destroy_key(handle))):
        got = answer(call)
        _refused(checks, device, Probe(what, f"{what} with a destroyed handle"), got, what,
                 ZEROISATION, NoSuchKey)
    fresh = device.import_key("SM2", PRIVATE)
    checks.holds(Probe("reuse", "a new key's handle"), fresh.ref != handle.ref,
                 "a handle never issued before", f"handle {fresh.ref} reused", "import")
    answer(device.destroy_key, fresh)


def _reset_zeroises(device: Device, checks: Checks) -> None:
    handle = device.import_key("SM2", PRIVATE)
    device.reset()
    got = answer(device.sign, handle, b"abc", user_id=b"id")
    _refused(checks, device, Probe("sign-after-reset", "sign with a key held before RESET",
                                   {"output": got} if isinstance(got, bytes) else {}),
             got, "sign", ZEROISATION, NoSuchKey)
    fresh = device.import_key("SM2", PRIVATE)
    checks.holds(Probe("reuse", "a handle issued after RESET"), fresh.ref != handle.ref,
                 "a handle never issued before", f"handle {fresh.ref} reused", "import")
    answer(device.destroy_key, fresh)


def _unknown_handle(device: Device, checks: Checks) -> None:
    issued = device.import_key("SM2", PRIVATE)
    stranger = KeyHandle("SM2", (issued.ref + 1000) % 0xFFFF or 1, issued.public_key)
    for what, call in (("sign", lambda: device.sign(stranger, b"abc", user_id=b"id")),
                       ("decrypt", lambda: device.private_decrypt(stranger, bytes(116))),
                       ("export", lambda: device.export_key(stranger)),
                       ("destroy", lambda: device.destroy_key(stranger))):
        got = answer(call)
        _refused(checks, device, Probe(what, f"{what} with handle {stranger.ref}, never issued",
                                       {"output": got} if isinstance(got, bytes) else {}),
                 got, what, OUTPUT, NoSuchKey)
    answer(device.destroy_key, issued)


def cases(ctx: SuiteContext) -> Iterator[Case]:
    # KEY-DESTROY marks a device that holds keys at all; a library (gmssl:) does not.
    yield Case("keys.export-refused", "A private key never leaves the module (Denied)", "keys",
               frozenset({"SM2-IMPORT", "KEY-DESTROY"}), (OUTPUT,), _export_refused)
    yield Case("keys.destroy", "A destroyed key is unusable and its handle never comes back",
               "keys", frozenset({"SM2-IMPORT", "SM2-SIGN", "KEY-DESTROY"}), (ZEROISATION,),
               _destroyed_is_gone)
    yield Case("keys.reset-zeroises", "RESET zeroises every key", "keys",
               frozenset({"SM2-IMPORT", "SM2-SIGN", "SELFTEST", "KEY-DESTROY"}), (ZEROISATION,),
               _reset_zeroises)
    yield Case("keys.unknown-handle", "A handle that was never issued is refused (NoSuchKey)",
               "keys", frozenset({"SM2-IMPORT", "SM2-SIGN", "KEY-DESTROY"}), (OUTPUT,),
               _unknown_handle)
