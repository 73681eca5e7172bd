"""SM2 at the edges the standard defines: the all-zero KDF output, the private-key range,
public-key validation before encryption, the longest user ID ENTL can count, and the
shortest messages.

Each case is a standard's check (DESIGN.md, "Checks"): refused or not, output or none,
the right answer, with the clause it enforces; the refusal class is not judged here.
Keys and messages are made here from their definitions, so their source is the clause.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from certkit.cases import Case, SuiteContext
from certkit.checks import Checks, Probe
from certkit.device import Device
from certkit.errors import Refusal
from certkit.reference import sm2
from certkit.suites.conformance.negative import decrypt_case
from certkit.suites.kat.common import answer

ENCRYPT_A5 = "GB/T 32918.4-2016 6.1"
DECRYPT_B4 = "GB/T 32918.4-2016 7.1"
KEY_RANGE = "GB/T 32918.1-2016 6.1"
KEY_VALIDATION = "GB/T 32918.1-2016 6.2"
SIGN_CLAUSE = "GB/T 32918.2-2016 6.1"
ENTL_CLAUSE = "GB/T 32918.2-2016 5.5"
VERIFY_CLAUSE = "GB/T 32918.2-2016 7.1"
# A small private key: its public key is as good a point as any, and the reference decrypts
# thousands of ciphertexts under it in well under a second ([d]C1 with a 32-bit d). Its X
# (and those of SMALL_PRIVATE + 1, + 2) begins with neither a 0 nor a 4 hex digit, so a
# key-encoding defect (conformance.sm2-verify.key-encoding's) does not show here again.
SMALL_PRIVATE = 0x9E3779BA
DEFAULT_ENCRYPTIONS = 2500  # one-byte messages: P(no all-zero t among them) = 0.006 %
MAX_ID = 8191  # ENTL is the ID's length in bits, in two bytes
USER_ID = b"certkit edge check"
EMPTY_CIPHERTEXT = "C1 || SM3(x2 || y2), no C2"


def _one_byte_encryptions(count: int) -> Case:
    public = sm2.public_key_from_private(SMALL_PRIVATE)

    def run(device: Device, checks: Checks) -> None:
        for number in range(count):
            message = bytes([number % 256])
            ciphertext = answer(device.public_encrypt, "SM2", public, message)
            if not number & 0x3F:
                checks.progress(number, count, "encryptions")
            probe = Probe(f"encryption-{number + 1}", f"encryption {number + 1} of {count} of a "
                          "one-byte message", {"msg": message, "ct": ciphertext
                                               if isinstance(ciphertext, bytes) else b""})
            if not isinstance(ciphertext, bytes):
                checks.holds(probe, False, "a ciphertext", ciphertext, "encrypt", ENCRYPT_A5)
                continue
            # t = 0 gives C2 = M: A5 requires a new k then, so C2 never equals M
            checks.holds(probe, ciphertext[97:] != message or len(ciphertext) != 98,
                         "C2 != M (a new k whenever t is all zero)", "C2 = M: the plaintext "
                         "in clear, t was all zero", "encrypt", ENCRYPT_A5)
            try:
                plain = sm2.decrypt(SMALL_PRIVATE, ciphertext)
            except ValueError as exc:
                plain = f"the reference refuses it: {exc}"
            checks.equal(probe, message, plain, "reference decrypt", ENCRYPT_A5)

    return Case("conformance.sm2-encrypt.kdf-zero",
                f"SM2 encrypt: {count} one-byte messages, never C2 = M, each one decrypts",
                "conformance", frozenset({"SM2-ENCRYPT"}), (ENCRYPT_A5,), run,
                operations=count)


def _key_range(device: Device, checks: Checks) -> None:
    n = sm2.N
    for value, what in ((0, "d = 0"), (n - 1, "d = n - 1 (1 + d has no inverse)"),
                        (n, "d = n"), (n + 1, "d = n + 1"), (2**256 - 1, "d = 2^256 - 1")):
        private = value.to_bytes(32, "big")
        got = answer(device.import_key, "SM2", private)
        checks.refused(Probe(what, f"import of the private key {what}", {"d": private}),
                       got, "import", KEY_RANGE)
        if not isinstance(got, Refusal):
            answer(device.destroy_key, got)
    for value, what in ((1, "d = 1"), (n - 2, "d = n - 2")):
        private = value.to_bytes(32, "big")
        probe = Probe(what, f"import of the private key {what}, then a signature", {"d": private})
        handle = answer(device.import_key, "SM2", private)
        if isinstance(handle, Refusal):
            checks.holds(probe, False, "accepted: d lies in [1, n-2]", handle, "import",
                         KEY_RANGE)
            continue
        checks.equal(probe, sm2.public_key_from_private(value), handle.public_key,
                     "import public key", KEY_RANGE)
        # the default ID: this case is about keys (IDs are conformance.sm2-verify.binding's)
        signature = answer(device.sign, handle, b"abc", user_id=sm2.DEFAULT_ID)
        checks.holds(probe, isinstance(signature, bytes) and sm2.verify(
            handle.public_key, b"abc", sm2.DEFAULT_ID, signature),
            "a signature the reference verifies", signature, "sign", SIGN_CLAUSE)
        answer(device.destroy_key, handle)


def _invalid_public_keys() -> list[tuple[str, bytes]]:
    valid = sm2.public_key_from_private(SMALL_PRIVATE)
    x, y = valid[1:33], valid[33:]
    y_plus_1 = ((int.from_bytes(y, "big") + 1) % sm2.P).to_bytes(32, "big")
    return [("(x, y + 1), off the curve", b"\x04" + x + y_plus_1),
            ("04 || 0 || 0, the point at infinity", b"\x04" + bytes(64)),
            ("X = p", b"\x04" + sm2.P.to_bytes(32, "big") + y),
            ("prefix 05", b"\x05" + x + y)]


def _encrypt_to_invalid_keys(device: Device, checks: Checks) -> None:
    for what, key in _invalid_public_keys():
        got = answer(device.public_encrypt, "SM2", key, b"secret")
        checks.refused(Probe(what, f"encryption to the public key {what}", {"publicKey": key}),
                       got, "encrypt", KEY_VALIDATION)


def _id_lengths(device: Device, checks: Checks) -> None:
    private = (SMALL_PRIVATE + 1).to_bytes(32, "big")
    handle = device.import_key("SM2", private)
    public = handle.public_key
    longest = bytes(range(256)) * (MAX_ID // 256) + bytes(MAX_ID % 256)
    too_long = longest + b"\x01"
    message = b"a message signed under a long ID"
    probe = Probe(f"ID of {MAX_ID} bytes", "the longest ID ENTL counts", {"uid": longest[:64]})
    signature = answer(device.sign, handle, message, user_id=longest)
    checks.holds(probe, isinstance(signature, bytes) and sm2.verify(public, message, longest,
                                                                    signature),
                 "a signature the reference verifies under the whole ID", signature, "sign",
                 ENTL_CLAUSE)
    reference = sm2.sign(SMALL_PRIVATE + 1, message, longest)
    checks.equal(probe, True, answer(device.verify, "SM2", public, message, reference,
                                     user_id=longest), "verify", ENTL_CLAUSE)
    over = Probe(f"ID of {MAX_ID + 1} bytes", "one byte more than ENTL counts (its bit length "
                 "wraps to 0 in two bytes)", {"uid": too_long[:64]})
    checks.refused(over, answer(device.sign, handle, message, user_id=too_long), "sign",
                   ENTL_CLAUSE)
    # a signature made as a module that wraps ENTL would make it: never valid
    wrapped = _sign_with_wrapped_entl(SMALL_PRIVATE + 1, public, message, too_long)
    checks.rejected(over, answer(device.verify, "SM2", public, message, wrapped,
                                 user_id=too_long), "verify", ENTL_CLAUSE)
    answer(device.destroy_key, handle)


def _sign_with_wrapped_entl(d: int, public: bytes, message: bytes, user_id: bytes) -> bytes:
    """A signature as a module whose two-byte ENTL wraps would make it."""
    z = sm2.z_with_entl(8 * len(user_id), user_id, public)
    e = int.from_bytes(hashlib.new("sm3", z + message).digest(), "big")
    r, s = sm2.sign_digest(d, e, 0x1234567)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _short_messages(device: Device, checks: Checks) -> None:
    # the default ID: this case is about messages (conformance.sm2-verify.binding judges IDs)
    private = (SMALL_PRIVATE + 2).to_bytes(32, "big")
    handle = device.import_key("SM2", private)
    for message in (b"", b"\x00"):
        probe = Probe(f"{len(message)}-byte message", f"sign and verify a {len(message)}-byte "
                      "message", {"msg": message})
        signature = answer(device.sign, handle, message, user_id=sm2.DEFAULT_ID)
        checks.holds(probe, isinstance(signature, bytes) and sm2.verify(
            handle.public_key, message, sm2.DEFAULT_ID, signature),
            "a signature the reference verifies", signature, "sign", SIGN_CLAUSE)
        reference = sm2.sign(SMALL_PRIVATE + 2, message, sm2.DEFAULT_ID)
        checks.equal(probe, True, answer(device.verify, "SM2", handle.public_key, message,
                                         reference, user_id=sm2.DEFAULT_ID), "verify",
                     VERIFY_CLAUSE)
    answer(device.destroy_key, handle)


def _empty_encryption(device: Device, checks: Checks) -> None:
    """GB/T 32918.4 encrypts bit strings of length klen > 0 and says nothing of klen = 0:
    refusing is right, and so is C1 || C3 with no C2 when C3 = SM3(x2 || y2)."""
    public = sm2.public_key_from_private(SMALL_PRIVATE)
    got = answer(device.public_encrypt, "SM2", public, b"")
    probe = Probe("empty message", "encryption of an empty message",
                  {"ct": got if isinstance(got, bytes) else b""})
    # `either` compares with the right answer; for a ciphertext, "right" is what decrypts
    answered = got if not isinstance(got, bytes) else (
        EMPTY_CIPHERTEXT if _empty_ciphertext_ok(got) else got)
    checks.either(probe, EMPTY_CIPHERTEXT, answered, "encrypt", ENCRYPT_A5)


def _empty_ciphertext_ok(ciphertext: bytes) -> bool:
    if len(ciphertext) != 97:
        return False
    try:
        x1, y1 = sm2.decode_public_key(ciphertext[:65])
    except ValueError:
        return False
    shared = sm2.scalar_mult(SMALL_PRIVATE, x1, y1)
    assert shared is not None
    x2, y2 = (value.to_bytes(32, "big") for value in shared)
    return hashlib.new("sm3", x2 + y2).digest() == ciphertext[65:]


def cases(ctx: SuiteContext) -> Iterator[Case]:
    count = int(ctx.params.get("sm2_zero_kdf_encryptions", DEFAULT_ENCRYPTIONS))
    yield _one_byte_encryptions(count)
    yield decrypt_case("conformance.sm2-decrypt.kdf-zero",
                       "SM2 decrypt: a ciphertext whose KDF output is all zero is refused",
                       list(ctx.vectors.load("sm2/decrypt_zero_kdf.json")), (DECRYPT_B4,))
    yield Case("conformance.sm2-keys.range",
               "SM2 keys: private keys outside [1, n-2] are refused, 1 and n-2 work",
               "conformance", frozenset({"SM2-IMPORT", "SM2-SIGN"}), (KEY_RANGE, SIGN_CLAUSE),
               _key_range)
    yield Case("conformance.sm2-encrypt.public-key",
               "SM2 encrypt: a public key off the curve, at infinity or malformed is refused",
               "conformance", frozenset({"SM2-ENCRYPT"}), (KEY_VALIDATION,),
               _encrypt_to_invalid_keys)
    yield Case("conformance.sm2-sign.id-length",
               f"SM2 IDs: {MAX_ID} bytes sign and verify, {MAX_ID + 1} are refused",
               "conformance", frozenset({"SM2-IMPORT", "SM2-SIGN", "SM2-VERIFY"}),
               (ENTL_CLAUSE,), _id_lengths)
    yield Case("conformance.sm2-sign.short-messages",
               "SM2 sign and verify: empty and one-byte messages", "conformance",
               frozenset({"SM2-IMPORT", "SM2-SIGN", "SM2-VERIFY"}),
               (SIGN_CLAUSE, VERIFY_CLAUSE), _short_messages)
    yield Case("conformance.sm2-encrypt.empty",
               "SM2 encrypt: an empty message is refused or encrypted as C1 || C3",
               "conformance", frozenset({"SM2-ENCRYPT"}), (ENCRYPT_A5,), _empty_encryption)
