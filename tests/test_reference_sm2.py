"""certkit's reference SM2 against the standards' examples and two independent implementations.

Examples: GM/T 0003.5-2012 / GB/T 32918.5 annexes on the recommended curve, and the examples on
the test curve of GM/T 0003 parts 2-4 (GB/T 32918.2-.4 annexes A-C). Cross-checks:
tongsuopy (default ID) and the OpenSSL 3 command line (any ID, encryption), via tests/interop.py;
they fail, not skip, when either is missing.
"""

import secrets
from dataclasses import dataclass

import pytest

import interop
from certkit.reference import sm2

N = sm2.N

# The test curve of GM/T 0003 parts 2-4 (not for products; its examples prove the general code).
TEST_CURVE = sm2.Curve(
    p=0x8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3,
    a=0x787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498,
    b=0x63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A,
    n=0x8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7,
    gx=0x421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D,
    gy=0x0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2,
)


def _point(x: str, y: str) -> bytes:
    return b"\x04" + bytes.fromhex(x) + bytes.fromhex(y)


@dataclass(frozen=True)
class SignatureExample:
    name: str
    curve: sm2.Curve
    d: int
    public_key: bytes
    user_id: bytes
    message: bytes
    z: bytes
    e: int
    k: int
    r: int
    s: int


@dataclass(frozen=True)
class EncryptionExample:
    name: str
    curve: sm2.Curve
    d: int
    public_key: bytes
    message: bytes
    k: int
    c1: bytes
    c3: bytes
    c2: bytes


SIGNATURE_EXAMPLES = [
    SignatureExample(
        name="gbt32918.5-annex-a",
        curve=sm2.RECOMMENDED,
        d=0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8,
        public_key=_point(
            "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020",
            "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13",
        ),
        user_id=b"1234567812345678",
        message=b"message digest",
        z=bytes.fromhex("B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"),
        e=0xF0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640,
        k=0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21,
        r=0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3,
        s=0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA,
    ),
    SignatureExample(
        name="gmt0003.2-test-curve",
        curve=TEST_CURVE,
        d=0x128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263,
        public_key=_point(
            "0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A",
            "7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857",
        ),
        user_id=b"ALICE123@YAHOO.COM",
        message=b"message digest",
        z=bytes.fromhex("F4A38489E32B45B6F876E3AC2168CA392362DC8F23459C1D1146FC3DBFB7BC9A"),
        e=0xB524F552CD82B8B028476E005C377FB19A87E6FC682D48BB5D42E3D9B9EFFE76,
        k=0x6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F,
        r=0x40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1,
        s=0x6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7,
    ),
]

ENCRYPTION_EXAMPLES = [
    EncryptionExample(
        name="gbt32918.5-annex-c",
        curve=sm2.RECOMMENDED,
        d=SIGNATURE_EXAMPLES[0].d,
        public_key=SIGNATURE_EXAMPLES[0].public_key,
        message=b"encryption standard",
        k=0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21,
        c1=_point(
            "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73",
            "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0",
        ),
        c3=bytes.fromhex("59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766"),
        c2=bytes.fromhex("21886CA989CA9C7D58087307CA93092D651EFA"),
    ),
    EncryptionExample(
        name="gmt0003.4-test-curve",
        curve=TEST_CURVE,
        d=0x1649AB77A00637BD5E2EFE283FBF353534AA7F7CB89463F208DDBC2920BB0DA0,
        public_key=_point(
            "435B39CCA8F3B508C1488AFC67BE491A0F7BA07E581A0E4849A5CF70628A7E0A",
            "75DDBA78F15FEECB4C7895E2C1CDF5FE01DEBB2CDBADF45399CCF77BBA076A42",
        ),
        message=b"encryption standard",
        k=0x4C62EEFD6ECFC2B95B92FD6C3D9575148AFA17425546D49018E5388D49DD7B4F,
        c1=_point(
            "245C26FB68B1DDDDB12C4B6BF9F2B6D5FE60A383B0D18D1C4144ABF17F6252E7",
            "76CB9264C2A7E88E52B19903FDC47378F605E36811F5C07423A24B84400F01B8",
        ),
        c3=bytes.fromhex("9C3D7360C30156FAB7C80A0276712DA9D8094A634B766D3A285E07480653426D"),
        c2=bytes.fromhex("650053A89B41C418B0C3AAD00D886C00286467"),
    ),
]

