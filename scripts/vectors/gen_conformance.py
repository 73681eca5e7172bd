"""Generate the conformance suite's malformed-input vectors: what a module must refuse.

Every vector here is derived from a valid one (the GB/T 32918.5 examples, or
seeded SM4 inputs) by one change that makes it malformed; the expected
refusal (BadParameter or AuthFailed) follows serial-protocol.md's field
rules and check order. The script asserts that certkit's reference SM2 and
the OpenSSL command line (where it can express the input) both refuse each
one, and that OpenSSL (cryptography) and Tongsuo both refuse the SM4 ones.

    python scripts/vectors/gen_conformance.py [--check] [--only PATH]
"""

from __future__ import annotations

import sys

import implementations as impl
import vectorgen  # first: it puts the source tree and tests/ on sys.path
from gen_sm2 import GBT, GBT_CT, GBT_D, GBT_PUBLIC, GBT_SIG, GBT_SIGN_MSG, REFERENCE
from vectorgen import DEFAULT_ID, VectorFile

import interop
from certkit.reference import sm2

SCRIPT = "gen_conformance.py"
PROTOCOL = "certkit serial-protocol.md (normative field rules)"
NOTES = {
    "SignatureLength": "A raw r || s signature is exactly 64 bytes; any other length (including "
                       "DER) is BadParameter, not a verification result.",
    "DerSignature": "The signature is in the DER form of GM/T 0009; the raw form is required.",
    "InvalidPublicKey": "The public key is not 04 || X || Y of a point on the curve: "
                        "BadParameter.",
    "InvalidPoint": "C1 is not an uncompressed point on the curve (infinity, compressed, wrong "
                    "prefix, coordinate >= p, off the curve): BadParameter, not AuthFailed.",
    "InfinityPoint": "C1 encodes the point at infinity. The recommended curve has cofactor 1, "
                     "so infinity is the only point of small order.",
    "Truncated": "The ciphertext is shorter than C1 || C3 || one byte of C2 (98 bytes).",
    "Unaligned": "ECB and CBC take whole 16-byte blocks only; there is no padding.",
    "BadKeyLength": "SM4 keys are 16 bytes.",
    "BadIvLength": "The IV has a length the mode does not take.",
    "TruncatedTag": "The tag was cut short: the module reads a wrong 16-byte tag and must refuse.",
}


def _openssl_refuses_key(public_key: bytes) -> bool:
    try:
        return not interop.openssl_verify(public_key, GBT_SIGN_MSG, DEFAULT_ID, GBT_SIG)
    except (RuntimeError, ValueError):
        return True


def _reference_refuses_key(public_key: bytes) -> bool:
    try:
        return not sm2.verify(public_key, GBT_SIGN_MSG, DEFAULT_ID, GBT_SIG)
    except ValueError:
        return True


def verify_malformed() -> VectorFile:
    agreed = [REFERENCE, "OpenSSL command line (openssl pkeyutl)"]
    out = VectorFile("sm2/verify_malformed.json", "SM2-VERIFY", "sm2-signature",
                     vectorgen.LICENCE_GENERATED,
                     generator=vectorgen.generator_info(SCRIPT, agreed), notes=NOTES)
    out.group(PROTOCOL, "SM2_VERIFY: signature 64 bytes",
              method=f"{SCRIPT}: the {GBT} Annex A signature re-encoded at other lengths; "
                     f"{REFERENCE} rejects each")
    der = interop.signature_to_der(GBT_SIG)
    for comment, sig, flags in (
        ("signature truncated to 63 bytes", GBT_SIG[:63], ["SignatureLength"]),
        ("signature extended to 65 bytes", GBT_SIG + b"\x00", ["SignatureLength"]),
        ("empty signature", b"", ["SignatureLength"]),
        (f"the same signature DER-encoded ({len(der)} bytes)", der,
         ["SignatureLength", "DerSignature"]),
    ):
        if sm2.verify(GBT_PUBLIC, GBT_SIGN_MSG, DEFAULT_ID, sig):
            raise vectorgen.Disagreement(f"{comment}: the reference accepted it")
        out.add(comment, result="invalid", flags=flags, publicKey=GBT_PUBLIC, uid=DEFAULT_ID,
                msg=GBT_SIGN_MSG, sig=sig)
    out.group(PROTOCOL, "SM2_VERIFY: public 65 bytes, a point on the curve",
              method=f"{SCRIPT}: the {GBT} Annex A public key with one change; {REFERENCE} and "
                     f"the OpenSSL command line refuse each key")
    x, y = GBT_PUBLIC[1:33], GBT_PUBLIC[33:]
    y_plus_1 = (int.from_bytes(y, "big") + 1).to_bytes(32, "big")
    for comment, key in (
        ("public key without its 04 prefix (64 bytes)", GBT_PUBLIC[1:]),
        ("public key with one byte appended (66 bytes)", GBT_PUBLIC + b"\x00"),
        ("compressed public key (02 || X)", b"\x02" + x),
        ("public key with prefix 05", b"\x05" + x + y),
        ("public key (X, Y + 1), off the curve", b"\x04" + x + y_plus_1),
        ("public key 04 || 0 || 0 (the point at infinity)", b"\x04" + bytes(64)),
        ("public key with X = p", b"\x04" + sm2.P.to_bytes(32, "big") + y),
    ):
        vectorgen.agree(f"{comment} refused", {"expected": True,
                                                REFERENCE: _reference_refuses_key(key),
                                                agreed[1]: _openssl_refuses_key(key)})
        out.add(comment, result="invalid", flags=["InvalidPublicKey"], publicKey=key,
                uid=DEFAULT_ID, msg=GBT_SIGN_MSG, sig=GBT_SIG)
    return out


