"""Write the SM2 vector files: GB/T 32918.5 examples, special keys, and what must be refused.

    python scripts/vectors/gen_sm2.py [--check] [--only sm2/sign_keys.json]

certkit.reference.sm2 signs, encrypts and builds the malformed inputs; nothing is written
unless independent implementations agree. The OpenSSL 3 command line verifies every signature
(any ID) and decrypts every ciphertext; Tongsuo verifies the default-ID signatures and, through
its EVP_PKEY_decrypt, decrypts every ciphertext; both derive every public key from its private
key. Every invalid vector must be refused by certkit.reference.sm2 and by the others (the
exceptions are named where they occur). Most of the OpenSSL and Tongsuo plumbing is
tests/interop.py. Nonces and keys come from SHAKE-256 of labels, so runs are reproducible.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import vectorgen  # first: it puts the source tree and tests/ on sys.path

# isort: split
import implementations as impl
from vectorgen import DEFAULT_ID, VectorFile

import interop
from certkit.reference import sm2

SCRIPT = "gen_sm2.py"
N = sm2.N
OPENSSL_ID_LIMIT = 8191  # OpenSSL 3.0 refuses user IDs of this many bytes and more
REFERENCE = "certkit.reference.sm2 (certkit source tree)"
GBT = "GB/T 32918.5-2017"
GBT_LICENCE = (f"Test values transcribed from {GBT} (= GM/T 0003.5-2012) annexes; facts, not "
               f"copyrightable expression")

# GB/T 32918.5-2017 Annex A (signature) and Annex C (encryption), recommended curve, one key.
GBT_D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
GBT_PUBLIC = bytes.fromhex(
    "04"
    "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13")
GBT_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
GBT_SIGN_MSG = b"message digest"
GBT_SIG = bytes.fromhex(
    "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
    "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa")
GBT_ENC_MSG = b"encryption standard"
GBT_CT = bytes.fromhex(
    "04"
    "04ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73"
    "e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0"
    "59983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd8766"
    "21886ca989ca9c7d58087307ca93092d651efa")

NOTES = {
    "PublicXLeadingZero": "The public key's X coordinate begins with a 00 byte: an encoder "
                          "that strips leading zeros yields 31 bytes (and a wrong Z_A).",
    "PublicYLeadingZero": "The public key's Y coordinate begins with a 00 byte.",
    "PublicXBegins04": "X begins with 04, so 04 || X || Y without its prefix also begins "
                       "with 04: a parser guessing the form from the first byte goes wrong.",
    "PublicXBegins40": "X begins with 40.",
    "SmallPrivateKey": "The private key d = 1, so the public key is the base point G.",
    "LargePrivateKey": "The private key d = n - 2, the largest GB/T 32918.1 allows.",
    "EmptyId": "The user ID is empty (ENTL = 0).",
    "NonDefaultId": "A user ID other than the default 1234567812345678.",
    "NonAsciiId": "The user ID holds bytes above 0x7F (UTF-8 text).",
    "IdWithNulByte": "The user ID contains a 00 byte: a device passing it as a C string "
                     "hashes a shorter ID.",
    "LongId": "The user ID is over 8 KB long.",
    "MaxLengthId": "The user ID is 8191 bytes, the longest ENTL (16 bits, counted in bits) "
                   "holds. OpenSSL 3.0 refuses IDs of 8191 bytes and more through its ID "
                   "option, so a device built on it may fail here although the ID is valid.",
    "EmptyMessage": "The message is empty.",
    "RLeadingZero": "r begins with a 00 byte; in r || s it keeps its full 32 bytes.",
    "SLeadingZero": "s begins with a 00 byte; in r || s it keeps its full 32 bytes.",
    "C1XLeadingZero": "The x coordinate of C1 begins with a 00 byte.",
    "C1XBegins04": "The x coordinate of C1 begins with 04, as in the GB/T 32918.5 example.",
    "KdfBlockBoundary": "The message is 32 or 33 bytes: the KDF output ends exactly at, or "
                        "one byte past, an SM3 block.",
    "SmallR": "r lies below 2^256 - n (a searched signature), so r + n fits in 32 bytes.",
    "SmallS": "s lies below 2^256 - n (a searched signature), so s + n fits in 32 bytes.",
    "OutOfRangeEncoding": "r + n or s + n: the same value mod n, encoded out of range; a "
                          "verifier that reduces instead of rejecting accepts it.",
    "RangeCheck": "r or s is 0, n or above n: outside [1, n-1], so the verifier must reject "
                  "it before any curve arithmetic.",
    "ZeroT": "r + s = n, so t = (r + s) mod n = 0, which GB/T 32918.2 rejects.",
    "ZeroKdf": "The KDF output t is all zero, so C2 = M: GB/T 32918.4 6.1 A5 forbids making "
               "such a ciphertext and 7.1 B4 requires refusing it; a module that skips B4 "
               "releases M.",
    "SwappedRS": "r and s exchanged.",
    "ModifiedSignature": "One bit of r or s flipped.",
    "ModifiedMessage": "One bit of the message flipped.",
    "WrongId": "The signature was made under the default ID; the vector names another ID.",
    "WrongKey": "The signature was made under another key.",
    "IntegrityCheck": "One bit of C3 or C2 flipped: the decryptor must find C3 wrong and "
                      "release nothing.",
    "InvalidPoint": "C1 is not a point of the curve: the decryptor must refuse it.",
    "Truncated": "97 bytes: C1 and C3 without any C2.",
    "C1C2C3Order": "The ciphertext in the old C1 || C2 || C3 order; a decryptor of the "
                   "standard C1 || C3 || C2 form must refuse it.",
}

IDS = {
    "empty": (b"", ["EmptyId"]),
    "ALICE123@YAHOO.COM": (b"ALICE123@YAHOO.COM", ["NonDefaultId"]),
    "100-byte": (vectorgen.seeded("sm2 id 100", 100), ["NonDefaultId"]),
    "UTF-8": ("用户@示例.中国".encode(), ["NonDefaultId", "NonAsciiId"]),
    "NUL-containing": (b"1234\x005678", ["NonDefaultId", "IdWithNulByte"]),
}
MESSAGES = {
    "empty": b"",
    "1-byte": b"\x61",
    "14-byte": b"message digest",
    "1000-byte": vectorgen.seeded("sm2 message 1000", 1000),
}


@cache
def openssl_cli_name() -> str:
    done = subprocess.run(["openssl", "version"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split()[:2]) + " command line (pkeyutl)"


def _seeded_scalar(label: str) -> int:
    """Return an integer in [1, n-2] fixed by label."""
    return int.from_bytes(vectorgen.seeded(label, 40), "big") % (N - 2) + 1


def _check_public_key(d: int, public_key: bytes) -> None:
    vectorgen.agree(f"public key of d = {d:#x}", {
        REFERENCE: public_key,
        openssl_cli_name(): interop.openssl_public_key(d),
        impl.tongsuo_name(): interop.tongsuo_public_key(d),
    })


def _z_a(uid: bytes, public_key: bytes) -> bytes:
    """Z_A = SM3(ENTL || ID || a || b || Gx || Gy || x || y) (GB/T 32918.2 5.5), via hashlib."""
    curve = b"".join(v.to_bytes(32, "big") for v in (sm2.A, sm2.B, sm2.GX, sm2.GY))
    return hashlib.new("sm3", (8 * len(uid)).to_bytes(2, "big") + uid + curve
                       + public_key[1:]).digest()


def _spki(public_key: bytes) -> bytes:
    # SEQUENCE { SEQUENCE { id-ecPublicKey, SM2 }, BIT STRING 00 || 04 || X || Y }
    algorithm = bytes.fromhex("3013" "06072a8648ce3d0201" "06082a811ccf5501822d")
    return bytes.fromhex("3059") + algorithm + bytes.fromhex("034200") + public_key


def openssl_verify_digest(public_key: bytes, message: bytes, uid: bytes, sig: bytes) -> bool:
    """Verify over e = SM3(Z_A || M) computed here, for IDs OpenSSL's ID option refuses.

    OpenSSL 3.0 refuses IDs of 8191 bytes and more (ossl_sm2_compute_z_digest: ID too large)
    although ENTL holds 8191 * 8 bits; its pkeyutl without -rawin verifies a given e.
    """
    e = hashlib.new("sm3", _z_a(uid, public_key) + message).digest()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "pub.der").write_bytes(_spki(public_key))
        (workdir / "e.bin").write_bytes(e)
        (workdir / "sig.der").write_bytes(interop.signature_to_der(sig))
        done = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.der", "-keyform", "DER",
             "-in", "e.bin", "-sigfile", "sig.der"],
            cwd=workdir, capture_output=True, check=False,
        )
    if done.returncode != 0 and b"Signature Verification Failure" not in done.stdout:
        raise RuntimeError(f"openssl pkeyutl -verify failed: {done.stderr.decode()}")
    return done.returncode == 0


def openssl_digest_name() -> str:
    return f"{openssl_cli_name()} verifying e = SM3(Z_A || M) computed with hashlib"


def _check_signature(public_key: bytes, message: bytes, uid: bytes, sig: bytes,
                     valid: bool, what: str) -> None:
    answers = {
        "expected": valid,
        REFERENCE: sm2.verify(public_key, message, uid, sig),
    }
    if len(uid) < OPENSSL_ID_LIMIT:
        answers[openssl_cli_name()] = interop.openssl_verify(public_key, message, uid, sig)
    else:
        answers[openssl_digest_name()] = openssl_verify_digest(public_key, message, uid, sig)
    if uid == DEFAULT_ID:
        answers[impl.tongsuo_name()] = interop.tongsuo_verify(public_key, message, sig)
    vectorgen.agree(f"{what}: signature is {'valid' if valid else 'invalid'}", answers)


def _refused(decrypt: Callable[[], bytes]) -> bool:
    try:
        decrypt()
    except (ValueError, RuntimeError):  # reference: ValueError family; interop: RuntimeError
        return True
    return False


def _check_ciphertext(d: int, ct: bytes, message: bytes, valid: bool, what: str) -> None:
    decryptors: dict[str, Callable[[], bytes]] = {
        REFERENCE: lambda: sm2.decrypt(d, ct),
        impl.tongsuo_name(): lambda: impl.sm2_decrypt_tongsuo(d, interop.ciphertext_to_der(ct)),
    }
    if len(ct) > 97:
        # With no C2 the command line asks for the plaintext size, gets 0, and never decrypts:
        # it exits 0 with empty output, which is no verdict either way.
        decryptors[openssl_cli_name()] = lambda: interop.openssl_decrypt(d, ct)
    if valid:
        vectorgen.agree(f"{what}: decryption",
                        {"expected": message, **{name: run() for name, run in decryptors.items()}})
    else:
        vectorgen.agree(f"{what}: decryption refused",
                        {"expected": True,
                         **{name: _refused(run) for name, run in decryptors.items()}})


def _agreed_by() -> list[str]:
    return [REFERENCE, openssl_cli_name(), impl.tongsuo_name()]


# --- Keys --------------------------------------------------------------------------------------


def _search_key(name: str, wanted: Callable[[bytes], bool]) -> int:
    for attempt in range(1 << 16):
        d = _seeded_scalar(f"sm2 key {name} {attempt}")
        if wanted(sm2.public_key_from_private(d)):
            return d
    raise RuntimeError(f"no key with {name} found")


@cache
def special_keys() -> list[tuple[str, int, list[str]]]:
    """(description, private key, flags) of the keys every generated file uses."""
    keys = [
        ("public X begins 00", _search_key("x00", lambda q: q[1] == 0x00),
         ["PublicXLeadingZero"]),
        ("public Y begins 00", _search_key("y00", lambda q: q[33] == 0x00),
         ["PublicYLeadingZero"]),
        ("public X begins 04", _search_key("x04", lambda q: q[1] == 0x04), ["PublicXBegins04"]),
        ("public X begins 40", _search_key("x40", lambda q: q[1] == 0x40), ["PublicXBegins40"]),
        ("d = 1", 1, ["SmallPrivateKey"]),
        ("d = n - 2", N - 2, ["LargePrivateKey"]),
    ]
    keys += [(f"pseudorandom key {i}", _seeded_scalar(f"sm2 key random {i}"), [])
             for i in range(1, 7)]
    for _, d, _ in keys:
        _check_public_key(d, sm2.public_key_from_private(d))
    return keys


# --- GB/T 32918.5 examples ---------------------------------------------------------------------


def sign_gbt32918() -> VectorFile:
    out = VectorFile("sm2/sign_gbt32918.json", "SM2-SIGN", "sm2-signature", GBT_LICENCE)
    out.group(GBT, "Annex A (digital signature, recommended curve)",
              method=f"transcribed via OpenSSL test/sm2_internal_test.c; {SCRIPT} re-signs with "
                     f"the annex's k and checks it with {REFERENCE}, OpenSSL and Tongsuo")
    _check_public_key(GBT_D, GBT_PUBLIC)
    vectorgen.expect("GB/T 32918.5 Annex A signature", GBT_SIG,
                     {REFERENCE: sm2.sign(GBT_D, GBT_SIGN_MSG, DEFAULT_ID, GBT_K)})
    _check_signature(GBT_PUBLIC, GBT_SIGN_MSG, DEFAULT_ID, GBT_SIG, True, "Annex A")
    out.add('ID 1234567812345678, message "message digest", k from the annex',
            publicKey=GBT_PUBLIC, privateKey=GBT_D.to_bytes(32, "big"), uid=DEFAULT_ID,
            msg=GBT_SIGN_MSG, sig=GBT_SIG)
    return out


def encrypt_gbt32918() -> VectorFile:
    out = VectorFile("sm2/encrypt_gbt32918.json", "SM2-ENCRYPT", "sm2-encryption", GBT_LICENCE,
                     notes={"C1XBegins04": NOTES["C1XBegins04"]})
    out.group(GBT, "Annex C (public key encryption, recommended curve)",
              method=f"transcribed via OpenSSL test/sm2_internal_test.c; ct = C1 || C3 || C2 "
                     f"with C1 = 04 || x || y; {SCRIPT} re-encrypts with the annex's k using "
                     f"{REFERENCE} and decrypts it with OpenSSL and Tongsuo")
    vectorgen.expect("GB/T 32918.5 Annex C ciphertext", GBT_CT,
                     {REFERENCE: sm2.encrypt(GBT_PUBLIC, GBT_ENC_MSG, GBT_K)})
    _check_ciphertext(GBT_D, GBT_CT, GBT_ENC_MSG, True, "Annex C")
    out.add('message "encryption standard"; the x of C1 itself begins with 04',
            flags=["C1XBegins04"], publicKey=GBT_PUBLIC, privateKey=GBT_D.to_bytes(32, "big"),
            msg=GBT_ENC_MSG, ct=GBT_CT)
    return out


# --- Signatures under special keys -------------------------------------------------------------


def _sign_seeded(d: int, message: bytes, uid: bytes, label: str,
                 wanted: Callable[[bytes], bool] = lambda sig: True) -> bytes:
    for attempt in range(1 << 16):
        k = _seeded_scalar(f"{label} k {attempt}")
        try:
            sig = sm2.sign(d, message, uid, k)
        except ValueError:  # a degenerate k; the next one will do
            continue
        if wanted(sig):
            return sig
    raise RuntimeError(f"{label}: no suitable nonce found")


def sign_keys() -> VectorFile:
    out = VectorFile(
        "sm2/sign_keys.json", "SM2-SIGN", "sm2-signature", vectorgen.LICENCE_GENERATED,
        generator=vectorgen.generator_info(SCRIPT, _agreed_by()), notes=dict(NOTES),
    )
    out.group("certkit generated", "valid signatures under special keys, IDs and messages",
              method=f"{SCRIPT}: keys searched from SHAKE-256 seeds for the flagged property; "
                     f"{REFERENCE} signs with a seeded k; the OpenSSL command line verifies "
                     f"every signature (the 8191-byte ID one over e = SM3(Z_A || M) computed "
                     f"with hashlib, since its ID option stops at 8190 bytes) and Tongsuo the "
                     f"default-ID ones; OpenSSL and Tongsuo derive each public key from d")
    id_names, msg_names = list(IDS), list(MESSAGES)
    for index, (description, d, key_flags) in enumerate(special_keys()):
        public_key = sm2.public_key_from_private(d)
        combos = [
            (None, "14-byte"),
            (id_names[index % len(id_names)], msg_names[index % len(msg_names)]),
            (id_names[(index + 2) % len(id_names)], msg_names[(index + 1) % len(msg_names)]),
        ]
        for id_name, msg_name in combos:
            uid, id_flags = (DEFAULT_ID, []) if id_name is None else IDS[id_name]
            message = MESSAGES[msg_name]
            label = f"sm2/sign_keys {index} {id_name} {msg_name}"
            sig = _sign_seeded(d, message, uid, label)
            _check_signature(public_key, message, uid, sig, True, label)
            flags = key_flags + id_flags + (["EmptyMessage"] if not message else [])
            out.add(f"{description}; {id_name or 'default'} ID; {msg_name} message", flags=flags,
                    publicKey=public_key, privateKey=d.to_bytes(32, "big"), uid=uid,
                    msg=message, sig=sig)
    _, d, key_flags = special_keys()[6]
    public_key = sm2.public_key_from_private(d)
    extras = [
        ("8190-byte ID", vectorgen.seeded("sm2 id 8190", 8190), ["NonDefaultId", "LongId"],
         lambda sig: True),
        ("8191-byte ID", vectorgen.seeded("sm2 id 8191", 8191),
         ["NonDefaultId", "LongId", "MaxLengthId"], lambda sig: True),
        ("r begins 00", DEFAULT_ID, ["RLeadingZero"], lambda sig: sig[0] == 0),
        ("s begins 00", DEFAULT_ID, ["SLeadingZero"], lambda sig: sig[32] == 0),
    ]
    for comment, uid, flags, wanted in extras:
        message = MESSAGES["14-byte"]
        label = f"sm2/sign_keys extra {comment}"
        sig = _sign_seeded(d, message, uid, label, wanted)
        _check_signature(public_key, message, uid, sig, True, label)
        out.add(f"pseudorandom key 1; {comment}; 14-byte message", flags=key_flags + flags,
                publicKey=public_key, privateKey=d.to_bytes(32, "big"), uid=uid, msg=message,
                sig=sig)
    return out


# --- Encryption under special keys -------------------------------------------------------------

ENCRYPT_SIZES = (1, 19, 32, 33, 100, 1000)


def _encrypt_seeded(public_key: bytes, message: bytes, label: str,
                    wanted: Callable[[bytes], bool] = lambda ct: True) -> bytes:
    for attempt in range(1 << 16):
        k = _seeded_scalar(f"{label} k {attempt}")
        try:
            ct = sm2.encrypt(public_key, message, k)
        except ValueError:  # all-zero KDF output; the next k will do
            continue
        if wanted(ct):
            return ct
    raise RuntimeError(f"{label}: no suitable k found")


def encrypt_keys() -> VectorFile:
    out = VectorFile(
        "sm2/encrypt_keys.json", "SM2-ENCRYPT", "sm2-encryption", vectorgen.LICENCE_GENERATED,
        generator=vectorgen.generator_info(SCRIPT, _agreed_by()),
        notes=dict(NOTES),
    )
    out.group("certkit generated", "ciphertexts under special keys, message lengths 1..1000",
              method=f"{SCRIPT}: {REFERENCE} encrypts with a seeded k (ct = C1 || C3 || C2); "
                     f"the OpenSSL command line and Tongsuo (EVP_PKEY_decrypt) decrypt every "
                     f"ciphertext, as GM/T 0009 DER, back to the message")
    for index, (description, d, key_flags) in enumerate(special_keys()):
        public_key = sm2.public_key_from_private(d)
        for size in (ENCRYPT_SIZES[index % 6], ENCRYPT_SIZES[(index + 3) % 6]):
            message = vectorgen.seeded(f"sm2/encrypt_keys message {index} {size}", size)
            label = f"sm2/encrypt_keys {index} {size}"
            ct = _encrypt_seeded(public_key, message, label)
            _check_ciphertext(d, ct, message, True, label)
            flags = key_flags + (["KdfBlockBoundary"] if size in (32, 33) else [])
            out.add(f"{description}; {size}-byte message", flags=flags, publicKey=public_key,
                    privateKey=d.to_bytes(32, "big"), msg=message, ct=ct)
    _, d, key_flags = special_keys()[6]
    public_key = sm2.public_key_from_private(d)
    for comment, flag, wanted in (("C1 x begins 00", "C1XLeadingZero", lambda ct: ct[1] == 0),
                                  ("C1 x begins 04", "C1XBegins04", lambda ct: ct[1] == 4)):
        message = vectorgen.seeded(f"sm2/encrypt_keys {flag}", 19)
        ct = _encrypt_seeded(public_key, message, f"sm2/encrypt_keys {flag}", wanted)
        _check_ciphertext(d, ct, message, True, comment)
        out.add(f"pseudorandom key 1; {comment}; 19-byte message", flags=[*key_flags, flag],
                publicKey=public_key, privateKey=d.to_bytes(32, "big"), msg=message, ct=ct)
    return out


# --- What a verifier must reject ---------------------------------------------------------------


def _int32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _flip(data: bytes, bit: int) -> bytes:
    changed = bytearray(data)
    changed[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(changed)


def _range_variants(sig: bytes, msg: bytes, other_public: bytes
                    ) -> list[tuple[str, str, list[str], dict[str, bytes]]]:
    """The one-change variants of a valid signature that a verifier must reject."""
    r = int.from_bytes(sig[:32], "big")
    s = int.from_bytes(sig[32:], "big")
    last = 8 * 32 - 1
    return [
        ("r = 0", "invalid", ["RangeCheck"], {"sig": _int32(0) + _int32(s)}),
        ("s = 0", "invalid", ["RangeCheck"], {"sig": _int32(r) + _int32(0)}),
        ("r = n", "invalid", ["RangeCheck"], {"sig": _int32(N) + _int32(s)}),
        ("s = n", "invalid", ["RangeCheck"], {"sig": _int32(r) + _int32(N)}),
        ("r = n + 1", "invalid", ["RangeCheck"], {"sig": _int32(N + 1) + _int32(s)}),
        ("s = n + 1", "invalid", ["RangeCheck"], {"sig": _int32(r) + _int32(N + 1)}),
        ("r = 2^256 - 1", "invalid", ["RangeCheck"], {"sig": b"\xff" * 32 + _int32(s)}),
        ("s = 2^256 - 1", "invalid", ["RangeCheck"], {"sig": _int32(r) + b"\xff" * 32}),
        ("s = n - r, so r + s = n", "invalid", ["ZeroT"], {"sig": _int32(r) + _int32(N - r)}),
        ("r and s swapped", "invalid", ["SwappedRS"], {"sig": sig[32:] + sig[:32]}),
        ("top bit of r flipped", "invalid", ["ModifiedSignature"], {"sig": _flip(sig, 0)}),
        ("low bit of r flipped", "invalid", ["ModifiedSignature"], {"sig": _flip(sig, last)}),
        ("top bit of s flipped", "invalid", ["ModifiedSignature"], {"sig": _flip(sig, 256)}),
        ("low bit of s flipped", "invalid", ["ModifiedSignature"],
         {"sig": _flip(sig, 256 + last)}),
        ("first bit of the message flipped", "invalid", ["ModifiedMessage"],
         {"msg": _flip(msg, 0)}),
        ("last bit of the message flipped", "invalid", ["ModifiedMessage"],
         {"msg": _flip(msg, 8 * len(msg) - 1)}),
        ("verified under ID ALICE123@YAHOO.COM", "invalid", ["WrongId"],
         {"uid": b"ALICE123@YAHOO.COM"}),
        ("verified under the empty ID", "invalid", ["WrongId"], {"uid": b""}),
        ("verified under another public key", "invalid", ["WrongKey"],
         {"publicKey": other_public}),
    ]


def _plain_key() -> int:
    """A key whose encoding has nothing special: X's first byte is neither 0x0- nor 0x4-.

    The Annex A key's X begins 0x09, which some parsers already mishandle; a
    second base signature under this key lets a range-check defect show on
    its own rather than behind a key-parsing one.
    """
    return _search_key("plain", lambda q: q[1] >> 4 not in (0x0, 0x4))


# Signatures whose r or s lies below 2^256 - n, found by scripts/vectors/search/small_rs.c.
# For a fixed nonce k, r = (e + x1) mod n and, for the key d = (m+1)^-1 - 1,
# s = (m e + (m+1) k + m x1) mod n, so a ~2^32-message search over one SM3
# block each finds them; the message is prefix || counter (8 bytes big-endian).
# (label, m, nonce label, message prefix, counter, which of r/s is small)
# Found on 2 cores in about 20 minutes (about 1.4 x 10^9 messages hashed in all).
SEARCHED = [
    ("key d = 3^-1 - 1", 2, "sm2/verify_range small r and s nonce m2", b"certkit1", 211913525,
     "r"),
    ("key d = 3^-1 - 1", 2, "sm2/verify_range small r and s nonce m2", b"certkit0", 1188308816,
     "s"),
]


def _searched_signatures() -> list[tuple[str, int, bytes, bytes, str]]:
    """(label, d, message, signature, small part) for each recorded search hit, re-derived."""
    found = []
    for label, m, nonce_label, prefix, counter, small in SEARCHED:
        d = (pow(m + 1, -1, N) - 1) % N
        k = int.from_bytes(vectorgen.seeded(nonce_label, 40), "big") % (N - 1) + 1
        message = prefix + counter.to_bytes(8, "big")
        signature = sm2.sign(d, message, DEFAULT_ID, k)
        value = int.from_bytes(signature[:32] if small == "r" else signature[32:], "big")
        if value + N >= 2**256:
            raise vectorgen.Disagreement(f"searched {small} for {label} is not small: {value:x}")
        found.append((label, d, message, signature, small))
    return found


def verify_range() -> VectorFile:
    out = VectorFile(
        "sm2/verify_range.json", "SM2-VERIFY", "sm2-signature", vectorgen.LICENCE_GENERATED,
        generator=vectorgen.generator_info(SCRIPT, _agreed_by()), notes=dict(NOTES),
    )
    other_public = sm2.public_key_from_private(special_keys()[6][1])
    plain_d = _plain_key()
    plain_public = sm2.public_key_from_private(plain_d)
    plain_msg = b"certkit range-check base message"
    plain_sig = sm2.sign(plain_d, plain_msg, DEFAULT_ID,
                         _seeded_scalar("sm2/verify_range plain nonce"))
    label = "a signature under a key with a plain encoding"
    # The base key's encoding has nothing special (X begins with neither 0x0- nor 0x4-), so a
    # parser defect cannot hide a range or binding defect: each shows in its own case.
    out.group("certkit generated", "a base signature",
              method=f"{SCRIPT}: signed by {REFERENCE} with a seeded nonce under a key whose X "
                     f"begins with neither 0x0- nor 0x4-; the OpenSSL command line and Tongsuo "
                     f"verify it")
    variants = [(f"{label}, unchanged", "valid", [], {})]
    variants += [(f"{label}: {comment}", result, flags, change)
                 for comment, result, flags, change in _range_variants(plain_sig, plain_msg,
                                                                       other_public)]
    for comment, result, flags, change in variants:
        if change and not out.groups[-1]["source"]["clause"].startswith("one change"):
            out.group("certkit generated", f"one change each to {label}",
                      method=f"{SCRIPT}: {REFERENCE} and the OpenSSL command line (and Tongsuo, "
                             f"for the default ID) reject every vector")
        vector = {"publicKey": plain_public, "uid": DEFAULT_ID, "msg": plain_msg,
                  "sig": plain_sig, **change}
        _check_signature(vector["publicKey"], vector["msg"], vector["uid"], vector["sig"],
                         result == "valid", comment)
        private = {"privateKey": _int32(plain_d)} if "publicKey" not in change else {}
        out.add(comment, result=result, flags=flags, publicKey=vector["publicKey"], **private,
                uid=vector["uid"], msg=vector["msg"], sig=vector["sig"])
    for key_label, d, message, signature, small in _searched_signatures():
        public = sm2.public_key_from_private(d)
        out.group("certkit generated", f"searched: {small} below 2^256 - n ({key_label})",
                  method=f"scripts/vectors/search/small_rs.c found the message; {SCRIPT} "
                         f"re-signs it with {REFERENCE} and checks that the signature verifies "
                         f"and its out-of-range encoding is rejected by {REFERENCE}, the "
                         f"OpenSSL command line and Tongsuo")
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        shifted = (_int32(r + N) + _int32(s)) if small == "r" else (_int32(r) + _int32(s + N))
        for comment, result, flags, sig in (
            (f"{key_label}: {small} is small enough to add n", "valid", [f"Small{small.upper()}"],
             signature),
            (f"{key_label}: {small} + n, the same value mod n, out of range", "invalid",
             ["RangeCheck", "OutOfRangeEncoding"], shifted),
        ):
            _check_signature(public, message, DEFAULT_ID, sig, result == "valid", comment)
            out.add(comment, result=result, flags=flags, publicKey=public,
                    privateKey=_int32(d), uid=DEFAULT_ID, msg=message, sig=sig)
    return out


# --- What a decryptor must refuse --------------------------------------------------------------


def _c1_off_curve(ct: bytes) -> bytes:
    """Add 1 to C1's y: with x unchanged, (x, y + 1) is off the curve."""
    y = (int.from_bytes(ct[33:65], "big") + 1) % sm2.P
    return ct[:33] + _int32(y) + ct[65:]