# GM/T 0009 DER of the Annex C ciphertext, as OpenSSL's test gives it (docs/standards.md 6.6).
ANNEX_C_DER = bytes.fromhex(
    "307C022004EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73022100E858F9D81E"
    "5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0042059983C18F809E262923C53AEC295D3"
    "0383B54E39D609D160AFCB1908D0BD8766041321886CA989CA9C7D58087307CA93092D651EFA"
)

# Key exchange example (docs/standards.md 6.7): its keys, Z values and shared secret also pin down
# public_key_from_private, z_a and kdf (and that kdf counts bytes).
EXCHANGE_D_A = 0x81EB26E941BB5AF16DF116495F90695272AE2CD63D6C4AE1678418BE48230029
EXCHANGE_P_A = _point(
    "160E12897DF4EDB61DD812FEB96748FBD3CCF4FFE26AA6F6DB9540AF49C94232",
    "4A7DAD08BB9A459531694BEB20AA489D6649975E1BFCF8C4741B78B4B223007F",
)
EXCHANGE_D_B = 0x785129917D45A9EA5437A59356B82338EAADDA6CEB199088F14AE10DEFA229B5
EXCHANGE_P_B = _point(
    "6AE848C57C53C7B1B5FA99EB2286AF078BA64C64591B8B566F7357D576F16DFB",
    "EE489D771621A27B36C5C7992062E9CD09A9264386F3FBEA54DFF69305621C4D",
)
EXCHANGE_Z_A = bytes.fromhex("3B85A57179E11E7E513AA622991F2CA74D1807A0BD4D4B38F90987A17AC245B1")
EXCHANGE_Z_B = bytes.fromhex("79C988D63229D97EF19FE02CA1056E01E6A7411ED24694AA8F834F4A4AB022F7")
EXCHANGE_U = _point(
    "C558B44BEE5301D9F52B44D939BB59584D75B9034DD6A9FC826872109A65739F",
    "3252B35B191D8AE01CD122C025204334C5EACF68A0CB4854C6A7D367ECAD4DE7",
)
EXCHANGE_K = bytes.fromhex("6C89347354DE2484C60B4AB1FDE4C6E5")

# Keys for the cross-checks. The leading-zero ones were found by trying random d; the
# test_interop_keys_have_their_property test keeps them honest.
D_ANNEX = SIGNATURE_EXAMPLES[0].d
D_X_LEADING_ZERO = 0xCA96BB57A4A116BF69D0A9978CD06B6F40108CEC25494ECC3F93D74E595A6AAE
D_Y_LEADING_ZERO = 0xF32E24BFB0830C5A22C59DEA9C95798E4DEBFA7AD451C7F08AEB80C503CBDB06
D_SMALL = 1  # public key is G itself; the SEC1 scalar is 31 zero bytes and 01
D_LARGEST = N - 2
INTEROP_KEYS = [D_ANNEX, D_X_LEADING_ZERO, D_Y_LEADING_ZERO, D_SMALL, D_LARGEST]
INTEROP_IDS = ["annex", "x-leading-zero", "y-leading-zero", "d=1", "d=n-2"]

# Nonces for D_ANNEX's key, found by trying random k: C1's x, then the shared x2, start 0x00.
K_C1_X_LEADING_ZERO = 0x8AB7BCB3509FDB171C48AC14B29B5BC9D60760DC46B64D2864786E3EB9739CE
K_X2_LEADING_ZERO = 0x98C39C4200CE68B890867620619425209C1E2736EF35EF8C675D012E506F113D

OTHER_IDS = [
    b"",
    b"ALICE123@YAHOO.COM",
    b"\x00",
    "用户甲".encode(),
    bytes(range(256)),
    b"x" * 8191,
]

# OpenSSL 3.0 refuses an 8191-byte ID (it requires fewer than 65535 / 8 bytes, one short of
# what the 16-bit ENTL allows), so the cross-checks stop at 8190.
INTEROP_USER_IDS = [
    b"ALICE123@YAHOO.COM",
    b"\x00",
    "用户甲".encode(),
    bytes(range(256)),
    b"x" * 8190,
]


