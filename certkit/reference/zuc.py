"""ZUC-128 and the 128-EEA3 / 128-EIA3 algorithms built on it, as a test reference.

Written from GM/T 0001-2012 and the ETSI/SAGE "Specification of the 3GPP Confidentiality and
Integrity Algorithms 128-EEA3 & 128-EIA3", documents 1 and 2. Clarity comes before speed, and
nothing here resists side channels: this code judges devices, it does not protect keys.
"""

# S-boxes S0 and S1 (GM/T 0001-2012 / ETSI/SAGE document 2), one row per high nibble.
_S0 = bytes.fromhex(
    "3e725b47cae0003304d1549809b96dcb"
    "7b1bf932af9d6aa5b82dfc1d08530390"
    "4d4e8499e4ced991ddb685488b296eac"
    "cdc1f81e734369c6b5bdfd396320d438"
    "767db2a7cfed57c5f32cbb142106559b"
    "e3ef5e314f7f5aa40d8251495fba581c"
    "4a16d517a892241f8cffd8ae2e01d3ad"
    "3b4bda46ebc9de9a8f87d73a806f2fc8"
    "b1b437f70a2213287ccc3c89c7c39656"
    "07bf7ef00b2b975235417961a64c10fe"
    "bc2695888ab0a3fbc01894f2e1e5e95d"
    "d0dc1166645cec59427512f5749caa23"
    "0e86abbe2a02e767e644a26cc2939ff1"
    "f6fa36d250689e6271153dd640c4e20f"
    "8e83776b25053f0c30ea70b7a1e8a965"
    "8d271adb81b3a0f4457a19dfee783460"
)
_S1 = bytes.fromhex(
    "55c263713bc847869f3cda5b29aafd77"
    "8cc5940ca61a1300e3a8167240f9f842"
    "4426689681d9453e1076c6a78b3943e1"
    "3ab5562ac06db3052266bfdc0bfa6248"
    "dd20110636c9c1cff62752bb69f5d487"
    "7f844cd29c57a4bc4f9adffed68d7aeb"
    "2b53d85ca11417fb23d57d3067730809"
    "eeb7703f61b2198e4ee54b938f5ddba9"
    "adf1ae2ecb0dfcf42d466e1d97e8d1e9"
    "4d37a5755e839eab829db91ce0cd4989"
    "01b6bd5824a25f387899159050b895e4"
    "d091c7ceed0fb46fa0ccf0024a79c3de"
    "a3efea51e66b18ec1b2c80f774e7ff21"
    "5a6a541e41319235c433070aba7e0e34"
    "88b1987cf33d606c7bcad31f32650428"
    "64be859b2f598ad7b025acaf1203e2f2"
)
# The 15-bit constants d_0 .. d_15 loaded between key and IV bytes.
_D = (
    0x44D7, 0x26BC, 0x626B, 0x135E, 0x5789, 0x35E2, 0x7135, 0x09AF,
    0x4D78, 0x2F13, 0x6BC4, 0x1AF1, 0x5E26, 0x3C4D, 0x789A, 0x47AC,
)  # fmt: skip

_M31 = (1 << 31) - 1
_MASK32 = 0xFFFFFFFF


