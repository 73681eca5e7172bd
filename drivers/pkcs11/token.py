"""The token as a certkit Device: typed operations over one logged-in R/W session.

Keys the Device contract passes as bytes (symmetric keys, HMAC keys, public
keys to verify with) become session objects (CKA_TOKEN false) created on
first use and kept, per key value, for the life of the session (at most
`KEY_CACHE` of each kind; the oldest is destroyed first). Secret keys are
created CKA_SENSITIVE true and CKA_EXTRACTABLE false: they entered through
the API and have no reason to leave. A logout (which the `pkcs11_api` suite
makes) invalidates them and the cache is dropped.

Return values become certkit's exceptions here and nowhere else (`refusal`);
every message names the call, the mechanism and the code, so a report shows
what the token answered.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from typing import TypeVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from certkit.device import PKCS11, Device, DeviceInfo, KeyHandle
from certkit.errors import (
    AuthFailed,
    BadParameter,
    ConfigError,
    Denied,
    DeviceError,
    ErrorState,
    InternalError,
    NoSuchKey,
    Unreachable,
    Unsupported,
)
from certkit.reference import sm2 as reference_sm2

from .cryptoki import (
    CK_RSA_PKCS_PSS_PARAMS,
    CKA,
    CKG_MGF1_SHA256,
    CKK_AES,
    CKK_EC,
    CKK_RSA,
    CKM,
    CKO_PRIVATE_KEY,
    CKO_PUBLIC_KEY,
    CKO_SECRET_KEY,
    CKR,
    CKU_USER,
    Cryptoki,
    CryptokiError,
    Mechanism,
    MechanismInfo,
    Template,
    TokenInfo,
    ctr_params,
    gcm_params,
    rv_name,
)
from .mechanisms import P256_PARAMS, MechanismMap, Offer, capabilities
from .pin import Pin

T = TypeVar("T")
KEY_CACHE = 256
TAG_BYTES = 16
HMAC_BLOCK = 64  # SHA-256 and SM3 both hash 64-byte blocks
DIGEST_SIZES = {"SHA-1": 20, "SHA-224": 28, "SHA-256": 32, "SHA-384": 48, "SHA-512": 64,
                "SM3": 32}
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
PSS_SALT_BYTES = 32
# KeyHandle.algorithm values, and the offer each signs with (see the package docstring)
SIGNING = {"ECDSA-P256": "ECDSA-P256-SIGN", "RSA-2048-PKCS1": "RSA-2048-PKCS1-SIGN",
           "RSA-2048-PSS": "RSA-2048-PSS-SIGN", "SM2": "SM2-SIGN"}
VERIFYING = {"ECDSA-P256": "ECDSA-P256-VERIFY", "RSA-2048-PKCS1": "RSA-2048-PKCS1-VERIFY",
             "RSA-2048-PSS": "RSA-2048-PSS-VERIFY", "SM2": "SM2-VERIFY"}
# "RSA-2048" makes a pair with no signing scheme (the performance suite rates generation
# with it); `sign` refuses such a handle as Unsupported.
GENERATING = {"ECDSA-P256": "ECDSA-P256-GENERATE", "RSA-2048-PKCS1": "RSA-2048-GENERATE",
              "RSA-2048-PSS": "RSA-2048-GENERATE", "RSA-2048": "RSA-2048-GENERATE",
              "SM2": "SM2-GENERATE"}
SIGNATURE_SIZES = {"ECDSA-P256": 64, "RSA-2048-PKCS1": 256, "RSA-2048-PSS": 256, "SM2": 64}

_REFUSALS: dict[int, type[DeviceError]] = {
    CKR.MECHANISM_INVALID: Unsupported, CKR.FUNCTION_NOT_SUPPORTED: Unsupported,
    CKR.CURVE_NOT_SUPPORTED: Unsupported, CKR.RANDOM_NO_RNG: Unsupported,
    CKR.MECHANISM_PARAM_INVALID: BadParameter, CKR.KEY_SIZE_RANGE: BadParameter,
    CKR.DATA_LEN_RANGE: BadParameter, CKR.DATA_INVALID: BadParameter,
    CKR.ENCRYPTED_DATA_LEN_RANGE: BadParameter, CKR.ENCRYPTED_DATA_INVALID: BadParameter,
    CKR.ARGUMENTS_BAD: BadParameter, CKR.ATTRIBUTE_VALUE_INVALID: BadParameter,
    CKR.ATTRIBUTE_TYPE_INVALID: BadParameter, CKR.TEMPLATE_INCONSISTENT: BadParameter,
    CKR.TEMPLATE_INCOMPLETE: BadParameter, CKR.DOMAIN_PARAMS_INVALID: BadParameter,
    CKR.KEY_TYPE_INCONSISTENT: BadParameter, CKR.SIGNATURE_LEN_RANGE: BadParameter,
    CKR.SIGNATURE_INVALID: BadParameter, CKR.PUBLIC_KEY_INVALID: BadParameter,
    CKR.KEY_HANDLE_INVALID: NoSuchKey, CKR.OBJECT_HANDLE_INVALID: NoSuchKey,
    CKR.USER_NOT_LOGGED_IN: Denied, CKR.KEY_FUNCTION_NOT_PERMITTED: Denied,
    CKR.KEY_UNEXTRACTABLE: Denied, CKR.KEY_NOT_WRAPPABLE: Denied,
    CKR.ATTRIBUTE_SENSITIVE: Denied, CKR.ACTION_PROHIBITED: Denied,
    CKR.INFORMATION_SENSITIVE: Denied, CKR.SESSION_READ_ONLY: Denied,
    CKR.TOKEN_WRITE_PROTECTED: Denied, CKR.PIN_EXPIRED: Denied, CKR.PIN_LOCKED: Denied,
    CKR.FIPS_SELF_TEST_FAILED: ErrorState,
    CKR.DEVICE_REMOVED: Unreachable, CKR.TOKEN_NOT_PRESENT: Unreachable,
    CKR.SESSION_HANDLE_INVALID: Unreachable, CKR.SESSION_CLOSED: Unreachable,
    CKR.CRYPTOKI_NOT_INITIALIZED: Unreachable,
}  # fmt: skip


def refusal(error: CryptokiError) -> DeviceError:
    """certkit's exception for a Cryptoki return value; the message keeps the call and code."""
    return _REFUSALS.get(error.rv, InternalError)(str(error))


