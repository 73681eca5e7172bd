"""`kat-international`: AES, SHA-1/SHA-2, HMAC-SHA-256, ECDSA P-256 and RSA-2048 known
answers; and the `kat` suite's cases for imported upstream files.

The committed files come from `scripts/vectors/gen_international.py`. Signing is randomised
(ECDSA, PSS) or needs a key the device may refuse to import, so signing cases use generated
keys and `cryptography` (OpenSSL) verifies what the device signed. A suite of its own, so
that profiles for SM-only devices (`smoke`, `standard`) are not filled with cases they can
never apply. Files a user imports with `certkit vectors import` land under
`upstream/<source>/` in a vectors folder; each becomes a `kat` case
(`kat.wycheproof.aes-gcm`, ...) when `certkit run --vectors` names that folder.

ECDSA and RSA files use the `signature` record (publicKey, privateKey, msg, sig);
there is no RSA verification capability name, so RSA verification cases require the
signing name (a token that signs with a mechanism verifies with it too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import PurePosixPath

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from certkit.cases import Case, SuiteContext
from certkit.checks import Checks, Probe
from certkit.device import Device
from certkit.vectors import (
    AeadVector,
    CipherVector,
    DigestVector,
    MacVector,
    Result,
    SignatureVector,
    VectorSet,
)

from .common import answer, only_valid

AES = "FIPS 197"
MODES = "NIST SP 800-38A"
GCM = "NIST SP 800-38D"
SHS = "FIPS 180-4"
HMAC = ("FIPS 198-1", "RFC 2104")
ECDSA = "FIPS 186-5 6.4 (ECDSA)"
PKCS1 = "RFC 8017 8.2 (RSASSA-PKCS1-v1_5)"
PSS = "RFC 8017 8.1 (RSASSA-PSS)"
PAIRWISE = "GM/T 0028-2014 7.10.3 (pair-wise consistency)"
SUITE = "kat-international"
REFERENCE = "cryptography (OpenSSL)"
UPSTREAM = "upstream/"
# A signature algorithm's capability names: (verify, sign, generate). RSA verification has
# no name of its own in the vocabulary; it rides on the signing name.
SIGNATURES = {
    "ECDSA-P256": ("ECDSA-P256-VERIFY", "ECDSA-P256-SIGN", "ECDSA-P256-GENERATE"),
    "RSA-2048-PKCS1": ("RSA-2048-PKCS1-SIGN", "RSA-2048-PKCS1-SIGN", "RSA-2048-GENERATE"),
    "RSA-2048-PSS": ("RSA-2048-PSS-SIGN", "RSA-2048-PSS-SIGN", "RSA-2048-GENERATE"),
}


# -- digests and MACs ---------------------------------------------------------------------------


def _digest_case(ctx: SuiteContext, algorithm: str) -> Case:
    name = algorithm.lower().replace("-", "")
    case_id = f"{SUITE}.{algorithm.lower()}.vectors"
    vectors = only_valid(ctx.vectors.load(f"sha2/{name}.json"), case_id)

    def run(device: Device, checks: Checks) -> None:
        for vector in vectors:
            assert isinstance(vector, DigestVector)
            checks.equal(vector, vector.md, answer(device.digest, algorithm, vector.msg),
                         "digest")

    return Case(case_id, f"{algorithm}: the standard's examples and every length to two blocks",
                SUITE, frozenset({algorithm}), (SHS,), run)


def _mac_run(vector_sets: list[VectorSet], algorithm: str) -> Callable[[Device, Checks], None]:
    """Tags compared on their published length (a truncated tag is a prefix of the HMAC);
    an invalid vector's tag must differ from what the device computes."""

    def run(device: Device, checks: Checks) -> None:
        for vectors in vector_sets:
            for vector in vectors:
                assert isinstance(vector, MacVector)
                got = answer(device.mac, algorithm, vector.key, vector.msg)
                if isinstance(got, bytes):
                    got = got[: len(vector.tag)]
                if vector.result is Result.INVALID:
                    checks.holds(vector, isinstance(got, bytes) and got != vector.tag,
                                 "a tag other than the altered one", got, "mac")
                else:
                    checks.equal(vector, vector.tag, got, "mac")

    return run


# -- AES ----------------------------------------------------------------------------------------


