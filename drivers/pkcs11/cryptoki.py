"""Cryptoki (PKCS#11 2.40) through ctypes: the driver's one edge with the token's module.

Every call goes through `Cryptoki.fn`, a namespace holding the module's
function list (`C_GetFunctionList`, 68 pointers after a CK_VERSION), so a
test can replace one function there to inject a fault exactly where the
module would answer. The typed helpers raise `CryptokiError(call, rv)`; the
`pkcs11_api` suite also calls `fn` directly, with NULL pointers and
undersized buffers, and looks at the return value itself.

python-pkcs11 is not used on this path: it cannot pass NULL, it accepts only
its own `Mechanism` members (no vendor-defined values), it hands
`C_GetMechanismInfo` an uninitialised structure (so SoftHSM's flags carry
stack bytes, pkcs11-notes.md 10), and it turns codes into exception classes
before a conformance check can see them. It shares this process's module
state: one dlopen handle and one `C_Initialize` per process (whoever comes
first; `CKR.CRYPTOKI_ALREADY_INITIALIZED` is success here), never finalised
by certkit.
"""

from __future__ import annotations

import copy
import ctypes
import enum
import threading
from collections.abc import Sequence
from ctypes import POINTER, Structure, byref, c_ubyte, c_ulong, c_void_p, sizeof
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from certkit import native_trace

CK_ULONG = c_ulong
CK_UNAVAILABLE_INFORMATION = (1 << (8 * sizeof(CK_ULONG))) - 1
CK_INVALID_HANDLE = 0

# -- return values (PKCS#11 2.40 base 5.1; 3.0 adds 0x42, 0x201, 0x202) --------------------------

class CKR(enum.IntEnum):
    """Cryptoki return values; `CKR.PIN_INCORRECT` is CKR_PIN_INCORRECT."""

    OK = 0x0
    CANCEL = 0x1
    HOST_MEMORY = 0x2
    SLOT_ID_INVALID = 0x3
    GENERAL_ERROR = 0x5
    FUNCTION_FAILED = 0x6
    ARGUMENTS_BAD = 0x7
    NO_EVENT = 0x8
    NEED_TO_CREATE_THREADS = 0x9
    CANT_LOCK = 0xA
    ATTRIBUTE_READ_ONLY = 0x10
    ATTRIBUTE_SENSITIVE = 0x11
    ATTRIBUTE_TYPE_INVALID = 0x12
    ATTRIBUTE_VALUE_INVALID = 0x13
    ACTION_PROHIBITED = 0x1B
    DATA_INVALID = 0x20
    DATA_LEN_RANGE = 0x21
    DEVICE_ERROR = 0x30
    DEVICE_MEMORY = 0x31
    DEVICE_REMOVED = 0x32
    ENCRYPTED_DATA_INVALID = 0x40
    ENCRYPTED_DATA_LEN_RANGE = 0x41
    AEAD_DECRYPT_FAILED = 0x42
    FUNCTION_CANCELED = 0x50
    FUNCTION_NOT_PARALLEL = 0x51
    FUNCTION_NOT_SUPPORTED = 0x54
    KEY_HANDLE_INVALID = 0x60
    KEY_SIZE_RANGE = 0x62
    KEY_TYPE_INCONSISTENT = 0x63
    KEY_NOT_NEEDED = 0x64
    KEY_CHANGED = 0x65
    KEY_NEEDED = 0x66
    KEY_INDIGESTIBLE = 0x67
    KEY_FUNCTION_NOT_PERMITTED = 0x68
    KEY_NOT_WRAPPABLE = 0x69
    KEY_UNEXTRACTABLE = 0x6A
    MECHANISM_INVALID = 0x70
    MECHANISM_PARAM_INVALID = 0x71
    OBJECT_HANDLE_INVALID = 0x82
    OPERATION_ACTIVE = 0x90
    OPERATION_NOT_INITIALIZED = 0x91
    PIN_INCORRECT = 0xA0
    PIN_INVALID = 0xA1
    PIN_LEN_RANGE = 0xA2
    PIN_EXPIRED = 0xA3
    PIN_LOCKED = 0xA4
    SESSION_CLOSED = 0xB0
    SESSION_COUNT = 0xB1
    SESSION_HANDLE_INVALID = 0xB3
    SESSION_PARALLEL_NOT_SUPPORTED = 0xB4
    SESSION_READ_ONLY = 0xB5
    SESSION_EXISTS = 0xB6
    SESSION_READ_ONLY_EXISTS = 0xB7
    SESSION_READ_WRITE_SO_EXISTS = 0xB8
    SIGNATURE_INVALID = 0xC0
    SIGNATURE_LEN_RANGE = 0xC1
    TEMPLATE_INCOMPLETE = 0xD0
    TEMPLATE_INCONSISTENT = 0xD1
    TOKEN_NOT_PRESENT = 0xE0
    TOKEN_NOT_RECOGNIZED = 0xE1
    TOKEN_WRITE_PROTECTED = 0xE2
    UNWRAPPING_KEY_HANDLE_INVALID = 0xF0
    UNWRAPPING_KEY_SIZE_RANGE = 0xF1
    UNWRAPPING_KEY_TYPE_INCONSISTENT = 0xF2
    USER_ALREADY_LOGGED_IN = 0x100
    USER_NOT_LOGGED_IN = 0x101
    USER_PIN_NOT_INITIALIZED = 0x102
    USER_TYPE_INVALID = 0x103
    USER_ANOTHER_ALREADY_LOGGED_IN = 0x104
    USER_TOO_MANY_TYPES = 0x105
    WRAPPED_KEY_INVALID = 0x110
    WRAPPED_KEY_LEN_RANGE = 0x112
    WRAPPING_KEY_HANDLE_INVALID = 0x113
    WRAPPING_KEY_SIZE_RANGE = 0x114
    WRAPPING_KEY_TYPE_INCONSISTENT = 0x115
    RANDOM_SEED_NOT_SUPPORTED = 0x120
    RANDOM_NO_RNG = 0x121
    DOMAIN_PARAMS_INVALID = 0x130
    CURVE_NOT_SUPPORTED = 0x140
    BUFFER_TOO_SMALL = 0x150
    SAVED_STATE_INVALID = 0x160
    INFORMATION_SENSITIVE = 0x170
    STATE_UNSAVEABLE = 0x180
    CRYPTOKI_NOT_INITIALIZED = 0x190
    CRYPTOKI_ALREADY_INITIALIZED = 0x191
    MUTEX_BAD = 0x1A0
    MUTEX_NOT_LOCKED = 0x1A1
    NEW_PIN_MODE = 0x1B0
    NEXT_OTP = 0x1B1
    EXCEEDED_MAX_ITERATIONS = 0x1B5
    FIPS_SELF_TEST_FAILED = 0x1B6
    LIBRARY_LOAD_FAILED = 0x1B7
    PIN_TOO_WEAK = 0x1B8
    PUBLIC_KEY_INVALID = 0x1B9
    FUNCTION_REJECTED = 0x200
    TOKEN_RESOURCE_EXCEEDED = 0x201
    OPERATION_CANCEL_FAILED = 0x202