def _ec_point(point: bytes) -> bytes:
    """CKA_EC_POINT: the uncompressed point as a DER OCTET STRING (X9.62)."""
    return bytes((0x04, len(point))) + point


def _from_ec_point(value: bytes) -> bytes:
    """The 65-byte point from CKA_EC_POINT, DER-wrapped (the standard) or raw (some tokens)."""
    if len(value) == 67 and value[:2] == b"\x04\x41":
        return value[2:]
    return value


def _rsa_spki(modulus: bytes, exponent: bytes) -> bytes:
    numbers = rsa.RSAPublicNumbers(int.from_bytes(exponent, "big"), int.from_bytes(modulus, "big"))
    return numbers.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)


def _int_bytes(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


class Pkcs11Token(Device):
    """A PKCS#11 token, logged in as the user over one R/W session."""

    interfaces = frozenset({PKCS11})

    def __init__(self, ck: Cryptoki, slot: int, token: TokenInfo, pin: Pin | None,
                 offers: dict[str, Offer], infos: dict[int, MechanismInfo],
                 sm_map: MechanismMap | None) -> None:
        self.ck = ck
        self.slot = slot
        self.token = token
        self._pin = pin
        self.offers = offers
        self.mechanism_infos = infos
        self.sm_map = sm_map
        self.info = DeviceInfo(vendor=token.manufacturer, model=token.model,
                               firmware=token.firmware, serial=token.serial)
        self.capabilities = capabilities(offers, token.flags)
        self.session = 0
        self._secret_keys: dict[tuple[int, bool, bytes], int] = {}
        self._public_keys: dict[tuple[str, bytes], int] = {}
        self._pairs: dict[int, int] = {}  # private key handle -> its public key handle
        self._mechanisms: dict[int, Mechanism] = {}
        self._with_iv: dict[int, Mechanism] = {}
        self._private = bool(pin)  # session objects private where the token has a user login
        self._open_session()

    # -- session -----------------------------------------------------------------------------------

    def _open_session(self) -> None:
        try:
            self.session = self.ck.open_session(self.slot, rw=True)
        except CryptokiError as exc:
            raise Unreachable(f"token '{self.token.label}': {exc}") from None
        if self._pin is not None:
            rv = self.ck.login(self.session, CKU_USER, self._pin.value)
            if rv not in (CKR.OK, CKR.USER_ALREADY_LOGGED_IN):
                self.ck.close_session(self.session)
                self.session = 0
                raise ConfigError(f"pkcs11: token '{self.token.label}' refused the user PIN "
                                  f"from {self._pin.origin}: C_Login returned {rv_name(rv)}")

    def forget_objects(self) -> None:
        """Drop every cached object handle (after a logout they are invalid, 2.40 5.6)."""
        self._secret_keys.clear()
        self._public_keys.clear()
        self._pairs.clear()

    def close(self) -> None:
        if self.session:
            session, self.session = self.session, 0
            self.forget_objects()
            # a session the token already dropped leaves nothing to release
            with contextlib.suppress(CryptokiError):
                self.ck.close_session(session)

    @property
    def pin(self) -> Pin | None:
        return self._pin

    def _call(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except CryptokiError as exc:
            raise refusal(exc) from None

    def _offer(self, capability: str, what: str) -> Offer:
        offer = self.offers.get(capability)
        if offer is None:
            raise Unsupported(f"{what}: the token lists no mechanism for {capability}")
        return offer

    # -- keys as session objects -------------------------------------------------------------------

    def _remember(self, cache: dict, key: object, handle: int) -> None:
        if len(cache) >= KEY_CACHE:
            oldest = next(iter(cache))
            stale = cache.pop(oldest)
            with contextlib.suppress(CryptokiError):  # already gone after a logout
                self.ck.destroy_object(self.session, stale)
        cache[key] = handle

    def _secret_key(self, key_type: int, value: bytes, *, cipher: bool) -> int:
        """A secret key for a cipher (encrypt, decrypt) or a MAC (sign, verify)."""
        handle = self._secret_keys.get((key_type, cipher, value))
        if handle is not None:
            return handle
        template: Template = [
            (CKA.CLASS, CKO_SECRET_KEY), (CKA.KEY_TYPE, key_type), (CKA.TOKEN, False),
            (CKA.PRIVATE, self._private), (CKA.SENSITIVE, True), (CKA.EXTRACTABLE, False),
            (CKA.ENCRYPT, cipher), (CKA.DECRYPT, cipher), (CKA.SIGN, not cipher),
            (CKA.VERIFY, not cipher), (CKA.VALUE, value),
        ]
        handle = self._call(lambda: self.ck.create_object(self.session, template))
        self._remember(self._secret_keys, (key_type, cipher, value), handle)
        return handle

    def _public_key(self, algorithm: str, public_key: bytes) -> int:
        handle = self._public_keys.get((algorithm, public_key))
        if handle is not None:
            return handle
        template: Template = [(CKA.CLASS, CKO_PUBLIC_KEY), (CKA.TOKEN, False),
                              (CKA.VERIFY, True)]
        if algorithm in ("ECDSA-P256", "SM2"):
            if len(public_key) != 65 or public_key[0] != 0x04:
                raise BadParameter(f"{algorithm} public key must be 65 bytes 04 || X || Y")
            key_type, params = self._ec_key_type(algorithm)
            template += [(CKA.KEY_TYPE, key_type), (CKA.EC_PARAMS, params),
                         (CKA.EC_POINT, _ec_point(public_key))]
        else:
            try:
                loaded = serialization.load_der_public_key(public_key)
            except ValueError as exc:
                raise BadParameter(f"{algorithm} public key is not DER "
                                   f"SubjectPublicKeyInfo: {exc}") from None
            if not isinstance(loaded, rsa.RSAPublicKey):
                raise BadParameter(f"{algorithm} public key is not an RSA key")
            numbers = loaded.public_numbers()
            template += [(CKA.KEY_TYPE, CKK_RSA), (CKA.MODULUS, _int_bytes(numbers.n)),
                         (CKA.PUBLIC_EXPONENT, _int_bytes(numbers.e))]
        handle = self._call(lambda: self.ck.create_object(self.session, template))
        self._remember(self._public_keys, (algorithm, public_key), handle)
        return handle

    def _ec_key_type(self, algorithm: str) -> tuple[int, bytes]:
        if algorithm == "SM2":
            sm_map = self.sm_map or MechanismMap()
            return sm_map.key_types.get("SM2", CKK_EC), sm_map.sm2_ec_params
        return CKK_EC, P256_PARAMS

    def _mechanism(self, mechanism: int) -> Mechanism:
        cached = self._mechanisms.get(mechanism)
        if cached is None:
            cached = self._mechanisms[mechanism] = Mechanism(mechanism)
        return cached

    # -- digests and MACs --------------------------------------------------------------------------

    def digest(self, algorithm: str, data: bytes) -> bytes:
        offer = self._offer(algorithm, f"digest {algorithm}")
        mechanism = self._mechanism(offer.mechanism)
        size = DIGEST_SIZES[algorithm]
        return self._call(lambda: self.ck.digest(self.session, mechanism, data, size))

    def mac(self, algorithm: str, key: bytes, data: bytes) -> bytes:
        """HMAC. A key shorter than the token's stated minimum is zero-padded to the 64-byte
        block first, which RFC 2104 section 2 makes the same key. Nothing is refused here:
        a key the token does not take, the token refuses (a range of 0..0 states nothing)."""
        if algorithm not in ("HMAC-SHA-256", "HMAC-SM3"):
            raise Unsupported(f"mac {algorithm}")
        offer = self._offer(algorithm, f"mac {algorithm}")
        low, _ = offer.key_range()
        if len(key) < low <= HMAC_BLOCK:
            key = key.ljust(HMAC_BLOCK, b"\0")
        handle = self._secret_key(offer.key_type, key, cipher=False)
        mechanism = self._mechanism(offer.mechanism)
        return self._call(lambda: self.ck.sign(self.session, mechanism, handle, data, 32))

    # -- block ciphers -----------------------------------------------------------------------------

    def _cipher(self, algorithm: str, key: bytes, iv: bytes, aad: bytes, what: str
                ) -> tuple[Mechanism, int, bool]:
        """The mechanism (with its parameter), the key's handle, and whether it is AEAD."""
        offer = self._offer(algorithm, f"{what} {algorithm}")
        handle = self._secret_key(offer.key_type or CKK_AES, key, cipher=True)
        mode = algorithm[-3:]
        if mode == "ECB":
            if iv:
                raise BadParameter(f"{algorithm} takes no IV")
            return self._mechanism(offer.mechanism), handle, False
        if mode == "CBC":
            # one CK_MECHANISM per mechanism, its IV rewritten in place: calls do not overlap
            cached = self._with_iv.get(offer.mechanism)
            chosen = Mechanism(offer.mechanism, iv) if cached is None else \
                cached.with_parameter(iv)
            self._with_iv[offer.mechanism] = chosen
            return chosen, handle, False
        if mode == "CTR":
            if len(iv) != 16:
                raise BadParameter(f"{algorithm} counter block must be 16 bytes "
                                   "(CK_AES_CTR_PARAMS)")
            return Mechanism(offer.mechanism, ctr_params(iv)), handle, False
        if mode == "GCM":
            return Mechanism(offer.mechanism, gcm_params(iv, aad, 8 * TAG_BYTES)), handle, True
        raise Unsupported(f"{what} {algorithm}")

    def encrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        mechanism, handle, aead = self._cipher(algorithm, key, iv, aad, "encrypt")
        size = len(data) + (TAG_BYTES if aead else 0)
        try:
            return self.ck.encrypt(self.session, mechanism, handle, data, size)
        except CryptokiError as exc:
            raise refusal(exc) from None

    def decrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        mechanism, handle, aead = self._cipher(algorithm, key, iv, aad, "decrypt")
        size = max(0, len(data) - TAG_BYTES) if aead else len(data)
        try:
            return self.ck.decrypt(self.session, mechanism, handle, data, size)
        except CryptokiError as exc:
            if aead and exc.rv == CKR.ENCRYPTED_DATA_INVALID:
                raise AuthFailed(str(exc)) from None
            raise refusal(exc) from None

    # -- signatures --------------------------------------------------------------------------------

    def _signature_input(self, algorithm: str, offer: Offer, message: bytes, user_id: bytes,
                         public_key: bytes) -> tuple[Mechanism, bytes]:
        if algorithm == "SM2":
            e = reference_sm2.message_digest(user_id, public_key, message)
            return self._mechanism(offer.mechanism), e.to_bytes(32, "big")
        if user_id:
            raise BadParameter(f"{algorithm} takes no user ID")
        if algorithm == "ECDSA-P256":
            data = hashlib.sha256(message).digest() if offer.host_hash else message
            return self._mechanism(offer.mechanism), data
        if algorithm == "RSA-2048-PKCS1":
            if offer.host_hash:
                return (self._mechanism(offer.mechanism),
                        SHA256_DIGEST_INFO + hashlib.sha256(message).digest())
            return self._mechanism(offer.mechanism), message
        params = CK_RSA_PKCS_PSS_PARAMS(CKM.SHA256, CKG_MGF1_SHA256, PSS_SALT_BYTES)
        data = hashlib.sha256(message).digest() if offer.host_hash else message
        return Mechanism(offer.mechanism, params), data

    def sign(self, handle: KeyHandle, message: bytes, *, user_id: bytes) -> bytes:
        if handle.algorithm not in SIGNING:
            raise Unsupported(f"sign with a {handle.algorithm} key")
        if handle.ref not in self._pairs:
            raise NoSuchKey(f"key handle {handle.ref} ({handle.algorithm})")
        offer = self._offer(SIGNING[handle.algorithm], f"sign {handle.algorithm}")
        mechanism, data = self._signature_input(handle.algorithm, offer, message, user_id,
                                                handle.public_key)
        size = SIGNATURE_SIZES[handle.algorithm]
        return self._call(lambda: self.ck.sign(self.session, mechanism, handle.ref, data, size))

    def verify(self, algorithm: str, public_key: bytes, message: bytes, signature: bytes, *,
               user_id: bytes) -> bool:
        """True when the token verifies; False for CKR_SIGNATURE_INVALID or _LEN_RANGE."""
        if algorithm not in VERIFYING:
            raise Unsupported(f"verify {algorithm}")
        offer = self._offer(VERIFYING[algorithm], f"verify {algorithm}")
        key = self._public_key(algorithm, public_key)
        mechanism, data = self._signature_input(algorithm, offer, message, user_id, public_key)
        try:
            self.ck.verify(self.session, mechanism, key, data, signature)
        except CryptokiError as exc:
            if exc.call == "C_Verify" and exc.rv in (CKR.SIGNATURE_INVALID,
                                                     CKR.SIGNATURE_LEN_RANGE):
                return False
            raise refusal(exc) from None
        return True

    # -- key pairs ---------------------------------------------------------------------------------

    def _private_template(self) -> Template:
        return [(CKA.TOKEN, False), (CKA.PRIVATE, self._private), (CKA.SENSITIVE, True),
                (CKA.EXTRACTABLE, False), (CKA.SIGN, True)]

    def generate_key(self, algorithm: str) -> KeyHandle:
        if algorithm not in GENERATING:
            raise Unsupported(f"generate key {algorithm}")
        offer = self._offer(GENERATING[algorithm], f"generate key {algorithm}")
        public: Template = [(CKA.TOKEN, False), (CKA.VERIFY, True)]
        private = self._private_template()
        if algorithm.startswith("RSA"):
            public += [(CKA.MODULUS_BITS, 2048), (CKA.PUBLIC_EXPONENT, b"\x01\x00\x01")]
        else:
            key_type, params = self._ec_key_type(algorithm)
            public += [(CKA.KEY_TYPE, key_type), (CKA.EC_PARAMS, params)]
            private += [(CKA.KEY_TYPE, key_type)]
        mechanism = self._mechanism(offer.mechanism)
        pub, priv = self._call(lambda: self.ck.generate_key_pair(self.session, mechanism, public,
                                                                 private))
        self._pairs[priv] = pub
        return KeyHandle(algorithm, priv, self._read_public(algorithm, pub))

    def _read_public(self, algorithm: str, handle: int) -> bytes:
        get = self.ck.get_attribute
        if algorithm.startswith("RSA"):
            modulus = self._call(lambda: get(self.session, handle, CKA.MODULUS))
            exponent = self._call(lambda: get(self.session, handle, CKA.PUBLIC_EXPONENT))
            return _rsa_spki(modulus, exponent)
        return _from_ec_point(self._call(lambda: get(self.session, handle, CKA.EC_POINT)))

    def import_key(self, algorithm: str, private_key: bytes) -> KeyHandle:
        """ECDSA-P256 and SM2: the 32-byte scalar; RSA-2048-*: DER PKCS#8 or PKCS#1."""
        if algorithm not in SIGNING:
            raise Unsupported(f"import key {algorithm}")
        private = [*self._private_template(), (CKA.CLASS, CKO_PRIVATE_KEY)]
        public: Template = [(CKA.CLASS, CKO_PUBLIC_KEY), (CKA.TOKEN, False), (CKA.VERIFY, True)]
        if algorithm.startswith("RSA"):
            numbers = self._rsa_numbers(private_key)
            values = [(CKA.MODULUS, numbers.public_numbers.n),
                      (CKA.PUBLIC_EXPONENT, numbers.public_numbers.e),
                      (CKA.PRIVATE_EXPONENT, numbers.d), (CKA.PRIME_1, numbers.p),
                      (CKA.PRIME_2, numbers.q), (CKA.EXPONENT_1, numbers.dmp1),
                      (CKA.EXPONENT_2, numbers.dmq1), (CKA.COEFFICIENT, numbers.iqmp)]
            private += [(CKA.KEY_TYPE, CKK_RSA)] + [(k, _int_bytes(v)) for k, v in values]
            public += [(CKA.KEY_TYPE, CKK_RSA)] + [(k, _int_bytes(v)) for k, v in values[:2]]
            point = _rsa_spki(_int_bytes(numbers.public_numbers.n),
                              _int_bytes(numbers.public_numbers.e))
        else:
            if len(private_key) != 32:
                raise BadParameter(f"{algorithm} private key must be 32 bytes")
            point = self._public_point(algorithm, private_key)
            key_type, params = self._ec_key_type(algorithm)
            private += [(CKA.KEY_TYPE, key_type), (CKA.EC_PARAMS, params),
                        (CKA.VALUE, private_key)]
            public += [(CKA.KEY_TYPE, key_type), (CKA.EC_PARAMS, params),
                       (CKA.EC_POINT, _ec_point(point))]
        priv = self._call(lambda: self.ck.create_object(self.session, private))
        pub = self._call(lambda: self.ck.create_object(self.session, public))
        self._pairs[priv] = pub
        return KeyHandle(algorithm, priv, point)

    @staticmethod
    def _rsa_numbers(private_key: bytes) -> rsa.RSAPrivateNumbers:
        try:
            loaded = serialization.load_der_private_key(private_key, password=None)
        except ValueError as exc:
            raise BadParameter(f"RSA private key is not DER PKCS#8 or PKCS#1: {exc}") from None
        if not isinstance(loaded, rsa.RSAPrivateKey) or loaded.key_size != 2048:
            raise BadParameter("not an RSA-2048 private key")
        return loaded.private_numbers()

    @staticmethod
    def _public_point(algorithm: str, scalar: bytes) -> bytes:
        value = int.from_bytes(scalar, "big")
        try:
            if algorithm == "SM2":
                return reference_sm2.public_key_from_private(value)
            key = ec.derive_private_key(value, ec.SECP256R1())
        except ValueError as exc:
            raise BadParameter(f"{algorithm} private key out of range: {exc}") from None
        return key.public_key().public_bytes(serialization.Encoding.X962,
                                             serialization.PublicFormat.UncompressedPoint)

    def export_key(self, handle: KeyHandle) -> bytes:
        """The private value, which a sensitive key refuses (CKR_ATTRIBUTE_SENSITIVE: Denied)."""
        if handle.ref not in self._pairs:
            raise NoSuchKey(f"key handle {handle.ref}")
        kind = CKA.PRIVATE_EXPONENT if handle.algorithm.startswith("RSA") else CKA.VALUE
        return self._call(lambda: self.ck.get_attribute(self.session, handle.ref, kind))

    def destroy_key(self, handle: KeyHandle) -> None:
        public = self._pairs.pop(handle.ref, None)
        if public is None:
            raise NoSuchKey(f"key handle {handle.ref}")
        self._call(lambda: self.ck.destroy_object(self.session, handle.ref))
        self._call(lambda: self.ck.destroy_object(self.session, public))

    # -- random ------------------------------------------------------------------------------------

    def random(self, length: int) -> bytes:
        if "RANDOM" not in self.capabilities:
            raise Unsupported("random: the token has no RNG (CKF_RNG)")
        return self._call(lambda: self.ck.generate_random(self.session, length))

