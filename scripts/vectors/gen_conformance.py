"""Generate the conformance suite's malformed-input vectors: what a module must refuse.

Every vector here is derived from a valid one (the GB/T 32918.5 examples, or
seeded SM4 inputs) by one change. `invalid` ones are malformed for the
standard: the script asserts that certkit's reference SM2 and the OpenSSL
command line (where it can express the input) both refuse each one, and that
OpenSSL (cryptography) and Tongsuo both refuse the SM4 ones. `acceptable` ones
are allowed by the standard though not required (a compressed point, a DER
signature, a 65-byte GCM IV): a module may refuse them or answer them right,
and the script asserts that two implementations agree on the right answer.
The refusal class a flag names (BadParameter, AuthFailed) is serial-protocol.md's
field rules and check order, binding only modules that speak that protocol.

    python scripts/vectors/gen_conformance.py [--check] [--only PATH]
"""

from __future__ import annotations

import hashlib
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
    "SignatureLength": "A raw r || s signature is exactly 64 bytes; another length cannot be "
                       "one: rejected (BadParameter under the serial protocol).",
    "DerSignature": "The signature is in the DER form of GM/T 0009: acceptable (refused, or "
                    "verified as the signature it is); the serial protocol takes r || s only.",
    "InvalidPublicKey": "The public key is not 04 || X || Y of a point on the curve: "
                        "BadParameter.",
    "InvalidPoint": "C1 is not a point on the curve (infinity, wrong prefix, coordinate >= "
                    "p, off the curve): refused; BadParameter, not AuthFailed, under the "
                    "serial protocol.",
    "CompressedPoint": "The point is in the compressed form GB/T 32918.1 4.2.8 allows: "
                       "acceptable (refused, or used as the point it is); the serial protocol "
                       "takes the uncompressed form only (BadParameter).",
    "RawPublicKey": "The public key is X || Y without its 04 prefix, as interfaces such as "
                    "SKF's ECCPUBLICKEYBLOB carry it: acceptable; BadParameter under the "
                    "serial protocol.",
    "OffCurveCrafted": "C1 is off the curve, and C2 and C3 are what a module that skips "
                       "the on-curve check (GB/T 32918.4 7.1 B1) computes from [d]C1: such a "
                       "module outputs the plaintext (an invalid-curve attack's oracle).",
    "InfinityPoint": "C1 encodes the point at infinity. The recommended curve has cofactor 1, "
                     "so infinity is the only point of small order.",
    "Truncated": "The ciphertext is shorter than C1 || C3 || one byte of C2 (98 bytes).",
    "Unaligned": "ECB and CBC take whole 16-byte blocks only; there is no padding.",
    "BadKeyLength": "SM4 keys are 16 bytes.",
    "BadIvLength": "The IV has a length the mode does not take (or, with LongIv, one the "
                   "serial protocol does not).",
    "LongIv": "A GCM IV longer than 64 bytes: NIST SP 800-38D allows it (acceptable); the "
              "serial protocol does not (BadParameter).",
    "IvIgnored": "An IV given to ECB, which takes none: acceptable (ignored or refused); "
                 "BadParameter under the serial protocol.",
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
    out.group(f"GB/T 32918.2-2016 7.1; {PROTOCOL}", "SM2_VERIFY: signature 64 bytes",
              method=f"{SCRIPT}: the {GBT} Annex A signature re-encoded at other lengths; "
                     f"{REFERENCE} rejects each")
    der = interop.signature_to_der(GBT_SIG)
    for comment, sig, flags in (
        ("signature truncated to 63 bytes", GBT_SIG[:63], ["SignatureLength"]),
        ("signature extended to 65 bytes", GBT_SIG + b"\x00", ["SignatureLength"]),
        ("empty signature", b"", ["SignatureLength"]),
    ):
        if sm2.verify(GBT_PUBLIC, GBT_SIGN_MSG, DEFAULT_ID, sig):
            raise vectorgen.Disagreement(f"{comment}: the reference accepted it")
        out.add(comment, result="invalid", flags=flags, publicKey=GBT_PUBLIC, uid=DEFAULT_ID,
                msg=GBT_SIGN_MSG, sig=sig)
    # The DER form carries the same (r, s): both implementations verify it as such.
    vectorgen.agree("the DER-encoded signature verifies", {
        "expected": True,
        REFERENCE: sm2.verify(GBT_PUBLIC, GBT_SIGN_MSG, DEFAULT_ID,
                              interop.signature_from_der(der)),
        agreed[1]: interop.openssl_verify(GBT_PUBLIC, GBT_SIGN_MSG, DEFAULT_ID, GBT_SIG)})
    out.add(f"the same signature DER-encoded ({len(der)} bytes)", result="acceptable",
            flags=["SignatureLength", "DerSignature"], publicKey=GBT_PUBLIC, uid=DEFAULT_ID,
            msg=GBT_SIGN_MSG, sig=der)
    out.group(f"GB/T 32918.1-2016 4.2.8, 6.2; {PROTOCOL}",
              "SM2_VERIFY: public 65 bytes, a point on the curve",
              method=f"{SCRIPT}: the {GBT} Annex A public key with one change; {REFERENCE} and "
                     f"the OpenSSL command line refuse each key")
    x, y = GBT_PUBLIC[1:33], GBT_PUBLIC[33:]
    y_plus_1 = (int.from_bytes(y, "big") + 1).to_bytes(32, "big")
    compressed = sm2.compress_point(GBT_PUBLIC)
    for comment, key, flags in (
        ("public key without its 04 prefix (64 bytes)", GBT_PUBLIC[1:], ["RawPublicKey"]),
        (f"compressed public key ({compressed[0]:02x} || X)", compressed, ["CompressedPoint"]),
    ):
        as_point = (b"\x04" + key) if len(key) == 64 else sm2.decompress_point(key)
        vectorgen.agree(f"{comment}: the signature verifies under the point it encodes", {
            "expected": True,
            REFERENCE: sm2.verify(as_point, GBT_SIGN_MSG, DEFAULT_ID, GBT_SIG),
            agreed[1]: interop.openssl_verify(as_point, GBT_SIGN_MSG, DEFAULT_ID, GBT_SIG)})
        out.add(comment, result="acceptable", flags=flags, publicKey=key, uid=DEFAULT_ID,
                msg=GBT_SIGN_MSG, sig=GBT_SIG)
    for comment, key in (
        ("public key with one byte appended (66 bytes)", GBT_PUBLIC + b"\x00"),
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
    out.group(f"GB/T 32918.4-2016 7.1 B1; {PROTOCOL}",
              "SM2_DECRYPT: BadParameter when C1 is not a point on the curve or the "
              "ciphertext is shorter than 98 bytes",
              method=f"{SCRIPT}: the {GBT} Annex C ciphertext with C1 or its length changed; "
                     f"{REFERENCE} refuses each (OpenSSL's ASN.1 form cannot carry most of "
                     f"them)")
    c1, rest = GBT_CT[:65], GBT_CT[65:]
    x, y = c1[1:33], c1[33:]
    private = GBT_D.to_bytes(32, "big")
    message = sm2.decrypt(GBT_D, GBT_CT)
    compressed = sm2.compress_point(c1)
    vectorgen.agree("compressed C1 decrypts as the point it encodes", {
        "expected": message,
        REFERENCE: sm2.decrypt(GBT_D, sm2.decompress_point(compressed) + rest),
        "OpenSSL command line (openssl pkeyutl)": interop.openssl_decrypt(GBT_D, GBT_CT)})
    out.add(f"C1 compressed ({compressed[0]:02x} || X)", result="acceptable",
            flags=["CompressedPoint"], publicKey=GBT_PUBLIC, privateKey=private, msg=message,
            ct=compressed + rest)
    for comment, ct in _crafted_off_curve(message):
        refused = {REFERENCE: _reference_refuses_ciphertext(ct)}
        try:
            interop.openssl_decrypt(GBT_D, ct)
            refused["OpenSSL command line (openssl pkeyutl)"] = False
        except RuntimeError:
            refused["OpenSSL command line (openssl pkeyutl)"] = True
        vectorgen.agree(f"{comment} refused", {"expected": True, **refused})
        out.add(comment, result="invalid", flags=["InvalidPoint", "OffCurveCrafted"],
                publicKey=GBT_PUBLIC, privateKey=private, msg=b"", ct=ct)
    for comment, ct, flags in (
        ("C1 = 04 || 0 || 0, the point at infinity", b"\x04" + bytes(64) + rest,
         ["InvalidPoint", "InfinityPoint"]),
        ("C1 = 00, the one-byte SEC1 encoding of infinity", b"\x00" + rest,
         ["InvalidPoint", "InfinityPoint", "Truncated"]),
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


def _crafted_off_curve(message: bytes) -> list[tuple[str, bytes]]:
    """Ciphertexts whose C1 is off the curve but whose C2 and C3 match [d]C1, as computed
    by the curve's addition formulas (which never use b): only a module that skips the
    on-curve check decrypts them."""
    x, y = sm2.decode_public_key(GBT_CT[:65])
    crafted = []
    for comment, point in (("C1 = (x, y + 1), off the curve, C2 and C3 made for [d]C1",
                            (x, (y + 1) % sm2.P)),
                           ("C1 = (x + 1, y), off the curve, C2 and C3 made for [d]C1",
                            ((x + 1) % sm2.P, y))):
        shared = sm2.scalar_mult(GBT_D, *point)
        if shared is None:
            raise vectorgen.Disagreement(f"{comment}: [d]C1 is infinity")
        x2, y2 = (value.to_bytes(32, "big") for value in shared)
        stream = sm2.kdf(x2 + y2, len(message))
        c2 = bytes(a ^ b for a, b in zip(message, stream, strict=True))
        c3 = hashlib.new("sm3", x2 + message + y2).digest()
        crafted.append((comment, sm2.encode_public_key(*point) + c3 + c2))
    return crafted


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
    out.group(f"GB/T 32907-2016, GB/T 17964-2021; {PROTOCOL}",
              "SM4 modes: ECB and CBC data must be a multiple of 16 bytes; key 16 "
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
        # ECB takes no IV; a module that ignores one given anyway still computes ECB
        ecb = impl.sm4_openssl("ecb", key, b"", block)
        vectorgen.agree("SM4-ECB of the block", {agreed[0]: ecb,
                                                 agreed[1]: _tongsuo_sm4("ecb", key, b"", block)})
        out.add("16-byte IV given to ECB", result="acceptable", flags=["IvIgnored"], key=key,
                iv=bytes(16), msg=block, ct=ecb)
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
    out.group(f"NIST SP 800-38D 5.2.1.1, 7.2; {PROTOCOL}",
              "SM4_GCM_DECRYPT: tag 16 bytes, IV 1-64 bytes; AUTH_FAILED releases "
              "no plaintext",
              method=f"{SCRIPT}: a seeded SM4-GCM encryption agreed by {' and '.join(agreed)}, "
                     "then one change")
    for comment, v, c, t, flags in (
        ("tag truncated to 12 bytes", iv, ct, tag[:12], ["TruncatedTag"]),
        ("tag truncated to 8 bytes", iv, ct, tag[:8], ["TruncatedTag"]),
        ("empty IV", b"", ct, tag, ["BadIvLength"]),
    ):
        out.add(comment, result="invalid", flags=flags, key=key, iv=v, aad=aad, msg=b"",
                ct=c, tag=t)
    # NIST SP 800-38D 5.2.1.1 allows IVs of any length from 1 bit; the serial protocol 1-64
    # bytes. A 65-byte IV is GHASHed into J0, and both libraries agree on the result.
    long_iv = iv * 5 + iv[:5]
    long_ct, long_tag = impl.sm4_gcm_openssl(key, long_iv, aad, plaintext)
    vectorgen.agree("gcm with a 65-byte IV", {
        agreed[0]: long_ct + long_tag,
        agreed[1]: b"".join(impl.sm4_aead_tongsuo("gcm", key, long_iv, aad, plaintext))})
    out.add("65-byte IV", result="acceptable", flags=["BadIvLength", "LongIv"], key=key,
            iv=long_iv, aad=aad, msg=plaintext, ct=long_ct, tag=long_tag)
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