CKR_VENDOR_DEFINED = 0x80000000

# -- mechanisms, attributes, classes, key types, flags (pkcs11t.h 2.40) ----------------------------

class CKM(enum.IntEnum):
    """The mechanisms certkit names; any other value is still passed through as an int."""

    RSA_PKCS_KEY_PAIR_GEN = 0x0
    RSA_PKCS = 0x1
    RSA_X_509 = 0x3
    SHA1_RSA_PKCS = 0x6
    RSA_PKCS_OAEP = 0x9
    RSA_PKCS_PSS = 0xD
    SHA1_RSA_PKCS_PSS = 0xE
    SHA256_RSA_PKCS = 0x40
    SHA384_RSA_PKCS = 0x41
    SHA512_RSA_PKCS = 0x42
    SHA256_RSA_PKCS_PSS = 0x43
    SHA384_RSA_PKCS_PSS = 0x44
    SHA512_RSA_PKCS_PSS = 0x45
    SHA224_RSA_PKCS = 0x46
    SHA224_RSA_PKCS_PSS = 0x47
    DES_KEY_GEN = 0x120
    DES_ECB = 0x121
    DES_CBC = 0x122
    DES_CBC_PAD = 0x125
    DES2_KEY_GEN = 0x130
    DES3_KEY_GEN = 0x131
    DES3_ECB = 0x132
    DES3_CBC = 0x133
    DES3_CBC_PAD = 0x136
    MD5 = 0x210
    SHA_1 = 0x220
    SHA_1_HMAC = 0x221
    SHA256 = 0x250
    SHA256_HMAC = 0x251
    SHA224 = 0x255
    SHA224_HMAC = 0x256
    SHA384 = 0x260
    SHA384_HMAC = 0x261
    SHA512 = 0x270
    SHA512_HMAC = 0x271
    GENERIC_SECRET_KEY_GEN = 0x350
    EC_KEY_PAIR_GEN = 0x1040
    ECDSA = 0x1041
    ECDSA_SHA1 = 0x1042
    ECDSA_SHA224 = 0x1043
    ECDSA_SHA256 = 0x1044
    ECDSA_SHA384 = 0x1045
    ECDSA_SHA512 = 0x1046
    AES_KEY_GEN = 0x1080
    AES_ECB = 0x1081
    AES_CBC = 0x1082
    AES_MAC = 0x1083
    AES_CBC_PAD = 0x1085
    AES_CTR = 0x1086
    AES_GCM = 0x1087
    AES_CCM = 0x1088
    AES_CTS = 0x1089
    AES_CMAC = 0x108A
    AES_KEY_WRAP = 0x2109
    AES_KEY_WRAP_PAD = 0x210A


CKM_VENDOR_DEFINED = 0x80000000