def _decrypt_variants(ct: bytes) -> list[tuple[str, str, list[str], bytes]]:
    c3_start, c2_start = 65, 97
    return [
        ("unchanged", "valid", [], ct),
        ("first bit of C3 flipped", "invalid", ["IntegrityCheck"], _flip(ct, 8 * c3_start)),
        ("last bit of C3 flipped", "invalid", ["IntegrityCheck"],
         _flip(ct, 8 * c2_start - 1)),
        ("first bit of C2 flipped", "invalid", ["IntegrityCheck"], _flip(ct, 8 * c2_start)),
        ("last bit of C2 flipped", "invalid", ["IntegrityCheck"], _flip(ct, 8 * len(ct) - 1)),
        ("C1 = (x, y + 1), off the curve", "invalid", ["InvalidPoint"], _c1_off_curve(ct)),
        ("C1 = (0, 0), off the curve", "invalid", ["InvalidPoint"],
         b"\x04" + bytes(64) + ct[65:]),
        ("C2 removed: 97 bytes", "invalid", ["Truncated"], ct[:97]),
        ("in the old C1 || C2 || C3 order", "invalid", ["C1C2C3Order"],
         ct[:65] + ct[97:] + ct[65:97]),
    ]


def decrypt_integrity() -> VectorFile:
    out = VectorFile(
        "sm2/decrypt_integrity.json", "SM2-DECRYPT", "sm2-encryption",
        f"Group 1: test values transcribed from {GBT} Annex C (facts). Other groups: "
        f"{vectorgen.LICENCE_GENERATED}",
        generator=vectorgen.generator_info(SCRIPT, _agreed_by()),
        notes=dict(NOTES),
    )
    _, d, _ = special_keys()[6]
    public_key = sm2.public_key_from_private(d)
    message = vectorgen.seeded("sm2/decrypt_integrity message", 33)
    generated = _encrypt_seeded(public_key, message, "sm2/decrypt_integrity")
    refusals = (f"{REFERENCE}, Tongsuo (EVP_PKEY_decrypt) and the OpenSSL command line refuse "
                f"every modified ciphertext (the command line gives no verdict on 97 bytes: "
                f"with no C2 it never decrypts, so those rest on the other two); msg is the "
                f"original plaintext, which must not be released")
    sources = [
        (GBT_D, GBT_PUBLIC, GBT_ENC_MSG, GBT_CT, "the Annex C example",
         (GBT, "Annex C (public key encryption, recommended curve)",
          f"transcribed via OpenSSL test/sm2_internal_test.c; {REFERENCE}, OpenSSL and Tongsuo "
          f"decrypt it"),
         ("certkit generated", f"the {GBT} Annex C ciphertext, one change each",
          f"{SCRIPT}: {refusals}")),
        (d, public_key, message, generated, "pseudorandom key 1, 33-byte message",
         ("certkit generated", "a generated ciphertext, unchanged",
          f"{SCRIPT}: key, message and k from SHAKE-256 seeds; {REFERENCE} encrypts, OpenSSL "
          f"and Tongsuo decrypt it"),
         ("certkit generated", "the generated ciphertext, one change each",
          f"{SCRIPT}: {refusals}")),
    ]
    for key, public, plaintext, ct, what, valid_source, modified_source in sources:
        for comment, result, flags, variant in _decrypt_variants(ct):
            if result == "valid":
                out.group(*valid_source[:2], method=valid_source[2])
            elif out.groups[-1]["source"]["clause"] != modified_source[1]:
                out.group(*modified_source[:2], method=modified_source[2])
            _check_ciphertext(key, variant, plaintext, result == "valid", f"{what}: {comment}")
            out.add(f"{what}: {comment}", result=result, flags=flags, publicKey=public,
                    privateKey=_int32(key), msg=plaintext, ct=variant)
    return out