def _rotl32(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & _MASK32


def _l1(x: int) -> int:
    return x ^ _rotl32(x, 2) ^ _rotl32(x, 10) ^ _rotl32(x, 18) ^ _rotl32(x, 24)


def _l2(x: int) -> int:
    return x ^ _rotl32(x, 8) ^ _rotl32(x, 14) ^ _rotl32(x, 22) ^ _rotl32(x, 30)


def _sbox(x: int) -> int:
    return (
        (_S0[x >> 24] << 24)
        | (_S1[(x >> 16) & 0xFF] << 16)
        | (_S0[(x >> 8) & 0xFF] << 8)
        | _S1[x & 0xFF]
    )


class _Zuc:
    """One ZUC-128 instance: the 16 x 31-bit LFSR and the FSM registers R1, R2."""

    def __init__(self, key: bytes, iv: bytes) -> None:
        self.s = [(key[i] << 23) | (_D[i] << 8) | iv[i] for i in range(16)]
        self.r1 = 0
        self.r2 = 0
        for _ in range(32):
            x0, x1, x2, _x3 = self._bit_reconstruction()
            self._clock_lfsr(self._f(x0, x1, x2) >> 1)
        # Working mode starts with one step whose output is discarded.
        x0, x1, x2, _x3 = self._bit_reconstruction()
        self._f(x0, x1, x2)
        self._clock_lfsr(0)

    def next_word(self) -> int:
        """Return the next 32-bit keystream word."""
        x0, x1, x2, x3 = self._bit_reconstruction()
        z = self._f(x0, x1, x2) ^ x3
        self._clock_lfsr(0)
        return z

    def _bit_reconstruction(self) -> tuple[int, int, int, int]:
        s = self.s
        return (
            ((s[15] >> 15) << 16) | (s[14] & 0xFFFF),
            ((s[11] & 0xFFFF) << 16) | (s[9] >> 15),
            ((s[7] & 0xFFFF) << 16) | (s[5] >> 15),
            ((s[2] & 0xFFFF) << 16) | (s[0] >> 15),
        )

    def _f(self, x0: int, x1: int, x2: int) -> int:
        w = ((x0 ^ self.r1) + self.r2) & _MASK32
        w1 = (self.r1 + x1) & _MASK32
        w2 = self.r2 ^ x2
        self.r1 = _sbox(_l1(((w1 << 16) | (w2 >> 16)) & _MASK32))
        self.r2 = _sbox(_l2(((w2 << 16) | (w1 >> 16)) & _MASK32))
        return w

    def _clock_lfsr(self, u: int) -> None:
        # Working mode is initialisation mode with u = 0: (v + 0) mod (2^31 - 1) is v.
        s = self.s
        v = (s[15] << 15) + (s[13] << 17) + (s[10] << 21) + (s[4] << 20) + s[0] * 257
        s.append((v + u) % _M31 or _M31)
        del s[0]


def keystream(key: bytes, iv: bytes, words: int) -> bytes:
    """Return the first `words` ZUC-128 keystream words for (key, iv), each 4 bytes big-endian."""
    if len(key) != 16 or len(iv) != 16:
        raise ValueError(f"ZUC-128 needs a 16-byte key and IV, got {len(key)} and {len(iv)}")
    if words < 0:
        raise ValueError(f"word count must be >= 0, got {words}")
    zuc = _Zuc(key, iv)
    return b"".join(zuc.next_word().to_bytes(4, "big") for _ in range(words))


def _check_lte_inputs(count: int, bearer: int, direction: int) -> None:
    if not 0 <= count <= _MASK32:
        raise ValueError(f"COUNT must fit in 32 bits, got {count:#x}")
    if not 0 <= bearer <= 0x1F:
        raise ValueError(f"BEARER must fit in 5 bits, got {bearer:#x}")
    if direction not in (0, 1):
        raise ValueError(f"DIRECTION must be 0 or 1, got {direction}")


def _check_data(data: bytes, length_bits: int) -> None:
    if length_bits < 0:
        raise ValueError(f"length must be >= 0 bits, got {length_bits}")
    if len(data) != (length_bits + 7) // 8:
        raise ValueError(
            f"{length_bits} bits need {(length_bits + 7) // 8} data bytes, got {len(data)}"
        )


def eea3_iv(count: int, bearer: int, direction: int) -> bytes:
    """Return the 16-byte ZUC IV that 128-EEA3 derives from COUNT, BEARER and DIRECTION."""
    _check_lte_inputs(count, bearer, direction)
    half = count.to_bytes(4, "big") + bytes([(bearer << 3) | (direction << 2), 0, 0, 0])
    return half + half


def _eia3_iv(count: int, bearer: int, direction: int) -> bytes:
    _check_lte_inputs(count, bearer, direction)
    half = count.to_bytes(4, "big") + bytes([bearer << 3, 0, 0, 0])
    iv = bytearray(half + half)
    iv[8] ^= direction << 7
    iv[14] ^= direction << 7
    return bytes(iv)


def eea3(
    key: bytes, count: int, bearer: int, direction: int, data: bytes, length_bits: int
) -> bytes:
    """Encrypt (or decrypt) the first `length_bits` bits of `data` with 128-EEA3.

    `data` must be exactly ceil(length_bits / 8) bytes. The result has the same length, and
    the bits after `length_bits` in its last byte are zero, as in the 3GPP test data.
    """
    _check_data(data, length_bits)
    stream = keystream(key, eea3_iv(count, bearer, direction), (length_bits + 31) // 32)
    pad = 8 * len(data) - length_bits
    out = int.from_bytes(data, "big") ^ int.from_bytes(stream[: len(data)], "big")
    return ((out >> pad) << pad).to_bytes(len(data), "big")


def eia3(
    key: bytes, count: int, bearer: int, direction: int, data: bytes, length_bits: int
) -> bytes:
    """Return the 4-byte 128-EIA3 MAC of the first `length_bits` bits of `data`.

    `data` must be exactly ceil(length_bits / 8) bytes; bits after `length_bits` are ignored.
    """
    _check_data(data, length_bits)
    words = (length_bits + 31) // 32 + 2
    stream_bits = 32 * words
    stream = int.from_bytes(keystream(key, _eia3_iv(count, bearer, direction), words), "big")

    def z(i: int) -> int:
        # The 32-bit keystream window that starts at bit i.
        return (stream >> (stream_bits - 32 - i)) & _MASK32

    message = int.from_bytes(data, "big")
    top = 8 * len(data) - 1
    tag = 0
    for i in range(length_bits):
        if (message >> (top - i)) & 1:
            tag ^= z(i)
    tag ^= z(length_bits) ^ z(stream_bits - 32)
    return tag.to_bytes(4, "big")
