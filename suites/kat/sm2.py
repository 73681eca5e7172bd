"""SM2 on the recommended curve: the standard's examples and interoperability with the reference.

Randomised operations (signing, encryption, key generation) cannot be
compared with fixed answers, so the device's output is checked by
certkit's reference SM2 (proved against GB/T 32918 and cross-checked with
Tongsuo and OpenSSL in certkit's own tests), and the reference's output is
given to the device.
"""

from __future__ import annotations

from collections.abc import Iterator

from certkit.cases import Case, SuiteContext
from certkit.checks import Checks, Probe
from certkit.device import Device
from certkit.reference import sm2
from certkit.vectors import Sm2EncryptionVector, Sm2SignatureVector

from .common import answer, only_valid

SIGNATURE = "GB/T 32918.2-2016"
ENCRYPTION = "GB/T 32918.4-2016"
EXAMPLES = "GB/T 32918.5-2017"
REFERENCE = "certkit.reference.sm2"


def _reference_verifies(public_key: bytes, message: bytes, user_id: bytes, sig: object) -> bool:
    return isinstance(sig, bytes) and sm2.verify(public_key, message, user_id, sig)


def _verify_case(vector_files: list, case_id: str, title: str, clauses: tuple[str, ...]) -> Case:
    def run(device: Device, checks: Checks) -> None:
        for vectors in vector_files:
            for vector in vectors:
                assert isinstance(vector, Sm2SignatureVector)
                got = answer(device.verify, "SM2", vector.public_key, vector.msg, vector.sig,
                             user_id=vector.uid)
                checks.equal(vector, True, got, "verify")

    return Case(case_id, title, "kat", frozenset({"SM2-VERIFY"}), clauses, run)


def _sign_case(vectors: list[Sm2SignatureVector], case_id: str, title: str,
               clauses: tuple[str, ...]) -> Case:
    def run(device: Device, checks: Checks) -> None:
        handles = {}
        for vector in vectors:
            if vector.private_key not in handles:
                handle = device.import_key("SM2", vector.private_key)
                handles[vector.private_key] = handle
                checks.equal(vector, vector.public_key, handle.public_key, "import public key")
            signature = answer(device.sign, handles[vector.private_key], vector.msg,
                               user_id=vector.uid)
            checks.holds(vector, _reference_verifies(vector.public_key, vector.msg, vector.uid,
                                                     signature),
                         f"a signature that {REFERENCE} verifies", signature, "sign")
        for handle in handles.values():
            answer(device.destroy_key, handle)

    return Case(case_id, title, "kat", frozenset({"SM2-IMPORT", "SM2-SIGN"}), clauses, run)


def _decrypt_case(vectors: list[Sm2EncryptionVector], case_id: str, title: str,
                  clauses: tuple[str, ...], *, fresh: bool) -> Case:
    """Device decryption of fixed ciphertexts and, with `fresh`, of new reference ones."""

    def run(device: Device, checks: Checks) -> None:
        handles = {}
        for vector in vectors:
            if vector.private_key not in handles:
                handles[vector.private_key] = device.import_key("SM2", vector.private_key)
            handle = handles[vector.private_key]
            checks.equal(vector, vector.msg, answer(device.private_decrypt, handle, vector.ct),
                         "decrypt")
            if fresh:
                ciphertext = sm2.encrypt(vector.public_key, vector.msg)
                probe = Probe(vector.tc_id, f"{vector.comment} (fresh {REFERENCE} ciphertext)",
                              {"publicKey": vector.public_key, "ct": ciphertext})
                checks.equal(probe, vector.msg, answer(device.private_decrypt, handle,
                                                       ciphertext), "decrypt")
        for handle in handles.values():
            answer(device.destroy_key, handle)

    return Case(case_id, title, "kat", frozenset({"SM2-IMPORT", "SM2-DECRYPT"}), clauses, run)


