"""Roles and authentication: what needs C_Login, a wrong PIN, and what C_Logout leaves behind.

These cases log the whole application out (C_Logout acts on every session
of the application), so the device's own cached objects die; the driver
forgets them and logs in again after each case. The wrong-PIN case makes
exactly one failed attempt, and none when the token says the next failure
would be its last (CKF_USER_PIN_FINAL_TRY) or the PIN is locked.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator

from certkit.cases import Case
from certkit.checks import Checks
from certkit.device import Device
from certkit.drivers.pkcs11.api import pkcs11_api
from certkit.drivers.pkcs11.cryptoki import (
    CK_SESSION_INFO,
    CK_ULONG,
    CKA,
    CKF_RW_SESSION,
    CKF_USER_PIN_FINAL_TRY,
    CKF_USER_PIN_LOCKED,
    CKM,
    CKO_DATA,
    CKR,
    CKS_RW_PUBLIC_SESSION,
    CKS_RW_USER_FUNCTIONS,
    Mechanism,
)
from certkit.errors import Denied

from .common import (
    BASE,
    DEFERRED,
    GMT0028,
    code_of,
    expect_code,
    expect_true,
    find,
    finish,
    generate_aes,
    read_attribute,
    token_objects,
    unique_label,
)

ROLES = f"{GMT0028} 7.4 (roles, services and authentication)"
REQUIRES = frozenset({"PKCS11-API"})
# The handle no longer works; which of these codes a token should give is
# judged once, by pkcs11_api.errors.key-handle-invalid.
HANDLE_REFUSED = (CKR.KEY_HANDLE_INVALID, CKR.USER_NOT_LOGGED_IN, CKR.OBJECT_HANDLE_INVALID)


def _login_required(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ck = api.ck
    with api.session() as owner, token_objects(api, owner, unique_label("private")) as label:
        generate_aes(api, owner, token=True, private=True, label=label)
        with api.logged_out(), api.session() as session:
            state = ck.session_state(session)
            expect_true(checks, "session-state", "a R/W session before C_Login",
                        state == CKS_RW_PUBLIC_SESSION, "CKS_RW_PUBLIC_SESSION (2): "
                        f"{BASE} 5.6.4 (C_GetSessionInfo)", f"state {state}", "C_GetSessionInfo")
            rv, _ = code_of(lambda: ck.create_object(session, [
                (CKA.CLASS, CKO_DATA), (CKA.TOKEN, False), (CKA.PRIVATE, True),
                (CKA.LABEL, unique_label("data")), (CKA.VALUE, b"certkit")]))
            expect_code(checks, "create-private", "a private data object, not logged in",
                        "C_CreateObject(CKO_DATA, CKA_PRIVATE=TRUE)", rv,
                        (CKR.USER_NOT_LOGGED_IN,), f"{BASE} 5.7.1 (C_CreateObject)")
            rv, _ = code_of(lambda: generate_aes(api, session, private=True))
            expect_code(checks, "generate-private", "a private AES key, not logged in",
                        "C_GenerateKey(CKM_AES_KEY_GEN, CKA_PRIVATE=TRUE)", rv,
                        (CKR.USER_NOT_LOGGED_IN,), f"{BASE} 5.14.1 (C_GenerateKey), 4.4")
            found = find(api, session, label)
            expect_true(checks, "find-private", "a private token object, not logged in",
                        not found, f"no object found: {BASE} 4.4 (CKA_PRIVATE)",
                        f"C_FindObjects found {len(found)}", "C_FindObjects")


def _logout_invalidates(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ck = api.ck
    with api.session() as owner, token_objects(api, owner, unique_label("logout")) as label:
        key = generate_aes(api, owner, token=True, private=True, label=label)
        ecb = Mechanism(CKM.AES_ECB)
        rv, _ = code_of(lambda: ck.encrypt(owner, ecb, key, bytes(16), 16))
        expect_code(checks, "before-logout", "the private key works while logged in",
                    "C_EncryptInit/C_Encrypt(CKM_AES_ECB)", rv, (CKR.OK,),
                    f"{BASE} 5.8.1 (C_EncryptInit)")
        with api.logged_out() as logout_rv:
            expect_code(checks, "logout", "logging the user out", "C_Logout", logout_rv,
                        (CKR.OK,), f"{BASE} 5.6.8 (C_Logout)")
            rv = ck.fn.C_EncryptInit(owner, ctypes.byref(ecb.struct), key)
            expect_code(checks, "use-after-logout", "the private key's handle after C_Logout",
                        "C_EncryptInit(CKM_AES_ECB, old handle)", rv, HANDLE_REFUSED,
                        f"{BASE} 5.6.8 (C_Logout: handles to private objects become invalid); "
                        f"{DEFERRED}")
            if rv == CKR.OK:
                finish(api, owner, "C_Encrypt")
            rv, _, _ = read_attribute(api, owner, key, CKA.LABEL)
            expect_code(checks, "read-after-logout", "the private key's attributes after "
                        "C_Logout", "C_GetAttributeValue(old handle, CKA_LABEL)", rv,
                        (CKR.OBJECT_HANDLE_INVALID,), f"{BASE} 5.6.8 (C_Logout)")
        rv, value, _ = read_attribute(api, owner, key, CKA.LABEL)
        expect_true(checks, "after-login-again", "the old handle after logging in again",
                    rv != CKR.OK or value != label, "the old handle still invalid (or naming "
                    f"another object): {BASE} 5.6.8 (C_Logout)",
                    f"C_GetAttributeValue returned the key's label, {value!r}",
                    "C_GetAttributeValue")


def _logout_twice(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    with api.logged_out(), api.session() as session:
        rv = api.ck.logout(session)
        expect_code(checks, "logout-not-logged-in", "C_Logout with nobody logged in",
                    "C_Logout", rv, (CKR.USER_NOT_LOGGED_IN,),
                    f"{BASE} 5.6.8 (C_Logout) and 5.1.6 (CKR_USER_NOT_LOGGED_IN: 'a session "
                    "cannot be logged out unless it is logged in')")


def _wrong_pin(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ck = api.ck
    flags = ck.token_info(api.slot).flags
    if flags & (CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED):
        raise Denied("the user PIN is locked or on its final try; a wrong attempt could lock "
                     "the token, so the case does not make one")
    with api.logged_out(), api.session() as session:
        rv = api.login_with_wrong_pin(session)
        expect_code(checks, "wrong-pin", "C_Login as the user with a wrong PIN of the right "
                    "length", "C_Login(CKU_USER, wrong PIN)", rv, (CKR.PIN_INCORRECT,),
                    f"{BASE} 5.6.7 (C_Login); {ROLES}")
        state = ck.session_state(session)
        expect_true(checks, "state-after-wrong-pin", "the session after the failed login",
                    state == CKS_RW_PUBLIC_SESSION, "still CKS_RW_PUBLIC_SESSION (2)",
                    f"state {state}", "C_GetSessionInfo")
        rv = api.login(session)
        expect_code(checks, "right-pin", "C_Login with the right PIN after a wrong one",
                    "C_Login(CKU_USER, PIN)", rv, (CKR.OK,), f"{BASE} 5.6.7 (C_Login)")
        rv = api.login(session)
        expect_code(checks, "login-twice", "C_Login while the user is logged in",
                    "C_Login(CKU_USER, PIN)", rv, (CKR.USER_ALREADY_LOGGED_IN,),
                    f"{BASE} 5.6.7 (C_Login)")
        state = ck.session_state(session)
        expect_true(checks, "state-after-login", "the session after the login",
                    state == CKS_RW_USER_FUNCTIONS, "CKS_RW_USER_FUNCTIONS (3)",
                    f"state {state}", "C_GetSessionInfo")


def _session_handles(device: Device, checks: Checks) -> None:
    """A handle that names no open session, a closed one, and a session asked for without
    CKF_SERIAL_SESSION (2.40 base 5.6.1: "must always be set")."""
    api = pkcs11_api(device)
    fn, slot = api.ck.fn, api.slot
    info = CK_SESSION_INFO()
    with api.session() as open_one:
        closed = open_one
    for tc_id, comment, handle in (("invalid", "a handle no session was given (0x7ffffff0)",
                                    0x7FFFFFF0),
                                   ("closed", "the handle of a session just closed", closed)):
        rv = fn.C_GetSessionInfo(handle, ctypes.byref(info))
        expect_code(checks, tc_id, comment, "C_GetSessionInfo", rv,
                    (CKR.SESSION_HANDLE_INVALID,), f"{BASE} 5.6.5 (C_GetSessionInfo)")
    handle = CK_ULONG()
    rv = fn.C_OpenSession(slot, CKF_RW_SESSION, None, None, ctypes.byref(handle))
    if rv == CKR.OK:
        api.ck.close_session(handle.value)
    expect_code(checks, "not-serial", "C_OpenSession without CKF_SERIAL_SESSION",
                "C_OpenSession", rv, (CKR.SESSION_PARALLEL_NOT_SUPPORTED,),
                f"{BASE} 5.6.1 (C_OpenSession)")


def cases() -> Iterator[Case]:
    yield Case("pkcs11_api.sessions.handles",
               "Invalid and closed session handles are refused; every session is serial",
               "pkcs11_api", frozenset({"PKCS11-API"}),
               (f"{BASE} 5.6.1 (C_OpenSession)", f"{BASE} 5.6.5 (C_GetSessionInfo)"),
               _session_handles)
    yield Case("pkcs11_api.login.required",
               "Private objects cannot be made or seen before C_Login", "pkcs11_api",
               REQUIRES, (f"{BASE} 4.4, 5.7.1, 5.14.1", ROLES), _login_required)
    yield Case("pkcs11_api.logout.handles",
               "After C_Logout, handles to private objects are invalid", "pkcs11_api",
               REQUIRES | {"AES-ECB"}, (f"{BASE} 5.6.8", ROLES), _logout_invalidates)
    yield Case("pkcs11_api.logout.not-logged-in",
               "C_Logout with nobody logged in answers CKR_USER_NOT_LOGGED_IN", "pkcs11_api",
               REQUIRES, (f"{BASE} 5.6.8, 5.1.6",), _logout_twice)
    yield Case("pkcs11_api.login.wrong-pin",
               "A wrong PIN gives CKR_PIN_INCORRECT and no login; a second login is refused",
               "pkcs11_api", REQUIRES, (f"{BASE} 5.6.7", ROLES), _wrong_pin)

