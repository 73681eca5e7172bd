"""Signed, tamper-evident report folders: an SM2 signature over a manifest of every file.

`sign_folder` writes SIGNATURE/manifest.json (each file's relative path and SM3
digest, the signer's public key and user ID) and SIGNATURE/manifest.sig, the
SM2 signature (SM3 digest, GB/T 32918.2) of manifest.json's exact bytes, DER
encoded as OpenSSL writes it. So the OpenSSL command line checks it too:

    openssl pkeyutl -verify -pubin -inkey PUB.pem -rawin -digest sm3 \\
        -pkeyopt distid:1234567812345678 -in SIGNATURE/manifest.json \\
        -sigfile SIGNATURE/manifest.sig

Keys are PEM as `openssl genpkey -algorithm SM2` writes them (PKCS#8, and
SubjectPublicKeyInfo for public keys). `cryptography` cannot load SM2 keys and
tongsuopy signs only with the default ID, so the few DER structures involved
are read and written here, and the arithmetic is certkit's own reference SM2.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from certkit.reference import sm2

SIGNATURE_DIR = "SIGNATURE"
MANIFEST_FILE = "manifest.json"
SIGNATURE_FILE = "manifest.sig"
MANIFEST_FORMAT = "certkit-report-manifest/1"
USER_ID = sm2.DEFAULT_ID  # GB/T 35276's default "1234567812345678"

_OID_EC_PUBLIC_KEY = bytes.fromhex("2a8648ce3d0201")  # 1.2.840.10045.2.1
_OID_SM2 = bytes.fromhex("2a811ccf5501822d")  # 1.2.156.10197.1.301
_PEM = re.compile(r"-----BEGIN (?P<label>[A-Z0-9 ]+)-----(?P<body>[A-Za-z0-9+/=\s]+)"
                  r"-----END (?P=label)-----")


class SigningError(ValueError):
    """A key or a signature folder certkit cannot use; the message says what and why."""


# --- DER, just enough for PKCS#8, SEC 1 and SubjectPublicKeyInfo -----------------------------

def _der_read(data: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """One TLV at `offset`: (tag, value, offset after it). Definite lengths only (DER)."""
    if offset + 2 > len(data):
        raise SigningError("truncated DER")
    tag, length = data[offset], data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or offset + count > len(data):
            raise SigningError("bad DER length")
        length = int.from_bytes(data[offset:offset + count], "big")
        offset += count
    if offset + length > len(data):
        raise SigningError("truncated DER")
    return tag, data[offset:offset + length], offset + length


def _der_items(data: bytes) -> list[tuple[int, bytes]]:
    """The TLVs that make up a constructed value's contents, in order."""
    items, offset = [], 0
    while offset < len(data):
        tag, value, offset = _der_read(data, offset)
        items.append((tag, value))
    return items


def _der(tag: int, value: bytes) -> bytes:
    length = len(value)
    if length < 0x80:
        return bytes([tag, length]) + value
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + value


def _der_integer(value: int) -> bytes:
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")  # room for a sign bit
    return _der(0x02, body)


def _expect(item: tuple[int, bytes], tag: int, what: str) -> bytes:
    if item[0] != tag:
        raise SigningError(f"{what}: unexpected DER tag 0x{item[0]:02x}")
    return item[1]


def _sequence(data: bytes, what: str) -> list[tuple[int, bytes]]:
    tag, value, end = _der_read(data)
    if tag != 0x30 or end != len(data):
        raise SigningError(f"{what}: not one DER SEQUENCE")
    return _der_items(value)


def _check_algorithm(algorithm: bytes, what: str) -> None:
    """AlgorithmIdentifier: id-ecPublicKey with the SM2 curve, or the SM2 OID itself (GmSSL)."""
    items = _der_items(algorithm)
    oids = [value for tag, value in items if tag == 0x06]
    if not oids or not (oids[0] == _OID_SM2 or (oids[0] == _OID_EC_PUBLIC_KEY
                                                 and _OID_SM2 in oids[1:])):
        raise SigningError(f"{what}: not an SM2 key")


# --- keys ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PrivateKey:
    d: int

    @property
    def public_key(self) -> bytes:
        """The uncompressed point 04 || x || y."""
        return sm2.public_key_from_private(self.d)


def _pem_blocks(text: str) -> dict[str, bytes]:
    return {m.group("label"): base64.b64decode("".join(m.group("body").split()))
            for m in _PEM.finditer(text)}