def _reference_refuses_ciphertext(ct: bytes) -> bool:
    try:
        sm2.decrypt(GBT_D, ct)
    except ValueError:
        return True
    return False


def decrypt_points() -> VectorFile:
    out = VectorFile("sm2/decrypt_points.json", "SM2-DECRYPT", "sm2-encryption",
                     vectorgen.LICENCE_GENERATED,
                     generator=vectorgen.generator_info(SCRIPT, [REFERENCE, PROTOCOL]),
                     notes=NOTES)
    out.group(PROTOCOL, "SM2_DECRYPT: BadParameter when C1 is not a point on the curve or the "
              "ciphertext is shorter than 98 bytes",
              method=f"{SCRIPT}: the {GBT} Annex C ciphertext with C1 or its length changed; "
                     f"{REFERENCE} refuses each (OpenSSL's ASN.1 form cannot carry most of "
                     f"them)")
    c1, rest = GBT_CT[:65], GBT_CT[65:]
    x, y = c1[1:33], c1[33:]
    private = GBT_D.to_bytes(32, "big")
    for comment, ct, flags in (
        ("C1 = 04 || 0 || 0, the point at infinity", b"\x04" + bytes(64) + rest,
         ["InvalidPoint", "InfinityPoint"]),
        ("C1 = 00, the one-byte SEC1 encoding of infinity", b"\x00" + rest,
         ["InvalidPoint", "InfinityPoint", "Truncated"]),
        ("C1 compressed (02 || X)", b"\x02" + x + rest, ["InvalidPoint"]),
        ("C1 with prefix 05", b"\x05" + x + y + rest, ["InvalidPoint"]),
        ("C1 with X = p", b"\x04" + sm2.P.to_bytes(32, "big") + y + rest, ["InvalidPoint"]),
        ("C1 with Y = 0, off the curve", b"\x04" + x + bytes(32) + rest, ["InvalidPoint"]),
        ("empty ciphertext", b"", ["Truncated"]),
        ("C1 only (65 bytes)", c1, ["Truncated"]),
        ("C1 || C3, no C2 (97 bytes)", GBT_CT[:97], ["Truncated"]),
        ("96 bytes", GBT_CT[:96], ["Truncated"]),
    ):
        if not _reference_refuses_ciphertext(ct):
            raise vectorgen.Disagreement(f"{comment}: the reference decrypted it")
        out.add(comment, result="invalid", flags=flags, publicKey=GBT_PUBLIC,
                privateKey=private, msg=b"", ct=ct)
    return out


def _tongsuo_sm4(mode: str, key: bytes, iv: bytes, data: bytes) -> bytes:
    from tongsuopy.crypto.ciphers import Cipher, algorithms, modes

    chosen = modes.ECB() if mode == "ecb" else modes.CBC(iv)
    encryptor = Cipher(algorithms.SM4(key), chosen).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def _both_libraries_refuse(mode: str, key: bytes, iv: bytes, data: bytes) -> bool:
    refusals = 0
    for encrypt in (lambda: impl.sm4_openssl(mode, key, iv, data),
                    lambda: _tongsuo_sm4(mode, key, iv, data)):
        try:
            encrypt()
        except ValueError:
            refusals += 1
    return refusals == 2