class CKA(enum.IntEnum):
    """Object attributes."""

    CLASS = 0x0
    TOKEN = 0x1
    PRIVATE = 0x2
    LABEL = 0x3
    VALUE = 0x11
    KEY_TYPE = 0x100
    ID = 0x102
    SENSITIVE = 0x103
    ENCRYPT = 0x104
    DECRYPT = 0x105
    WRAP = 0x106
    UNWRAP = 0x107
    SIGN = 0x108
    VERIFY = 0x10A
    DERIVE = 0x10C
    MODULUS = 0x120
    MODULUS_BITS = 0x121
    PUBLIC_EXPONENT = 0x122
    PRIVATE_EXPONENT = 0x123
    PRIME_1 = 0x124
    PRIME_2 = 0x125
    EXPONENT_1 = 0x126
    EXPONENT_2 = 0x127
    COEFFICIENT = 0x128
    VALUE_LEN = 0x161
    EXTRACTABLE = 0x162
    LOCAL = 0x163
    NEVER_EXTRACTABLE = 0x164
    ALWAYS_SENSITIVE = 0x165
    MODIFIABLE = 0x170
    DESTROYABLE = 0x172
    EC_PARAMS = 0x180
    EC_POINT = 0x181


CKO_DATA, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY, CKO_SECRET_KEY = 0x0, 0x2, 0x3, 0x4
CKK_RSA, CKK_EC, CKK_GENERIC_SECRET, CKK_DES, CKK_DES2, CKK_DES3, CKK_AES = (
    0x0, 0x3, 0x10, 0x13, 0x14, 0x15, 0x1F)
CKU_SO, CKU_USER = 0, 1
CKG_MGF1_SHA1, CKG_MGF1_SHA256 = 0x1, 0x2

# token flags
CKF_RNG, CKF_LOGIN_REQUIRED, CKF_USER_PIN_INITIALIZED = 0x1, 0x4, 0x8
CKF_TOKEN_INITIALIZED = 0x400
CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED = 0x10000, 0x20000, 0x40000
# session flags
CKF_RW_SESSION, CKF_SERIAL_SESSION = 0x2, 0x4
CKF_OS_LOCKING_OK = 0x2
# mechanism flags
CKF_HW, CKF_ENCRYPT, CKF_DECRYPT, CKF_DIGEST = 0x1, 0x100, 0x200, 0x400
CKF_SIGN, CKF_VERIFY, CKF_GENERATE, CKF_GENERATE_KEY_PAIR = 0x800, 0x2000, 0x8000, 0x10000
CKF_WRAP, CKF_UNWRAP, CKF_DERIVE = 0x20000, 0x40000, 0x80000
# session states
CKS_RO_PUBLIC_SESSION, CKS_RO_USER_FUNCTIONS = 0, 1
CKS_RW_PUBLIC_SESSION, CKS_RW_USER_FUNCTIONS, CKS_RW_SO_FUNCTIONS = 2, 3, 4


def rv_name(rv: int) -> str:
    """`CKR_PIN_INCORRECT`, or the value in hex for a code the specification does not name."""
    if rv in CKR._value2member_map_:
        return f"CKR_{CKR(rv).name}"
    if rv >= CKR_VENDOR_DEFINED:
        return f"CKR_VENDOR_DEFINED+0x{rv - CKR_VENDOR_DEFINED:x}"
    return f"0x{rv:08x} (not a PKCS#11 return value)"


def mechanism_name(mechanism: int) -> str:
    if mechanism in CKM._value2member_map_:
        return f"CKM_{CKM(mechanism).name}"
    if mechanism >= CKM_VENDOR_DEFINED:
        return f"CKM_VENDOR_DEFINED+0x{mechanism - CKM_VENDOR_DEFINED:x}"
    return f"CKM 0x{mechanism:08x}"


class CryptokiError(Exception):
    """A Cryptoki function returned something other than CKR.OK."""

    def __init__(self, call: str, rv: int, detail: str = "") -> None:
        super().__init__(call, rv, detail)
        self.call = call
        self.rv = rv
        self.detail = detail

    def __str__(self) -> str:
        where = f"{self.call}({self.detail})" if self.detail else self.call
        return f"{where} returned {rv_name(self.rv)}"


class OutputOverrun(CryptokiError):
    """A function wrote past the end of the output buffer it was given (it answered CKR_OK):
    the canary bytes certkit puts behind every output buffer were overwritten."""

    def __init__(self, call: str, size: int, overwritten: int) -> None:
        super().__init__(call, CKR.OK)
        self.size, self.overwritten = size, overwritten

    def __str__(self) -> str:
        return (f"{self.call} wrote past the end of its {self.size}-byte output buffer "
                f"({self.overwritten} canary bytes overwritten)")


CANARY = bytes.fromhex("c35a a55c 3ca5 5ac3 c35a a55c 3ca5 5ac3")


def output_buffer(size: int) -> ctypes.Array[ctypes.c_char]:
    """A buffer of `size` bytes for a function to write into, with CANARY behind it."""
    buffer = ctypes.create_string_buffer(size + len(CANARY))
    ctypes.memmove(ctypes.addressof(buffer) + size, CANARY, len(CANARY))
    return buffer


