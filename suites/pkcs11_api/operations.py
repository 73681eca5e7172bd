"""The life of a cryptographic operation: what ends it, what may not interrupt it, and what a
function may write.

PKCS#11 2.40 base 5.8.2 (C_Encrypt) and 5.9.2 (C_Decrypt): a call "always terminates the
active operation unless it returns CKR_BUFFER_TOO_SMALL or is a successful call to determine
the length of the buffer needed"; and a single-part call "cannot be used to terminate a
multi-part operation". An output buffer is the caller's: every one certkit hands a token
has canary bytes behind it (`cryptoki.output_buffer`), and a token that writes into them
fails, whatever it answered.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator

from certkit.cases import Case
from certkit.checks import Checks, Probe
from certkit.device import Device
from certkit.drivers.pkcs11.api import Pkcs11Api, pkcs11_api
from certkit.drivers.pkcs11.cryptoki import (
    CK_ULONG,
    CKM,
    CKR,
    Mechanism,
    OutputOverrun,
    rv_name,
)

from .common import BASE, create_aes, expect_code, finish

KEY = bytes(range(16, 32))
ENCRYPT = f"{BASE} 5.8.2 (C_Encrypt)"
DECRYPT = f"{BASE} 5.9.2 (C_Decrypt)"


def _one_shot(api: Pkcs11Api, call: str, session: int, data: bytes) -> int:
    """The code of one single-part call with room to spare (the output is not judged here;
    `output-bounds` judges what a function writes)."""
    out = ctypes.create_string_buffer(4096)
    size = CK_ULONG(4096)
    return getattr(api.ck.fn, call)(session, data, len(data), out, ctypes.byref(size))


def _error_ends(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ecb = Mechanism(CKM.AES_ECB)
    with api.session() as session:
        key = create_aes(api, session, KEY)
        for init, call, clause in (("C_EncryptInit", "C_Encrypt", ENCRYPT),
                                   ("C_DecryptInit", "C_Decrypt", DECRYPT)):
            api.ck.check(init, getattr(api.ck.fn, init)(session, ctypes.byref(ecb.struct), key))
            rv = _one_shot(api, call, session, bytes(15))  # not whole blocks: an error
            if rv in (CKR.OK, CKR.BUFFER_TOO_SMALL):
                finish(api, session, call)
                checks.holds(Probe(f"{call}-15", f"{call} of 15 bytes under CKM_AES_ECB"),
                             False, "an error (the data is not whole blocks)", rv_name(rv), call,
                             clause)
                continue
            again = _one_shot(api, call, session, bytes(16))
            if again not in (CKR.OK, CKR.OPERATION_NOT_INITIALIZED):
                finish(api, session, call)  # still active (CKR_OK would have ended it)
            expect_code(checks, f"{call}-after-error", f"{call} again after it failed with "
                        f"{rv_name(rv)}: the failure ended the operation", f"{call}", again,
                        (CKR.OPERATION_NOT_INITIALIZED,), clause)


def _one_shot_in_multipart(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ecb = Mechanism(CKM.AES_ECB)
    fn = api.ck.fn
    with api.session() as session:
        key = create_aes(api, session, KEY)
        api.ck.check("C_EncryptInit", fn.C_EncryptInit(session, ctypes.byref(ecb.struct), key))
        out = ctypes.create_string_buffer(64)
        size = CK_ULONG(64)
        api.ck.check("C_EncryptUpdate", fn.C_EncryptUpdate(session, bytes(16), 16, out,
                                                           ctypes.byref(size)))
        rv = _one_shot(api, "C_Encrypt", session, bytes(16))
        checks.holds(Probe("encrypt-in-multipart", "C_Encrypt between C_EncryptUpdate and "
                           "C_EncryptFinal"), rv != CKR.OK,
                     f"an error: a single-part call cannot end a multi-part operation: "
                     f"{ENCRYPT}", f"C_Encrypt returned {rv_name(rv)}", "C_Encrypt", ENCRYPT)
        final = ctypes.create_string_buffer(64)
        size = CK_ULONG(64)
        fn.C_EncryptFinal(session, final, ctypes.byref(size))  # end whatever is left


def _output_bounds(device: Device, checks: Checks) -> None:
    api = pkcs11_api(device)
    ecb = Mechanism(CKM.AES_ECB)
    with api.session() as session:
        key = create_aes(api, session, KEY)
        for size in (16, 64):
            probe = Probe(f"encrypt-{size}", f"C_Encrypt of {size} bytes into a buffer of "
                          f"exactly {size} bytes, canary bytes behind it")
            overrun: OutputOverrun | None = None
            try:
                api.ck.encrypt(session, ecb, key, bytes(size), size)
            except OutputOverrun as found:
                overrun = found
            checks.holds(probe, overrun is None, "nothing written past the buffer",
                         str(overrun), "C_Encrypt", f"{BASE} 5.2")


# Where a hash's padding or a block boundary falls: 55/56 bytes end SHA-256's padding in one
# block or spill it into the next, 63/64/65 cross the 64-byte block.
SPLITS = (0, 1, 15, 16, 17, 55, 56, 63, 64, 65, 100)
MESSAGE = bytes((7 * i + 3) % 256 for i in range(130))


def _incremental_digest(device: Device, checks: Checks) -> None:
    """C_DigestInit, C_DigestUpdate twice (split at each boundary), C_DigestFinal: the
    answer of C_Digest over the whole message (2.40 base 5.10)."""
    api = pkcs11_api(device)
    fn = api.ck.fn
    sha256 = Mechanism(CKM.SHA256)
    with api.session() as session:
        whole = api.ck.digest(session, sha256, MESSAGE, 32)
        for split in SPLITS:
            api.ck.check("C_DigestInit", fn.C_DigestInit(session, ctypes.byref(sha256.struct)))
            for part in (MESSAGE[:split], MESSAGE[split:]):
                api.ck.check("C_DigestUpdate", fn.C_DigestUpdate(session, part, len(part)))
            out = ctypes.create_string_buffer(64)
            size = CK_ULONG(64)
            api.ck.check("C_DigestFinal", fn.C_DigestFinal(session, out, ctypes.byref(size)))
            checks.equal(Probe(f"split-{split}", f"SHA-256 of {len(MESSAGE)} bytes in two "
                               f"updates split at {split}", {"msg": MESSAGE}),
                         whole, out.raw[:size.value], "C_DigestUpdate", f"{BASE} 5.10")


def cases() -> Iterator[Case]:
    requires = frozenset({"PKCS11-API", "AES-ECB"})
    yield Case("pkcs11_api.operations.error-ends",
               "A failed C_Encrypt or C_Decrypt ends its operation", "pkcs11_api", requires,
               (ENCRYPT, DECRYPT), _error_ends)
    yield Case("pkcs11_api.operations.one-shot-in-multipart",
               "C_Encrypt cannot end a multi-part encryption", "pkcs11_api", requires,
               (ENCRYPT,), _one_shot_in_multipart)
    yield Case("pkcs11_api.operations.output-bounds",
               "No function writes past the output buffer it is given", "pkcs11_api",
               requires, (f"{BASE} 5.2",), _output_bounds)
    yield Case("pkcs11_api.operations.incremental-digest",
               "A digest in two parts, split at every block boundary, equals the one-shot",
               "pkcs11_api", frozenset({"PKCS11-API", "SHA-256"}), (f"{BASE} 5.10",),
               _incremental_digest)