def block_mode_invalid(mode: str) -> VectorFile:
    algorithm = f"SM4-{mode.upper()}"
    agreed = [impl.cryptography_name(), impl.tongsuo_name()]
    out = VectorFile(f"sm4/{mode}_invalid.json", algorithm, "cipher",
                     vectorgen.LICENCE_GENERATED,
                     generator=vectorgen.generator_info(SCRIPT, agreed), notes=NOTES)
    out.group(PROTOCOL, "SM4 modes: ECB and CBC data must be a multiple of 16 bytes; key 16 "
              "bytes; IV empty for ECB, else 16 bytes",
              method=f"{SCRIPT}: seeded inputs of the wrong length; {' and '.join(agreed)} "
                     "refuse each")
    key = vectorgen.seeded(f"sm4/{mode}_invalid key", 16)
    iv = vectorgen.seeded(f"sm4/{mode}_invalid iv", 16) if mode == "cbc" else b""
    cases = [(f"{size}-byte data", key, iv, vectorgen.seeded(f"sm4/{mode} {size}", size),
              ["Unaligned"]) for size in (1, 15, 17, 31)]
    block = vectorgen.seeded(f"sm4/{mode}_invalid block", 16)
    cases += [(f"{len(bad)}-byte key", bad, iv, block, ["BadKeyLength"])
              for bad in (key[:15], key + b"\x00")]
    if mode == "cbc":
        cases += [("15-byte IV", key, iv[:15], block, ["BadIvLength"]),
                  ("empty IV", key, b"", block, ["BadIvLength"])]
    else:
        cases += [("16-byte IV given to ECB", key, bytes(16), block, ["BadIvLength"])]
    for comment, k, v, data, flags in cases:
        # The libraries cannot express "an IV given to ECB"; that one rests on the protocol.
        if "BadIvLength" not in flags or mode == "cbc":
            vectorgen.agree(f"{algorithm} {comment} refused",
                            {"expected": True, "both": _both_libraries_refuse(mode, k, v, data)})
        out.add(comment, result="invalid", flags=flags, key=k, iv=v, msg=data, ct=b"")
    return out


def gcm_invalid() -> VectorFile:
    agreed = [impl.cryptography_name(), impl.tongsuo_name()]
    out = VectorFile("sm4/gcm_invalid.json", "SM4-GCM", "aead", vectorgen.LICENCE_GENERATED,
                     generator=vectorgen.generator_info(SCRIPT, agreed), notes=NOTES)
    key = vectorgen.seeded("sm4/gcm_invalid key", 16)
    iv = vectorgen.seeded("sm4/gcm_invalid iv", 12)
    aad = vectorgen.seeded("sm4/gcm_invalid aad", 20)
    plaintext = vectorgen.seeded("sm4/gcm_invalid plaintext", 31)
    ct, tag = impl.sm4_gcm_openssl(key, iv, aad, plaintext)
    tongsuo = impl.sm4_aead_tongsuo("gcm", key, iv, aad, plaintext)
    vectorgen.agree("gcm_invalid base", {agreed[0]: ct + tag, agreed[1]: b"".join(tongsuo)})
    out.group(PROTOCOL, "SM4_GCM_DECRYPT: tag 16 bytes, IV 1-64 bytes; AUTH_FAILED releases "
              "no plaintext",
              method=f"{SCRIPT}: a seeded SM4-GCM encryption agreed by {' and '.join(agreed)}, "
                     "then one change")
    for comment, v, c, t, flags in (
        ("tag truncated to 12 bytes", iv, ct, tag[:12], ["TruncatedTag"]),
        ("tag truncated to 8 bytes", iv, ct, tag[:8], ["TruncatedTag"]),
        ("empty IV", b"", ct, tag, ["BadIvLength"]),
        ("65-byte IV", iv * 5 + iv[:5], ct, tag, ["BadIvLength"]),
    ):
        out.add(comment, result="invalid", flags=flags, key=key, iv=v, aad=aad, msg=b"",
                ct=c, tag=t)
    return out


BUILDERS = {
    "sm2/verify_malformed.json": verify_malformed,
    "sm2/decrypt_points.json": decrypt_points,
    "sm4/ecb_invalid.json": lambda: block_mode_invalid("ecb"),
    "sm4/cbc_invalid.json": lambda: block_mode_invalid("cbc"),
    "sm4/gcm_invalid.json": gcm_invalid,
}

if __name__ == "__main__":
    sys.exit(vectorgen.main(BUILDERS, __doc__ or ""))