class OutputBuffers:
    """Output buffers kept per size and reused, their canaries intact (a function that
    overwrote one raised OutputOverrun, and that buffer is dropped): a known-answer loop
    makes hundreds of thousands of calls of one size."""

    def __init__(self) -> None:
        self._kept: dict[int, ctypes.Array[ctypes.c_char]] = {}

    def take(self, size: int) -> ctypes.Array[ctypes.c_char]:
        buffer = self._kept.pop(size, None)
        return buffer if buffer is not None else output_buffer(size)

    def give_back(self, size: int, buffer: ctypes.Array[ctypes.c_char]) -> None:
        if len(self._kept) < 64:
            self._kept[size] = buffer


def check_canary(call: str, buffer: ctypes.Array[ctypes.c_char], size: int) -> None:
    behind = ctypes.string_at(ctypes.addressof(buffer) + size, len(CANARY))
    if behind != CANARY:
        raise OutputOverrun(call, size, sum(a != b for a, b in zip(behind, CANARY,
                                                                   strict=True)))


# -- structures (pkcs11t.h; no packing on Unix) --------------------------------------------------


class CK_VERSION(Structure):
    _fields_ = [("major", c_ubyte), ("minor", c_ubyte)]


class CK_INFO(Structure):
    _fields_ = [("cryptokiVersion", CK_VERSION), ("manufacturerID", c_ubyte * 32),
                ("flags", CK_ULONG), ("libraryDescription", c_ubyte * 32),
                ("libraryVersion", CK_VERSION)]


class CK_SLOT_INFO(Structure):
    _fields_ = [("slotDescription", c_ubyte * 64), ("manufacturerID", c_ubyte * 32),
                ("flags", CK_ULONG), ("hardwareVersion", CK_VERSION),
                ("firmwareVersion", CK_VERSION)]


class CK_TOKEN_INFO(Structure):
    _fields_ = [("label", c_ubyte * 32), ("manufacturerID", c_ubyte * 32),
                ("model", c_ubyte * 16), ("serialNumber", c_ubyte * 16), ("flags", CK_ULONG),
                ("ulMaxSessionCount", CK_ULONG), ("ulSessionCount", CK_ULONG),
                ("ulMaxRwSessionCount", CK_ULONG), ("ulRwSessionCount", CK_ULONG),
                ("ulMaxPinLen", CK_ULONG), ("ulMinPinLen", CK_ULONG),
                ("ulTotalPublicMemory", CK_ULONG), ("ulFreePublicMemory", CK_ULONG),
                ("ulTotalPrivateMemory", CK_ULONG), ("ulFreePrivateMemory", CK_ULONG),
                ("hardwareVersion", CK_VERSION), ("firmwareVersion", CK_VERSION),
                ("utcTime", c_ubyte * 16)]


class CK_SESSION_INFO(Structure):
    _fields_ = [("slotID", CK_ULONG), ("state", CK_ULONG), ("flags", CK_ULONG),
                ("ulDeviceError", CK_ULONG)]


class CK_MECHANISM_INFO(Structure):
    _fields_ = [("ulMinKeySize", CK_ULONG), ("ulMaxKeySize", CK_ULONG), ("flags", CK_ULONG)]


class CK_MECHANISM(Structure):
    _fields_ = [("mechanism", CK_ULONG), ("pParameter", c_void_p),
                ("ulParameterLen", CK_ULONG)]


class CK_ATTRIBUTE(Structure):
    _fields_ = [("type", CK_ULONG), ("pValue", c_void_p), ("ulValueLen", CK_ULONG)]


class CK_GCM_PARAMS(Structure):
    _fields_ = [("pIv", c_void_p), ("ulIvLen", CK_ULONG), ("ulIvBits", CK_ULONG),
                ("pAAD", c_void_p), ("ulAADLen", CK_ULONG), ("ulTagBits", CK_ULONG)]


class CK_AES_CTR_PARAMS(Structure):
    _fields_ = [("ulCounterBits", CK_ULONG), ("cb", c_ubyte * 16)]


class CK_RSA_PKCS_PSS_PARAMS(Structure):
    _fields_ = [("hashAlg", CK_ULONG), ("mgf", CK_ULONG), ("sLen", CK_ULONG)]


class CK_RSA_PKCS_OAEP_PARAMS(Structure):
    _fields_ = [("hashAlg", CK_ULONG), ("mgf", CK_ULONG), ("source", CK_ULONG),
                ("pSourceData", c_void_p), ("ulSourceDataLen", CK_ULONG)]


class CK_C_INITIALIZE_ARGS(Structure):
    _fields_ = [("CreateMutex", c_void_p), ("DestroyMutex", c_void_p), ("LockMutex", c_void_p),
                ("UnlockMutex", c_void_p), ("flags", CK_ULONG), ("pReserved", c_void_p)]


# -- the function list (pkcs11f.h order; 2.40) ---------------------------------------------------

