"""SM2 signatures and public-key encryption (GB/T 32918 / GM/T 0003), as a test reference.

Written from the algorithm descriptions in GB/T 32918.1, .2 and .4. Every function works on the
recommended curve of GB/T 32918.5 unless a `curve` is passed, so the same code can also be
proved against the examples on the test curve of GM/T 0003 parts 2-4. SM3 comes from
`hashlib.new("sm3")`.

Clarity comes before speed, and nothing here resists side channels: this code judges devices,
it does not protect keys. It can also build what a device must refuse (points off the curve,
out-of-range signatures), which is why `scalar_mult`, `encode_public_key` and `z_a` do not
validate points.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

DEFAULT_ID = b"1234567812345678"

_COORD_LEN = 32
_POINT_LEN = 1 + 2 * _COORD_LEN
_HASH_LEN = 32
_MAX_ID_LEN = 8191  # ENTL is a 16-bit count of ID bits


@dataclass(frozen=True)
class Curve:
    """A 256-bit curve y^2 = x^3 + ax + b over F_p whose base point G has prime order n.

    Only curves of cofactor 1 are supported: then every affine point on the curve has order n,
    and public-key validation needs no [n]Q check.
    """

    p: int
    a: int
    b: int
    n: int
    gx: int
    gy: int


RECOMMENDED = Curve(P, A, B, N, GX, GY)


class InvalidPoint(ValueError):
    """An encoded point is not a valid public key or C1; the message says why."""


class DecryptionFailed(ValueError):
    """A ciphertext failed its integrity check (C3), so no plaintext is released."""


def _sm3(*parts: bytes) -> bytes:
    digest = hashlib.new("sm3")
    for part in parts:
        digest.update(part)
    return digest.digest()


def _coord(value: int) -> bytes:
    return value.to_bytes(_COORD_LEN, "big")


# --- Point arithmetic -------------------------------------------------------------------------
# Jacobian coordinates (X, Y, Z) stand for the affine point (X/Z^2, Y/Z^3); Z = 0 is infinity.
# None stands for infinity in affine form. The formulas never use b, so they also compute on
# points off the curve, which is what building invalid-curve test cases needs.

_Jacobian = tuple[int, int, int]
_INFINITY: _Jacobian = (1, 1, 0)


def _double(point: _Jacobian, curve: Curve) -> _Jacobian:
    x, y, z = point
    p = curve.p
    if z == 0 or y == 0:
        return _INFINITY
    yy = y * y % p
    s = 4 * x * yy % p
    m = (3 * x * x + curve.a * pow(z, 4, p)) % p
    x3 = (m * m - 2 * s) % p
    y3 = (m * (s - x3) - 8 * yy * yy) % p
    return x3, y3, 2 * y * z % p


def _add_affine(point: _Jacobian, x2: int, y2: int, curve: Curve) -> _Jacobian:
    x1, y1, z1 = point
    p = curve.p
    if z1 == 0:
        return x2, y2, 1
    zz = z1 * z1 % p
    h = (x2 * zz - x1) % p
    r = (y2 * zz * z1 - y1) % p
    if h == 0:
        return _double((x2, y2, 1), curve) if r == 0 else _INFINITY
    hh = h * h % p
    hhh = hh * h % p
    v = x1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    y3 = (r * (v - x3) - y1 * hhh) % p
    return x3, y3, z1 * h % p


def _to_affine(point: _Jacobian, curve: Curve) -> tuple[int, int] | None:
    x, y, z = point
    if z == 0:
        return None
    p = curve.p
    z_inv = pow(z, -1, p)
    zz_inv = z_inv * z_inv % p
    return x * zz_inv % p, y * zz_inv * z_inv % p


def _linear_combination(
    terms: list[tuple[int, tuple[int, int]]], curve: Curve
) -> tuple[int, int] | None:
    """Return the sum of k * point over `terms`, by one shared double-and-add pass."""
    if any(k < 0 for k, _ in terms):
        raise ValueError("scalars must be >= 0")
    acc = _INFINITY
    for bit in reversed(range(max(k.bit_length() for k, _ in terms))):
        acc = _double(acc, curve)
        for k, (x, y) in terms:
            if (k >> bit) & 1:
                acc = _add_affine(acc, x, y, curve)
    return _to_affine(acc, curve)


# Fixed-base tables: [j * 16^i]P for every 4-bit digit j and position i, so that [k]P is 64
# mixed additions and no doubling. Built for G at once and for another point once it has
# been multiplied a few times (the same public key encrypted to again and again); a table
# costs about five ordinary multiplications to build.
_WINDOW_BITS = 4
_WINDOWS = 256 // _WINDOW_BITS
_TABLE_AFTER_USES = 4
_MAX_TABLES = 16
_tables: dict[tuple[int, int, Curve], list[list[tuple[int, int] | None]]] = {}
_uses: dict[tuple[int, int, Curve], int] = {}


def _table(x: int, y: int, curve: Curve) -> list[list[tuple[int, int] | None]]:
    rows = []
    base: tuple[int, int] | None = (x, y)
    for _ in range(_WINDOWS):
        row: list[tuple[int, int] | None] = [None]
        acc = _INFINITY
        for _ in range(1, 1 << _WINDOW_BITS):
            acc = _add_affine(acc, *base, curve) if base is not None else acc
            row.append(_to_affine(acc, curve))
        rows.append(row)
        following = _to_affine(_add_affine(acc, *base, curve), curve) if base else None
        base = following
    return rows


def _fixed_base(k: int, key: tuple[int, int, Curve]) -> tuple[int, int] | None:
    rows = _tables[key]
    curve = key[2]
    acc = _INFINITY
    for row, position in zip(rows, range(0, 256, _WINDOW_BITS), strict=True):
        point = row[(k >> position) & 0xF]
        if point is not None:
            acc = _add_affine(acc, *point, curve)
    return _to_affine(acc, curve)


def _mult(k: int, x: int, y: int, curve: Curve) -> tuple[int, int] | None:
    key = (x, y, curve)
    if key not in _tables and 0 <= k < 1 << 256:
        _uses[key] = _uses.get(key, 0) + 1
        if _uses[key] >= _TABLE_AFTER_USES or (x, y) == (curve.gx, curve.gy):
            if len(_tables) >= _MAX_TABLES:
                _tables.pop(next(iter(_tables)))
            _tables[key] = _table(x, y, curve)
        elif len(_uses) > 64 * _MAX_TABLES:
            _uses.clear()
    if key in _tables and 0 <= k < 1 << 256:
        return _fixed_base(k, key)
    return _linear_combination([(k, (x, y))], curve)


def scalar_mult(k: int, x: int, y: int, *, curve: Curve = RECOMMENDED) -> tuple[int, int] | None:
    """Return [k](x, y), or None for the point at infinity.

    The point is not validated (see the module docstring); k must be >= 0 and is not reduced.
    """
    if k < 0:
        raise ValueError("scalars must be >= 0")
    return _mult(k, x, y, curve)


def _base_mult(k: int, curve: Curve) -> tuple[int, int] | None:
    return _mult(k, curve.gx, curve.gy, curve)


# --- Keys -------------------------------------------------------------------------------------


def is_on_curve(x: int, y: int, *, curve: Curve = RECOMMENDED) -> bool:
    """Tell whether (x, y) is an affine point of the curve with both coordinates in [0, p)."""
    p = curve.p
    if not (0 <= x < p and 0 <= y < p):
        return False
    return (y * y - (x * x * x + curve.a * x + curve.b)) % p == 0


def encode_public_key(x: int, y: int) -> bytes:
    """Return the 65-byte uncompressed encoding 04 || X || Y, without validating the point."""
    if not (0 <= x < 1 << 256 and 0 <= y < 1 << 256):
        raise ValueError("coordinates must fit in 32 bytes")
    return b"\x04" + _coord(x) + _coord(y)


def decode_public_key(data: bytes, *, curve: Curve = RECOMMENDED) -> tuple[int, int]:
    """Return the affine point of an uncompressed public key, or raise InvalidPoint saying why.

    Checks what the public-key validation of GB/T 32918.1 asks, in its order: not infinity,
    coordinates in [0, p), on the curve (plus the 65-byte uncompressed form certkit uses).
    With cofactor 1, [n]Q = O follows.
    """
    if data == b"\x00":
        raise InvalidPoint("the point at infinity (encoded 00) is not a valid public key")
    if len(data) != _POINT_LEN:
        raise InvalidPoint(f"an uncompressed point is {_POINT_LEN} bytes, got {len(data)}")
    if data[0] != 0x04:
        raise InvalidPoint(f"prefix byte is {data[0]:#04x}, expected 0x04 (uncompressed)")
    x = int.from_bytes(data[1 : 1 + _COORD_LEN], "big")
    y = int.from_bytes(data[1 + _COORD_LEN :], "big")
    if x >= curve.p:
        raise InvalidPoint("coordinate x >= p")
    if y >= curve.p:
        raise InvalidPoint("coordinate y >= p")
    if not is_on_curve(x, y, curve=curve):
        raise InvalidPoint("point is not on the curve")
    return x, y


def compress_point(public_key: bytes) -> bytes:
    """The 33-byte compressed form (02 or 03, by Y's parity, || X) of an uncompressed point
    (GB/T 32918.1 4.2.8): allowed by the standard, taken by some products."""
    x, y = decode_public_key(public_key)
    return bytes([2 | (y & 1)]) + _coord(x)


def decompress_point(data: bytes, *, curve: Curve = RECOMMENDED) -> bytes:
    """The 65-byte uncompressed form of a 33-byte compressed point, or InvalidPoint.

    SM2's p is 3 mod 4, so the square root of a is a^((p + 1) / 4) when there is one."""
    if len(data) != 1 + _COORD_LEN or data[0] not in (2, 3):
        raise InvalidPoint("a compressed point is 02 or 03 followed by 32 bytes of X")
    x, p = int.from_bytes(data[1:], "big"), curve.p
    if x >= p:
        raise InvalidPoint("coordinate x >= p")
    alpha = (pow(x, 3, p) + curve.a * x + curve.b) % p
    y = pow(alpha, (p + 1) // 4, p)
    if y * y % p != alpha:
        raise InvalidPoint("no point of the curve has this x")
    if y & 1 != data[0] & 1:
        y = p - y
    return encode_public_key(x, y)


def _check_private_key(d: int, curve: Curve) -> None:
    # GB/T 32918.1 key generation takes d in [1, n-2], so that 1 + d is invertible mod n.
    if not 1 <= d <= curve.n - 2:
        raise ValueError("private key d must be in [1, n-2]")


def public_key_from_private(d: int, *, curve: Curve = RECOMMENDED) -> bytes:
    """Return the 65-byte public key [d]G for private key d (1 <= d <= n-2)."""
    _check_private_key(d, curve)
    point = _base_mult(d, curve)
    assert point is not None  # d < n, so [d]G is never infinity
    return encode_public_key(*point)


# --- Signatures (GB/T 32918.2) ----------------------------------------------------------------


def z_a(user_id: bytes, public_key: bytes, *, curve: Curve = RECOMMENDED) -> bytes:
    """Return Z_A = SM3(ENTL || ID || a || b || Gx || Gy || xA || yA), 32 bytes.

    The key must be 65 bytes 04 || X || Y but is not checked against the curve.
    """
    if len(user_id) > _MAX_ID_LEN:
        raise ValueError(f"user ID is {len(user_id)} bytes; at most {_MAX_ID_LEN} fit in ENTL")
    return z_with_entl(8 * len(user_id), user_id, public_key, curve=curve)


def z_with_entl(entl: int, user_id: bytes, public_key: bytes, *,
                curve: Curve = RECOMMENDED) -> bytes:
    """Z with ENTL stated rather than counted: what a module computes whose two-byte ENTL
    wraps (entl = 8 * len(ID) mod 2^16), for crafting the cases that catch it."""
    if len(public_key) != _POINT_LEN or public_key[0] != 0x04:
        raise ValueError(f"public key must be {_POINT_LEN} bytes 04 || X || Y")
    params = b"".join(_coord(v) for v in (curve.a, curve.b, curve.gx, curve.gy))
    return _sm3((entl & 0xFFFF).to_bytes(2, "big"), user_id, params, public_key[1:])


def message_digest(
    user_id: bytes, public_key: bytes, message: bytes, *, curve: Curve = RECOMMENDED
) -> int:
    """Return e = SM3(Z_A || M) as an integer, the value SM2 signs."""
    return int.from_bytes(_sm3(z_a(user_id, public_key, curve=curve), message), "big")


def _try_sign(d: int, e: int, k: int, curve: Curve) -> tuple[int, int] | None:
    # None when k is one of the rare values the standard says to replace.
    n = curve.n
    point = _base_mult(k, curve)
    assert point is not None  # 1 <= k < n
    r = (e + point[0]) % n
    if r == 0 or r + k == n:
        return None
    s = pow(1 + d, -1, n) * (k - r * d) % n
    return None if s == 0 else (r, s)


def sign_digest(d: int, e: int, k: int, *, curve: Curve = RECOMMENDED) -> tuple[int, int]:
    """Return the signature (r, s) of digest e with private key d and nonce k.

    Raises ValueError if k gives r = 0, r + k = n or s = 0; the caller picks another k.
    """
    _check_private_key(d, curve)
    if not 1 <= k <= curve.n - 1:
        raise ValueError("nonce k must be in [1, n-1]")
    signature = _try_sign(d, e, k, curve)
    if signature is None:
        raise ValueError("this k gives r = 0, r + k = n or s = 0; choose another k")
    return signature


def sign(
    d: int, message: bytes, user_id: bytes, k: int | None = None, *, curve: Curve = RECOMMENDED
) -> bytes:
    """Return the 64-byte signature r || s of message under private key d and user ID.

    With k None a fresh nonce comes from `secrets` (and is replaced if degenerate); a given k
    is used as is, for known-answer tests.
    """
    e = message_digest(user_id, public_key_from_private(d, curve=curve), message, curve=curve)
    if k is not None:
        r, s = sign_digest(d, e, k, curve=curve)
        return _coord(r) + _coord(s)
    while True:
        signature = _try_sign(d, e, secrets.randbelow(curve.n - 1) + 1, curve)
        if signature is not None:
            return _coord(signature[0]) + _coord(signature[1])


def verify_digest(public_key: bytes, e: int, r: int, s: int, *, curve: Curve = RECOMMENDED) -> bool:
    """Tell whether (r, s) is a valid signature of digest e under public_key.

    Raises InvalidPoint if the key itself is invalid; every fault in the signature gives False.
    """
    qx, qy = decode_public_key(public_key, curve=curve)
    n = curve.n
    if not (1 <= r <= n - 1 and 1 <= s <= n - 1):
        return False
    t = (r + s) % n
    if t == 0:
        return False
    point = _linear_combination([(s, (curve.gx, curve.gy)), (t, (qx, qy))], curve)
    return point is not None and (e + point[0]) % n == r


def verify(
    public_key: bytes,
    message: bytes,
    user_id: bytes,
    signature: bytes,
    *,
    curve: Curve = RECOMMENDED,
) -> bool:
    """Tell whether signature (64 bytes r || s) is valid for message, user ID and public key.

    Strict: any other length, r or s outside [1, n-1], or r + s = 0 mod n gives False.
    Raises InvalidPoint if the key itself is invalid.
    """
    decode_public_key(public_key, curve=curve)  # a bad key raises, whatever the signature
    if len(signature) != 2 * _COORD_LEN:
        return False
    r = int.from_bytes(signature[:_COORD_LEN], "big")
    s = int.from_bytes(signature[_COORD_LEN:], "big")
    e = message_digest(user_id, public_key, message, curve=curve)
    return verify_digest(public_key, e, r, s, curve=curve)


# --- Encryption (GB/T 32918.4) ----------------------------------------------------------------


def kdf(z: bytes, klen: int) -> bytes:
    """Return klen bytes of the SM3 key derivation function of z.

    klen counts bytes (the standard counts bits; certkit only needs whole bytes). The 32-bit
    big-endian counter starts at 1.
    """
    if not 0 <= klen < (2**32 - 1) * _HASH_LEN:
        raise ValueError(f"klen must be in [0, (2^32 - 1) * 32) bytes, got {klen}")
    blocks = (klen + _HASH_LEN - 1) // _HASH_LEN
    return b"".join(_sm3(z, i.to_bytes(4, "big")) for i in range(1, blocks + 1))[:klen]


def _xor(left: bytes, right: bytes) -> bytes:
    return (int.from_bytes(left, "big") ^ int.from_bytes(right, "big")).to_bytes(len(left), "big")


def _try_encrypt(qx: int, qy: int, message: bytes, k: int, curve: Curve) -> bytes | None:
    # None when the KDF output is all zero, which the standard says to retry with a new k.
    c1 = _base_mult(k, curve)
    shared = _mult(k, qx, qy, curve)
    assert c1 is not None and shared is not None  # 1 <= k < n and Q has order n
    x2, y2 = _coord(shared[0]), _coord(shared[1])
    t = kdf(x2 + y2, len(message))
    if not any(t):
        return None
    return encode_public_key(*c1) + _sm3(x2, message, y2) + _xor(message, t)


def encrypt(
    public_key: bytes, message: bytes, k: int | None = None, *, curve: Curve = RECOMMENDED
) -> bytes:
    """Return the ciphertext C1 || C3 || C2 of message under public_key.

    C1 is the 65-byte uncompressed point. With k None a fresh k comes from `secrets` (and is
    replaced if the KDF output is all zero); a given k is used as is, for known-answer tests.
    Raises InvalidPoint for an invalid key, ValueError for an empty message or bad k.
    """
    qx, qy = decode_public_key(public_key, curve=curve)
    if not message:
        raise ValueError("SM2 encryption needs a message of at least 1 byte")
    if k is not None:
        if not 1 <= k <= curve.n - 1:
            raise ValueError("k must be in [1, n-1]")
        ciphertext = _try_encrypt(qx, qy, message, k, curve)
        if ciphertext is None:
            raise ValueError("this k gives an all-zero KDF output; choose another k")
        return ciphertext
    while True:
        ciphertext = _try_encrypt(qx, qy, message, secrets.randbelow(curve.n - 1) + 1, curve)
        if ciphertext is not None:
            return ciphertext


def decrypt(d: int, ciphertext: bytes, *, curve: Curve = RECOMMENDED) -> bytes:
    """Return the plaintext of C1 || C3 || C2 under private key d.

    Raises ValueError if the ciphertext is shorter than 98 bytes, InvalidPoint if C1 is not a
    valid point, and DecryptionFailed if the KDF output is all zero or C3 does not match.
    """
    _check_private_key(d, curve)
    minimum = _POINT_LEN + _HASH_LEN + 1
    if len(ciphertext) < minimum:
        raise ValueError(f"ciphertext is {len(ciphertext)} bytes; at least {minimum} needed")
    c1x, c1y = decode_public_key(ciphertext[:_POINT_LEN], curve=curve)
    c3 = ciphertext[_POINT_LEN : _POINT_LEN + _HASH_LEN]
    c2 = ciphertext[_POINT_LEN + _HASH_LEN :]
    shared = scalar_mult(d, c1x, c1y, curve=curve)
    assert shared is not None  # C1 has order n and 1 <= d < n
    x2, y2 = _coord(shared[0]), _coord(shared[1])
    t = kdf(x2 + y2, len(c2))
    if not any(t):
        raise DecryptionFailed("KDF output is all zero")
    message = _xor(c2, t)
    if not hmac.compare_digest(_sm3(x2, message, y2), c3):
        raise DecryptionFailed("C3 does not match: the ciphertext was altered or the key is wrong")
    return message
