"""Nonce hygiene: an SM2 nonce used twice gives the private key away.

For a signature (r, s) of digest e, x1 = (r - e) mod n is the x-coordinate
of kG, so two signatures with the same x1 used the same nonce k (up to its
sign). Two such signatures that differ solve for d:
d = (s2 - s1) / (s1 - s2 + r1 - r2) mod n. A module that signs the same
message twice with a deterministic nonce gives the same signature twice,
which reveals nothing, and is not a finding. An SM2 ciphertext whose C1
repeats under one public key reused k, and the XOR of the two C2 is the XOR
of the two plaintexts.
"""

from __future__ import annotations

from collections.abc import Iterator

from certkit.cases import Case, SuiteContext
from certkit.checks import Checks, Probe
from certkit.device import Device
from certkit.reference import sm2
from certkit.suites.kat.common import answer

CLAUSES = ("GB/T 32918.2-2016 (k random per signature)", "GB/T 32918.4-2016 (k random per "
           "encryption)", "GB/T 37092-2018 7.9.2")
PRIVATE_KEY = bytes.fromhex("5a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff0")
USER_ID = b"certkit nonce check"
SAME_MESSAGE_SIGNATURES = 8
DIFFERENT_MESSAGES = 8
ENCRYPTIONS = 8


def recover_private_key(r1: int, s1: int, r2: int, s2: int) -> int | None:
    """d from two signatures that share a nonce, or None when the pair determines nothing."""
    denominator = (s1 - s2 + r1 - r2) % sm2.N
    if denominator == 0:
        return None
    return (s2 - s1) * pow(denominator, -1, sm2.N) % sm2.N


def _sign_run(device: Device, checks: Checks) -> None:
    handle = device.import_key("SM2", PRIVATE_KEY)
    messages = [b"same message"] * SAME_MESSAGE_SIGNATURES
    messages += [b"message %d" % i for i in range(DIFFERENT_MESSAGES)]
    seen: dict[int, tuple[int, bytes, bytes]] = {}  # x1 -> (number, message, signature)
    for number, message in enumerate(messages, start=1):
        signature = answer(device.sign, handle, message, user_id=USER_ID)
        probe = Probe(f"signature-{number}", f"signature {number} of {len(messages)}",
                      {"msg": message, "sig": signature if isinstance(signature, bytes) else b""})
        if not isinstance(signature, bytes) or len(signature) != 64:
            checks.equal(probe, "a 64-byte signature", signature, "sign")
            continue
        e = sm2.message_digest(USER_ID, handle.public_key, message)
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        x1 = (r - e) % sm2.N
        earlier = seen.setdefault(x1, (number, message, signature))
        # The same signature of the same message again is deterministic signing, not reuse.
        fresh = earlier[0] == number or earlier[1:] == (message, signature)
        checks.holds(probe, fresh, "a nonce never used before",
                     "" if fresh else _reuse_finding(earlier, r, s, x1),
                     "nonce")
    answer(device.destroy_key, handle)


def _reuse_finding(earlier: tuple[int, bytes, bytes], r: int, s: int, x1: int) -> str:
    """Name the earlier signature that shared the nonce and what the pair gives away."""
    number, _, signature = earlier
    r1, s1 = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    d = recover_private_key(r1, s1, r, s)
    recovered = d is not None and d == int.from_bytes(PRIVATE_KEY, "big")
    return (f"the nonce of signature {number} again (x1 = {x1:064x}); private key "
            f"{'recovered' if recovered else 'exposed'} from the pair")


def _encrypt_run(device: Device, checks: Checks) -> None:
    public_key = sm2.public_key_from_private(int.from_bytes(PRIVATE_KEY, "big"))
    seen: dict[bytes, int] = {}
    for number in range(1, ENCRYPTIONS + 1):
        ciphertext = answer(device.public_encrypt, "SM2", public_key, b"same plaintext")
        probe = Probe(f"encryption-{number}", f"encryption {number} of {ENCRYPTIONS}",
                      {"ct": ciphertext if isinstance(ciphertext, bytes) else b""})
        if not isinstance(ciphertext, bytes) or len(ciphertext) < 98:
            checks.equal(probe, "a ciphertext", ciphertext, "encrypt")
            continue
        c1 = ciphertext[:65]
        checks.holds(probe, c1 not in seen, "a C1 never seen before",
                     f"the C1 of encryption {seen.get(c1)} again: k was reused", "nonce")
        seen.setdefault(c1, number)


def cases(ctx: SuiteContext) -> Iterator[Case]:
    yield Case("conformance.sm2-sign.nonces",
               "SM2 sign: no nonce is used twice (no (r - e) mod n repeats across signatures)",
               "conformance", frozenset({"SM2-IMPORT", "SM2-SIGN"}), CLAUSES, _sign_run)
    yield Case("conformance.sm2-encrypt.nonces", "SM2 encrypt: C1 never repeats",
               "conformance", frozenset({"SM2-ENCRYPT"}), CLAUSES, _encrypt_run)