_P, _U = c_void_p, CK_ULONG
FUNCTIONS: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("C_Initialize", (_P,)), ("C_Finalize", (_P,)), ("C_GetInfo", (_P,)),
    ("C_GetFunctionList", (_P,)), ("C_GetSlotList", (c_ubyte, _P, _P)),
    ("C_GetSlotInfo", (_U, _P)), ("C_GetTokenInfo", (_U, _P)),
    ("C_GetMechanismList", (_U, _P, _P)), ("C_GetMechanismInfo", (_U, _U, _P)),
    ("C_InitToken", (_U, _P, _U, _P)), ("C_InitPIN", (_U, _P, _U)),
    ("C_SetPIN", (_U, _P, _U, _P, _U)), ("C_OpenSession", (_U, _U, _P, _P, _P)),
    ("C_CloseSession", (_U,)), ("C_CloseAllSessions", (_U,)), ("C_GetSessionInfo", (_U, _P)),
    ("C_GetOperationState", (_U, _P, _P)), ("C_SetOperationState", (_U, _P, _U, _U, _U)),
    ("C_Login", (_U, _U, _P, _U)), ("C_Logout", (_U,)), ("C_CreateObject", (_U, _P, _U, _P)),
    ("C_CopyObject", (_U, _U, _P, _U, _P)), ("C_DestroyObject", (_U, _U)),
    ("C_GetObjectSize", (_U, _U, _P)), ("C_GetAttributeValue", (_U, _U, _P, _U)),
    ("C_SetAttributeValue", (_U, _U, _P, _U)), ("C_FindObjectsInit", (_U, _P, _U)),
    ("C_FindObjects", (_U, _P, _U, _P)), ("C_FindObjectsFinal", (_U,)),
    ("C_EncryptInit", (_U, _P, _U)), ("C_Encrypt", (_U, _P, _U, _P, _P)),
    ("C_EncryptUpdate", (_U, _P, _U, _P, _P)), ("C_EncryptFinal", (_U, _P, _P)),
    ("C_DecryptInit", (_U, _P, _U)), ("C_Decrypt", (_U, _P, _U, _P, _P)),
    ("C_DecryptUpdate", (_U, _P, _U, _P, _P)), ("C_DecryptFinal", (_U, _P, _P)),
    ("C_DigestInit", (_U, _P)), ("C_Digest", (_U, _P, _U, _P, _P)),
    ("C_DigestUpdate", (_U, _P, _U)), ("C_DigestKey", (_U, _U)), ("C_DigestFinal", (_U, _P, _P)),
    ("C_SignInit", (_U, _P, _U)), ("C_Sign", (_U, _P, _U, _P, _P)),
    ("C_SignUpdate", (_U, _P, _U)), ("C_SignFinal", (_U, _P, _P)),
    ("C_SignRecoverInit", (_U, _P, _U)), ("C_SignRecover", (_U, _P, _U, _P, _P)),
    ("C_VerifyInit", (_U, _P, _U)), ("C_Verify", (_U, _P, _U, _P, _U)),
    ("C_VerifyUpdate", (_U, _P, _U)), ("C_VerifyFinal", (_U, _P, _U)),
    ("C_VerifyRecoverInit", (_U, _P, _U)), ("C_VerifyRecover", (_U, _P, _U, _P, _P)),
    ("C_DigestEncryptUpdate", (_U, _P, _U, _P, _P)),
    ("C_DecryptDigestUpdate", (_U, _P, _U, _P, _P)),
    ("C_SignEncryptUpdate", (_U, _P, _U, _P, _P)),
    ("C_DecryptVerifyUpdate", (_U, _P, _U, _P, _P)),
    ("C_GenerateKey", (_U, _P, _P, _U, _P)),
    ("C_GenerateKeyPair", (_U, _P, _P, _U, _P, _U, _P, _P)),
    ("C_WrapKey", (_U, _P, _U, _U, _P, _P)), ("C_UnwrapKey", (_U, _P, _U, _P, _U, _P, _U, _P)),
    ("C_DeriveKey", (_U, _P, _U, _P, _U, _P)), ("C_SeedRandom", (_U, _P, _U)),
    ("C_GenerateRandom", (_U, _P, _U)), ("C_GetFunctionStatus", (_U,)),
    ("C_CancelFunction", (_U,)), ("C_WaitForSlotEvent", (_U, _P, _P)),
)  # fmt: skip
assert len(FUNCTIONS) == 68
FUNCTION_NAMES = tuple(name for name, _ in FUNCTIONS)  # a worker's crash report names these


def _text(field: Any) -> str:
    """A blank-padded UTF-8 field of a Cryptoki info structure, as text."""
    return bytes(field).decode("utf-8", "replace").rstrip(" \0")


def _version(version: CK_VERSION) -> str:
    return f"{version.major}.{version.minor}"


@dataclass(frozen=True)
class TokenInfo:
    label: str
    manufacturer: str
    model: str
    serial: str
    flags: int
    firmware: str
    hardware: str


@dataclass(frozen=True)
class MechanismInfo:
    min_key_size: int
    max_key_size: int
    flags: int


Template = Sequence[tuple[int, bool | int | bytes]]


class _Template:
    """A CK_ATTRIBUTE array and the buffers it points into, kept alive together."""

    __slots__ = ("array", "buffers", "count")

    def __init__(self, template: Template) -> None:
        self.count = len(template)
        self.array = (CK_ATTRIBUTE * max(self.count, 1))()
        self.buffers: list[Any] = []
        for slot, (kind, value) in zip(self.array, template, strict=False):
            if isinstance(value, bool):
                buffer: Any = c_ubyte(1 if value else 0)
                size = 1
            elif isinstance(value, int):
                buffer = CK_ULONG(value)
                size = sizeof(CK_ULONG)
            else:
                buffer = ctypes.create_string_buffer(bytes(value), len(value))
                size = len(value)
            self.buffers.append(buffer)
            slot.type = kind
            slot.pValue = ctypes.addressof(buffer) if size else None
            slot.ulValueLen = size


