"""Bad input gets the specified return values; the two-call convention for output buffers.

`pkcs11_api.errors.arguments-bad` passes NULL pointers where the
specification requires a pointer: a module that dereferences them crashes
the run, which is itself the finding.
"""

from __future__ import annotations

import ctypes
import hashlib
from collections.abc import Iterator

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from certkit.cases import Case
from certkit.checks import Checks
from certkit.device import Device
from certkit.drivers.pkcs11.api import pkcs11_api
from certkit.drivers.pkcs11.cryptoki import (
    CK_MECHANISM_INFO,
    CK_ULONG,
    CK_UNAVAILABLE_INFORMATION,
    CKA,
    CKF_RW_SESSION,
    CKF_SERIAL_SESSION,
    CKM,
    CKM_VENDOR_DEFINED,
    CKR,
    CryptokiError,
    Mechanism,
    ctr_params,
    gcm_params,
)

from .common import (
    BASE,
    MECHANISMS,
    code_of,
    create_aes,
    expect_code,
    expect_true,
    finish,
    generate_aes,
    is_v3,
    read_attribute,
    unique_label,
)

ARGUMENTS_BAD = f"{BASE} 5.1.6 (CKR_ARGUMENTS_BAD)"
TWO_CALLS = f"{BASE} 5.2 (output in a variable-length buffer)"
KEY = bytes(range(16))


def _null_mechanism_allowed(version: str) -> tuple[int, ...]:
    """PKCS#11 3.0 lets C_*Init(NULL_PTR) cancel an active operation (3.0 base 5.12)."""
    if is_v3(version):
        return (CKR.ARGUMENTS_BAD, CKR.OK, CKR.OPERATION_NOT_INITIALIZED)
    return (CKR.ARGUMENTS_BAD,)


def _arguments_bad(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    fn, slot = api.ck.fn, api.slot
    handle = CK_ULONG(0)
    null_init = _null_mechanism_allowed(api.ck.version)
    with api.session() as session:
        key = create_aes(api, session, KEY)
        probes = [
            # C_GetInfo may answer FUNCTION_FAILED (2.40 base 5.1.1), as pkcs11test accepts
            ("get-info", "C_GetInfo(NULL)", fn.C_GetInfo(None),
             (CKR.ARGUMENTS_BAD, CKR.FUNCTION_FAILED)),
            ("slot-info", "C_GetSlotInfo(slot, NULL)", fn.C_GetSlotInfo(slot, None),
             (CKR.ARGUMENTS_BAD,)),
            ("token-info", "C_GetTokenInfo(slot, NULL)", fn.C_GetTokenInfo(slot, None),
             (CKR.ARGUMENTS_BAD,)),
            ("mechanism-list", "C_GetMechanismList(slot, NULL, NULL)",
             fn.C_GetMechanismList(slot, None, None), (CKR.ARGUMENTS_BAD,)),
            ("mechanism-info", "C_GetMechanismInfo(slot, CKM_AES_ECB, NULL)",
             fn.C_GetMechanismInfo(slot, CKM.AES_ECB, None), (CKR.ARGUMENTS_BAD,)),
            ("open-session", "C_OpenSession(slot, RW|SERIAL, NULL, NULL, NULL)",
             fn.C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, None, None, None),
             (CKR.ARGUMENTS_BAD,)),
            # a NULL template is also an incomplete one (5.7: CKR_TEMPLATE_INCOMPLETE)
            ("create-object", "C_CreateObject(session, NULL, 1, &handle)",
             fn.C_CreateObject(session, None, 1, ctypes.byref(handle)),
             (CKR.ARGUMENTS_BAD, CKR.TEMPLATE_INCOMPLETE)),
            ("get-attribute", "C_GetAttributeValue(session, key, NULL, 1)",
             fn.C_GetAttributeValue(session, key, None, 1), (CKR.ARGUMENTS_BAD,)),
            # a NULL mechanism names no mechanism the token offers (CKR_MECHANISM_INVALID)
            ("encrypt-init", "C_EncryptInit(session, NULL, key)",
             fn.C_EncryptInit(session, None, key), (*null_init, CKR.MECHANISM_INVALID)),
            ("digest-init", "C_DigestInit(session, NULL)", fn.C_DigestInit(session, None),
             (*null_init, CKR.MECHANISM_INVALID)),
            ("random", "C_GenerateRandom(session, NULL, 16)",
             fn.C_GenerateRandom(session, None, 16), (CKR.ARGUMENTS_BAD,)),
        ]
        ecb = Mechanism(CKM.AES_ECB)
        api.ck.check("C_EncryptInit", fn.C_EncryptInit(session, ctypes.byref(ecb.struct), key))
        out = ctypes.create_string_buffer(16)
        size = CK_ULONG(16)
        probes.append(("encrypt-data", "C_Encrypt(session, NULL, 16, out, &len)",
                       fn.C_Encrypt(session, None, 16, out, ctypes.byref(size)),
                       (CKR.ARGUMENTS_BAD,)))
        finish(api, session, "C_Encrypt")  # in case the refusal left the operation active
        for tc_id, call, rv, allowed in probes:
            expect_code(checks, tc_id, "a NULL pointer where the function needs one", call, rv,
                        allowed, ARGUMENTS_BAD)