def _cipher_run(vector_sets: list[VectorSet], algorithm: str
                ) -> Callable[[Device, Checks], None]:
    """Valid vectors encrypt to their ciphertext and decrypt back (unpadded modes)."""

    def run(device: Device, checks: Checks) -> None:
        for vectors in vector_sets:
            for vector in vectors:
                assert isinstance(vector, CipherVector)
                if vector.result is not Result.VALID:
                    continue
                got = answer(device.encrypt, algorithm, vector.key, vector.msg, iv=vector.iv,
                             aad=b"")
                checks.equal(vector, vector.ct, got, "encrypt")
                got = answer(device.decrypt, algorithm, vector.key, vector.ct, iv=vector.iv,
                             aad=b"")
                checks.equal(vector, vector.msg, got, "decrypt")

    return run


def _cipher_case(ctx: SuiteContext, case_id: str, algorithm: str, title: str, path: str,
                 clauses: tuple[str, ...]) -> Case:
    vectors = only_valid(ctx.vectors.load(path), case_id)
    return Case(case_id, title, SUITE, frozenset({algorithm}), clauses,
                _cipher_run([vectors], algorithm))


# -- AES-GCM ------------------------------------------------------------------------------------


def _aead_run(vector_sets: list[VectorSet], algorithm: str, *, valid: bool
              ) -> Callable[[Device, Checks], None]:
    """Valid vectors: encrypt and decrypt both give the published bytes. Invalid ones: an
    altered tag, ciphertext or AAD is refused as AuthFailed; an IV or nonce the mode does
    not allow is refused (BadParameter or AuthFailed) on both sides."""

    def run(device: Device, checks: Checks) -> None:
        for vectors in vector_sets:
            for vector in vectors:
                assert isinstance(vector, AeadVector)
                if (vector.result is Result.VALID) is not valid:
                    continue
                sealed = vector.ct + vector.tag
                decrypted = answer(device.decrypt, algorithm, vector.key, sealed, iv=vector.iv,
                                   aad=vector.aad)
                if valid:
                    got = answer(device.encrypt, algorithm, vector.key, vector.msg,
                                 iv=vector.iv, aad=vector.aad)
                    checks.equal(vector, sealed, got, "encrypt")
                    checks.equal(vector, vector.msg, decrypted, "decrypt")
                elif _altered(vector):
                    checks.refused(vector, decrypted, "decrypt", "NIST SP 800-38D 7.2")
                else:
                    got = answer(device.encrypt, algorithm, vector.key, vector.msg,
                                 iv=vector.iv, aad=vector.aad)
                    for what, outcome in (("encrypt", got), ("decrypt", decrypted)):
                        checks.refused(vector, outcome, what, "NIST SP 800-38D 5.2.1.1")

    return run


def _altered(vector: AeadVector) -> bool:
    return any(flag.startswith("Modified") for flag in vector.flags) or not vector.flags


# -- signatures ---------------------------------------------------------------------------------


def _verify_run(vector_sets: list[VectorSet], algorithm: str) -> Callable[[Device, Checks], None]:
    def run(device: Device, checks: Checks) -> None:
        for vectors in vector_sets:
            for vector in vectors:
                assert isinstance(vector, SignatureVector)
                got = answer(device.verify, algorithm, vector.public_key, vector.msg,
                             vector.sig, user_id=b"")
                if vector.result is Result.ACCEPTABLE:
                    checks.holds(vector, isinstance(got, bool), "True or False", got, "verify")
                else:
                    checks.equal(vector, vector.result is Result.VALID, got, "verify")

    return run


def reference_verifies(algorithm: str, public_key: bytes, message: bytes,
                       signature: object) -> bool:
    """Whether OpenSSL (through cryptography) accepts a device's signature."""
    if not isinstance(signature, bytes):
        return False
    try:
        if algorithm == "ECDSA-P256":
            if len(signature) != 64:
                return False
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key)
            der = utils.encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                             int.from_bytes(signature[32:], "big"))
            key.verify(der, message, ec.ECDSA(hashes.SHA256()))
            return True
        loaded = serialization.load_der_public_key(public_key)
        assert isinstance(loaded, rsa.RSAPublicKey)
        chosen = (padding.PSS(padding.MGF1(hashes.SHA256()), 32) if algorithm == "RSA-2048-PSS"
                  else padding.PKCS1v15())
        loaded.verify(signature, message, chosen, hashes.SHA256())
        return True
    except (InvalidSignature, ValueError):
        return False