class Mechanism:
    """A CK_MECHANISM with its parameter (bytes or a parameter structure), kept alive together."""

    __slots__ = ("param", "struct", "type")

    def __init__(self, mechanism: int, param: bytes | Structure | None = None) -> None:
        self.type = mechanism
        self.param = param
        self.struct = CK_MECHANISM(mechanism, None, 0)
        if isinstance(param, bytes):
            if param:
                self.param = ctypes.create_string_buffer(param, len(param))
                self.struct.pParameter = ctypes.addressof(self.param)
                self.struct.ulParameterLen = len(param)
        elif param is not None:
            self.struct.pParameter = ctypes.addressof(param)
            self.struct.ulParameterLen = sizeof(param)

    def with_parameter(self, param: bytes) -> Mechanism:
        """This mechanism with a bytes parameter: rewritten in place when the length is the
        same (no allocation on a hot path), else a new one."""
        if isinstance(self.param, ctypes.Array) and len(param) == self.struct.ulParameterLen:
            ctypes.memmove(self.param, param, len(param))
            return self
        if self.param is None and not param:
            return self
        return Mechanism(self.type, param)

    def __str__(self) -> str:
        return mechanism_name(self.type)


def gcm_params(iv: bytes, aad: bytes, tag_bits: int = 128) -> CK_GCM_PARAMS:
    """CK_GCM_PARAMS; the IV and AAD buffers hang off the structure so they outlive the call."""
    params = CK_GCM_PARAMS()
    iv_buffer = ctypes.create_string_buffer(iv, max(len(iv), 1))
    aad_buffer = ctypes.create_string_buffer(aad, max(len(aad), 1))
    params.pIv = ctypes.addressof(iv_buffer) if iv else None
    params.ulIvLen = len(iv)
    params.ulIvBits = 8 * len(iv)
    params.pAAD = ctypes.addressof(aad_buffer) if aad else None
    params.ulAADLen = len(aad)
    params.ulTagBits = tag_bits
    params._buffers = (iv_buffer, aad_buffer)  # type: ignore[attr-defined]
    return params


def ctr_params(counter_block: bytes, counter_bits: int = 128) -> CK_AES_CTR_PARAMS:
    params = CK_AES_CTR_PARAMS()
    params.ulCounterBits = counter_bits
    ctypes.memmove(params.cb, counter_block, min(len(counter_block), 16))
    return params