def _encrypt_case(vectors: list[Sm2EncryptionVector]) -> Case:
    def run(device: Device, checks: Checks) -> None:
        for vector in vectors:
            ciphertext = answer(device.public_encrypt, "SM2", vector.public_key, vector.msg)
            if not isinstance(ciphertext, bytes):
                checks.equal(vector, "a ciphertext", ciphertext, "encrypt")
                continue
            try:
                plaintext: object = sm2.decrypt(int.from_bytes(vector.private_key, "big"),
                                                ciphertext)
            except ValueError as exc:
                plaintext = f"{REFERENCE} refused it: {exc}"
            checks.equal(vector, vector.msg, plaintext, f"encrypt, then {REFERENCE} decrypts")

    return Case("kat.sm2-encrypt.interop", "SM2: device encryption, reference decryption",
                "kat", frozenset({"SM2-ENCRYPT"}), (ENCRYPTION,), run)


def _generate_case(count: int) -> Case:
    user_id = b"certkit generated-key check"
    message = b"pair-wise consistency"

    def run(device: Device, checks: Checks) -> None:
        for number in range(1, count + 1):
            handle = device.generate_key("SM2")
            probe = Probe(number, "generated key", {"publicKey": handle.public_key})
            try:
                sm2.decode_public_key(handle.public_key)
                valid_point: object = True
            except ValueError as exc:
                valid_point = str(exc)
            checks.equal(probe, True, valid_point, "public key is a point on the curve")
            signature = answer(device.sign, handle, message, user_id=user_id)
            checks.holds(probe, _reference_verifies(handle.public_key, message, user_id,
                                                    signature),
                         f"a signature that {REFERENCE} verifies under the generated public key",
                         signature, "sign with generated key")
            answer(device.destroy_key, handle)

    return Case("kat.sm2.generate", "SM2: generated keys are on the curve and sign consistently",
                "kat", frozenset({"SM2-GENERATE", "SM2-SIGN"}),
                (SIGNATURE, "GM/T 0028-2014 7.10.3 (pair-wise consistency)"), run)


def cases(ctx: SuiteContext) -> Iterator[Case]:
    load = ctx.vectors.load
    example_sig = load("sm2/sign_gbt32918.json")
    keys_sig = only_valid(load("sm2/sign_keys.json"), "kat.sm2-sign.interop")
    example_enc = only_valid(load("sm2/encrypt_gbt32918.json"), "kat.sm2-decrypt.gbt32918")
    keys_enc = only_valid(load("sm2/encrypt_keys.json"), "kat.sm2-decrypt.interop")

    yield _verify_case([only_valid(example_sig, "kat.sm2-verify.gbt32918")],
                       "kat.sm2-verify.gbt32918", "SM2: verify the standard's signature example",
                       (f"{EXAMPLES} Annex A", SIGNATURE))
    yield _sign_case(list(example_sig), "kat.sm2-sign.gbt32918",
                     "SM2: sign with the standard's key, reference verifies",
                     (f"{EXAMPLES} Annex A", SIGNATURE))
    yield _decrypt_case(list(example_enc), "kat.sm2-decrypt.gbt32918",
                        "SM2: decrypt the standard's encryption example",
                        (f"{EXAMPLES} Annex C", ENCRYPTION), fresh=False)
    yield _verify_case([keys_sig], "kat.sm2-verify.vectors",
                       "SM2: verify signatures under special keys and IDs", (SIGNATURE,))
    yield _sign_case(list(keys_sig), "kat.sm2-sign.interop",
                     "SM2: device signs under special keys and IDs, reference verifies",
                     (SIGNATURE,))
    yield _encrypt_case(list(keys_enc))
    yield _decrypt_case(list(keys_enc), "kat.sm2-decrypt.interop",
                        "SM2: device decrypts fixed and fresh reference ciphertexts",
                        (ENCRYPTION,), fresh=True)
    yield _generate_case(int(ctx.params.get("generated_keys", 3)))
