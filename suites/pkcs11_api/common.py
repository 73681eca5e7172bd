"""What the `pkcs11_api` cases share: judging return values, and making probe objects.

A check names the call, what the specification allows (every allowed code,
with the clause), and what the token returned. Where the specification
allows several codes the check says "either is allowed"; a code it does not
allow fails the check and is reported as it came.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from certkit.checks import Checks, Probe
from certkit.drivers.pkcs11.api import Pkcs11Api
from certkit.drivers.pkcs11.cryptoki import (
    CK_ATTRIBUTE,
    CK_ULONG,
    CKA,
    CKK_AES,
    CKM,
    CKO_SECRET_KEY,
    CKR,
    CryptokiError,
    Mechanism,
    Template,
    rv_name,
)

BASE = "PKCS#11 2.40 base"
MECHANISMS = "PKCS#11 2.40 current mechanisms"
GMT0028 = "GM/T 0028-2014"
LABEL_PREFIX = b"certkit-pkcs11-api-"
DEFERRED = ("here the handle must only not work; which code it gives is judged by "
            "pkcs11_api.errors.key-handle-invalid")


def expect_code(checks: Checks, tc_id: str, comment: str, call: str, rv: int,
                allowed: Sequence[int], clause: str) -> bool:
    """Check that `call` returned one of the `allowed` codes."""
    names = " or ".join(rv_name(code) for code in allowed)
    if len(allowed) > 1:
        names += " (either is allowed)"
    return checks.holds(Probe(tc_id, comment), rv in allowed, f"{names}: {clause}",
                        f"{call} returned {rv_name(rv)}", call)


def expect_true(checks: Checks, tc_id: str, comment: str, condition: bool, expected: str,
                got: object, check: str) -> bool:
    return checks.holds(Probe(tc_id, comment), condition, expected, got, check)


def code_of(call: Callable[[], Any]) -> tuple[int, Any]:
    """(CKR_OK, the value), or (the code, None) when a typed call raised."""
    try:
        return CKR.OK, call()
    except CryptokiError as exc:
        return exc.rv, None


def unique_label(what: str) -> bytes:
    return LABEL_PREFIX + what.encode() + b"-" + os.urandom(4).hex().encode()


def secret_key_template(*, value: bytes | None = None, token: bool = False,
                        private: bool = True, sensitive: bool = True,
                        extractable: bool = False, label: bytes = b"",
                        wrap: bool = False) -> Template:
    template: list[tuple[int, bool | int | bytes]] = [
        (CKA.CLASS, CKO_SECRET_KEY), (CKA.KEY_TYPE, CKK_AES), (CKA.TOKEN, token),
        (CKA.PRIVATE, private), (CKA.SENSITIVE, sensitive), (CKA.EXTRACTABLE, extractable),
        (CKA.ENCRYPT, True), (CKA.DECRYPT, True), (CKA.WRAP, wrap), (CKA.UNWRAP, wrap),
    ]
    if label:
        template.append((CKA.LABEL, label))
    if value is not None:
        template.append((CKA.VALUE, value))
    else:
        template.append((CKA.VALUE_LEN, 16))
    return template


def generate_aes(api: Pkcs11Api, session: int, **attributes: Any) -> int:
    """A 128-bit AES key made by the token (C_GenerateKey, CKM_AES_KEY_GEN)."""
    template = [item for item in secret_key_template(**attributes) if item[0] != CKA.CLASS]
    return api.ck.generate_key(session, Mechanism(CKM.AES_KEY_GEN), template)


def create_aes(api: Pkcs11Api, session: int, value: bytes, **attributes: Any) -> int:
    """A 128-bit AES key with a known value (C_CreateObject)."""
    return api.ck.create_object(session, secret_key_template(value=value, **attributes))


def find(api: Pkcs11Api, session: int, label: bytes) -> list[int]:
    return api.ck.find_objects(session, [(CKA.LABEL, label)])


def destroy_all(api: Pkcs11Api, session: int, label: bytes) -> None:
    """Remove every object labelled `label` (token objects a case made)."""
    for handle in find(api, session, label):
        api.ck.destroy_object(session, handle)


def attribute_length(api: Pkcs11Api, session: int, handle: int, kind: int) -> tuple[int, int]:
    """C_GetAttributeValue with a NULL value: (the code, ulValueLen as returned)."""
    attr = CK_ATTRIBUTE(kind, None, 0)
    rv = api.ck.fn.C_GetAttributeValue(session, handle, ctypes.byref(attr), 1)
    return rv, attr.ulValueLen


def read_attribute(api: Pkcs11Api, session: int, handle: int, kind: int,
                   size: int = 256) -> tuple[int, bytes, int]:
    """C_GetAttributeValue into a `size`-byte buffer: (code, value, ulValueLen as returned)."""
    buffer = ctypes.create_string_buffer(max(size, 1))
    attr = CK_ATTRIBUTE(kind, ctypes.addressof(buffer) if size else None, size)
    rv = api.ck.fn.C_GetAttributeValue(session, handle, ctypes.byref(attr), 1)
    length = attr.ulValueLen
    return rv, buffer.raw[: min(length, size)] if rv == CKR.OK else b"", length


def finish(api: Pkcs11Api, session: int, call: str, data: bytes = bytes(16)) -> None:
    """End an operation the token started when the case expected a refusal: one single-part
    call (`C_Encrypt`, `C_Decrypt` or `C_Digest`) whose answer does not matter, so the next
    check does not meet CKR_OPERATION_ACTIVE."""
    out = ctypes.create_string_buffer(4096)
    size = CK_ULONG(4096)
    getattr(api.ck.fn, call)(session, data, len(data), out, ctypes.byref(size))


@contextmanager
def token_objects(api: Pkcs11Api, session: int, label: bytes) -> Iterator[bytes]:
    """Yield `label`; on exit destroy whatever still carries it (logged in as the user)."""
    try:
        yield label
    finally:
        destroy_all(api, session, label)


def is_v3(version: str) -> bool:
    """Whether a Cryptoki version string ("2.40", "3.0") is 3.0 or later, compared as numbers."""
    return int(version.split(".")[0]) >= 3
