"""Run SM2 through independent implementations, so tests can cross-check certkit's reference.

Two implementations, measured on this system:

* tongsuopy: sign and verify with the default ID only, DER signatures.
* the OpenSSL 3 command line: `openssl pkeyutl` signs and verifies with any ID
  (`-rawin -digest sm3 -pkeyopt hexdistid:HEX`) and encrypts and decrypts with GM/T 0009 DER
  ciphertexts. Keys go in as DER files built here: a SEC1 private key that carries only the
  scalar (OpenSSL derives the public point itself) and a SubjectPublicKeyInfo public key.

Everything crosses this module as certkit's raw forms: 65-byte public keys, 64-byte r || s
signatures and C1 || C3 || C2 ciphertexts. A missing tool raises, so a cross-check fails
rather than skips.
"""

import subprocess
import tempfile
from pathlib import Path

_COORD = 32
_OID_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")
_OID_SM2 = bytes.fromhex("06082a811ccf5501822d")
_SEQUENCE, _INTEGER, _BIT_STRING, _OCTET_STRING = 0x30, 0x02, 0x03, 0x04


# --- Minimal DER -----------------------------------------------------------------------------


def _tlv(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


def _integer(value: int) -> bytes:
    # One byte more than the bit length needs keeps the sign bit clear (DER, non-negative).
    return _tlv(_INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _read(data: bytes, pos: int, tag: int) -> tuple[bytes, int]:
    """Return the body of the TLV with `tag` at `pos`, and the position after it."""
    if pos + 2 > len(data) or data[pos] != tag:
        raise ValueError(f"expected DER tag {tag:#04x} at offset {pos}")
    size, pos = data[pos + 1], pos + 2
    if size & 0x80:
        count = size & 0x7F
        if not 1 <= count <= 2 or pos + count > len(data):
            raise ValueError(f"unsupported DER length at offset {pos}")
        size, pos = int.from_bytes(data[pos : pos + count], "big"), pos + count
    if pos + size > len(data):
        raise ValueError(f"DER value at offset {pos} runs past the end")
    return data[pos : pos + size], pos + size


def _read_sequence(der: bytes) -> bytes:
    body, end = _read(der, 0, _SEQUENCE)
    if end != len(der):
        raise ValueError("trailing bytes after the DER SEQUENCE")
    return body


def _read_coordinate(data: bytes, pos: int) -> tuple[bytes, int]:
    body, pos = _read(data, pos, _INTEGER)
    if not body or body[0] & 0x80:
        raise ValueError("expected a non-negative DER INTEGER")
    value = int.from_bytes(body, "big")
    if value.bit_length() > 8 * _COORD:
        raise ValueError("DER INTEGER does not fit in 32 bytes")
    return value.to_bytes(_COORD, "big"), pos


# --- Conversions between certkit's raw forms and DER ----------------------------------------


def signature_to_der(signature: bytes) -> bytes:
    """Return the DER SEQUENCE { r, s } of a 64-byte r || s signature."""
    r, s = signature[:_COORD], signature[_COORD:]
    return _tlv(_SEQUENCE, _integer(int.from_bytes(r, "big")) + _integer(int.from_bytes(s, "big")))


def signature_from_der(der: bytes) -> bytes:
    """Return the 64-byte r || s of a DER SEQUENCE { r, s }."""
    body = _read_sequence(der)
    r, pos = _read_coordinate(body, 0)
    s, pos = _read_coordinate(body, pos)
    if pos != len(body):
        raise ValueError("trailing bytes inside the signature SEQUENCE")
    return r + s


def ciphertext_to_der(ciphertext: bytes) -> bytes:
    """Return the GM/T 0009 DER SEQUENCE { x, y, C3, C2 } of a C1 || C3 || C2 ciphertext."""
    x = int.from_bytes(ciphertext[1 : 1 + _COORD], "big")
    y = int.from_bytes(ciphertext[1 + _COORD : 65], "big")
    c3, c2 = ciphertext[65:97], ciphertext[97:]
    fields = _integer(x) + _integer(y) + _tlv(_OCTET_STRING, c3) + _tlv(_OCTET_STRING, c2)
    return _tlv(_SEQUENCE, fields)


def ciphertext_from_der(der: bytes) -> bytes:
    """Return C1 || C3 || C2 (C1 uncompressed) of a GM/T 0009 DER ciphertext."""
    body = _read_sequence(der)
    x, pos = _read_coordinate(body, 0)
    y, pos = _read_coordinate(body, pos)
    c3, pos = _read(body, pos, _OCTET_STRING)
    c2, pos = _read(body, pos, _OCTET_STRING)
    if pos != len(body) or len(c3) != 32:
        raise ValueError("malformed GM/T 0009 ciphertext")
    return b"\x04" + x + y + c3 + c2


def _sec1_private_key(d: int) -> bytes:
    # ECPrivateKey without the optional publicKey, so OpenSSL computes [d]G itself.
    parameters = _tlv(0xA0, _OID_SM2)
    return _tlv(
        _SEQUENCE, _integer(1) + _tlv(_OCTET_STRING, d.to_bytes(_COORD, "big")) + parameters
    )


def _subject_public_key_info(public_key: bytes) -> bytes:
    algorithm = _tlv(_SEQUENCE, _OID_EC_PUBLIC_KEY + _OID_SM2)
    return _tlv(_SEQUENCE, algorithm + _tlv(_BIT_STRING, b"\x00" + public_key))


def _public_key_from_spki(der: bytes) -> bytes:
    body = _read_sequence(der)
    algorithm, pos = _read(body, 0, _SEQUENCE)
    bits, pos = _read(body, pos, _BIT_STRING)
    if algorithm != _OID_EC_PUBLIC_KEY + _OID_SM2 or pos != len(body) or bits[:1] != b"\x00":
        raise ValueError("not an SM2 SubjectPublicKeyInfo")
    return bits[1:]


# --- The OpenSSL 3 command line --------------------------------------------------------------


def _openssl(workdir: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["openssl", *args], cwd=workdir, capture_output=True, timeout=60, check=False
        )
    except FileNotFoundError as exc:
        raise RuntimeError("the openssl command line is missing; SM2 cross-checks need it") from exc


def _openssl_ok(workdir: Path, *args: str) -> None:
    done = _openssl(workdir, *args)
    if done.returncode != 0:
        raise RuntimeError(
            f"openssl {' '.join(args)} failed: {done.stderr.decode(errors='replace')}"
        )


def _id_option(user_id: bytes) -> list[str]:
    # hexdistid takes any bytes; distid would stop at characters the shell or ':' parsing mangle.
    return ["-pkeyopt", f"hexdistid:{user_id.hex()}"]


def openssl_public_key(d: int) -> bytes:
    """Return the 65-byte public key that OpenSSL derives from the private scalar d."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "key.der").write_bytes(_sec1_private_key(d))
        _openssl_ok(
            workdir, "pkey", "-inform", "DER", "-in", "key.der",
            "-pubout", "-outform", "DER", "-out", "pub.der",
        )  # fmt: skip
        return _public_key_from_spki((workdir / "pub.der").read_bytes())


def openssl_sign(d: int, message: bytes, user_id: bytes) -> bytes:
    """Return OpenSSL's 64-byte r || s SM2 signature of message with private key d and user ID."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "key.der").write_bytes(_sec1_private_key(d))
        (workdir / "msg.bin").write_bytes(message)
        _openssl_ok(
            workdir, "pkeyutl", "-sign", "-inkey", "key.der", "-keyform", "DER",
            "-rawin", "-digest", "sm3", "-in", "msg.bin", "-out", "sig.der",
            *_id_option(user_id),
        )  # fmt: skip
        return signature_from_der((workdir / "sig.der").read_bytes())


def openssl_verify(public_key: bytes, message: bytes, user_id: bytes, signature: bytes) -> bool:
    """Tell whether OpenSSL accepts a 64-byte r || s SM2 signature for message and user ID."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "pub.der").write_bytes(_subject_public_key_info(public_key))
        (workdir / "msg.bin").write_bytes(message)
        (workdir / "sig.der").write_bytes(signature_to_der(signature))
        args = (
            "pkeyutl", "-verify", "-pubin", "-inkey", "pub.der", "-keyform", "DER",
            "-rawin", "-digest", "sm3", "-in", "msg.bin", "-sigfile", "sig.der",
            *_id_option(user_id),
        )  # fmt: skip
        done = _openssl(workdir, *args)
        if done.returncode == 0:
            return True
        # A rejected signature exits 1 with this line; anything else is a broken invocation.
        if b"Signature Verification Failure" in done.stdout:
            return False
        raise RuntimeError(
            f"openssl {' '.join(args)} failed: {done.stderr.decode(errors='replace')}"
        )


def openssl_encrypt(public_key: bytes, message: bytes) -> bytes:
    """Return OpenSSL's SM2 encryption of message as C1 || C3 || C2."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "pub.der").write_bytes(_subject_public_key_info(public_key))
        (workdir / "msg.bin").write_bytes(message)
        _openssl_ok(
            workdir, "pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.der", "-keyform", "DER",
            "-in", "msg.bin", "-out", "ct.der",
        )  # fmt: skip
        return ciphertext_from_der((workdir / "ct.der").read_bytes())


def openssl_decrypt(d: int, ciphertext: bytes) -> bytes:
    """Return OpenSSL's SM2 decryption of a C1 || C3 || C2 ciphertext; raise if it refuses."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "key.der").write_bytes(_sec1_private_key(d))
        (workdir / "ct.der").write_bytes(ciphertext_to_der(ciphertext))
        _openssl_ok(
            workdir, "pkeyutl", "-decrypt", "-inkey", "key.der", "-keyform", "DER",
            "-in", "ct.der", "-out", "pt.bin",
        )  # fmt: skip
        return (workdir / "pt.bin").read_bytes()


# --- tongsuopy -------------------------------------------------------------------------------
# Imported inside each function, so a missing tongsuopy fails the tests that use it and
# leaves the OpenSSL cross-checks and the known-answer tests running.


def tongsuo_public_key(d: int) -> bytes:
    """Return the 65-byte public key that tongsuopy derives from the private scalar d."""
    from tongsuopy.crypto.asymciphers import ec
    from tongsuopy.crypto.serialization import Encoding, PublicFormat

    key = ec.derive_private_key(d, ec.SM2())
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def tongsuo_sign(d: int, message: bytes) -> bytes:
    """Return tongsuopy's 64-byte r || s SM2 signature of message (default ID) with key d."""
    from tongsuopy.crypto import hashes
    from tongsuopy.crypto.asymciphers import ec

    key = ec.derive_private_key(d, ec.SM2())
    return signature_from_der(key.sign(message, ec.ECDSA(hashes.SM3())))


def tongsuo_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Tell whether tongsuopy accepts a 64-byte r || s SM2 signature (default ID)."""
    from tongsuopy.crypto import hashes
    from tongsuopy.crypto.asymciphers import ec
    from tongsuopy.crypto.exceptions import InvalidSignature

    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), public_key)
    try:
        key.verify(signature_to_der(signature), message, ec.ECDSA(hashes.SM3()))
    except InvalidSignature:
        return False
    return True
