"""Negative and edge vectors: what a conforming module must reject.

Each case covers one class of defect, so a product's defect is reported once, by
the case named for it. Two kinds of check (DESIGN.md, "Checks"):

* the standard's: an invalid vector is refused and nothing is output (GB/T 32918
  says "reject", never with which error), an invalid signature does not verify
  (False or a refusal), and an `acceptable` vector (what a standard allows without
  requiring: a compressed point, a 65-byte GCM IV) passes refused or answered
  right;
* the serial protocol's, on devices that speak it only: malformed fields are
  BadParameter (checked before any content), a failed integrity check is
  AuthFailed, and a well-formed signature that does not verify is `False`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from certkit.cases import Case, SuiteContext
from certkit.checks import Checks
from certkit.device import SERIAL_PROTOCOL, Device
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
VERIFY_CLAUSE = "GB/T 32918.2-2016 7.1"
DECRYPT_CLAUSE = "GB/T 32918.4-2016 7.1"
MODES_CLAUSE = "GB/T 17964-2021"
GCM_CLAUSE = "NIST SP 800-38D 7.2"
PROTOCOL = "serial-protocol.md (field rules, check order)"
REFUSAL_BY_FLAG: dict[str, type[Refusal]] = {
    "IntegrityCheck": AuthFailed, "C1C2C3Order": AuthFailed, "ModifiedTag": AuthFailed,
    "ModifiedCiphertext": AuthFailed, "ModifiedAad": AuthFailed, "TruncatedTag": AuthFailed,
    "InvalidPoint": BadParameter, "Truncated": BadParameter, "InvalidPublicKey": BadParameter,
    "SignatureLength": BadParameter, "Unaligned": BadParameter, "BadKeyLength": BadParameter,
    "BadIvLength": BadParameter, "CompressedPoint": BadParameter, "RawPublicKey": BadParameter,
    "IvIgnored": BadParameter, "LongIv": BadParameter,
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


def speaks_serial_protocol(device: Device) -> bool:
    return SERIAL_PROTOCOL in device.interfaces


def judge_invalid(checks: Checks, device: Device, vector: TestVector, got: object,
                  check: str, clause: str, default: type[Refusal]) -> None:
    """The standard's "refused, no output", then the serial protocol's refusal class."""
    checks.refused(vector, got, check, clause)
    if speaks_serial_protocol(device) and isinstance(got, Refusal):
        checks.interface_refusal(vector, (expected_refusal(vector) or default,), got, check,
                                 PROTOCOL)


def judge_acceptable(checks: Checks, device: Device, vector: TestVector, correct: object,
                     got: object, check: str, clause: str) -> None:
    """Either answer passes the standard; the serial protocol may still forbid the input."""
    checks.either(vector, correct, got, check, clause)
    refusal = expected_refusal(vector)
    if speaks_serial_protocol(device) and refusal is not None:
        checks.interface_refusal(vector, (refusal,), got, check, PROTOCOL)


def _verify_case(case_id: str, title: str, vectors: list[TestVector],
                 clauses: tuple[str, ...]) -> Case:
    def run(device: Device, checks: Checks) -> None:
        serial = speaks_serial_protocol(device)
        for vector in vectors:
            assert isinstance(vector, Sm2SignatureVector)
            got = answer(device.verify, "SM2", vector.public_key, vector.msg, vector.sig,
                         user_id=vector.uid)
            if vector.result is Result.VALID:
                checks.equal(vector, True, got, "verify", VERIFY_CLAUSE)
                continue
            if vector.result is Result.ACCEPTABLE:
                judge_acceptable(checks, device, vector, True, got, "verify", VERIFY_CLAUSE)
                continue
            checks.rejected(vector, got, "verify", VERIFY_CLAUSE)
            if serial:
                refusal = expected_refusal(vector)
                if refusal is None:
                    checks.equal(vector, False, got, "verify", PROTOCOL)
                elif isinstance(got, Refusal) or got is False:
                    checks.interface_refusal(vector, (refusal,), got, "verify", PROTOCOL)

    return Case(case_id, title, "conformance", frozenset({"SM2-VERIFY"}), clauses, run)


def decrypt_case(case_id: str, title: str, vectors: list[TestVector],
                  clauses: tuple[str, ...]) -> Case:
    def run(device: Device, checks: Checks) -> None:
        handles = {}
        for vector in vectors:
            assert isinstance(vector, Sm2EncryptionVector)
            if vector.private_key not in handles:
                handles[vector.private_key] = device.import_key("SM2", vector.private_key)
            got = answer(device.private_decrypt, handles[vector.private_key], vector.ct)
            if vector.result is Result.VALID:
                checks.equal(vector, vector.msg, got, "decrypt", DECRYPT_CLAUSE)
            elif vector.result is Result.ACCEPTABLE:
                judge_acceptable(checks, device, vector, vector.msg, got, "decrypt",
                                 DECRYPT_CLAUSE)
            else:
                judge_invalid(checks, device, vector, got, "decrypt", DECRYPT_CLAUSE, AuthFailed)
        for handle in handles.values():
            answer(device.destroy_key, handle)

    return Case(case_id, title, "conformance", frozenset({"SM2-IMPORT", "SM2-DECRYPT"}),
                clauses, run)


def _cipher_refusal_case(case_id: str, algorithm: str, vectors: list[TestVector]) -> Case:
    def run(device: Device, checks: Checks) -> None:
        for vector in vectors:
            assert isinstance(vector, CipherVector)
            encrypted = answer(device.encrypt, algorithm, vector.key, vector.msg, iv=vector.iv,
                               aad=b"")
            decrypted = answer(device.decrypt, algorithm, vector.key, vector.ct or vector.msg,
                               iv=vector.iv, aad=b"")
            if vector.result is Result.ACCEPTABLE:
                judge_acceptable(checks, device, vector, vector.ct, encrypted, "encrypt",
                                 MODES_CLAUSE)
                judge_acceptable(checks, device, vector, vector.msg, decrypted, "decrypt",
                                 MODES_CLAUSE)
                continue
            for direction, got in (("encrypt", encrypted), ("decrypt", decrypted)):
                judge_invalid(checks, device, vector, got, direction, MODES_CLAUSE, BadParameter)

    return Case(case_id, f"{algorithm}: malformed lengths are refused",
                "conformance", frozenset({algorithm}), (MODES_CLAUSE, PROTOCOL), run)


def _aead_refusal_case(case_id: str, algorithm: str, title: str, vectors: list[TestVector],
                       clauses: tuple[str, ...]) -> Case:
    def run(device: Device, checks: Checks) -> None:
        for vector in vectors:
            assert isinstance(vector, AeadVector)
            sealed = vector.ct + vector.tag
            got = answer(device.decrypt, algorithm, vector.key, sealed, iv=vector.iv,
                         aad=vector.aad)
            if vector.result is Result.VALID:
                checks.equal(vector, vector.msg, got, "decrypt", clauses[-1])
            elif vector.result is Result.ACCEPTABLE:
                judge_acceptable(checks, device, vector, vector.msg, got, "decrypt",
                                 clauses[-1])
            else:
                judge_invalid(checks, device, vector, got, "decrypt", clauses[-1], AuthFailed)

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
        "SM2 verify: malformed signatures and public keys are rejected",
        list(load("sm2/verify_malformed.json")), (SIGNATURE, PROTOCOL))
    special_keys = [v for v in load("sm2/sign_keys.json")
                    if KEY_ENCODING_FLAGS & set(v.flags) and getattr(v, "uid", None) == DEFAULT_ID]
    yield _verify_case(
        "conformance.sm2-verify.key-encoding",
        "SM2 verify: public keys whose X or Y begins with 00, 04 or 40 bytes are parsed right",
        special_keys, ("GB/T 32918.1-2016 (point encoding)", SIGNATURE))
    yield decrypt_case(
        "conformance.sm2-decrypt.integrity",
        "SM2 decrypt: altered C1, C2 or C3 fails the C3 check (refused, no plaintext)",
        _select(integrity, {"IntegrityCheck", "C1C2C3Order"}), (ENCRYPTION,))
    yield decrypt_case(
        "conformance.sm2-decrypt.points",
        "SM2 decrypt: C1 off the curve, at infinity or malformed, and short ciphertexts, "
        "are refused",
        _select(integrity, {"InvalidPoint", "Truncated"}) + list(load("sm2/decrypt_points.json")),
        (ENCRYPTION, PROTOCOL))
    yield _cipher_refusal_case("conformance.sm4-ecb.malformed", "SM4-ECB",
                               list(load("sm4/ecb_invalid.json")))
    yield _cipher_refusal_case("conformance.sm4-cbc.malformed", "SM4-CBC",
                               list(load("sm4/cbc_invalid.json")))
    gcm_invalid = list(load("sm4/gcm_invalid.json"))
    yield _aead_refusal_case(
        "conformance.sm4-gcm.tamper", "SM4-GCM",
        "SM4-GCM: altered tag, ciphertext or AAD and truncated tags are refused",
        [v for v in load("sm4/gcm.json") if v.result is not Result.VALID]
        + _select(gcm_invalid, {"TruncatedTag"}),
        ("GB/T 36624-2018", "NIST SP 800-38D 7.2"))
    yield _aead_refusal_case(
        "conformance.sm4-gcm.iv-length", "SM4-GCM",
        "SM4-GCM: an empty IV is refused; a 65-byte IV is refused or used as GCM defines",
        [v for v in gcm_invalid if "BadIvLength" in v.flags],
        (PROTOCOL, "NIST SP 800-38D 5.2.1.1"))
    yield _aead_refusal_case(
        "conformance.sm4-ccm.tamper", "SM4-CCM",
        "SM4-CCM: altered tag, ciphertext or AAD are refused",
        [v for v in load("sm4/ccm.json") if v.result is not Result.VALID],
        ("RFC 8998 Appendix A.2", "NIST SP 800-38C 6.2"))