def _raw(r: int, s: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(out)


# --- Curve and keys ---------------------------------------------------------------------------


@pytest.mark.parametrize("curve", [sm2.RECOMMENDED, TEST_CURVE], ids=["recommended", "test"])
def test_base_point_is_on_curve_with_order_n(curve: sm2.Curve) -> None:
    assert sm2.is_on_curve(curve.gx, curve.gy, curve=curve)
    assert sm2.scalar_mult(curve.n, curve.gx, curve.gy, curve=curve) is None
    assert sm2.scalar_mult(curve.n - 1, curve.gx, curve.gy, curve=curve) == (
        curve.gx,
        curve.p - curve.gy,
    )


def test_scalar_mult_is_linear() -> None:
    a, b = secrets.randbelow(N), secrets.randbelow(N)
    ax, ay = sm2.scalar_mult(a, sm2.GX, sm2.GY)
    assert sm2.scalar_mult(b, ax, ay) == sm2.scalar_mult(a * b % N, sm2.GX, sm2.GY)
    assert sm2.scalar_mult(0, sm2.GX, sm2.GY) is None


def test_scalar_mult_stays_on_the_curve_of_an_off_curve_point() -> None:
    # Suites build invalid-curve points this way: the formulas never use b, so a point of
    # y^2 = x^3 + ax + b' is multiplied on that other curve.
    x = 2
    while True:
        rhs = (x**3 + sm2.A * x + sm2.B + 1) % sm2.P
        y = pow(rhs, (sm2.P + 1) // 4, sm2.P)
        if y * y % sm2.P == rhs:
            break
        x += 1
    mx, my = sm2.scalar_mult(0xC0FFEE, x, y)
    assert not sm2.is_on_curve(mx, my)
    assert (my * my - (mx**3 + sm2.A * mx + sm2.B + 1)) % sm2.P == 0


@pytest.mark.parametrize("example", SIGNATURE_EXAMPLES, ids=lambda example: example.name)
def test_public_key_from_private_matches_example(example: SignatureExample) -> None:
    assert sm2.public_key_from_private(example.d, curve=example.curve) == example.public_key


def test_public_keys_match_key_exchange_example() -> None:
    assert sm2.public_key_from_private(EXCHANGE_D_A) == EXCHANGE_P_A
    assert sm2.public_key_from_private(EXCHANGE_D_B) == EXCHANGE_P_B


@pytest.mark.parametrize("d", [0, N - 1, N, -1])
def test_private_key_outside_1_to_n_minus_2_is_rejected(d: int) -> None:
    with pytest.raises(ValueError, match=r"\[1, n-2\]"):
        sm2.public_key_from_private(d)


def test_public_key_round_trips_through_encoding() -> None:
    x, y = sm2.decode_public_key(SIGNATURE_EXAMPLES[0].public_key)
    assert sm2.encode_public_key(x, y) == SIGNATURE_EXAMPLES[0].public_key


def _replace(data: bytes, offset: int, value: bytes) -> bytes:
    return data[:offset] + value + data[offset + len(value) :]


GOOD_KEY = SIGNATURE_EXAMPLES[0].public_key
# b is a square mod p (p = 3 mod 4, so its root is b^((p+1)/4)): (0, Y_AT_X_ZERO) is a point.
Y_AT_X_ZERO = pow(sm2.B, (sm2.P + 1) // 4, sm2.P)
INVALID_KEYS = [
    pytest.param(b"\x00", "infinity", id="infinity"),
    pytest.param(GOOD_KEY[:-1], "65 bytes, got 64", id="short"),
    pytest.param(GOOD_KEY + b"\x00", "65 bytes, got 66", id="long"),
    pytest.param(b"\x02" + GOOD_KEY[1:33], "65 bytes, got 33", id="compressed"),
    pytest.param(b"\x03" + GOOD_KEY[1:], "prefix byte is 0x03", id="prefix-03"),
    pytest.param(b"\x06" + GOOD_KEY[1:], "prefix byte is 0x06", id="hybrid-06"),
    # (0, Y_AT_X_ZERO) is on the curve, so x = p is that point's x plus p: only the range
    # check catches it.
    pytest.param(sm2.encode_public_key(sm2.P, Y_AT_X_ZERO), "x >= p", id="x-plus-p"),
    pytest.param(_replace(GOOD_KEY, 33, b"\xff" * 32), "y >= p", id="y-too-big"),
    pytest.param(_flip(GOOD_KEY, 8 * 65 - 1), "not on the curve", id="off-curve"),
    pytest.param(b"\x04" + bytes(64), "not on the curve", id="origin"),
]


@pytest.mark.parametrize(("data", "reason"), INVALID_KEYS)
def test_invalid_public_key_is_rejected_with_reason(data: bytes, reason: str) -> None:
    with pytest.raises(sm2.InvalidPoint, match=reason):
        sm2.decode_public_key(data)


def test_point_at_x_zero_is_valid() -> None:
    assert sm2.decode_public_key(sm2.encode_public_key(0, Y_AT_X_ZERO)) == (0, Y_AT_X_ZERO)


def test_is_on_curve_checks_range_and_equation() -> None:
    x, y = sm2.decode_public_key(GOOD_KEY)
    assert sm2.is_on_curve(x, y)
    assert not sm2.is_on_curve(x, y + 1)
    assert not sm2.is_on_curve(x + sm2.P, y)
    assert not sm2.is_on_curve(x, y - sm2.P)


# --- Signature examples -----------------------------------------------------------------------


@pytest.mark.parametrize("example", SIGNATURE_EXAMPLES, ids=lambda example: example.name)
def test_z_a_matches_example(example: SignatureExample) -> None:
    assert sm2.z_a(example.user_id, example.public_key, curve=example.curve) == example.z


def test_z_values_match_key_exchange_example() -> None:
    assert sm2.z_a(sm2.DEFAULT_ID, EXCHANGE_P_A) == EXCHANGE_Z_A
    assert sm2.z_a(sm2.DEFAULT_ID, EXCHANGE_P_B) == EXCHANGE_Z_B


@pytest.mark.parametrize("example", SIGNATURE_EXAMPLES, ids=lambda example: example.name)
def test_message_digest_matches_example(example: SignatureExample) -> None:
    e = sm2.message_digest(
        example.user_id, example.public_key, example.message, curve=example.curve
    )
    assert e == example.e


@pytest.mark.parametrize("example", SIGNATURE_EXAMPLES, ids=lambda example: example.name)
def test_signature_with_example_k_matches_example(example: SignatureExample) -> None:
    signature = sm2.sign(
        example.d, example.message, example.user_id, example.k, curve=example.curve
    )
    assert signature == _raw(example.r, example.s)
    assert sm2.sign_digest(example.d, example.e, example.k, curve=example.curve) == (
        example.r,
        example.s,
    )


@pytest.mark.parametrize("example", SIGNATURE_EXAMPLES, ids=lambda example: example.name)
def test_example_signature_verifies(example: SignatureExample) -> None:
    signature = _raw(example.r, example.s)
    args = (example.public_key, example.message, example.user_id, signature)
    assert sm2.verify(*args, curve=example.curve)
    assert sm2.verify_digest(
        example.public_key, example.e, example.r, example.s, curve=example.curve
    )


def test_default_id_is_the_gmt0009_one() -> None:
    assert sm2.DEFAULT_ID == b"1234567812345678"
    assert SIGNATURE_EXAMPLES[0].user_id == sm2.DEFAULT_ID


def test_user_id_longer_than_8191_bytes_is_rejected() -> None:
    with pytest.raises(ValueError, match="8191"):
        sm2.z_a(b"x" * 8192, GOOD_KEY)


# --- Signature behaviour ----------------------------------------------------------------------


@pytest.mark.parametrize("user_id", OTHER_IDS, ids=lambda uid: f"id-{len(uid)}-bytes")
def test_sign_verify_round_trip_with_other_ids(user_id: bytes) -> None:
    d = secrets.randbelow(N - 2) + 1
    public_key = sm2.public_key_from_private(d)
    signature = sm2.sign(d, b"certkit", user_id)
    assert len(signature) == 64
    assert sm2.verify(public_key, b"certkit", user_id, signature)
    assert not sm2.verify(public_key, b"certkit", sm2.DEFAULT_ID, signature)


def test_random_nonces_differ_and_both_verify() -> None:
    example = SIGNATURE_EXAMPLES[0]
    first = sm2.sign(example.d, b"m", example.user_id)
    second = sm2.sign(example.d, b"m", example.user_id)
    assert first != second
    assert sm2.verify(example.public_key, b"m", example.user_id, first)
    assert sm2.verify(example.public_key, b"m", example.user_id, second)


def test_wrong_id_is_rejected() -> None:
    example = SIGNATURE_EXAMPLES[0]
    signature = _raw(example.r, example.s)
    assert not sm2.verify(example.public_key, example.message, b"1234567812345679", signature)
    assert not sm2.verify(example.public_key, example.message, b"", signature)


def test_wrong_key_is_rejected() -> None:
    example = SIGNATURE_EXAMPLES[0]
    other_key = sm2.public_key_from_private(example.d + 1)
    assert not sm2.verify(other_key, example.message, example.user_id, _raw(example.r, example.s))


@pytest.mark.parametrize("bit", [0, 7, 100, 255, 256, 300, 511])
def test_signature_bit_flip_is_rejected(bit: int) -> None:
    example = SIGNATURE_EXAMPLES[0]
    signature = _flip(_raw(example.r, example.s), bit)
    assert not sm2.verify(example.public_key, example.message, example.user_id, signature)


@pytest.mark.parametrize("bit", [0, 8 * 14 - 1])
def test_message_bit_flip_is_rejected(bit: int) -> None:
    example = SIGNATURE_EXAMPLES[0]
    message = _flip(example.message, bit)
    assert not sm2.verify(example.public_key, message, example.user_id, _raw(example.r, example.s))


@pytest.mark.parametrize("length", [0, 63, 65, 72])
def test_signature_of_wrong_length_is_rejected(length: int) -> None:
    example = SIGNATURE_EXAMPLES[0]
    signature = (_raw(example.r, example.s) + bytes(8))[:length]
    assert not sm2.verify(example.public_key, example.message, example.user_id, signature)


# With this nonce the Annex A signature's s begins with a 0x00 byte (found by trying random k).
K_S_LEADING_ZERO = 0x40FDAFCB05664C0188587054946BEF7160C97928C6D788C87058BA9CAEF9F1D6


def test_signature_with_leading_zero_dropped_is_rejected() -> None:
    # r || s without s's zero byte still parses to the same (r, s): only the length check
    # refuses this second encoding of a valid signature.
    example = SIGNATURE_EXAMPLES[0]
    signature = sm2.sign(example.d, example.message, example.user_id, K_S_LEADING_ZERO)
    assert signature[32] == 0
    args = (example.public_key, example.message, example.user_id)
    assert sm2.verify(*args, signature)
    assert not sm2.verify(*args, signature[:32] + signature[33:])


def test_der_signature_is_not_accepted_as_raw() -> None:
    example = SIGNATURE_EXAMPLES[0]
    der = interop.signature_to_der(_raw(example.r, example.s))
    assert not sm2.verify(example.public_key, example.message, example.user_id, der)


def test_verify_with_invalid_key_raises() -> None:
    example = SIGNATURE_EXAMPLES[0]
    with pytest.raises(sm2.InvalidPoint):
        sm2.verify(_flip(GOOD_KEY, 8 * 65 - 1), example.message, example.user_id, bytes(64))


def _digest_that_passes_without_checks(d: int, r: int, s: int) -> int:
    """Return the e for which (r, s) would pass verification if no range or t check ran.

    The verifier computes x1 of [s]G + [t]P with t = r + s mod n; for P = [d]G that is
    [s + t*d]G, and R = e + x1 mod n equals r exactly when e = r - x1 mod n.
    """
    t = (r + s) % N
    point = sm2.scalar_mult((s + t * d) % N, sm2.GX, sm2.GY)
    x1 = 0 if point is None else point[0]
    return (r - x1) % N


def test_crafted_digest_makes_in_range_signature_verify() -> None:
    # Control for the out-of-range tests below: the crafted e is right, so only checks refuse.
    example = SIGNATURE_EXAMPLES[0]
    r, s = 12345, 67890
    e = _digest_that_passes_without_checks(example.d, r, s)
    assert sm2.verify_digest(example.public_key, e, r, s)


@pytest.mark.parametrize(
    ("r", "s"),
    [
        pytest.param(0, 67890, id="r=0"),
        pytest.param(12345, 0, id="s=0"),
        pytest.param(N, 67890, id="r=n"),
        pytest.param(12345, N, id="s=n"),
        pytest.param(12345 + N, 67890, id="r+n"),
        pytest.param(12345, 67890 + N, id="s+n"),
        pytest.param(12345, N - 12345, id="t=0"),
        pytest.param(-12345, 67890, id="r-negative"),
    ],
)
def test_out_of_range_signature_is_rejected(r: int, s: int) -> None:
    example = SIGNATURE_EXAMPLES[0]
    e = _digest_that_passes_without_checks(example.d, r, s)
    assert not sm2.verify_digest(example.public_key, e, r, s)


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(_raw(0, SIGNATURE_EXAMPLES[0].s), id="r=0"),
        pytest.param(_raw(SIGNATURE_EXAMPLES[0].r, 0), id="s=0"),
        pytest.param(_raw(N, SIGNATURE_EXAMPLES[0].s), id="r=n"),
        pytest.param(_raw(SIGNATURE_EXAMPLES[0].r, N), id="s=n"),
        pytest.param(b"\xff" * 64, id="all-ones"),
    ],
)
def test_out_of_range_raw_signature_is_rejected(signature: bytes) -> None:
    example = SIGNATURE_EXAMPLES[0]
    assert not sm2.verify(example.public_key, example.message, example.user_id, signature)


def _digest_for_r(k: int, r: int) -> int:
    # e such that signing with nonce k gives exactly r.
    x1 = sm2.scalar_mult(k, sm2.GX, sm2.GY)[0]
    return (r - x1) % N


@pytest.mark.parametrize("case", ["r=0", "r+k=n", "s=0"])
def test_sign_digest_refuses_degenerate_nonce(case: str) -> None:
    d, k = SIGNATURE_EXAMPLES[0].d, 0x1234567
    # s = (1+d)^-1 (k - r d) is zero when r = k / d.
    r = {"r=0": 0, "r+k=n": N - k, "s=0": k * pow(d, -1, N) % N}[case]
    with pytest.raises(ValueError, match="choose another k"):
        sm2.sign_digest(d, _digest_for_r(k, r), k)


@pytest.mark.parametrize("k", [0, N])
def test_sign_digest_rejects_k_out_of_range(k: int) -> None:
    with pytest.raises(ValueError, match=r"\[1, n-1\]"):
        sm2.sign_digest(SIGNATURE_EXAMPLES[0].d, 1, k)


# --- Encryption -------------------------------------------------------------------------------


@pytest.mark.parametrize("example", ENCRYPTION_EXAMPLES, ids=lambda example: example.name)
def test_ciphertext_with_example_k_matches_example(example: EncryptionExample) -> None:
    ciphertext = sm2.encrypt(example.public_key, example.message, example.k, curve=example.curve)
    assert ciphertext[:65] == example.c1
    assert ciphertext[65:97] == example.c3
    assert ciphertext[97:] == example.c2


@pytest.mark.parametrize("example", ENCRYPTION_EXAMPLES, ids=lambda example: example.name)
def test_example_ciphertext_decrypts(example: EncryptionExample) -> None:
    ciphertext = example.c1 + example.c3 + example.c2
    assert sm2.decrypt(example.d, ciphertext, curve=example.curve) == example.message


def test_annex_c_der_form_converts_to_c1c3c2() -> None:
    example = ENCRYPTION_EXAMPLES[0]
    raw = example.c1 + example.c3 + example.c2
    assert interop.ciphertext_from_der(ANNEX_C_DER) == raw
    assert interop.ciphertext_to_der(raw) == ANNEX_C_DER


def test_kdf_matches_key_exchange_example() -> None:
    z = EXCHANGE_U[1:] + EXCHANGE_Z_A + EXCHANGE_Z_B
    assert sm2.kdf(z, 16) == EXCHANGE_K


def test_kdf_output_is_a_prefix_of_longer_output() -> None:
    z = b"certkit"
    long = sm2.kdf(z, 100)
    assert len(long) == 100
    assert sm2.kdf(z, 33) == long[:33]
    assert sm2.kdf(z, 0) == b""


@pytest.mark.parametrize("length", [1, 31, 32, 33, 200])
def test_encrypt_decrypt_round_trip(length: int) -> None:
    d = secrets.randbelow(N - 2) + 1
    message = secrets.token_bytes(length)
    ciphertext = sm2.encrypt(sm2.public_key_from_private(d), message)
    assert len(ciphertext) == 97 + length
    assert sm2.decrypt(d, ciphertext) == message


def test_empty_message_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1 byte"):
        sm2.encrypt(GOOD_KEY, b"")


def test_encrypt_to_invalid_key_raises() -> None:
    with pytest.raises(sm2.InvalidPoint):
        sm2.encrypt(_flip(GOOD_KEY, 8 * 65 - 1), b"m")


def _annex_ciphertext() -> bytes:
    example = ENCRYPTION_EXAMPLES[0]
    return example.c1 + example.c3 + example.c2


@pytest.mark.parametrize("bit", [65 * 8, 65 * 8 + 255, 97 * 8, 97 * 8 + 151], ids=str)
def test_flipped_c3_or_c2_bit_fails_integrity(bit: int) -> None:
    with pytest.raises(sm2.DecryptionFailed, match="C3 does not match"):
        sm2.decrypt(ENCRYPTION_EXAMPLES[0].d, _flip(_annex_ciphertext(), bit))


def test_wrong_private_key_fails_integrity() -> None:
    with pytest.raises(sm2.DecryptionFailed):
        sm2.decrypt(ENCRYPTION_EXAMPLES[0].d + 1, _annex_ciphertext())


@pytest.mark.parametrize(
    ("c1", "reason"),
    [
        pytest.param(_flip(ENCRYPTION_EXAMPLES[0].c1, 8 * 65 - 1), "not on the curve", id="off"),
        pytest.param(b"\x05" + ENCRYPTION_EXAMPLES[0].c1[1:], "prefix byte", id="prefix"),
        pytest.param(b"\x04" + b"\xff" * 64, "x >= p", id="range"),
    ],
)
def test_invalid_c1_is_refused_before_decryption(c1: bytes, reason: str) -> None:
    ciphertext = c1 + _annex_ciphertext()[65:]
    with pytest.raises(sm2.InvalidPoint, match=reason):
        sm2.decrypt(ENCRYPTION_EXAMPLES[0].d, ciphertext)


def test_97_byte_ciphertext_is_a_plain_value_error() -> None:
    with pytest.raises(ValueError, match="at least 98") as caught:
        sm2.decrypt(ENCRYPTION_EXAMPLES[0].d, _annex_ciphertext()[:97])
    assert type(caught.value) is ValueError


def test_shortest_ciphertext_decrypts() -> None:
    d = ENCRYPTION_EXAMPLES[0].d
    ciphertext = sm2.encrypt(ENCRYPTION_EXAMPLES[0].public_key, b"\x5a")
    assert len(ciphertext) == 98
    assert sm2.decrypt(d, ciphertext) == b"\x5a"


# --- Cross-checks against tongsuopy and the OpenSSL 3 command line -----------------------------


def test_interop_keys_have_their_property() -> None:
    assert sm2.public_key_from_private(D_X_LEADING_ZERO)[1] == 0
    assert sm2.public_key_from_private(D_Y_LEADING_ZERO)[33] == 0
    public = sm2.decode_public_key(ENCRYPTION_EXAMPLES[0].public_key)
    assert sm2.scalar_mult(K_C1_X_LEADING_ZERO, sm2.GX, sm2.GY)[0] >> 248 == 0
    assert sm2.scalar_mult(K_X2_LEADING_ZERO, *public)[0] >> 248 == 0


@pytest.mark.parametrize("d", INTEROP_KEYS, ids=INTEROP_IDS)
def test_public_key_agrees_with_openssl_and_tongsuo(d: int) -> None:
    public_key = sm2.public_key_from_private(d)
    assert interop.openssl_public_key(d) == public_key
    assert interop.tongsuo_public_key(d) == public_key


@pytest.mark.parametrize("d", INTEROP_KEYS, ids=INTEROP_IDS)
def test_reference_signature_verifies_in_tongsuo(d: int) -> None:
    message = b"certkit cross-check " + d.to_bytes(32, "big")
    signature = sm2.sign(d, message, sm2.DEFAULT_ID)
    assert interop.tongsuo_verify(sm2.public_key_from_private(d), message, signature)


@pytest.mark.parametrize("d", INTEROP_KEYS, ids=INTEROP_IDS)
def test_tongsuo_signature_verifies_in_reference(d: int) -> None:
    message = b"certkit cross-check " + d.to_bytes(32, "big")
    signature = interop.tongsuo_sign(d, message)
    assert sm2.verify(sm2.public_key_from_private(d), message, sm2.DEFAULT_ID, signature)


def test_tongsuo_rejects_what_reference_rejects() -> None:
    # Proves the helper can say no: a wrong ID or a flipped bit must fail there too.
    example = SIGNATURE_EXAMPLES[0]
    signature = _raw(example.r, example.s)
    assert interop.tongsuo_verify(example.public_key, example.message, signature)
    assert not interop.tongsuo_verify(example.public_key, example.message, _flip(signature, 500))
    signed_for_other_id = sm2.sign(example.d, example.message, b"ALICE123@YAHOO.COM")
    assert not interop.tongsuo_verify(example.public_key, example.message, signed_for_other_id)


@pytest.mark.parametrize(
    ("d", "user_id"),
    list(zip(INTEROP_KEYS, INTEROP_USER_IDS, strict=True)),
    ids=INTEROP_IDS,
)
def test_reference_signature_with_other_id_verifies_in_openssl(d: int, user_id: bytes) -> None:
    message = secrets.token_bytes(40)
    signature = sm2.sign(d, message, user_id)
    public_key = sm2.public_key_from_private(d)
    assert interop.openssl_verify(public_key, message, user_id, signature)
    assert not interop.openssl_verify(public_key, message, sm2.DEFAULT_ID, signature)


@pytest.mark.parametrize(
    ("d", "user_id"),
    list(zip(INTEROP_KEYS, [b"", *INTEROP_USER_IDS[1:]], strict=True)),
    ids=INTEROP_IDS,
)
def test_openssl_signature_with_other_id_verifies_in_reference(d: int, user_id: bytes) -> None:
    message = secrets.token_bytes(40)
    signature = interop.openssl_sign(d, message, user_id)
    public_key = sm2.public_key_from_private(d)
    assert sm2.verify(public_key, message, user_id, signature)
    assert not sm2.verify(public_key, message, sm2.DEFAULT_ID, signature)


def test_openssl_accepts_annex_a_signature_and_rejects_a_flipped_one() -> None:
    example = SIGNATURE_EXAMPLES[0]
    signature = _raw(example.r, example.s)
    args = (example.public_key, example.message, example.user_id)
    assert interop.openssl_verify(*args, signature)
    assert not interop.openssl_verify(*args, _flip(signature, 3))


@pytest.mark.parametrize("d", INTEROP_KEYS, ids=INTEROP_IDS)
def test_reference_ciphertext_decrypts_in_openssl(d: int) -> None:
    message = secrets.token_bytes(1 + d % 70)
    ciphertext = sm2.encrypt(sm2.public_key_from_private(d), message)
    assert interop.openssl_decrypt(d, ciphertext) == message


@pytest.mark.parametrize("d", INTEROP_KEYS, ids=INTEROP_IDS)
def test_openssl_ciphertext_decrypts_in_reference(d: int) -> None:
    message = secrets.token_bytes(1 + d % 70)
    ciphertext = interop.openssl_encrypt(sm2.public_key_from_private(d), message)
    assert sm2.decrypt(d, ciphertext) == message


@pytest.mark.parametrize(
    "k",
    [ENCRYPTION_EXAMPLES[0].k, K_C1_X_LEADING_ZERO, K_X2_LEADING_ZERO],
    ids=["annex-c", "c1-x-leading-zero", "x2-leading-zero"],
)
def test_ciphertext_with_chosen_k_decrypts_in_openssl(k: int) -> None:
    example = ENCRYPTION_EXAMPLES[0]
    ciphertext = sm2.encrypt(example.public_key, example.message, k)
    assert interop.openssl_decrypt(example.d, ciphertext) == example.message


def test_openssl_refuses_a_tampered_reference_ciphertext() -> None:
    # Proves the decrypt helper reports failure instead of returning garbage.
    with pytest.raises(RuntimeError, match="openssl"):
        interop.openssl_decrypt(ENCRYPTION_EXAMPLES[0].d, _flip(_annex_ciphertext(), 97 * 8))
