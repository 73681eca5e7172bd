"""Key protection: sensitive values stay in, unextractable keys stay in, one-way attributes
only move one way, and destroyed objects are gone (GM/T 0028 7.9 key management)."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator

from certkit.cases import Case
from certkit.checks import Checks
from certkit.device import Device
from certkit.drivers.pkcs11.api import Pkcs11Api, pkcs11_api
from certkit.drivers.pkcs11.cryptoki import (
    CK_UNAVAILABLE_INFORMATION,
    CKA,
    CKF_WRAP,
    CKK_EC,
    CKM,
    CKR,
    Mechanism,
)
from certkit.errors import NotApplicable

from .common import (
    BASE,
    DEFERRED,
    GMT0028,
    attribute_length,
    code_of,
    create_aes,
    expect_code,
    expect_true,
    find,
    finish,
    generate_aes,
    read_attribute,
    token_objects,
    unique_label,
)

OUTPUT = f"{GMT0028} 7.9.5 (SSP entry and output)"
ZEROISATION = f"{GMT0028} 7.9.7 (SSP zeroisation)"
SECRET_KEYS = f"{BASE} 4.10 (secret key objects: CKA_SENSITIVE, CKA_EXTRACTABLE)"
READ = f"{BASE} 5.7.5 (C_GetAttributeValue)"
REQUIRES = frozenset({"PKCS11-API", "AES-ECB"})
P256 = bytes.fromhex("06082a8648ce3d030107")
# Wrapping mechanisms to try, best first: a token needs to offer one with CKF_WRAP.
WRAPPERS = (CKM.AES_KEY_WRAP, CKM.AES_KEY_WRAP_PAD, CKM.AES_CBC_PAD, CKM.AES_CBC, CKM.AES_ECB)


def _sensitive(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    with api.session() as session:
        keys = [
            ("sensitive", "a CKA_SENSITIVE=TRUE AES key",
             generate_aes(api, session, sensitive=True, extractable=True)),
            ("unextractable", "a CKA_SENSITIVE=FALSE, CKA_EXTRACTABLE=FALSE AES key",
             generate_aes(api, session, sensitive=False, extractable=False)),
        ]
        if CKM.EC_KEY_PAIR_GEN in api.mechanism_infos:
            _, private = api.ck.generate_key_pair(
                session, Mechanism(CKM.EC_KEY_PAIR_GEN),
                [(CKA.TOKEN, False), (CKA.EC_PARAMS, P256), (CKA.VERIFY, True)],
                [(CKA.TOKEN, False), (CKA.PRIVATE, True), (CKA.SENSITIVE, True),
                 (CKA.SIGN, True), (CKA.KEY_TYPE, CKK_EC)])
            keys.append(("ec-private", "a CKA_SENSITIVE=TRUE EC private key", private))
        for tc_id, what, handle in keys:
            rv, length = attribute_length(api, session, handle, CKA.VALUE)
            expect_code(checks, f"{tc_id}-size", f"{what}: the size of CKA_VALUE",
                        "C_GetAttributeValue(CKA_VALUE, pValue NULL)", rv,
                        (CKR.ATTRIBUTE_SENSITIVE,), f"{READ}; {OUTPUT}")
            expect_true(checks, f"{tc_id}-length", f"{what}: ulValueLen after the refusal",
                        length == CK_UNAVAILABLE_INFORMATION,
                        f"CK_UNAVAILABLE_INFORMATION: {READ}", f"ulValueLen {length}",
                        "C_GetAttributeValue(CKA_VALUE)")
            rv, value, _ = read_attribute(api, session, handle, CKA.VALUE)
            expect_code(checks, f"{tc_id}-value", f"{what}: CKA_VALUE into a buffer",
                        "C_GetAttributeValue(CKA_VALUE)", rv, (CKR.ATTRIBUTE_SENSITIVE,),
                        f"{READ}; {OUTPUT}")
        # The control: a key that is neither sensitive nor unextractable shows its value, so
        # the refusals above are about the attributes and not a token that hides every value.
        value = bytes(range(16))
        open_key = create_aes(api, session, value, sensitive=False, extractable=True)
        rv, got, _ = read_attribute(api, session, open_key, CKA.VALUE)
        expect_true(checks, "control", "a CKA_SENSITIVE=FALSE, CKA_EXTRACTABLE=TRUE key",
                    rv == CKR.OK and got == value, f"CKR_OK and the key's value: {READ}",
                    f"C_GetAttributeValue returned {rv:#x}, {got.hex() or '(nothing)'}",
                    "C_GetAttributeValue(CKA_VALUE)")


def _wrapping(api: Pkcs11Api) -> int | None:
    for mechanism in WRAPPERS:
        info = api.mechanism_infos.get(mechanism)
        if info is not None and info.flags & CKF_WRAP:
            return mechanism
    return None


def _wrap(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    mechanism = _wrapping(api)
    if mechanism is None:
        raise NotApplicable("an AES mechanism with CKF_WRAP")
    param = bytes(16) if mechanism in (CKM.AES_CBC, CKM.AES_CBC_PAD) else None
    wrap = Mechanism(mechanism, param)
    with api.session() as session:
        wrapping_key = generate_aes(api, session, wrap=True)
        locked = generate_aes(api, session, sensitive=True, extractable=False)
        rv, _ = code_of(lambda: api.ck.wrap_key(session, wrap, wrapping_key, locked))
        expect_code(checks, "unextractable", "wrap a CKA_EXTRACTABLE=FALSE key",
                    f"C_WrapKey({wrap})", rv, (CKR.KEY_UNEXTRACTABLE,),
                    f"{BASE} 5.14.3 (C_WrapKey); {SECRET_KEYS}; {OUTPUT}")
        movable = generate_aes(api, session, sensitive=True, extractable=True)
        rv, blob = code_of(lambda: api.ck.wrap_key(session, wrap, wrapping_key, movable))
        expect_true(checks, "control", "wrap a CKA_EXTRACTABLE=TRUE, CKA_SENSITIVE=TRUE key",
                    rv == CKR.OK and bool(blob), f"CKR_OK and a wrapped key: {BASE} 5.14.3",
                    f"C_WrapKey({wrap}) returned {rv:#x}", f"C_WrapKey({wrap})")


ONE_WAY = (  # attribute, its name, its value at creation, the attribute that remembers
    (CKA.SENSITIVE, "CKA_SENSITIVE", False, CKA.ALWAYS_SENSITIVE, "CKA_ALWAYS_SENSITIVE"),
    (CKA.EXTRACTABLE, "CKA_EXTRACTABLE", True, CKA.NEVER_EXTRACTABLE, "CKA_NEVER_EXTRACTABLE"),
)


def _one_way(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ck = api.ck
    with api.session() as session:
        for attribute, name, start, memory, memory_name in ONE_WAY:
            created = {"sensitive": False, "extractable": True}
            key = generate_aes(api, session, **created)
            tc = name.lower().removeprefix("cka_")
            rv, _ = code_of(lambda k=key, a=attribute, v=not start:
                            ck.set_attributes(session, k, [(a, v)]))
            expect_code(checks, f"{tc}-allowed", f"{name} {start} -> {not start}",
                        f"C_SetAttributeValue({name}={not start})", rv, (CKR.OK,),
                        f"{BASE} 5.7.6 (C_SetAttributeValue); {SECRET_KEYS}")
            rv, _ = code_of(lambda k=key, a=attribute, v=start:
                            ck.set_attributes(session, k, [(a, v)]))
            expect_code(checks, f"{tc}-back", f"{name} {not start} -> {start} (back again)",
                        f"C_SetAttributeValue({name}={start})", rv, (CKR.ATTRIBUTE_READ_ONLY,),
                        f"{SECRET_KEYS}: once changed it is read-only; {BASE} 5.7.6")
            now = ck.get_bool(session, key, attribute)
            expect_true(checks, f"{tc}-kept", f"{name} after the refused change",
                        now is (not start), f"{name} still {not start}", f"{name} {now}",
                        "C_GetAttributeValue")
            remembered = ck.get_bool(session, key, memory)
            expect_true(checks, f"{tc}-history", f"a key created with {name} {start}",
                        remembered is False, f"{memory_name} FALSE: {SECRET_KEYS}",
                        f"{memory_name} {remembered}", "C_GetAttributeValue")
        locked = generate_aes(api, session, sensitive=True, extractable=False)
        for _, _, _, memory, memory_name in ONE_WAY:
            remembered = ck.get_bool(session, locked, memory)
            expect_true(checks, memory_name.lower(), "a key generated sensitive and "
                        "unextractable", remembered is True,
                        f"{memory_name} TRUE: {SECRET_KEYS}", f"{memory_name} {remembered}",
                        "C_GetAttributeValue")


def _destroyed(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ck = api.ck
    ecb = Mechanism(CKM.AES_ECB)
    with api.session() as session, token_objects(api, session, unique_label("destroy")) as label:
        for scope, token in (("session", False), ("token", True)):
            key = generate_aes(api, session, token=token, label=label)
            rv, _ = code_of(lambda k=key: ck.destroy_object(session, k))
            expect_code(checks, f"{scope}-destroy", f"destroy a {scope} key", "C_DestroyObject",
                        rv, (CKR.OK,), f"{BASE} 5.7.3 (C_DestroyObject); {ZEROISATION}")
            rv, _, _ = read_attribute(api, session, key, CKA.LABEL)
            expect_code(checks, f"{scope}-read", f"read the destroyed {scope} key",
                        "C_GetAttributeValue(destroyed handle)", rv,
                        (CKR.OBJECT_HANDLE_INVALID,), f"{READ}; {ZEROISATION}")
            rv = ck.fn.C_EncryptInit(session, ctypes.byref(ecb.struct), key)
            expect_code(checks, f"{scope}-use", f"encrypt with the destroyed {scope} key",
                        "C_EncryptInit(CKM_AES_ECB, destroyed handle)", rv,
                        (CKR.KEY_HANDLE_INVALID, CKR.OBJECT_HANDLE_INVALID),
                        f"{BASE} 5.7.3, 5.8.1; {DEFERRED}")
            if rv == CKR.OK:
                finish(api, session, "C_Encrypt")
            rv, _ = code_of(lambda k=key: ck.destroy_object(session, k))
            expect_code(checks, f"{scope}-destroy-again", f"destroy the {scope} key again",
                        "C_DestroyObject(destroyed handle)", rv, (CKR.OBJECT_HANDLE_INVALID,),
                        f"{BASE} 5.7.3 (C_DestroyObject)")
        with api.session() as fresh:
            left = find(api, fresh, label)
            expect_true(checks, "find", "look for the destroyed keys from a new session",
                        not left, f"none found: {BASE} 5.7.3; {ZEROISATION}",
                        f"C_FindObjects found {len(left)}", "C_FindObjects")


LOCAL = f"{BASE} 4.7 (common key attributes: CKA_LOCAL)"
COPY = f"{BASE} 5.7.2 (C_CopyObject)"


def _local(device: Device, checks: Checks) -> None:
    """CKA_LOCAL is TRUE only for a key the token generated (or a copy of one)."""
    api = pkcs11_api(device)
    ck = api.ck
    with api.session() as session:
        imported = create_aes(api, session, bytes(range(16)))
        generated = generate_aes(api, session)
        for handle, how, expected in ((imported, "created with C_CreateObject", False),
                                      (generated, "generated with C_GenerateKey", True)):
            local = ck.get_bool(session, handle, CKA.LOCAL)
            expect_true(checks, f"local-{'generated' if expected else 'created'}",
                        f"CKA_LOCAL of a key {how}", local is expected,
                        f"CKA_LOCAL {expected}: {LOCAL}", f"CKA_LOCAL {local}",
                        "C_GetAttributeValue")


def _copy(device: Device, checks: Checks) -> None:
    """A copy is a new object with the same key, and cannot loosen its protection."""
    api = pkcs11_api(device)
    ck = api.ck
    ecb = Mechanism(CKM.AES_ECB)
    with api.session() as session:
        original = create_aes(api, session, bytes(range(16)))
        rv, copy = code_of(lambda: ck.copy_object(session, original,
                                                  [(CKA.LABEL, b"certkit copy")]))
        expect_code(checks, "copy", "C_CopyObject of a key, a new label", "C_CopyObject", rv,
                    (CKR.OK,), COPY)
        if rv == CKR.OK:
            expect_true(checks, "new-handle", "the copy's handle", copy != original,
                        "a handle of its own", f"handle {copy} (the original's: {original})",
                        "C_CopyObject")
            same = (ck.encrypt(session, ecb, copy, bytes(16), 16) ==
                    ck.encrypt(session, ecb, original, bytes(16), 16))
            expect_true(checks, "same-key", "the copy encrypts as the original", same,
                        "the same ciphertext", "another ciphertext", "C_Encrypt")
        rv, _ = code_of(lambda: ck.copy_object(session, original,
                                               [(CKA.SENSITIVE, False)]))
        expect_code(checks, "loosen", "C_CopyObject of a sensitive key asking CKA_SENSITIVE "
                    "FALSE", "C_CopyObject", rv,
                    (CKR.ATTRIBUTE_READ_ONLY, CKR.ATTRIBUTE_VALUE_INVALID,
                     CKR.TEMPLATE_INCONSISTENT),
                    f"{COPY}; {SECRET_KEYS}")


def cases() -> Iterator[Case]:
    yield Case("pkcs11_api.protection.local",
               "CKA_LOCAL tells a generated key from an imported one", "pkcs11_api", REQUIRES,
               (LOCAL,), _local)
    yield Case("pkcs11_api.objects.copy",
               "C_CopyObject makes a new object with the same key and never loosens it",
               "pkcs11_api", REQUIRES, (COPY, SECRET_KEYS), _copy)
    yield Case("pkcs11_api.protection.sensitive",
               "A sensitive or unextractable key's CKA_VALUE reads as CKR_ATTRIBUTE_SENSITIVE",
               "pkcs11_api", REQUIRES, (READ, SECRET_KEYS, OUTPUT), _sensitive)
    yield Case("pkcs11_api.protection.unextractable",
               "A CKA_EXTRACTABLE=FALSE key cannot be wrapped", "pkcs11_api", REQUIRES,
               (f"{BASE} 5.14.3", SECRET_KEYS, OUTPUT), _wrap)
    yield Case("pkcs11_api.protection.one-way",
               "CKA_SENSITIVE only turns on, CKA_EXTRACTABLE only turns off, and the key "
               "remembers", "pkcs11_api", REQUIRES, (f"{BASE} 5.7.6", SECRET_KEYS), _one_way)
    yield Case("pkcs11_api.objects.destroyed",
               "Destroyed session and token objects are gone", "pkcs11_api", REQUIRES,
               (f"{BASE} 5.7.3", ZEROISATION), _destroyed)
