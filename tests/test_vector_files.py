"""The committed vector files: loadable, sourced, agreed, and right about their expected values.

Every file goes through `certkit.vectors.VectorStore` (manifest digest and schema). Expected
values are re-checked here against OpenSSL (`hashlib`, `cryptography`), Tongsuo where OpenSSL
through Python lacks the mode (SM4-CCM, GCM IVs under 8 bytes), and certkit's reference SM2 and
ZUC. The generators must reproduce their files byte for byte (`--check`); the two slow ones
(SM3 over megabytes with pure-Python gmssl, a million SM4 encryptions) are left to a maintainer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.decrepit.ciphers import modes as decrepit_modes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from certkit.reference import sm2, zuc
from certkit.vectors import (
    AeadVector,
    CipherVector,
    DigestVector,
    KeystreamVector,
    MacVector,
    MonteCarloVector,
    Result,
    Sm2EncryptionVector,
    Sm2SignatureVector,
    VectorSet,
    VectorStore,
)

REPO = Path(__file__).resolve().parent.parent
ROOT = REPO / "vectors"
GENERATORS = REPO / "scripts" / "vectors"

FILES = [
    "sm3/gbt32905.json", "sm3/lengths.json", "sm3/large.json",
    "hmac_sm3/keys.json",
    "sm4/gbt32907_ecb.json", "sm4/gbt32907_monte_carlo.json",
    "sm4/ecb.json", "sm4/cbc.json", "sm4/ctr.json", "sm4/ofb.json", "sm4/cfb.json",
    "sm4/ctr_counter_wrap.json", "sm4/gcm.json", "sm4/ccm.json",
    "zuc/keystream.json",
    "sm2/sign_gbt32918.json", "sm2/encrypt_gbt32918.json", "sm2/sign_keys.json",
    "sm2/encrypt_keys.json", "sm2/verify_range.json", "sm2/decrypt_integrity.json",
]  # fmt: skip


@pytest.fixture(scope="module")
def store() -> VectorStore:
    return VectorStore(ROOT)


def _raw(path: str) -> dict[str, Any]:
    return json.loads((ROOT / path).read_text(encoding="ascii"))


def _load(store: VectorStore, path: str, kind: type) -> VectorSet:
    vector_set = store.load(path)
    assert all(isinstance(test, kind) for test in vector_set), path
    return vector_set


# --- Structure ---------------------------------------------------------------------------------


def test_every_vector_file_is_listed_and_matches_the_manifest(store: VectorStore) -> None:
    assert store.verify_all() == []
    assert set(FILES) <= set(store.listed_files())


@pytest.mark.parametrize("path", FILES)
def test_file_loads_through_schema_and_manifest(store: VectorStore, path: str) -> None:
    vector_set = store.load(path)
    assert len(vector_set) == _raw(path)["numberOfTests"] > 0


@pytest.mark.parametrize("path", FILES)
def test_every_group_names_its_source(path: str) -> None:
    document = _raw(path)
    for group in document["testGroups"]:
        source = group["source"]
        assert source["document"].strip()
        assert source.get("clause") or source.get("url")
        if source["document"] == "certkit generated":
            script = Path(document["generator"]["script"]).name
            assert script in source["method"], "a generated group says how it was made"


@pytest.mark.parametrize("path", FILES)
def test_generated_vectors_name_two_agreeing_implementations(path: str) -> None:
    document = _raw(path)
    generated = any(group["source"]["document"] == "certkit generated"
                    for group in document["testGroups"])
    if generated:
        agreed_by = document["generator"]["agreedBy"]
        assert len(set(agreed_by)) >= 2
        assert (REPO / document["generator"]["script"]).is_file()


@pytest.mark.parametrize("path", FILES)
def test_every_flag_is_explained(path: str) -> None:
    document = _raw(path)
    used = {flag for group in document["testGroups"] for test in group["tests"]
            for flag in test["flags"]}
    assert used <= set(document.get("notes", {}))


# --- Expected values against independent implementations ---------------------------------------


@pytest.mark.parametrize("path", ["sm3/gbt32905.json", "sm3/lengths.json"])
def test_sm3_digests_match_openssl(store: VectorStore, path: str) -> None:
    for test in _load(store, path, DigestVector):
        assert hashlib.new("sm3", test.msg).digest() == test.md, test.tc_id


def test_large_sm3_message_expands_and_matches_openssl(store: VectorStore) -> None:
    first = _load(store, "sm3/large.json", DigestVector).tests[0]
    assert len(first.msg) == 1 << 20
    assert hashlib.new("sm3", first.msg).digest() == first.md


def test_hmac_sm3_tags_match_openssl(store: VectorStore) -> None:
    for test in _load(store, "hmac_sm3/keys.json", MacVector):
        assert hmac.new(test.key, test.msg, "sm3").digest() == test.tag, test.tc_id


_CRYPTOGRAPHY_MODES: dict[str, Callable[[bytes], modes.Mode]] = {
    "ecb": lambda iv: modes.ECB(),
    "cbc": modes.CBC,
    "ctr": modes.CTR,
    "ofb": decrepit_modes.OFB,
    "cfb": decrepit_modes.CFB,
}


@pytest.mark.parametrize(
    ("path", "mode"),
    [("sm4/gbt32907_ecb.json", "ecb"), ("sm4/ctr_counter_wrap.json", "ctr")]
    + [(f"sm4/{mode}.json", mode) for mode in _CRYPTOGRAPHY_MODES],
)
def test_sm4_mode_vectors_match_openssl_both_ways(store: VectorStore, path: str,
                                                  mode: str) -> None:
    for test in _load(store, path, CipherVector):
        cipher = Cipher(algorithms.SM4(test.key), _CRYPTOGRAPHY_MODES[mode](test.iv))
        encryptor, decryptor = cipher.encryptor(), cipher.decryptor()
        assert encryptor.update(test.msg) + encryptor.finalize() == test.ct, test.tc_id
        assert decryptor.update(test.ct) + decryptor.finalize() == test.msg, test.tc_id


def test_ctr_wrap_vectors_differ_from_a_32_bit_counter(store: VectorStore) -> None:
    """A device that increments only the low 32 bits must fail every Counter64/128 vector."""
    for test in _load(store, "sm4/ctr_counter_wrap.json", CipherVector):
        if not {"Counter64Wrap", "Counter128Wrap"} & set(test.flags):
            continue
        high, low = test.iv[:12], int.from_bytes(test.iv[12:], "big")
        encryptor = Cipher(algorithms.SM4(test.key), modes.ECB()).encryptor()
        blocks = [high + ((low + i) % (1 << 32)).to_bytes(4, "big")
                  for i in range((len(test.msg) + 15) // 16)]
        stream = encryptor.update(b"".join(blocks))
        wrong = bytes(a ^ b for a, b in zip(test.msg, stream, strict=False))
        assert wrong != test.ct, test.tc_id


def test_sm4_monte_carlo_matches_openssl(store: VectorStore) -> None:
    (test,) = _load(store, "sm4/gbt32907_monte_carlo.json", MonteCarloVector)
    encryptor = Cipher(algorithms.SM4(test.key), modes.ECB()).encryptor()
    block = test.msg
    for _ in range(test.iterations):
        block = encryptor.update(block)
    assert block == test.ct


def _tongsuo_open(mode: str, test: AeadVector) -> bytes:
    from tongsuopy.backends.tongsuo import aead
    from tongsuopy.backends.tongsuo.backend import backend
    from tongsuopy.crypto.ciphers.aead import SM4CCM, SM4GCM

    cipher = SM4GCM(test.key) if mode == "gcm" else SM4CCM(test.key, len(test.tag))
    # The backend call, because tongsuopy's SM4GCM refuses IVs under 8 bytes.
    return aead._decrypt(backend, cipher, test.iv, test.ct + test.tag, [test.aad], len(test.tag))


def _cryptography_open_gcm(test: AeadVector) -> bytes:
    decryptor = Cipher(algorithms.SM4(test.key), modes.GCM(test.iv, test.tag)).decryptor()
    decryptor.authenticate_additional_data(test.aad)
    return decryptor.update(test.ct) + decryptor.finalize()


@pytest.mark.parametrize("mode", ["gcm", "ccm"])
def test_sm4_aead_vectors_open_or_are_refused(store: VectorStore, mode: str) -> None:
    from tongsuopy.crypto.exceptions import InvalidTag as TongsuoInvalidTag

    checked = 0
    for test in _load(store, f"sm4/{mode}.json", AeadVector):
        use_openssl = mode == "gcm" and len(test.iv) >= 8
        open_vector = (lambda t=test: _cryptography_open_gcm(t)) if use_openssl else (
            lambda t=test: _tongsuo_open(mode, t))
        if test.result is Result.VALID:
            assert open_vector() == test.msg, test.tc_id
        else:
            with pytest.raises((InvalidTag, TongsuoInvalidTag)):
                open_vector()
        checked += 1
    assert checked == len(store.load(f"sm4/{mode}.json"))


def test_zuc_keystreams_match_the_reference(store: VectorStore) -> None:
    for test in _load(store, "zuc/keystream.json", KeystreamVector):
        assert zuc.keystream(test.key, test.iv, len(test.keystream) // 4) == test.keystream


@pytest.mark.parametrize("path", ["sm2/sign_gbt32918.json", "sm2/sign_keys.json",
                                  "sm2/verify_range.json"])
def test_sm2_signatures_verify_as_their_result_says(store: VectorStore, path: str) -> None:
    for test in _load(store, path, Sm2SignatureVector):
        expected = test.result is Result.VALID
        assert sm2.verify(test.public_key, test.msg, test.uid, test.sig) is expected, test.tc_id
        if test.private_key:
            d = int.from_bytes(test.private_key, "big")
            assert sm2.public_key_from_private(d) == test.public_key, test.tc_id


def test_sm2_annex_a_signature_is_reproduced_with_the_annex_nonce(store: VectorStore) -> None:
    (test,) = _load(store, "sm2/sign_gbt32918.json", Sm2SignatureVector)
    k = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
    assert sm2.sign(int.from_bytes(test.private_key, "big"), test.msg, test.uid, k) == test.sig


@pytest.mark.parametrize("path", ["sm2/encrypt_gbt32918.json", "sm2/encrypt_keys.json",
                                  "sm2/decrypt_integrity.json"])
def test_sm2_ciphertexts_decrypt_or_are_refused(store: VectorStore, path: str) -> None:
    for test in _load(store, path, Sm2EncryptionVector):
        d = int.from_bytes(test.private_key, "big")
        if test.result is Result.VALID:
            assert sm2.decrypt(d, test.ct) == test.msg, test.tc_id
        else:
            with pytest.raises(ValueError):
                sm2.decrypt(d, test.ct)


def test_special_sm2_keys_have_their_flagged_property(store: VectorStore) -> None:
    properties = {
        "PublicXLeadingZero": lambda q: q[1] == 0x00,
        "PublicYLeadingZero": lambda q: q[33] == 0x00,
        "PublicXBegins04": lambda q: q[1] == 0x04,
        "PublicXBegins40": lambda q: q[1] == 0x40,
    }
    seen = set()
    for path in ("sm2/sign_keys.json", "sm2/encrypt_keys.json"):
        for test in store.load(path):
            for flag in set(test.flags) & set(properties):
                assert properties[flag](test.public_key), (path, test.tc_id)
                seen.add(flag)
    assert seen == set(properties)


# --- Reproducibility ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "only"),
    [
        ("gen_sm3.py", ["sm3/gbt32905.json", "sm3/lengths.json"]),
        ("gen_hmac_sm3.py", []),
        ("gen_sm4.py", [path for path in FILES if path.startswith("sm4/")
                        and path != "sm4/gbt32907_monte_carlo.json"]),
        ("gen_zuc.py", []),
        ("gen_sm2.py", []),
    ],
)
def test_generators_reproduce_the_committed_files(script: str, only: list[str]) -> None:
    args = [arg for path in only for arg in ("--only", path)]
    done = subprocess.run([sys.executable, str(GENERATORS / script), "--check", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