def _data_len_range(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ck = api.ck
    with api.session() as session:
        key = create_aes(api, session, KEY)
        for name, mechanism in (("ecb", Mechanism(CKM.AES_ECB)),
                                ("cbc", Mechanism(CKM.AES_CBC, bytes(16)))):
            if mechanism.type not in api.mechanism_infos:
                continue
            rv, _ = code_of(lambda m=mechanism: ck.encrypt(session, m, key, bytes(15), 16))
            finish(api, session, "C_Encrypt")  # in case the refusal left it active
            expect_code(checks, f"{name}-encrypt", f"15 bytes to {mechanism} (whole blocks "
                        "only)", f"C_Encrypt({mechanism}, 15 bytes)", rv, (CKR.DATA_LEN_RANGE,),
                        f"{MECHANISMS} ({mechanism}: data a multiple of the block size); "
                        f"{BASE} 5.8.2 (C_Encrypt)")
            rv, _ = code_of(lambda m=mechanism: ck.decrypt(session, m, key, bytes(15), 16))
            finish(api, session, "C_Decrypt")
            expect_code(checks, f"{name}-decrypt", f"15 bytes of ciphertext to {mechanism}",
                        f"C_Decrypt({mechanism}, 15 bytes)", rv,
                        (CKR.ENCRYPTED_DATA_LEN_RANGE,),
                        f"{MECHANISMS} ({mechanism}); {BASE} 5.9.2 (C_Decrypt)")
            ck.check("C_EncryptInit", ck.fn.C_EncryptInit(session, ctypes.byref(mechanism.struct),
                                                          key))
            out = ctypes.create_string_buffer(32)
            size = CK_ULONG(32)
            update = ck.fn.C_EncryptUpdate(session, bytes(15), 15, out, ctypes.byref(size))
            size = CK_ULONG(32)
            final = ck.fn.C_EncryptFinal(session, out, ctypes.byref(size)) if update == CKR.OK \
                else update
            expect_code(checks, f"{name}-final", f"C_EncryptUpdate with 15 bytes, then "
                        f"C_EncryptFinal ({mechanism})", f"C_EncryptFinal({mechanism})", final,
                        (CKR.DATA_LEN_RANGE,), f"{BASE} 5.8.4 (C_EncryptFinal)")


def _key_handle_invalid(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ck = api.ck
    ecb = Mechanism(CKM.AES_ECB)
    with api.session() as session:
        gone = generate_aes(api, session)
        ck.destroy_object(session, gone)
        for tc_id, what, handle in (("invalid-handle", "CK_INVALID_HANDLE (0)", 0),
                                    ("destroyed", "a destroyed key's handle", gone)):
            rv = ck.fn.C_EncryptInit(session, ctypes.byref(ecb.struct), handle)
            expect_code(checks, f"{tc_id}-encrypt", f"C_EncryptInit with {what}",
                        "C_EncryptInit(CKM_AES_ECB)", rv, (CKR.KEY_HANDLE_INVALID,),
                        f"{BASE} 5.8.1 (C_EncryptInit), 5.1.6 (CKR_KEY_HANDLE_INVALID)")
            if rv == CKR.OK:
                finish(api, session, "C_Encrypt")
            rv = ck.fn.C_DecryptInit(session, ctypes.byref(ecb.struct), handle)
            expect_code(checks, f"{tc_id}-decrypt", f"C_DecryptInit with {what}",
                        "C_DecryptInit(CKM_AES_ECB)", rv, (CKR.KEY_HANDLE_INVALID,),
                        f"{BASE} 5.9.1 (C_DecryptInit)")
            if rv == CKR.OK:
                finish(api, session, "C_Decrypt")
            rv, _, _ = read_attribute(api, session, handle, CKA.CLASS)
            expect_code(checks, f"{tc_id}-object", f"C_GetAttributeValue with {what}",
                        "C_GetAttributeValue(CKA_CLASS)", rv, (CKR.OBJECT_HANDLE_INVALID,),
                        f"{BASE} 5.7.5 (C_GetAttributeValue), 5.1.6 (CKR_OBJECT_HANDLE_INVALID)")


def _unlisted(listed: set[int]) -> int:
    candidate = CKM_VENDOR_DEFINED + 0x7FFF_FFF0
    while candidate in listed:
        candidate -= 1
    return candidate


def _mechanism_invalid(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ck = api.ck
    listed = set(ck.mechanisms(api.slot))
    unknown = _unlisted(listed)
    clause = f"{BASE} 5.1.6 (CKR_MECHANISM_INVALID)"
    with api.session() as session:
        key = create_aes(api, session, KEY)
        info = CK_MECHANISM_INFO()
        rv = ck.fn.C_GetMechanismInfo(api.slot, unknown, ctypes.byref(info))
        expect_code(checks, "info-unlisted", "a mechanism the token does not list",
                    f"C_GetMechanismInfo(0x{unknown:x})", rv, (CKR.MECHANISM_INVALID,),
                    f"{BASE} 5.5.6 (C_GetMechanismInfo); {clause}")
        probes = [("encrypt-unlisted", "a mechanism the token does not list",
                   Mechanism(unknown), "C_EncryptInit")]
        if CKM.SHA256 in listed:
            probes.append(("encrypt-digest", "a digest mechanism for encryption",
                           Mechanism(CKM.SHA256), "C_EncryptInit"))
        probes.append(("digest-cipher", "a cipher mechanism for digesting",
                       Mechanism(CKM.AES_ECB), "C_DigestInit"))
        for tc_id, what, mechanism, call in probes:
            if call == "C_EncryptInit":
                rv = ck.fn.C_EncryptInit(session, ctypes.byref(mechanism.struct), key)
                if rv == CKR.OK:
                    finish(api, session, "C_Encrypt")
            else:
                rv = ck.fn.C_DigestInit(session, ctypes.byref(mechanism.struct))
                if rv == CKR.OK:
                    finish(api, session, "C_Digest")
            expect_code(checks, tc_id, what, f"{call}({mechanism})", rv,
                        (CKR.MECHANISM_INVALID,), clause)


def _mechanism_param_invalid(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ck = api.ck
    allowed = (CKR.MECHANISM_PARAM_INVALID, CKR.ARGUMENTS_BAD)
    clause = f"{BASE} 5.1.6 (CKR_MECHANISM_PARAM_INVALID; CKR_ARGUMENTS_BAD, the generic code)"
    probes = [
        ("cbc-iv-8", "AES-CBC with an 8-byte IV", Mechanism(CKM.AES_CBC, bytes(8)),
         f"{MECHANISMS} (CKM_AES_CBC: a 16-byte IV)"),
        ("ctr-counter-bits-0", "AES-CTR counting 0 bits",
         Mechanism(CKM.AES_CTR, ctr_params(bytes(16), 0)),
         f"{MECHANISMS} (CK_AES_CTR_PARAMS: 0 < ulCounterBits <= 128)"),
        ("gcm-iv-0", "AES-GCM with an empty IV", Mechanism(CKM.AES_GCM, gcm_params(b"", b"")),
         f"{MECHANISMS} (CK_GCM_PARAMS: ulIvLen at least 1); NIST SP 800-38D 5.2.1.1"),
        ("gcm-tag-129", "AES-GCM with a 129-bit tag",
         Mechanism(CKM.AES_GCM, gcm_params(bytes(12), b"", 129)),
         f"{MECHANISMS} (CK_GCM_PARAMS: ulTagBits 0..128)"),
    ]
    if not is_v3(ck.version):  # 3.0 lets ulIvLen reach 2^32 - 1
        probes.append(("gcm-iv-257", "AES-GCM with a 257-byte IV",
                       Mechanism(CKM.AES_GCM, gcm_params(bytes(257), b"")),
                       f"{MECHANISMS} (CK_GCM_PARAMS: ulIvLen 1..256 in 2.40)"))
    with api.session() as session:
        key = create_aes(api, session, KEY)
        for tc_id, what, mechanism, rule in probes:
            if mechanism.type not in api.mechanism_infos:
                continue
            rv = ck.fn.C_EncryptInit(session, ctypes.byref(mechanism.struct), key)
            if rv == CKR.OK:
                finish(api, session, "C_Encrypt")
            expect_code(checks, tc_id, what, f"C_EncryptInit({mechanism})", rv, allowed,
                        f"{rule}; {clause}")


def _buffer_too_small(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ck, fn = api.ck, api.ck.fn
    data = bytes(range(32))
    encryptor = Cipher(algorithms.AES(KEY), modes.ECB()).encryptor()
    expected_ct = encryptor.update(data) + encryptor.finalize()
    with api.session() as session:
        key = create_aes(api, session, KEY)
        ecb = Mechanism(CKM.AES_ECB)
        sha256 = Mechanism(CKM.SHA256)
        runs = [("encrypt", "C_Encrypt(CKM_AES_ECB, 32 bytes)", expected_ct,
                 lambda: fn.C_EncryptInit(session, ctypes.byref(ecb.struct), key),
                 lambda out, size: fn.C_Encrypt(session, data, len(data), out, size))]
        if CKM.SHA256 in api.mechanism_infos:
            runs.append(("digest", "C_Digest(CKM_SHA256, 32 bytes)", hashlib.sha256(data).digest(),
                         lambda: fn.C_DigestInit(session, ctypes.byref(sha256.struct)),
                         lambda out, size: fn.C_Digest(session, data, len(data), out, size)))
        for tc_id, call, expected, init, run in runs:
            ck.check(call, init())
            size = CK_ULONG(0)
            rv = run(None, ctypes.byref(size))
            expect_true(checks, f"{tc_id}-query", f"{call} with a NULL output buffer",
                        rv == CKR.OK and size.value == len(expected),
                        f"CKR_OK and the length {len(expected)}: {TWO_CALLS}",
                        f"{call} returned {rv:#x}, length {size.value}", call)
            small = ctypes.create_string_buffer(len(expected) // 2)
            size = CK_ULONG(len(expected) // 2)
            rv = run(small, ctypes.byref(size))
            expect_code(checks, f"{tc_id}-small", f"{call} into a buffer half the size", call,
                        rv, (CKR.BUFFER_TOO_SMALL,), TWO_CALLS)
            expect_true(checks, f"{tc_id}-small-length", f"{call}: the length it reports",
                        size.value == len(expected), f"the length {len(expected)}: {TWO_CALLS}",
                        f"{size.value}", call)
            out = ctypes.create_string_buffer(len(expected))
            size = CK_ULONG(len(expected))
            rv = run(out, ctypes.byref(size))
            expect_true(checks, f"{tc_id}-full", f"{call} again into a large enough buffer: the "
                        "operation is still active", rv == CKR.OK and out.raw == expected,
                        f"CKR_OK and the right output: {TWO_CALLS}",
                        f"{call} returned {rv:#x}, {out.raw[: size.value].hex()}", call)
        label = unique_label("buffer")
        labelled = create_aes(api, session, KEY, label=label)
        rv, _, length = read_attribute(api, session, labelled, CKA.LABEL, size=4)
        expect_code(checks, "attribute-small", "CKA_LABEL into a 4-byte buffer",
                    "C_GetAttributeValue(CKA_LABEL)", rv, (CKR.BUFFER_TOO_SMALL,),
                    f"{BASE} 5.7.5 (C_GetAttributeValue, case 5)")
        expect_true(checks, "attribute-small-length", "CKA_LABEL into a 4-byte buffer: "
                    "ulValueLen", length == CK_UNAVAILABLE_INFORMATION,
                    f"CK_UNAVAILABLE_INFORMATION: {BASE} 5.7.5 (C_GetAttributeValue, case 5)",
                    f"{length}", "C_GetAttributeValue(CKA_LABEL)")
        listed = ck.mechanisms(api.slot)
        count = CK_ULONG(1)
        array = (CK_ULONG * 1)()
        rv = fn.C_GetMechanismList(api.slot, array, ctypes.byref(count))
        expect_code(checks, "mechanism-list-small", "C_GetMechanismList with room for one",
                    "C_GetMechanismList", rv, (CKR.BUFFER_TOO_SMALL,),
                    f"{BASE} 5.5.5 (C_GetMechanismList); {TWO_CALLS}")
        expect_true(checks, "mechanism-list-count", "C_GetMechanismList: the count it reports",
                    count.value == len(listed), f"{len(listed)} mechanisms", f"{count.value}",
                    "C_GetMechanismList")


def _aead_tag(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ck = api.ck
    allowed = (CKR.ENCRYPTED_DATA_INVALID,)
    clause = f"{BASE} 5.9.2 (C_Decrypt), 5.1.6 (CKR_ENCRYPTED_DATA_INVALID)"
    if is_v3(ck.version):
        allowed += (CKR.AEAD_DECRYPT_FAILED,)
        clause += "; 3.0 adds CKR_AEAD_DECRYPT_FAILED"
    iv, aad = bytes(12), b"certkit"
    with api.session() as session:
        key = create_aes(api, session, KEY)
        sealed = ck.encrypt(session, Mechanism(CKM.AES_GCM, gcm_params(iv, aad)), key,
                            b"sixteen byte msg", 32)
        for tc_id, what, data in (
                ("tag", "the tag's last bit flipped", sealed[:-1] + bytes([sealed[-1] ^ 1])),
                ("ciphertext", "the ciphertext's first bit flipped",
                 bytes([sealed[0] ^ 0x80]) + sealed[1:])):
            try:
                plain = ck.decrypt(session, Mechanism(CKM.AES_GCM, gcm_params(iv, aad)), key,
                                   data, 16)
                rv = CKR.OK
            except CryptokiError as exc:
                rv, plain = exc.rv, b""
            expect_code(checks, tc_id, f"AES-GCM decryption with {what}",
                        "C_Decrypt(CKM_AES_GCM)", rv, allowed, clause)
            expect_true(checks, f"{tc_id}-output", f"AES-GCM decryption with {what}: output",
                        not plain, "no plaintext", plain.hex(), "C_Decrypt(CKM_AES_GCM)")


REQUIRES = frozenset({"PKCS11-API", "AES-ECB"})


def cases() -> Iterator[Case]:
    yield Case("pkcs11_api.errors.arguments-bad",
               "NULL pointers where a function needs one give CKR_ARGUMENTS_BAD", "pkcs11_api",
               REQUIRES, (ARGUMENTS_BAD,), _arguments_bad)
    yield Case("pkcs11_api.errors.data-len-range",
               "Data that is not whole blocks gives CKR_DATA_LEN_RANGE and "
               "CKR_ENCRYPTED_DATA_LEN_RANGE", "pkcs11_api", REQUIRES,
               (f"{BASE} 5.8.2, 5.8.4, 5.9.2", MECHANISMS), _data_len_range)
    yield Case("pkcs11_api.errors.key-handle-invalid",
               "An invalid or destroyed handle gives CKR_KEY_HANDLE_INVALID and "
               "CKR_OBJECT_HANDLE_INVALID", "pkcs11_api", REQUIRES,
               (f"{BASE} 5.8.1, 5.9.1, 5.7.5",), _key_handle_invalid)
    yield Case("pkcs11_api.errors.mechanism-invalid",
               "An unlisted mechanism, or one used for another function, gives "
               "CKR_MECHANISM_INVALID", "pkcs11_api", REQUIRES, (f"{BASE} 5.1.6, 5.5.6",),
               _mechanism_invalid)
    yield Case("pkcs11_api.errors.mechanism-param-invalid",
               "Mechanism parameters out of their specified range give "
               "CKR_MECHANISM_PARAM_INVALID", "pkcs11_api", REQUIRES,
               (f"{BASE} 5.1.6", MECHANISMS), _mechanism_param_invalid)
    yield Case("pkcs11_api.errors.buffer-too-small",
               "The two-call convention: NULL gives the length, a short buffer "
               "CKR_BUFFER_TOO_SMALL, and the operation stays active", "pkcs11_api",
               REQUIRES, (TWO_CALLS, f"{BASE} 5.5.5, 5.7.5"), _buffer_too_small)
    yield Case("pkcs11_api.errors.aead-tag",
               "AES-GCM decryption of an altered message gives CKR_ENCRYPTED_DATA_INVALID "
               "and no plaintext", "pkcs11_api", frozenset({"PKCS11-API", "AES-GCM"}),
               (f"{BASE} 5.9.2, 5.1.6", "NIST SP 800-38D 7.2"), _aead_tag)