def _zero_kdf_ciphertext(d: int, message: bytes, label: str) -> bytes:
    """A ciphertext of `message` under [d]G whose KDF output t is all zero (GB/T 32918.4 6.1
    A5 forbids making one, 7.1 B4 requires refusing it): C2 = M, C3 = SM3(x2 || M || y2).
    Found by trying seeded k until t is zero (one in 256 for a one-byte message)."""
    public = sm2.public_key_from_private(d)
    qx, qy = sm2.decode_public_key(public)
    for attempt in range(1, 100_000):
        k = int.from_bytes(vectorgen.seeded(f"{label} k {attempt}", 40), "big") % (sm2.N - 1) + 1
        shared = sm2.scalar_mult(k, qx, qy)
        assert shared is not None
        x2, y2 = _int32(shared[0]), _int32(shared[1])
        if not any(sm2.kdf(x2 + y2, len(message))):
            c1 = sm2.public_key_from_private(k)
            return c1 + hashlib.new("sm3", x2 + message + y2).digest() + message
    raise vectorgen.Disagreement("no k with an all-zero KDF output found")


def decrypt_zero_kdf() -> VectorFile:
    agreed = [REFERENCE, openssl_cli_name()]
    out = VectorFile("sm2/decrypt_zero_kdf.json", "SM2-DECRYPT", "sm2-encryption",
                     vectorgen.LICENCE_GENERATED,
                     generator=vectorgen.generator_info(SCRIPT, agreed),
                     notes=dict(NOTES))
    _, d, _ = special_keys()[6]
    public = sm2.public_key_from_private(d)
    out.group("GB/T 32918.4-2016", "7.1 B4 (t all zero: refuse)",
              method=f"{SCRIPT}: seeded k tried until the one-byte KDF output is zero; C2 = M "
                     f"and C3 made for it; {' and '.join(agreed)} refuse it ("
                     f"{impl.tongsuo_name()} decrypts it: it skips B4)")
    for number in range(3):
        message = vectorgen.seeded(f"sm2/decrypt_zero_kdf message {number}", 1)
        ct = _zero_kdf_ciphertext(d, message, f"sm2/decrypt_zero_kdf {number}")
        comment = f"a one-byte message whose KDF output is all zero (C2 = M), #{number + 1}"
        vectorgen.agree(f"{comment}: refused", {
            "expected": True, REFERENCE: _refused(lambda ct=ct: sm2.decrypt(d, ct)),
            agreed[1]: _refused(lambda ct=ct: interop.openssl_decrypt(d, ct))})
        out.add(comment, result="invalid", flags=["ZeroKdf"], publicKey=public,
                privateKey=_int32(d), msg=message, ct=ct)
    return out


BUILDERS = {
    "sm2/decrypt_zero_kdf.json": decrypt_zero_kdf,
    "sm2/sign_gbt32918.json": sign_gbt32918,
    "sm2/encrypt_gbt32918.json": encrypt_gbt32918,
    "sm2/sign_keys.json": sign_keys,
    "sm2/encrypt_keys.json": encrypt_keys,
    "sm2/verify_range.json": verify_range,
    "sm2/decrypt_integrity.json": decrypt_integrity,
}

if __name__ == "__main__":
    sys.exit(vectorgen.main(BUILDERS, __doc__))