def _ec_private_key(der: bytes) -> int:
    """SEC 1 ECPrivateKey: version 1, the private key as an OCTET STRING, optional fields."""
    items = _sequence(der, "EC private key")
    if len(items) < 2 or _expect(items[0], 0x02, "EC private key version") != b"\x01":
        raise SigningError("EC private key: version is not 1")
    d = int.from_bytes(_expect(items[1], 0x04, "EC private key"), "big")
    if not 1 <= d < sm2.N - 1:
        raise SigningError("SM2 private key out of range")
    return d


def load_private_key(text: str) -> PrivateKey:
    """An SM2 private key from PEM: PKCS#8 "PRIVATE KEY" (openssl genpkey) or SEC 1."""
    blocks = _pem_blocks(text)
    if "ENCRYPTED PRIVATE KEY" in blocks:
        raise SigningError("the key is encrypted; decrypt it first "
                           "(openssl pkey -in KEY.pem -out PLAIN.pem)")
    if "PRIVATE KEY" in blocks:
        items = _sequence(blocks["PRIVATE KEY"], "PKCS#8 private key")
        if len(items) < 3 or _expect(items[0], 0x02, "PKCS#8 version") != b"\x00":
            raise SigningError("PKCS#8 private key: unsupported version")
        _check_algorithm(_expect(items[1], 0x30, "PKCS#8 algorithm"), "PKCS#8 private key")
        return PrivateKey(_ec_private_key(_expect(items[2], 0x04, "PKCS#8 private key")))
    if "EC PRIVATE KEY" in blocks:
        return PrivateKey(_ec_private_key(blocks["EC PRIVATE KEY"]))
    raise SigningError("no PEM private key found (expected -----BEGIN PRIVATE KEY-----)")


def load_public_key(text: str) -> bytes:
    """An SM2 public key (04 || x || y) from a PEM "PUBLIC KEY", or the public half of a
    PEM private key."""
    blocks = _pem_blocks(text)
    if "PUBLIC KEY" not in blocks:
        return load_private_key(text).public_key
    items = _sequence(blocks["PUBLIC KEY"], "public key")
    if len(items) != 2:
        raise SigningError("public key: not a SubjectPublicKeyInfo")
    _check_algorithm(_expect(items[0], 0x30, "public key algorithm"), "public key")
    bits = _expect(items[1], 0x03, "public key")
    if not bits or bits[0] != 0:
        raise SigningError("public key: bad BIT STRING")
    try:
        x, y = sm2.decode_public_key(bits[1:])
    except ValueError as exc:
        raise SigningError(f"public key: {exc}") from None
    return sm2.encode_public_key(x, y)


def _pem(label: str, der: bytes) -> str:
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def _algorithm() -> bytes:
    return _der(0x30, _der(0x06, _OID_EC_PUBLIC_KEY) + _der(0x06, _OID_SM2))


def private_key_pem(key: PrivateKey) -> str:
    """PKCS#8 PEM, laid out as `openssl genpkey -algorithm SM2` writes it."""
    ec_key = _der(0x30, _der_integer(1) + _der(0x04, key.d.to_bytes(32, "big"))
                  + _der(0xA1, _der(0x03, b"\x00" + key.public_key)))
    return _pem("PRIVATE KEY", _der(0x30, _der_integer(0) + _algorithm() + _der(0x04, ec_key)))


def public_key_pem(public_key: bytes) -> str:
    """SubjectPublicKeyInfo PEM, as `openssl pkey -pubout` writes it."""
    return _pem("PUBLIC KEY", _der(0x30, _algorithm() + _der(0x03, b"\x00" + public_key)))


def generate_key() -> PrivateKey:
    return PrivateKey(secrets.randbelow(sm2.N - 2) + 1)


def fingerprint(public_key: bytes) -> str:
    """A short name for a public key: the first 16 hex digits of its SM3 digest."""
    return hashlib.new("sm3", public_key).hexdigest()[:16]


# --- signatures ----------------------------------------------------------------------------

def encode_signature(raw: bytes) -> bytes:
    """r || s as the DER SEQUENCE of two INTEGERs that OpenSSL reads and writes."""
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    return _der(0x30, _der_integer(r) + _der_integer(s))


def decode_signature(der: bytes) -> bytes:
    items = _sequence(der, "signature")
    if len(items) != 2:
        raise SigningError("signature: not two INTEGERs")
    r, s = (int.from_bytes(_expect(item, 0x02, "signature"), "big") for item in items)
    if r >= 1 << 256 or s >= 1 << 256:
        raise SigningError("signature: r or s too long")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


# --- folders -------------------------------------------------------------------------------

