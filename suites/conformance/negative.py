"""Negative and edge vectors: what a conforming module must reject, and with which answer.

Each case covers one class of defect, so a product's defect is reported
once, by the case named for it. Expected refusals follow the serial
protocol's rules: malformed fields are BadParameter (checked before any
content), a failed integrity check is AuthFailed with no plaintext, and a
well-formed signature that does not verify is `False`, not an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from certkit.cases import Case, SuiteContext
from certkit.checks import Checks
from certkit.device import Device
from certkit.errors import AuthFailed, BadParameter, Refusal
from certkit.reference.sm2 import DEFAULT_ID
from certkit.suites.kat.common import answer
from certkit.vectors import (
    AeadVector,
    CipherVector,
    Result,
    Sm2EncryptionVector,
    Sm2SignatureVector,
    TestVector,
)

SIGNATURE = "GB/T 32918.2-2016"
ENCRYPTION = "GB/T 32918.4-2016"
PROTOCOL = "serial-protocol.md (field rules, check order)"
REFUSAL_BY_FLAG: dict[str, type[Refusal]] = {
    "IntegrityCheck": AuthFailed, "C1C2C3Order": AuthFailed, "ModifiedTag": AuthFailed,
    "ModifiedCiphertext": AuthFailed, "ModifiedAad": AuthFailed, "TruncatedTag": AuthFailed,
    "InvalidPoint": BadParameter, "Truncated": BadParameter, "InvalidPublicKey": BadParameter,
    "SignatureLength": BadParameter, "Unaligned": BadParameter, "BadKeyLength": BadParameter,
    "BadIvLength": BadParameter,
}
KEY_ENCODING_FLAGS = {"PublicXLeadingZero", "PublicYLeadingZero", "PublicXBegins04",
                      "PublicXBegins40"}


def expected_refusal(vector: TestVector) -> type[Refusal] | None:
    """The refusal a vector's flags call for; BadParameter wins, as it is checked first."""
    found = {REFUSAL_BY_FLAG[flag] for flag in vector.flags if flag in REFUSAL_BY_FLAG}
    if BadParameter in found:
        return BadParameter
    return found.pop() if found else None


def _select(vectors: Iterable[TestVector], flags: set[str]) -> list[TestVector]:
    """Valid vectors (the baseline a module must still accept) and those with `flags`."""
    return [v for v in vectors if v.result is Result.VALID or flags & set(v.flags)]


def _verify_case(case_id: str, title: str, vectors: list[TestVector],
                 clauses: tuple[str, ...]) -> Case:
    def run(device: Device, checks: Checks) -> None:
        for vector in vectors:
            assert isinstance(vector, Sm2SignatureVector)
            got = answer(device.verify, "SM2", vector.public_key, vector.msg, vector.sig,
                         user_id=vector.uid)
            refusal = expected_refusal(vector)
            expected: object = refusal if refusal else vector.result is Result.VALID
            checks.equal(vector, expected, got, "verify")

    return Case(case_id, title, "conformance", frozenset({"SM2-VERIFY"}), clauses, run)


def _decrypt_case(case_id: str, title: str, vectors: list[TestVector],
                  clauses: tuple[str, ...]) -> Case:
    def run(device: Device, checks: Checks) -> None:
        handles = {}
        for vector in vectors:
            assert isinstance(vector, Sm2EncryptionVector)
            if vector.private_key not in handles:
                handles[vector.private_key] = device.import_key("SM2", vector.private_key)
            got = answer(device.private_decrypt, handles[vector.private_key], vector.ct)
            refusal = expected_refusal(vector)
            if vector.result is Result.VALID:
                checks.equal(vector, vector.msg, got, "decrypt")
            else:
                checks.equal(vector, refusal or AuthFailed, got, "decrypt")
        for handle in handles.values():
            answer(device.destroy_key, handle)

    return Case(case_id, title, "conformance", frozenset({"SM2-IMPORT", "SM2-DECRYPT"}),
                clauses, run)


def _cipher_refusal_case(case_id: str, algorithm: str, vectors: list[TestVector]) -> Case:
    def run(device: Device, checks: Checks) -> None:
        for vector in vectors:
            assert isinstance(vector, CipherVector)
            refusal = expected_refusal(vector) or BadParameter
            for direction, call in (("encrypt", device.encrypt), ("decrypt", device.decrypt)):
                got = answer(call, algorithm, vector.key, vector.msg, iv=vector.iv, aad=b"")
                checks.equal(vector, refusal, got, direction)

    return Case(case_id, f"{algorithm}: malformed lengths are refused with BadParameter",
                "conformance", frozenset({algorithm}), ("GB/T 17964-2021", PROTOCOL), run)