def _generate_case(algorithm: str, count: int, clauses: tuple[str, ...]) -> Case:
    _, sign, generate = SIGNATURES[algorithm]
    messages = (b"", b"certkit pair-wise consistency", bytes(range(256)) * 4)

    def run(device: Device, checks: Checks) -> None:
        for number in range(1, count + 1):
            handle = device.generate_key(algorithm)
            probe = Probe(number, f"generated {algorithm} key", {"publicKey": handle.public_key})
            checks.holds(probe, _well_formed(algorithm, handle.public_key),
                         "a well-formed public key" + (" on P-256" if "ECDSA" in algorithm
                                                       else " with a 2048-bit modulus"),
                         handle.public_key, "public key")
            for message in messages:
                signature = answer(device.sign, handle, message, user_id=b"")
                sample = Probe(number, f"generated key {number}, {len(message)}-byte message",
                               {"publicKey": handle.public_key, "msg": message})
                checks.holds(sample, reference_verifies(algorithm, handle.public_key, message,
                                                        signature),
                             f"a signature that {REFERENCE} verifies", signature, "sign")
                if isinstance(signature, bytes):
                    checks.equal(sample, True, answer(device.verify, algorithm,
                                                      handle.public_key, message, signature,
                                                      user_id=b""), "verify own signature")
            answer(device.destroy_key, handle)

    case_id = f"{SUITE}.{algorithm.lower()}.generate"
    return Case(case_id, f"{algorithm}: generated keys sign what {REFERENCE} verifies",
                SUITE, frozenset({generate, sign}), (*clauses, PAIRWISE), run)


def _well_formed(algorithm: str, public_key: bytes) -> bool:
    try:
        if algorithm == "ECDSA-P256":
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key)
            return len(public_key) == 65
        loaded = serialization.load_der_public_key(public_key)
        return isinstance(loaded, rsa.RSAPublicKey) and loaded.key_size == 2048
    except ValueError:
        return False


def _nonce_case() -> Case:
    """ECDSA's r is x(kG) mod n: two signatures with one r share k, which gives d away
    (d = (s2 k - e2) / r with k = (e1 - e2) / (s1 - s2)). RFC 6979 signers repeat a signature
    for a repeated message, which reveals nothing; any other repeat of r is a finding."""
    messages = [b"same message"] * 8 + [b"message %d" % number for number in range(8)]

    def run(device: Device, checks: Checks) -> None:
        handle = device.generate_key("ECDSA-P256")
        seen: dict[bytes, tuple[int, bytes, bytes]] = {}
        for number, message in enumerate(messages, start=1):
            signature = answer(device.sign, handle, message, user_id=b"")
            probe = Probe(f"signature-{number}", f"signature {number} of {len(messages)}",
                          {"msg": message,
                           "sig": signature if isinstance(signature, bytes) else b""})
            if not isinstance(signature, bytes) or len(signature) != 64:
                checks.equal(probe, "a 64-byte signature", signature, "sign")
                continue
            r = signature[:32]
            earlier = seen.get(r)
            fresh = earlier is None or (earlier[1] == message and earlier[2] == signature)
            checks.holds(probe, fresh, "an r never seen before (a fresh nonce)",
                         f"the r of signature {earlier[0] if earlier else '-'} again: "
                         "the nonce was reused and the private key can be computed", "nonce")
            seen.setdefault(r, (number, message, signature))
        answer(device.destroy_key, handle)

    return Case(f"{SUITE}.ecdsa-p256.nonces",
                "ECDSA P-256: no nonce is used twice (no r repeats across signatures)", SUITE,
                frozenset({"ECDSA-P256-GENERATE", "ECDSA-P256-SIGN"}),
                (ECDSA, "GB/T 37092-2018 7.9.2"), run)


# -- upstream files imported by `certkit vectors import` ----------------------------------------


def _upstream_case(vectors: VectorSet) -> Case | None:
    """A case for one imported file, by its kind and certkit algorithm name."""
    path = PurePosixPath(vectors.path)
    source = path.parts[1] if len(path.parts) > 2 else "upstream"
    stem = path.stem.removesuffix("_test").replace("_", "-")
    case_id = f"kat.{source}.{stem}"  # the kat suite's: SM files come this way too
    title = f"{vectors.algorithm}: {source} {path.name} (imported)"
    algorithm = vectors.algorithm
    clauses = (f"{source} {path.name}",)
    if vectors.kind == "cipher":
        return Case(case_id, title, "kat", frozenset({algorithm}), clauses,
                    _cipher_run([vectors], algorithm))
    if vectors.kind == "aead":
        def run_aead(device: Device, checks: Checks) -> None:
            _aead_run([vectors], algorithm, valid=True)(device, checks)
            _aead_run([vectors], algorithm, valid=False)(device, checks)

        return Case(case_id, title, "kat", frozenset({algorithm}), clauses, run_aead)
    if vectors.kind == "mac":
        return Case(case_id, title, "kat", frozenset({algorithm}), clauses,
                    _mac_run([vectors], algorithm))
    if vectors.kind == "digest":
        def run_digest(device: Device, checks: Checks) -> None:
            for vector in vectors:
                assert isinstance(vector, DigestVector)
                checks.equal(vector, vector.md, answer(device.digest, algorithm, vector.msg),
                             "digest")

        return Case(case_id, title, "kat", frozenset({algorithm}), clauses, run_digest)
    if vectors.kind == "signature" and algorithm in SIGNATURES:
        return Case(case_id, title, "kat", frozenset({SIGNATURES[algorithm][0]}), clauses,
                    _verify_run([vectors], algorithm))
    return None