def _files(folder: Path) -> tuple[dict[str, Path], list[str]]:
    """Every file under `folder` but SIGNATURE/ by POSIX relative path, and the entries that
    are neither regular files nor folders (a symlink could point anywhere)."""
    found: dict[str, Path] = {}
    odd: list[str] = []
    for root, dirs, names in os.walk(folder):
        base = Path(root)
        for name in sorted(dirs):
            if (base / name).is_symlink():
                odd.append((base / name).relative_to(folder).as_posix())
        dirs[:] = sorted(d for d in dirs if not (base / d).is_symlink()
                         and not (base == folder and d == SIGNATURE_DIR))
        for name in sorted(names):
            path = base / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink() or not path.is_file():
                odd.append(relative)
            else:
                found[relative] = path
    return found, odd


def _sm3_file(path: Path) -> str:
    digest = hashlib.new("sm3")
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_bytes(folder: Path, public_key: bytes) -> bytes:
    """The manifest of `folder` as the bytes that get signed."""
    files, odd = _files(folder)
    if odd:
        raise SigningError(f"not regular files, refusing to sign: {', '.join(odd)}")
    manifest = {
        "format": MANIFEST_FORMAT,
        "digest": "SM3",
        "signature": {
            "algorithm": "SM2 (GB/T 32918.2) with SM3, DER-encoded (r, s)",
            "user_id": USER_ID.decode("ascii"),
            "public_key": public_key.hex(),
            "public_key_fingerprint": fingerprint(public_key),
        },
        "files": {name: _sm3_file(path) for name, path in sorted(files.items())},
    }
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("ascii")


def sign_folder(folder: Path, key: PrivateKey) -> Path:
    """Write SIGNATURE/manifest.json and its signature into `folder`; return the manifest."""
    if not (folder / "results.json").is_file():
        raise SigningError(f"{folder}: no results.json, not a report folder")
    manifest = manifest_bytes(folder, key.public_key)
    signature = encode_signature(sm2.sign(key.d, manifest, USER_ID))
    out = folder / SIGNATURE_DIR
    out.mkdir(exist_ok=True)
    (out / MANIFEST_FILE).write_bytes(manifest)
    (out / SIGNATURE_FILE).write_bytes(signature)
    return out / MANIFEST_FILE


@dataclass(frozen=True)
class Verification:
    """What `verify_folder` found: problems name the files; no problems means intact."""

    signer: str  # the signing key's fingerprint
    files: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_folder(folder: Path, public_key: bytes | None = None) -> Verification:
    """Check the signature (against `public_key` when given, else the key the manifest
    names) and every file against the manifest: changed, added and removed files are named."""
    signature_dir = folder / SIGNATURE_DIR
    try:
        manifest_data = (signature_dir / MANIFEST_FILE).read_bytes()
        signature_der = (signature_dir / SIGNATURE_FILE).read_bytes()
    except FileNotFoundError as exc:
        raise SigningError(f"{folder}: not signed ({exc.filename} missing)") from None
    problems: list[str] = []
    try:
        manifest = json.loads(manifest_data)
        recorded_key = bytes.fromhex(manifest["signature"]["public_key"])
        user_id = manifest["signature"]["user_id"].encode("ascii")
        listed: dict[str, str] = dict(manifest["files"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return Verification("?", 0, (f"{SIGNATURE_DIR}/{MANIFEST_FILE}: unreadable ({exc})",))
    key = public_key if public_key is not None else recorded_key
    if public_key is not None and recorded_key != public_key:
        problems.append(f"{SIGNATURE_DIR}/{MANIFEST_FILE}: signed by key "
                        f"{fingerprint(recorded_key)}, not the given key {fingerprint(key)}")
    try:
        valid = sm2.verify(key, manifest_data, user_id, decode_signature(signature_der))
    except ValueError:
        valid = False
    if not valid:
        problems.append(f"{SIGNATURE_DIR}/{SIGNATURE_FILE}: the signature does not verify over "
                        f"{SIGNATURE_DIR}/{MANIFEST_FILE} with key {fingerprint(key)}")
    files, odd = _files(folder)
    problems.extend(f"{name}: not a regular file" for name in odd)
    for name in sorted(set(listed) | set(files)):
        if name not in files:
            problems.append(f"{name}: removed (listed in the manifest, missing)")
        elif name not in listed:
            problems.append(f"{name}: added (not in the manifest)")
        elif _sm3_file(files[name]) != listed[name]:
            problems.append(f"{name}: changed (SM3 digest differs from the manifest)")
    extra = sorted(p.name for p in signature_dir.iterdir()
                   if p.name not in (MANIFEST_FILE, SIGNATURE_FILE))
    problems.extend(f"{SIGNATURE_DIR}/{name}: added (not part of a signature)" for name in extra)
    return Verification(fingerprint(key), len(listed), tuple(problems))
