"""What the token says about its mechanisms holds: every mechanism it advertises for
encryption initialises, and C_GetMechanismInfo writes its answer rather than adding to
whatever the caller's buffer held."""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from certkit.cases import Case
from certkit.checks import Checks
from certkit.device import Device
from certkit.drivers.pkcs11.api import Pkcs11Api, pkcs11_api
from certkit.drivers.pkcs11.cryptoki import (
    CK_MECHANISM_INFO,
    CK_RSA_PKCS_OAEP_PARAMS,
    CK_ULONG,
    CKA,
    CKF_ENCRYPT,
    CKG_MGF1_SHA1,
    CKM,
    CKR,
    Mechanism,
    ctr_params,
    gcm_params,
    mechanism_name,
)
from certkit.errors import InternalError

from .common import BASE, expect_code, expect_true

INFO = f"{BASE} 5.5.6 (C_GetMechanismInfo)"
ENCRYPT_INIT = f"{BASE} 5.8.1 (C_EncryptInit)"
CKZ_DATA_SPECIFIED = 1


@dataclass(frozen=True)
class Recipe:
    """How to exercise one encryption mechanism: its key, its parameter, some valid data."""

    key: str  # "AES", "DES", "DES3" or "RSA"
    parameter: Callable[[], bytes | ctypes.Structure | None]
    data: bytes


def _oaep() -> CK_RSA_PKCS_OAEP_PARAMS:
    return CK_RSA_PKCS_OAEP_PARAMS(CKM.SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, None, 0)


RECIPES: dict[int, Recipe] = {
    CKM.AES_ECB: Recipe("AES", lambda: None, bytes(16)),
    CKM.AES_CBC: Recipe("AES", lambda: bytes(16), bytes(16)),
    CKM.AES_CBC_PAD: Recipe("AES", lambda: bytes(16), bytes(15)),
    CKM.AES_CTR: Recipe("AES", lambda: ctr_params(bytes(16)), bytes(15)),
    CKM.AES_GCM: Recipe("AES", lambda: gcm_params(bytes(12), b""), bytes(15)),
    CKM.DES_ECB: Recipe("DES", lambda: None, bytes(8)),
    CKM.DES_CBC: Recipe("DES", lambda: bytes(8), bytes(8)),
    CKM.DES_CBC_PAD: Recipe("DES", lambda: bytes(8), bytes(7)),
    CKM.DES3_ECB: Recipe("DES3", lambda: None, bytes(8)),
    CKM.DES3_CBC: Recipe("DES3", lambda: bytes(8), bytes(8)),
    CKM.DES3_CBC_PAD: Recipe("DES3", lambda: bytes(8), bytes(7)),
    CKM.RSA_PKCS: Recipe("RSA", lambda: None, bytes(16)),
    CKM.RSA_X_509: Recipe("RSA", lambda: None, bytes(16)),
    CKM.RSA_PKCS_OAEP: Recipe("RSA", _oaep, bytes(16)),
}
KEY_GENERATION = {"AES": (CKM.AES_KEY_GEN, [(CKA.VALUE_LEN, 16)]), "DES": (CKM.DES_KEY_GEN, []),
                  "DES3": (CKM.DES3_KEY_GEN, [])}


def _make_key(api: Pkcs11Api, session: int, kind: str) -> int:
    """A session key for `kind`, made by the token (RSA: the public key of a new pair)."""
    if kind == "RSA":
        info = api.mechanism_infos.get(CKM.RSA_PKCS_KEY_PAIR_GEN)
        bits = max(1024, info.min_key_size if info else 1024)
        public, _ = api.ck.generate_key_pair(
            session, Mechanism(CKM.RSA_PKCS_KEY_PAIR_GEN),
            [(CKA.TOKEN, False), (CKA.ENCRYPT, True), (CKA.MODULUS_BITS, bits),
             (CKA.PUBLIC_EXPONENT, b"\x01\x00\x01")],
            [(CKA.TOKEN, False), (CKA.DECRYPT, True), (CKA.SENSITIVE, True)])
        return public
    mechanism, extra = KEY_GENERATION[kind]
    return api.ck.generate_key(session, Mechanism(mechanism),
                               [(CKA.TOKEN, False), (CKA.ENCRYPT, True), *extra])


def _encrypt_init(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    fn = api.ck.fn
    advertised = sorted(m for m, info in api.mechanism_infos.items() if info.flags & CKF_ENCRYPT)
    unknown = [m for m in advertised if m not in RECIPES]
    keys: dict[str, int] = {}
    with api.session() as session:
        for mechanism in advertised:
            recipe = RECIPES.get(mechanism)
            if recipe is None:
                continue
            name = mechanism_name(mechanism)
            if recipe.key not in keys:
                keys[recipe.key] = _make_key(api, session, recipe.key)
            chosen = Mechanism(mechanism, recipe.parameter())
            rv = fn.C_EncryptInit(session, ctypes.byref(chosen.struct), keys[recipe.key])
            expect_code(checks, name, f"{name} is advertised with CKF_ENCRYPT",
                        f"C_EncryptInit({name})", rv, (CKR.OK,), f"{INFO} (CKF_ENCRYPT); "
                        f"{ENCRYPT_INIT}")
            if rv != CKR.OK:
                continue
            out = ctypes.create_string_buffer(1024)
            size = CK_ULONG(1024)
            rv = fn.C_Encrypt(session, recipe.data, len(recipe.data), out, ctypes.byref(size))
            expect_code(checks, f"{name}-encrypt", f"{name}: {len(recipe.data)} bytes of data",
                        f"C_Encrypt({name})", rv, (CKR.OK,), f"{BASE} 5.8.2 (C_Encrypt)")
    if unknown:
        raise InternalError("certkit has no parameter recipe for these mechanisms advertised "
                            f"for encryption: {', '.join(map(mechanism_name, unknown))}")


def _info_output(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    fn, slot = api.ck.fn, api.slot
    all_ones = (1 << (8 * ctypes.sizeof(CK_ULONG))) - 1
    for mechanism in api.ck.mechanisms(slot):
        zeroed = CK_MECHANISM_INFO(0, 0, 0)
        filled = CK_MECHANISM_INFO(all_ones, all_ones, all_ones)
        first = fn.C_GetMechanismInfo(slot, mechanism, ctypes.byref(zeroed))
        second = fn.C_GetMechanismInfo(slot, mechanism, ctypes.byref(filled))
        answers = [(info.ulMinKeySize, info.ulMaxKeySize, info.flags)
                   for info in (zeroed, filled)]
        name = mechanism_name(mechanism)
        expect_true(
            checks, name, f"{name}: the same question asked with a zeroed and with an "
            "all-ones CK_MECHANISM_INFO", first == second == CKR.OK and answers[0] == answers[1],
            f"the same answer both times: {INFO} (pInfo receives the information)",
            f"zeroed: min {answers[0][0]}, max {answers[0][1]}, flags 0x{answers[0][2]:x}; "
            f"all-ones: min {answers[1][0]}, max {answers[1][1]}, flags 0x{answers[1][2]:x}",
            f"C_GetMechanismInfo({name})")


def cases() -> Iterator[Case]:
    yield Case("pkcs11_api.mechanisms.encrypt-init",
               "Every mechanism advertised for encryption initialises and encrypts",
               "pkcs11_api", frozenset({"PKCS11-API"}), (INFO, ENCRYPT_INIT), _encrypt_init)
    yield Case("pkcs11_api.mechanisms.info-output",
               "C_GetMechanismInfo answers the same whatever the caller's buffer held",
               "pkcs11_api", frozenset({"PKCS11-API"}), (INFO,), _info_output)
