"""The performance suite: it measures what the device declares, records figures a reader and
`certkit compare` can judge, fails on missed declarations, and stops where the device does."""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_public_key,
)

from certkit import profiles
from certkit.case_runner import run_case
from certkit.cases import Case, SuiteContext
from certkit.device import Device, DeviceInfo, KeyHandle
from certkit.drivers.emulator.core import SoftwareModule
from certkit.drivers.emulator.faults import FAULTS
from certkit.errors import BadParameter, ConfigError
from certkit.results import CaseResult, Verdict
from certkit.suites.performance import collect
from certkit.suites.performance.scheme import series_figures
from certkit.vectors import VectorStore
from helpers import certify

QUICK = {"sizes": [16, 4096], "repetitions": 5, "warmup_s": 0.005, "repetition_s": 0.001,
         "size_budget_s": 0.5}


def cases(**params: Any) -> dict[str, Case]:
    return {case.id: case for case in collect(SuiteContext(VectorStore(), {**QUICK, **params}))}


def write_profile(path: Path, include: list[str], extra: str = "",
                  params: dict[str, Any] | None = None) -> Path:
    settings = {**QUICK, **(params or {})}
    lines = [f'name = "{path.stem}"', 'description = "test"', 'suites = ["performance"]',
             f"include = {json.dumps(include)}", "", "[params.performance]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def figures(result: CaseResult | dict[str, Any]) -> dict[str, Any]:
    metrics = result.metrics if isinstance(result, CaseResult) else result["metrics"]
    return {str(figure.name): figure for figure in series_figures(metrics)}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The quick profile on the clean emulator, shared by the tests that read its figures."""
    return certify("emulator:", tmp_path_factory.mktemp("perf") / "out", "performance-quick")


def test_every_declared_capability_is_measured_and_passes(quick_run: dict[str, Any]) -> None:
    assert quick_run["verdict"] == "pass"
    by_id = {case["id"]: case for case in quick_run["cases"]}
    measured = {case_id for case_id, case in by_id.items() if case["verdict"] == "pass"}
    assert {"performance.sm4-cbc", "performance.sm4-gcm", "performance.sm3",
            "performance.hmac-sm3", "performance.zuc", "performance.random",
            "performance.sm2-sign", "performance.sm2-verify", "performance.sm2-encrypt",
            "performance.sm2-decrypt", "performance.sm2-generate"} <= measured
    # what the emulator does not declare is not applicable, never passed
    assert by_id["performance.aes-cbc"]["verdict"] == "not-applicable"
    assert by_id["performance.aes-cbc"]["missing"] == ["AES-CBC"]
    assert by_id["performance.ecdsa-p256-sign"]["verdict"] == "not-applicable"


def test_figures_follow_the_scheme_and_hold_together(quick_run: dict[str, Any]) -> None:
    cbc = next(case for case in quick_run["cases"] if case["id"] == "performance.sm4-cbc")
    found = figures(cbc)
    assert set(found) == {f"SM4-CBC.{op}.{size}" for op in ("encrypt", "decrypt")
                          for size in (16, 4096, 65536)}
    for figure in found.values():
        assert figure.quantity == "mb_s"
        assert 0 < figure.p25 <= figure.median <= figure.p75
        assert list(figure.latency_us) == ["p50", "p95", "p99"]
        p50, p95, p99 = figure.latency_us.values()
        assert 0 < p50 <= p95 <= p99
        assert figure.calls >= 11  # at least one call per repetition
    # bigger payloads amortise the per-call cost: MB/s grows with the size
    assert found["SM4-CBC.encrypt.16"].median < found["SM4-CBC.encrypt.4096"].median
    metrics = cbc["metrics"]
    assert metrics["repetitions"] == 11 and metrics["threads"] == 1
    assert metrics["host.cpus"] >= 1 and "host.load_1m" in metrics
    assert metrics["SM4-CBC.encrypt.largest_bytes"] == 65536
    sign = next(case for case in quick_run["cases"] if case["id"] == "performance.sm2-sign")
    (rate,) = figures(sign).values()
    assert str(rate.name) == "SM2.sign" and rate.quantity == "ops_s" and rate.median > 0


def test_the_host_and_device_are_recorded_with_the_figures(quick_run: dict[str, Any]) -> None:
    assert quick_run["host"]["hostname"] and quick_run["host"]["machine"]
    assert quick_run["device"]["model"] == "software module emulator"
    assert quick_run["profile"]["params"]["performance"]["repetitions"] == 11


def test_a_missed_declared_figure_fails_with_both_figures_shown() -> None:
    declared = {"SM4-CBC.encrypt.4096.mb_s": 1e6, "SM4-CBC.decrypt.4096.mbit_s": 8}
    result = run_case(cases(declared=declared)["performance.sm4-cbc"], SoftwareModule())
    assert result.verdict is Verdict.FAIL
    (failure,) = result.failures
    assert failure.tc_id == "SM4-CBC.encrypt.4096" and failure.check == "declared"
    assert failure.expected.startswith("at least 1e+06 MB/s")
    assert "median of 5 repetitions" in failure.got and "MB/s" in failure.got
    # the report shows both: the declaration is recorded next to the measurement
    assert result.metrics["SM4-CBC.encrypt.4096.mb_s.declared"] == 1e6
    assert result.metrics["SM4-CBC.decrypt.4096.mb_s.declared"] == 1.0  # 8 Mbit/s


def test_met_declared_figures_pass_and_sizes_they_name_are_measured() -> None:
    declared = {"SM4-CBC.encrypt.1024.mb_s": 0.001, "SM2.sign.ops_s": 0.001}
    found = cases(declared=declared)
    result = run_case(found["performance.sm4-cbc"], SoftwareModule())
    assert result.verdict is Verdict.PASS
    assert "SM4-CBC.encrypt.1024" in figures(result)  # not in `sizes`, declared
    assert run_case(found["performance.sm2-sign"], SoftwareModule()).verdict is Verdict.PASS


def test_a_product_declaration_file_is_read(tmp_path: Path) -> None:
    declaration = tmp_path / "product.toml"
    declaration.write_text('product = "emulator"\n[declared]\n"SM3.digest.4096.mb_s" = 1e9\n')
    result = run_case(cases(declaration=str(declaration))["performance.sm3"], SoftwareModule())
    assert result.verdict is Verdict.FAIL
    assert "(declared: SM3.digest.4096.mb_s = " in result.failures[0].expected
    assert result.metrics["SM3.digest.4096.mb_s.declared"] == 1e9


@pytest.mark.parametrize(("params", "message"), [
    ({"size": [16]}, "unknown parameter"),
    ({"sizes": [15]}, "multiples of 16"),
    ({"sizes": []}, "list of positive byte counts"),
    ({"repetitions": 2}, "at least 5"),
    ({"warmup_s": 0}, "positive number"),
    ({"declared": {"SM4-CBC.encrypt.4096": 200}}, "is not"),
    ({"declared": {"SM4-CBC.encrypt.mb_s": 200}}, "a payload size goes with"),
    ({"declared": {"SM4-XTS.encrypt.4096.mb_s": 200}}, "does not measure"),
    ({"declared": {"SM2.sign.ops_s": -1}}, "positive number"),
    ({"declaration": "/nonexistent/product.toml"}, "declaration"),
])
def test_bad_parameters_are_configuration_errors(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        cases(**params)


def test_standard_and_smoke_stay_free_of_the_performance_suite() -> None:
    for name in ("standard", "smoke"):
        assert "performance" not in profiles.load(name).suites
    for name in ("performance", "performance-quick"):
        profile = profiles.load(name)
        assert profile.suites == ("performance",)
        assert list(cases(**profile.params["performance"]))  # its parameters are valid


def test_performance_faults_name_cases_of_this_suite() -> None:
    ids = set(cases())
    measured = [fault for fault in FAULTS.values() if fault.measured]
    assert measured
    for fault in measured:
        assert set(fault.caught_by) <= ids, fault.name


class CappedModule(SoftwareModule):
    """The emulator with a device limit: payloads over 4 KiB are refused, as a module
    with a smaller buffer refuses them; SM3 it declares but refuses at every size."""

    def encrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes,
                aad: bytes) -> bytes:
        if len(data) > 4096:
            raise BadParameter(f"payload of {len(data)} bytes over the 4096-byte buffer")
        return super().encrypt(algorithm, key, data, iv=iv, aad=aad)

    def digest(self, algorithm: str, data: bytes) -> bytes:
        raise BadParameter("digest refused")


def test_the_sweep_stops_at_the_first_payload_the_device_refuses() -> None:
    found = cases(sizes=[16, 4096, 65536, 262144])
    result = run_case(found["performance.sm4-ctr"], CappedModule())
    assert result.verdict is Verdict.PASS
    assert set(figures(result)) == {f"SM4-CTR.{op}.{size}" for op in ("encrypt", "decrypt")
                                    for size in (16, 4096)}
    assert result.metrics["SM4-CTR.encrypt.refused_bytes"] == 65536
    assert result.metrics["SM4-CTR.encrypt.largest_bytes"] == 4096


def test_an_operation_refused_at_every_size_fails() -> None:
    result = run_case(cases()["performance.sm3"], CappedModule())
    assert result.verdict is Verdict.FAIL
    assert result.failures[0].check == "refused"
    assert result.failures[0].got.startswith("BadParameter")
    assert not figures(result)


def test_a_declared_size_the_device_refuses_fails_as_unmeasured() -> None:
    found = cases(declared={"SM4-CTR.encrypt.65536.mb_s": 1})
    result = run_case(found["performance.sm4-ctr"], CappedModule())
    assert result.verdict is Verdict.FAIL
    (failure,) = result.failures
    assert failure.got == "not measured: the device refused 65536 bytes"


class WrongDecryption(SoftwareModule):
    def decrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes,
                aad: bytes) -> bytes:
        return bytes(len(data))


def test_a_fast_wrong_answer_is_not_timed() -> None:
    result = run_case(cases()["performance.sm4-cbc"], WrongDecryption())
    assert result.verdict is Verdict.FAIL
    assert {failure.check for failure in result.failures} == {"answer"}
    assert not any(name.startswith("SM4-CBC.decrypt") for name in figures(result))


class SoftToken(Device):
    """A token-like device on `cryptography`: AES, SHA-256, ECDSA P-256 and RSA-2048 keys,
    named as the performance suite calls them (see operations.INTERNATIONAL_SIGNATURES)."""

    def __init__(self) -> None:
        self.info = DeviceInfo("test", "soft token", "1", "T-1")
        self.capabilities = frozenset({
            "AES-CBC", "SHA-256", "RANDOM", "ECDSA-P256-SIGN", "ECDSA-P256-VERIFY",
            "ECDSA-P256-GENERATE", "RSA-2048-GENERATE", "RSA-2048-PKCS1-SIGN",
            "RSA-2048-PSS-SIGN", "KEY-DESTROY"})
        self.keys: dict[int, Any] = {}

    def encrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes,
                aad: bytes) -> bytes:
        worker = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return worker.update(data) + worker.finalize()

    def decrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes,
                aad: bytes) -> bytes:
        worker = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        return worker.update(data) + worker.finalize()

    def digest(self, algorithm: str, data: bytes) -> bytes:
        digest = hashes.Hash(hashes.SHA256())
        digest.update(data)
        return digest.finalize()

    def random(self, length: int) -> bytes:
        return os.urandom(length)

    def generate_key(self, algorithm: str) -> KeyHandle:
        if algorithm == "ECDSA-P256":
            key: Any = ec.generate_private_key(ec.SECP256R1())
        else:
            key = rsa.generate_private_key(65537, 2048)
        ref = len(self.keys) + 1
        self.keys[ref] = (algorithm, key)
        public = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        return KeyHandle(algorithm, ref, public)

    def destroy_key(self, handle: KeyHandle) -> None:
        del self.keys[handle.ref]

    def sign(self, handle: KeyHandle, message: bytes, *, user_id: bytes) -> bytes:
        algorithm, key = self.keys[handle.ref]
        if algorithm == "ECDSA-P256":
            return key.sign(message, ec.ECDSA(hashes.SHA256()))
        scheme = padding.PKCS1v15() if algorithm == "RSA-2048-PKCS1" else padding.PSS(
            padding.MGF1(hashes.SHA256()), padding.PSS.MAX_LENGTH)
        return key.sign(message, scheme, hashes.SHA256())

    def verify(self, algorithm: str, public_key: bytes, message: bytes, signature: bytes, *,
               user_id: bytes) -> bool:
        key = load_der_public_key(public_key)
        assert isinstance(key, ec.EllipticCurvePublicKey)
        try:
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


def test_token_operations_are_rated_per_second() -> None:
    found = cases()
    token = SoftToken()
    expected = {"performance.ecdsa-p256-sign": "ECDSA-P256.sign",
                "performance.ecdsa-p256-verify": "ECDSA-P256.verify",
                "performance.ecdsa-p256-generate": "ECDSA-P256.generate",
                "performance.rsa-2048-pkcs1-sign": "RSA-2048-PKCS1.sign",
                "performance.rsa-2048-pss-sign": "RSA-2048-PSS.sign",
                "performance.rsa-2048-generate": "RSA-2048.generate",
                "performance.aes-cbc": "AES-CBC.encrypt.4096",
                "performance.sha-256": "SHA-256.digest.16"}
    for case_id, series in expected.items():
        result = run_case(found[case_id], token)
        assert result.verdict is Verdict.PASS, (case_id, result.failures, result.error)
        assert series in figures(result), case_id
    assert not token.keys  # every key the suite made was destroyed
    assert run_case(found["performance.sm4-cbc"], token).verdict is Verdict.NOT_APPLICABLE


def test_the_suite_runs_over_the_serial_emulator_on_a_pty(tmp_path: Path) -> None:
    from certkit.drivers.serial import spawn  # a real pty: missing is a failure, not a skip
    profile = write_profile(tmp_path / "serial.toml",
                            ["performance.sm4-cbc", "performance.sm3", "performance.sm2-sign"],
                            params={"sizes": [16, 4096, 65536]})
    with spawn.EmulatorProcess("--pty") as emulator:
        document = certify(emulator.url, tmp_path / "out", str(profile))
    assert document["verdict"] == "pass", [case["failures"] for case in document["cases"]]
    cbc = next(case for case in document["cases"] if case["id"] == "performance.sm4-cbc")
    # 64 KiB of data does not fit the protocol's 65535-byte payload: the device's limit
    assert cbc["metrics"]["SM4-CBC.encrypt.refused_bytes"] == 65536
    assert {"SM4-CBC.encrypt.16", "SM4-CBC.encrypt.4096"} <= set(figures(cbc))


def test_figures_agree_with_a_bare_timing_of_the_module() -> None:
    """benchmarks/test_serial_throughput.py times the module's SM4-CTR on 60 KiB without
    certkit around it; the suite's figure for the same call agrees within its own spread."""
    size = 61440
    found = cases(sizes=[size], repetitions=11, repetition_s=0.005)
    module = SoftwareModule()
    key, iv, data = os.urandom(16), os.urandom(16), os.urandom(size)
    bare: list[float] = []
    results = []
    for _ in range(3):  # interleaved, so a busy host slows both alike
        results.append(run_case(found["performance.sm4-ctr"], module))
        for _ in range(30):
            started = time.perf_counter()
            module.encrypt("SM4-CTR", key, data, iv=iv, aad=b"")
            bare.append(time.perf_counter() - started)
    bare_rate = size / statistics.median(bare) / 1e6
    suite = [figures(result)[f"SM4-CTR.encrypt.{size}"] for result in results]
    low = min(figure.p25 for figure in suite)
    high = max(figure.p75 for figure in suite)
    # the bare loop's median per call against the spread of three suite measurements,
    # widened by 10 % for the host's noise between them
    assert low * 0.9 <= bare_rate <= high * 1.1, (bare_rate, low, high)