def _aead_refusal_case(case_id: str, algorithm: str, title: str, vectors: list[TestVector],
                       clauses: tuple[str, ...]) -> Case:
    def run(device: Device, checks: Checks) -> None:
        for vector in vectors:
            assert isinstance(vector, AeadVector)
            sealed = vector.ct + vector.tag
            got = answer(device.decrypt, algorithm, vector.key, sealed, iv=vector.iv,
                         aad=vector.aad)
            if vector.result is Result.VALID:
                checks.equal(vector, vector.msg, got, "decrypt")
            else:
                checks.equal(vector, expected_refusal(vector) or AuthFailed, got, "decrypt")

    return Case(case_id, title, "conformance", frozenset({algorithm}), clauses, run)


def cases(ctx: SuiteContext) -> Iterator[Case]:
    load = ctx.vectors.load
    verify_range = list(load("sm2/verify_range.json"))
    integrity = list(load("sm2/decrypt_integrity.json"))
    yield _verify_case(
        "conformance.sm2-verify.range",
        "SM2 verify: r or s of 0, n, above n, or r + s = n is rejected",
        _select(verify_range, {"RangeCheck", "ZeroT", "OutOfRangeEncoding"}), (SIGNATURE,))
    yield _verify_case(
        "conformance.sm2-verify.binding",
        "SM2 verify: a signature binds the message, the signer's ID and public key, r and s",
        _select(verify_range, {"WrongId", "WrongKey", "ModifiedMessage", "ModifiedSignature",
                               "SwappedRS"}), (SIGNATURE,))
    yield _verify_case(
        "conformance.sm2-verify.malformed",
        "SM2 verify: malformed signatures and public keys are BadParameter",
        list(load("sm2/verify_malformed.json")), (SIGNATURE, PROTOCOL))
    special_keys = [v for v in load("sm2/sign_keys.json")
                    if KEY_ENCODING_FLAGS & set(v.flags) and getattr(v, "uid", None) == DEFAULT_ID]
    yield _verify_case(
        "conformance.sm2-verify.key-encoding",
        "SM2 verify: public keys whose X or Y begins with 00, 04 or 40 bytes are parsed right",
        special_keys, ("GB/T 32918.1-2016 (point encoding)", SIGNATURE))
    yield _decrypt_case(
        "conformance.sm2-decrypt.integrity",
        "SM2 decrypt: altered C1, C2 or C3 fails the C3 check (AuthFailed, no plaintext)",
        _select(integrity, {"IntegrityCheck", "C1C2C3Order"}), (ENCRYPTION,))
    yield _decrypt_case(
        "conformance.sm2-decrypt.points",
        "SM2 decrypt: C1 off the curve, at infinity or malformed, and short ciphertexts, "
        "are BadParameter",
        _select(integrity, {"InvalidPoint", "Truncated"}) + list(load("sm2/decrypt_points.json")),
        (ENCRYPTION, PROTOCOL))
    yield _cipher_refusal_case("conformance.sm4-ecb.malformed", "SM4-ECB",
                               list(load("sm4/ecb_invalid.json")))
    yield _cipher_refusal_case("conformance.sm4-cbc.malformed", "SM4-CBC",
                               list(load("sm4/cbc_invalid.json")))
    gcm_invalid = list(load("sm4/gcm_invalid.json"))
    yield _aead_refusal_case(
        "conformance.sm4-gcm.tamper", "SM4-GCM",
        "SM4-GCM: altered tag, ciphertext or AAD and truncated tags are AuthFailed",
        [v for v in load("sm4/gcm.json") if v.result is not Result.VALID]
        + _select(gcm_invalid, {"TruncatedTag"}),
        ("GB/T 36624-2018", "NIST SP 800-38D 7.2"))
    yield _aead_refusal_case(
        "conformance.sm4-gcm.iv-length", "SM4-GCM",
        "SM4-GCM: an empty or 65-byte IV is BadParameter",
        [v for v in gcm_invalid if "BadIvLength" in v.flags], (PROTOCOL,))
    yield _aead_refusal_case(
        "conformance.sm4-ccm.tamper", "SM4-CCM",
        "SM4-CCM: altered tag, ciphertext or AAD are AuthFailed",
        [v for v in load("sm4/ccm.json") if v.result is not Result.VALID],
        ("RFC 8998 Appendix A.2", "NIST SP 800-38C 6.2"))