class Cryptoki:
    """One PKCS#11 module: its function list, and typed calls that raise CryptokiError."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self.library = ctypes.CDLL(path)
        except OSError as exc:
            raise OSError(f"cannot load PKCS#11 module {path}: {exc}") from None
        get_list = self.library.C_GetFunctionList
        get_list.restype = CK_ULONG
        get_list.argtypes = (POINTER(c_void_p),)
        table = c_void_p()
        rv = get_list(byref(table))
        if rv != CKR.OK or not table.value:
            raise CryptokiError("C_GetFunctionList", rv)
        version = CK_VERSION.from_address(table.value)
        self.version = _version(version)
        pointers = (c_void_p * len(FUNCTIONS)).from_address(table.value + sizeof(c_void_p))
        self.fn = SimpleNamespace()
        self.buffers = OutputBuffers()
        trace = native_trace.active  # in a worker process: every call recorded
        for number, ((name, argtypes), pointer) in enumerate(zip(FUNCTIONS, pointers,
                                                                 strict=True)):
            prototype = ctypes.CFUNCTYPE(CK_ULONG, *argtypes)
            function = prototype(pointer) if pointer else _missing(name)
            setattr(self.fn, name, trace.wrap(number, function) if trace and pointer
                    else function)
        self._init_args = CK_C_INITIALIZE_ARGS(None, None, None, None, CKF_OS_LOCKING_OK, None)
        rv = self.fn.C_Initialize(byref(self._init_args))
        if rv not in (CKR.OK, CKR.CRYPTOKI_ALREADY_INITIALIZED):
            raise CryptokiError("C_Initialize", rv)

    def fork(self) -> Cryptoki:
        """The same initialised module with a function list of its own, to patch per device."""
        other = copy.copy(self)
        other.fn = SimpleNamespace(**vars(self.fn))
        other.buffers = OutputBuffers()
        return other

    def check(self, call: str, rv: int, detail: str = "") -> None:
        if rv != CKR.OK:
            raise CryptokiError(call, rv, detail)

    # -- library, slots, tokens, mechanisms ------------------------------------------------------

    def library_info(self) -> tuple[str, str, str]:
        """(manufacturer, description, library version) from C_GetInfo."""
        info = CK_INFO()
        self.check("C_GetInfo", self.fn.C_GetInfo(byref(info)))
        return (_text(info.manufacturerID), _text(info.libraryDescription),
                _version(info.libraryVersion))

    def slots(self, token_present: bool = True) -> list[int]:
        count = CK_ULONG(0)
        self.check("C_GetSlotList", self.fn.C_GetSlotList(token_present, None, byref(count)))
        array = (CK_ULONG * max(count.value, 1))()
        self.check("C_GetSlotList", self.fn.C_GetSlotList(token_present, array, byref(count)))
        return list(array[: count.value])

    def slot_info(self, slot: int) -> tuple[str, str]:
        """(description, manufacturer) of a slot."""
        info = CK_SLOT_INFO()
        self.check("C_GetSlotInfo", self.fn.C_GetSlotInfo(slot, byref(info)))
        return _text(info.slotDescription), _text(info.manufacturerID)

    def token_info(self, slot: int) -> TokenInfo:
        info = CK_TOKEN_INFO()
        self.check("C_GetTokenInfo", self.fn.C_GetTokenInfo(slot, byref(info)))
        return TokenInfo(label=_text(info.label), manufacturer=_text(info.manufacturerID),
                         model=_text(info.model), serial=_text(info.serialNumber),
                         flags=info.flags, firmware=_version(info.firmwareVersion),
                         hardware=_version(info.hardwareVersion))

    def mechanisms(self, slot: int) -> list[int]:
        count = CK_ULONG(0)
        self.check("C_GetMechanismList", self.fn.C_GetMechanismList(slot, None, byref(count)))
        array = (CK_ULONG * max(count.value, 1))()
        self.check("C_GetMechanismList", self.fn.C_GetMechanismList(slot, array, byref(count)))
        return list(array[: count.value])

    def mechanism_info(self, slot: int, mechanism: int) -> MechanismInfo:
        info = CK_MECHANISM_INFO(0, 0, 0)  # zeroed: see the module docstring
        self.check("C_GetMechanismInfo",
                   self.fn.C_GetMechanismInfo(slot, mechanism, byref(info)),
                   mechanism_name(mechanism))
        return MechanismInfo(info.ulMinKeySize, info.ulMaxKeySize, info.flags)

    # -- sessions --------------------------------------------------------------------------------

    def open_session(self, slot: int, rw: bool = True) -> int:
        handle = CK_ULONG(0)
        flags = CKF_SERIAL_SESSION | (CKF_RW_SESSION if rw else 0)
        self.check("C_OpenSession",
                   self.fn.C_OpenSession(slot, flags, None, None, byref(handle)))
        return handle.value

    def close_session(self, session: int) -> None:
        self.check("C_CloseSession", self.fn.C_CloseSession(session))

    def session_state(self, session: int) -> int:
        info = CK_SESSION_INFO()
        self.check("C_GetSessionInfo", self.fn.C_GetSessionInfo(session, byref(info)))
        return info.state

    def login(self, session: int, user_type: int, pin: bytes) -> int:
        """C_Login; returns the code instead of raising, since callers judge it."""
        return int(self.fn.C_Login(session, user_type, pin, len(pin)))

    def logout(self, session: int) -> int:
        return int(self.fn.C_Logout(session))

    # -- objects ---------------------------------------------------------------------------------

    def create_object(self, session: int, template: Template) -> int:
        attrs = _Template(template)
        handle = CK_ULONG(0)
        self.check("C_CreateObject",
                   self.fn.C_CreateObject(session, attrs.array, attrs.count, byref(handle)))
        return handle.value

    def copy_object(self, session: int, handle: int, template: Template) -> int:
        attrs = _Template(template)
        copy = CK_ULONG(0)
        self.check("C_CopyObject", self.fn.C_CopyObject(session, handle, attrs.array,
                                                        attrs.count, byref(copy)))
        return copy.value

    def destroy_object(self, session: int, handle: int) -> None:
        self.check("C_DestroyObject", self.fn.C_DestroyObject(session, handle))

    def get_attribute(self, session: int, handle: int, kind: int) -> bytes:
        """One attribute's value by the two-call convention (size, then value)."""
        attr = CK_ATTRIBUTE(kind, None, 0)
        self.check("C_GetAttributeValue",
                   self.fn.C_GetAttributeValue(session, handle, byref(attr), 1))
        buffer = ctypes.create_string_buffer(max(attr.ulValueLen, 1))
        attr.pValue = ctypes.addressof(buffer)
        self.check("C_GetAttributeValue",
                   self.fn.C_GetAttributeValue(session, handle, byref(attr), 1))
        return buffer.raw[: attr.ulValueLen]

    def get_bool(self, session: int, handle: int, kind: int) -> bool:
        return self.get_attribute(session, handle, kind) != b"\0"

    def set_attributes(self, session: int, handle: int, template: Template) -> None:
        attrs = _Template(template)
        self.check("C_SetAttributeValue",
                   self.fn.C_SetAttributeValue(session, handle, attrs.array, attrs.count))

    def find_objects(self, session: int, template: Template, limit: int = 64) -> list[int]:
        attrs = _Template(template)
        self.check("C_FindObjectsInit",
                   self.fn.C_FindObjectsInit(session, attrs.array, attrs.count))
        found = (CK_ULONG * limit)()
        count = CK_ULONG(0)
        try:
            self.check("C_FindObjects", self.fn.C_FindObjects(session, found, limit, byref(count)))
        finally:
            self.check("C_FindObjectsFinal", self.fn.C_FindObjectsFinal(session))
        return list(found[: count.value])

    def generate_key(self, session: int, mechanism: Mechanism, template: Template) -> int:
        attrs = _Template(template)
        handle = CK_ULONG(0)
        self.check("C_GenerateKey",
                   self.fn.C_GenerateKey(session, byref(mechanism.struct), attrs.array,
                                         attrs.count, byref(handle)), str(mechanism))
        return handle.value

    def generate_key_pair(self, session: int, mechanism: Mechanism, public: Template,
                          private: Template) -> tuple[int, int]:
        pub, priv = _Template(public), _Template(private)
        pub_handle, priv_handle = CK_ULONG(0), CK_ULONG(0)
        self.check("C_GenerateKeyPair",
                   self.fn.C_GenerateKeyPair(session, byref(mechanism.struct), pub.array,
                                             pub.count, priv.array, priv.count,
                                             byref(pub_handle), byref(priv_handle)),
                   str(mechanism))
        return pub_handle.value, priv_handle.value

    def wrap_key(self, session: int, mechanism: Mechanism, wrapping: int, key: int) -> bytes:
        size = CK_ULONG(0)
        self.check("C_WrapKey", self.fn.C_WrapKey(session, byref(mechanism.struct), wrapping,
                                                  key, None, byref(size)), str(mechanism))
        out = ctypes.create_string_buffer(max(size.value, 1))
        self.check("C_WrapKey", self.fn.C_WrapKey(session, byref(mechanism.struct), wrapping,
                                                  key, out, byref(size)), str(mechanism))
        return out.raw[: size.value]

    # -- cryptographic operations: Init, then one single-part call -------------------------------

    def _single_part(self, init: str, call: str, session: int, mechanism: Mechanism,
                     key: int | None, data: bytes, out_size: int) -> bytes:
        fn = self.fn
        if key is None:
            rv = getattr(fn, init)(session, byref(mechanism.struct))
        else:
            rv = getattr(fn, init)(session, byref(mechanism.struct), key)
        if rv != CKR.OK:
            raise CryptokiError(init, rv, str(mechanism))
        room = max(out_size, 1)
        size = CK_ULONG(room)
        out = self.buffers.take(room)
        function = getattr(fn, call)
        rv = function(session, data, len(data), out, byref(size))
        if rv == CKR.BUFFER_TOO_SMALL:  # the operation stays active (2.40 base 5.2)
            self.buffers.give_back(room, out)
            room = max(size.value, 1)
            out = self.buffers.take(room)
            rv = function(session, data, len(data), out, byref(size))
        check_canary(call, out, room)  # raises, and the overwritten buffer is not kept
        self.buffers.give_back(room, out)
        if rv != CKR.OK:
            raise CryptokiError(call, rv, str(mechanism))
        return ctypes.string_at(out, min(size.value, room))

    def encrypt(self, session: int, mechanism: Mechanism, key: int, data: bytes,
                out_size: int) -> bytes:
        return self._single_part("C_EncryptInit", "C_Encrypt", session, mechanism, key, data,
                                 out_size)

    def decrypt(self, session: int, mechanism: Mechanism, key: int, data: bytes,
                out_size: int) -> bytes:
        return self._single_part("C_DecryptInit", "C_Decrypt", session, mechanism, key, data,
                                 out_size)

    def digest(self, session: int, mechanism: Mechanism, data: bytes, out_size: int) -> bytes:
        return self._single_part("C_DigestInit", "C_Digest", session, mechanism, None, data,
                                 out_size)

    def sign(self, session: int, mechanism: Mechanism, key: int, data: bytes,
             out_size: int) -> bytes:
        return self._single_part("C_SignInit", "C_Sign", session, mechanism, key, data, out_size)

    def verify(self, session: int, mechanism: Mechanism, key: int, data: bytes,
               signature: bytes) -> None:
        fn = self.fn
        self.check("C_VerifyInit", fn.C_VerifyInit(session, byref(mechanism.struct), key),
                   str(mechanism))
        self.check("C_Verify", fn.C_Verify(session, data, len(data), signature, len(signature)),
                   str(mechanism))

    def generate_random(self, session: int, length: int) -> bytes:
        out = ctypes.create_string_buffer(max(length, 1))
        self.check("C_GenerateRandom", self.fn.C_GenerateRandom(session, out, length))
        return out.raw[:length]


def _missing(name: str) -> Any:
    def absent(*args: Any) -> int:
        return CKR.FUNCTION_NOT_SUPPORTED

    absent.__name__ = name
    return absent


_LOADED: dict[str, Cryptoki] = {}
_LOCK = threading.Lock()


def load(path: str) -> Cryptoki:
    """The module at `path`, loaded and initialised once per process (like `pkcs11.lib`)."""
    with _LOCK:
        if path not in _LOADED:
            _LOADED[path] = Cryptoki(path)
        return _LOADED[path]