def upstream_cases(ctx: SuiteContext) -> Iterator[Case]:
    """The `kat` suite's cases for files imported into the vectors folder (none ship)."""
    for path in ctx.vectors.listed_files():
        if path.startswith(UPSTREAM):
            case = _upstream_case(ctx.vectors.load(path))
            if case is not None:
                yield case


# -- the cases ----------------------------------------------------------------------------------


def cases(ctx: SuiteContext) -> Iterator[Case]:
    load = ctx.vectors.load
    for mode in ("ecb", "cbc", "ctr"):
        algorithm = f"AES-{mode.upper()}"
        yield _cipher_case(ctx, f"{SUITE}.aes-{mode}.vectors", algorithm,
                           f"{algorithm}: FIPS 197 and SP 800-38A examples, generated vectors",
                           f"aes/{mode}.json", (AES, MODES))
    yield _cipher_case(ctx, f"{SUITE}.aes-ctr.counter-wrap", "AES-CTR",
                       "AES-CTR: counters crossing the 2^32, 2^64, 2^96 and 2^128 boundaries",
                       "aes/ctr_counter_wrap.json", (f"{MODES} B.1",))
    gcm = [load("aes/gcm.json")]
    yield Case(f"{SUITE}.aes-gcm.vectors", "AES-GCM: the GCM paper's test cases, generated vectors",
               SUITE, frozenset({"AES-GCM"}), (AES, GCM), _aead_run(gcm, "AES-GCM", valid=True))
    yield Case(f"{SUITE}.aes-gcm.tag-check",
               "AES-GCM: an altered tag, ciphertext or AAD is refused as an authentication "
               "failure", SUITE, frozenset({"AES-GCM"}), (f"{GCM} 7.2",),
               _aead_run(gcm, "AES-GCM", valid=False))
    for algorithm in ("SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512"):
        yield _digest_case(ctx, algorithm)
    rfc4231 = only_valid(load("hmac_sha256/rfc4231.json"), f"{SUITE}.hmac-sha256.rfc4231")
    yield Case(f"{SUITE}.hmac-sha256.rfc4231", "HMAC-SHA-256: RFC 4231 test cases 1-7", SUITE,
               frozenset({"HMAC-SHA-256"}), ("RFC 4231 4.2-4.8", *HMAC),
               _mac_run([rfc4231], "HMAC-SHA-256"))
    keys = only_valid(load("hmac_sha256/keys.json"), f"{SUITE}.hmac-sha256.keys")
    yield Case(f"{SUITE}.hmac-sha256.keys",
               "HMAC-SHA-256: keys shorter than, equal to and longer than the 64-byte block",
               SUITE, frozenset({"HMAC-SHA-256"}), HMAC, _mac_run([keys], "HMAC-SHA-256"))
    for algorithm, path, title, clauses in (
            ("ECDSA-P256", "ecdsa_p256/verify.json",
             "ECDSA P-256: verify RFC 6979 and generated signatures; reject altered, re-keyed "
             "and out-of-range ones", (ECDSA, "RFC 6979 A.2.5")),
            ("RSA-2048-PKCS1", "rsa2048/pkcs1_verify.json",
             "RSA-2048 PKCS#1 v1.5: verify generated signatures; reject altered ones",
             (PKCS1,)),
            ("RSA-2048-PSS", "rsa2048/pss_verify.json",
             "RSA-2048 PSS: verify generated signatures; reject altered ones", (PSS,))):
        case_id = f"{SUITE}.{algorithm.lower()}.verify"
        yield Case(case_id, title, SUITE, frozenset({SIGNATURES[algorithm][0]}), clauses,
                   _verify_run([load(path)], algorithm))
    count = int(ctx.params.get("generated_keys", 3))
    yield _generate_case("ECDSA-P256", count, (ECDSA,))
    yield _generate_case("RSA-2048-PKCS1", max(1, count // 3), (PKCS1,))
    yield _generate_case("RSA-2048-PSS", max(1, count // 3), (PSS,))
    yield _nonce_case()
