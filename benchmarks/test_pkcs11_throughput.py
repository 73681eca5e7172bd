"""The `pkcs11:` driver against the same calls made directly with python-pkcs11, on SoftHSMv2.

Three figures, each as a ratio of certkit's rate to the direct rate (goal: at least 0.90):
AES-CBC throughput on 64 KiB calls, the latency of a 16-byte AES-CBC call, and ECDSA P-256
signatures per second (SHA-256 on the host and CKM_ECDSA on both sides, as SoftHSM has no
CKM_ECDSA_SHA256). certkit goes through the watchdog-guarded device a run uses; the direct
side uses a key object made once, as certkit's session-object cache does. Direct and certkit
rounds alternate (the direct round runs in pytest-benchmark's setup), so a busy machine slows
both alike. Run with `pytest benchmarks/test_pkcs11_throughput.py --benchmark-only -s`; the
ratios go to benchmarks/README.md.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pkcs11
import pytest
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_named_curve_parameters

from certkit import native_trace
from certkit.drivers.pkcs11 import open_token
from certkit.drivers.pkcs11.token import Pkcs11Token
from certkit.url import DeviceURL
from certkit.watchdog import GuardedDevice, Watchdog

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from softhsm import PIN, SoftHsmToken, make_token

ROUNDS = 7
BULK, BULK_COUNT = 64 * 1024, 100
SMALL_COUNT = 5000
SIGN_COUNT = 500


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsmToken]:
    made = make_token(tmp_path_factory.mktemp("softhsm"))
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(made.conf)  # before the module is first loaded
    yield made
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture(scope="module")
def direct(softhsm: SoftHsmToken) -> Iterator[pkcs11.Session]:
    """python-pkcs11's session; loaded first, since it insists on its own C_Initialize."""
    lib = pkcs11.lib(softhsm.module)
    session = lib.get_token(token_label=softhsm.label).open(user_pin=PIN, rw=True)
    yield session
    session.close()  # this logs the application out, so it goes last


@pytest.fixture(scope="module", params=["in-process", "worker"])
def device(request: pytest.FixtureRequest, softhsm: SoftHsmToken,
           direct: pkcs11.Session) -> Iterator[GuardedDevice]:
    """The driver as a run uses it: in certkit's process (`isolate=none`), or as in a worker
    process (`isolate=process`), where every native call is recorded in shared memory so a
    crash can be named; a case runs whole in the worker, so that record is all it adds."""
    if request.param == "worker":
        native_trace.active = native_trace.NativeTrace()
    try:
        with open_token(DeviceURL.parse(softhsm.url())) as token:
            guarded = GuardedDevice(token, timeout_s=30)
            with Watchdog(guarded):
                yield guarded
    finally:
        if native_trace.active is not None:
            native_trace.active.close()
            native_trace.active = None


def _direct_aes(direct: pkcs11.Session, key: bytes) -> Any:
    return direct.create_object({
        Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.KEY_TYPE: KeyType.AES,
        Attribute.TOKEN: False, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
        Attribute.ENCRYPT: True, Attribute.DECRYPT: True, Attribute.VALUE: key})


def _compare(benchmark: Any, certkit_round: Callable[[], None], direct_round: Callable[[], None],
             count: int, size: int) -> None:
    direct_times: list[float] = []

    def timed_direct() -> None:
        started = time.perf_counter()
        direct_round()
        direct_times.append(time.perf_counter() - started)

    certkit_round()  # warm both paths (and certkit's key cache) before timing
    direct_round()
    benchmark.pedantic(certkit_round, setup=timed_direct, rounds=ROUNDS, iterations=1)
    certkit_s, direct_s = benchmark.stats.stats.median, statistics.median(direct_times)
    info = {
        "certkit_ops_per_s": count / certkit_s, "direct_ops_per_s": count / direct_s,
        "certkit_us_per_op": certkit_s / count * 1e6, "direct_us_per_op": direct_s / count * 1e6,
        "certkit_MiB_per_s": count * size / certkit_s / 2**20,
        "direct_MiB_per_s": count * size / direct_s / 2**20,
        "ratio_to_direct": direct_s / certkit_s,
    }
    benchmark.extra_info.update(info)
    print(f"\n{benchmark.name}: " + ", ".join(f"{k} {v:.4g}" for k, v in info.items()))


def test_aes_cbc_64_kib_throughput(benchmark: Any, device: GuardedDevice,
                                   direct: pkcs11.Session) -> None:
    key, iv, data = os.urandom(16), os.urandom(16), os.urandom(BULK)
    direct_key = _direct_aes(direct, key)
    expected = direct_key.encrypt(data, mechanism=Mechanism.AES_CBC, mechanism_param=iv)
    assert device.encrypt("AES-CBC", key, data, iv=iv, aad=b"") == expected

    def through_certkit() -> None:
        for _ in range(BULK_COUNT):
            device.encrypt("AES-CBC", key, data, iv=iv, aad=b"")

    def directly() -> None:
        for _ in range(BULK_COUNT):
            direct_key.encrypt(data, mechanism=Mechanism.AES_CBC, mechanism_param=iv)

    _compare(benchmark, through_certkit, directly, BULK_COUNT, BULK)


def test_aes_cbc_16_byte_call_latency(benchmark: Any, device: GuardedDevice,
                                      direct: pkcs11.Session) -> None:
    key, iv, block = os.urandom(16), os.urandom(16), os.urandom(16)
    direct_key = _direct_aes(direct, key)

    def through_certkit() -> None:
        for _ in range(SMALL_COUNT):
            device.encrypt("AES-CBC", key, block, iv=iv, aad=b"")

    def directly() -> None:
        for _ in range(SMALL_COUNT):
            direct_key.encrypt(block, mechanism=Mechanism.AES_CBC, mechanism_param=iv)

    _compare(benchmark, through_certkit, directly, SMALL_COUNT, 16)


def test_ecdsa_p256_signatures_per_second(benchmark: Any, device: GuardedDevice,
                                          direct: pkcs11.Session) -> None:
    message = os.urandom(64)
    handle = device.generate_key("ECDSA-P256")
    parameters = direct.create_domain_parameters(
        KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
        local=True)
    _, private = parameters.generate_keypair(store=False)

    def through_certkit() -> None:
        for _ in range(SIGN_COUNT):
            device.sign(handle, message, user_id=b"")

    def directly() -> None:
        for _ in range(SIGN_COUNT):
            private.sign(hashlib.sha256(message).digest(), mechanism=Mechanism.ECDSA)

    _compare(benchmark, through_certkit, directly, SIGN_COUNT, len(message))


def test_the_benchmarked_device_is_the_pkcs11_driver(device: GuardedDevice) -> None:
    assert isinstance(device.inner, Pkcs11Token)
