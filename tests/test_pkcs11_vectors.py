"""The international vector files and the importers (`certkit vectors import`).

The committed files are re-checked here against OpenSSL through `cryptography`, hashlib and
hmac; their generator must reproduce them. The importers run on the Wycheproof files in
tests/data/wycheproof and on CAVP and ACVP files written here in those formats (their
expected values computed with OpenSSL, since the point is the parsing).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from certkit import importers
from certkit.errors import VectorError
from certkit.suites.kat.international import reference_verifies
from certkit.vectors import (
    AeadVector,
    CipherVector,
    DigestVector,
    MacVector,
    Result,
    SignatureVector,
    VectorStore,
)
from helpers import REPO, TEST_DATA, run_cli

WYCHEPROOF = TEST_DATA / "wycheproof"
FILES = ["aes/ecb.json", "aes/cbc.json", "aes/ctr.json", "aes/ctr_counter_wrap.json",
         "aes/gcm.json", "sha2/sha1.json", "sha2/sha224.json", "sha2/sha256.json",
         "sha2/sha384.json", "sha2/sha512.json", "hmac_sha256/rfc4231.json",
         "hmac_sha256/keys.json", "ecdsa_p256/verify.json", "rsa2048/pkcs1_verify.json",
         "rsa2048/pss_verify.json"]
SIGNATURE_ALGORITHMS = {"ecdsa_p256/verify.json": "ECDSA-P256",
                        "rsa2048/pkcs1_verify.json": "RSA-2048-PKCS1",
                        "rsa2048/pss_verify.json": "RSA-2048-PSS"}


@pytest.fixture(scope="module")
def store() -> VectorStore:
    return VectorStore(REPO / "vectors")


# -- the committed international files ----------------------------------------------------------


@pytest.mark.parametrize("path", FILES)
def test_each_file_loads_and_names_its_sources(store: VectorStore, path: str) -> None:
    vectors = store.load(path)
    document = json.loads((REPO / "vectors" / path).read_text())
    assert len(vectors) == document["numberOfTests"] > 0
    assert len(set(document["generator"]["agreedBy"])) >= 2
    for group in document["testGroups"]:
        source = group["source"]
        assert source["document"] and (source.get("clause") or source.get("url"))
        if source["document"] == "certkit generated":
            assert "gen_international.py" in source["method"]
        else:
            assert "checks each against" in source["method"] or "checks that" in source["method"]
    used = {flag for test in vectors for flag in test.flags}
    assert used <= set(document.get("notes", {}))


def _cipher(algorithm: str, key: bytes, iv: bytes, data: bytes) -> bytes:
    mode = {"AES-ECB": lambda: modes.ECB(), "AES-CBC": lambda: modes.CBC(iv),
            "AES-CTR": lambda: modes.CTR(iv)}[algorithm]()
    encryptor = Cipher(algorithms.AES(key), mode).encryptor()
    return encryptor.update(data) + encryptor.finalize()


@pytest.mark.parametrize("path", ["aes/ecb.json", "aes/cbc.json", "aes/ctr.json",
                                  "aes/ctr_counter_wrap.json"])
def test_aes_ciphertexts_match_openssl(store: VectorStore, path: str) -> None:
    vectors = store.load(path)
    for test in vectors:
        assert isinstance(test, CipherVector)
        assert _cipher(vectors.algorithm, test.key, test.iv, test.msg) == test.ct, test.tc_id


def test_aes_gcm_answers_match_openssl(store: VectorStore) -> None:
    for test in store.load("aes/gcm.json"):
        assert isinstance(test, AeadVector)
        if test.result is Result.VALID:
            assert AESGCM(test.key).encrypt(test.iv, test.msg, test.aad) == test.ct + test.tag
        else:
            with pytest.raises(InvalidTag):
                AESGCM(test.key).decrypt(test.iv, test.ct + test.tag, test.aad)


@pytest.mark.parametrize("name", ["sha1", "sha224", "sha256", "sha384", "sha512"])
def test_digests_match_hashlib(store: VectorStore, name: str) -> None:
    vectors = store.load(f"sha2/{name}.json")
    assert any(len(test.msg) == 1_000_000 for test in vectors)  # msgRepeat expanded
    for test in vectors:
        assert isinstance(test, DigestVector)
        assert hashlib.new(name, test.msg).digest() == test.md, test.tc_id


@pytest.mark.parametrize("path", ["hmac_sha256/rfc4231.json", "hmac_sha256/keys.json"])
def test_hmac_tags_match_python_hmac(store: VectorStore, path: str) -> None:
    for test in store.load(path):
        assert isinstance(test, MacVector)
        tag = hmac.new(test.key, test.msg, "sha256").digest()
        assert tag[: len(test.tag)] == test.tag, test.tc_id


@pytest.mark.parametrize("path", sorted(SIGNATURE_ALGORITHMS))
def test_signature_verdicts_match_openssl(store: VectorStore, path: str) -> None:
    algorithm = SIGNATURE_ALGORITHMS[path]
    vectors = store.load(path)
    assert {test.result for test in vectors} == {Result.VALID, Result.INVALID}
    for test in vectors:
        assert isinstance(test, SignatureVector)
        verdict = reference_verifies(algorithm, test.public_key, test.msg, test.sig)
        assert verdict is (test.result is Result.VALID), test.tc_id


def test_the_generator_reproduces_every_file() -> None:
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "vectors" /
                                               "gen_international.py"), "--check"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("reproduces") == len(FILES)


# -- strict DER ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("der", "expected"), [
    ("3006020101020102", (1, 2)),
    ("300702020080020102", (128, 2)),
    ("3081060201010201 02", None),  # long-form length where the short form fits
    ("30060201ff020102", None),  # negative r
    ("3007020200010201 02", None),  # a needless leading zero
    ("300602010102010200", None),  # trailing byte
    ("3006020101030102", None),  # s is not an INTEGER
])
def test_only_strict_der_signatures_convert(der: str, expected: tuple[int, int] | None) -> None:
    assert importers.strict_der_signature(bytes.fromhex(der.replace(" ", ""))) == expected


# -- Wycheproof ---------------------------------------------------------------------------------


def _raw(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _tests(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [test for group in document["testGroups"] for test in group["tests"]]


def test_the_wycheproof_checkout_imports_into_a_verified_folder(tmp_path: Path) -> None:
    imported, passed_over = importers.import_wycheproof_root(WYCHEPROOF)
    assert passed_over == {}
    names = {item.upstream.name for item in imported}
    assert names == {path.name for path in WYCHEPROOF.glob("*_test.json")}
    folder = importers.write_folder(tmp_path / "vectors", imported)
    store = VectorStore(folder)
    assert store.verify_all() == []
    for item in imported:
        loaded = store.load(item.relative)
        assert len(loaded) == item.kept
        assert all(source.url.endswith(item.upstream.name) and "SHA-256" in source.method
                   for source in loaded.sources())
        original = _tests(_raw(item.upstream))
        assert item.kept + sum(item.skipped.values()) == len(original)


def test_der_ecdsa_signatures_keep_every_valid_test_and_their_verdicts() -> None:
    item = importers.import_wycheproof(WYCHEPROOF / "ecdsa_secp256r1_sha256_test.json")
    original = {test["tcId"]: test for test in _tests(_raw(item.upstream))}
    kept = _tests(item.document)
    assert sum(test["result"] == "valid" for test in kept) == \
        sum(test["result"] == "valid" for test in original.values())
    for test in kept:
        assert test["result"] == original[test["tcId"]]["result"]
        verdict = reference_verifies("ECDSA-P256", bytes.fromhex(test["publicKey"]),
                                     bytes.fromhex(test["msg"]), bytes.fromhex(test["sig"]))
        assert verdict is (test["result"] == "valid"), test["tcId"]
    assert set(item.skipped) == {"signatures that are not strict DER, or with an integer over "
                                 "256 bits: not expressible as r || s"}


def test_cbc_pkcs5_keeps_valid_tests_with_the_padding_made_explicit() -> None:
    item = importers.import_wycheproof(WYCHEPROOF / "aes_cbc_pkcs5_test.json")
    for test in _tests(item.document):
        key, iv, msg, ct = (bytes.fromhex(test[name]) for name in ("key", "iv", "msg", "ct"))
        assert len(msg) % 16 == 0 and _cipher("AES-CBC", key, iv, msg) == ct
    assert sum(item.skipped.values()) == 144


def test_a_wycheproof_schema_without_an_importer_is_named(tmp_path: Path) -> None:
    path = tmp_path / "x25519_test.json"
    path.write_text(json.dumps({"schema": "xdh_comp_schema_v1.json", "testGroups": []}))
    with pytest.raises(VectorError, match=r"xdh_comp_schema_v1\.json has no certkit importer"):
        importers.import_wycheproof(path)


# -- CAVP ---------------------------------------------------------------------------------------


def _aes_ecb(key: bytes, data: bytes) -> bytes:
    return _cipher("AES-ECB", key, b"", data)


def _rfc6979_key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(
        0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721, ec.SECP256R1())


def _point(key: ec.EllipticCurvePrivateKey) -> tuple[str, str]:
    numbers = key.public_key().public_numbers()
    return f"{numbers.x:064x}", f"{numbers.y:064x}"


def _cavp_files(folder: Path) -> dict[str, Path]:
    key, block = bytes(16), bytes.fromhex("f34481ec3cc627bacd5dc3fb08f273e6")
    files = {
        "ECBGFSbox128.rsp": (
            "# CAVS 11.1\n# AESVS GFSbox test data for ECB\n\n[ENCRYPT]\n\nCOUNT = 0\n"
            f"KEY = {key.hex()}\nPLAINTEXT = {block.hex()}\n"
            f"CIPHERTEXT = {_aes_ecb(key, block).hex()}\n\n[DECRYPT]\n\nCOUNT = 0\n"
            f"KEY = {key.hex()}\nCIPHERTEXT = {_aes_ecb(key, block).hex()}\n"
            f"PLAINTEXT = {block.hex()}\n"),
        "SHA256ShortMsg.rsp": (
            "#  CAVS 11.0\n\n[L = 32]\n\nLen = 0\nMsg = 00\n"
            f"MD = {hashlib.sha256(b'').hexdigest()}\n\nLen = 8\nMsg = d3\n"
            f"MD = {hashlib.sha256(bytes.fromhex('d3')).hexdigest()}\n"),
        "HMAC.rsp": (
            "[L=20]\n\nCount = 0\nKlen = 10\nTlen = 10\nKey = 00\nMsg = 00\nMac = 00\n\n"
            "[L=32]\n\nCount = 30\nKlen = 40\nTlen = 16\n"
            f"Key = {'6f' * 40}\nMsg = {'5a' * 128}\n"
            f"Mac = {hmac.new(bytes([0x6F]) * 40, bytes([0x5A]) * 128, 'sha256').hexdigest()[:32]}"
            "\n"),
    }
    gcm_key, iv, aad = bytes(range(16)), bytes(12), b"certkit"
    sealed = AESGCM(gcm_key).encrypt(iv, b"sixteen byte msg", aad)
    files["gcmDecrypt128.rsp"] = (
        "[Keylen = 128]\n[IVlen = 96]\n[PTlen = 128]\n[AADlen = 56]\n[Taglen = 128]\n\n"
        f"Count = 0\nKey = {gcm_key.hex()}\nIV = {iv.hex()}\nCT = {sealed[:16].hex()}\n"
        f"AAD = {aad.hex()}\nTag = {sealed[16:].hex()}\nPT = {b'sixteen byte msg'.hex()}\n\n"
        f"Count = 1\nKey = {gcm_key.hex()}\nIV = {iv.hex()}\nCT = {sealed[:16].hex()}\n"
        f"AAD = {aad.hex()}\nTag = {'00' * 16}\nFAIL\n")
    signer = _rfc6979_key()
    der = signer.sign(b"sample", ec.ECDSA(hashes.SHA256()))
    r, s = utils.decode_dss_signature(der)
    qx, qy = _point(signer)
    files["SigVer.rsp"] = (
        "[P-224,SHA-224]\n\nMsg = 00\nQx = 00\nQy = 00\nR = 00\nS = 00\nResult = P (0 )\n\n"
        f"[P-256,SHA-256]\n\nMsg = {b'sample'.hex()}\nQx = {qx}\nQy = {qy}\nR = {r:064x}\n"
        f"S = {s:064x}\nResult = P (0 )\n\nMsg = {b'sample'.hex()}\nQx = {qx}\nQy = {qy}\n"
        f"R = {r:064x}\nS = {s ^ 1:064x}\nResult = F (3 - S changed)\n")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = rsa_key.public_key().public_numbers()
    signature = rsa_key.sign(b"message", padding.PKCS1v15(), hashes.SHA256())
    files["SigVer15_186-3.rsp"] = (
        f"[mod = 2048]\n\nn = {numbers.n:0512x}\n\nSHAAlg = SHA256\ne = {numbers.e:06x}\n"
        f"Msg = {b'message'.hex()}\nS = {signature.hex()}\nResult = P\n\nSHAAlg = SHA256\n"
        f"e = {numbers.e:06x}\nMsg = {b'massage'.hex()}\nS = {signature.hex()}\n"
        "Result = F (1 - Message changed)\n")
    paths = {}
    for name, text in files.items():
        paths[name] = folder / name
        paths[name].write_text(text)
    return paths


def test_cavp_response_files_import_with_their_sections(tmp_path: Path) -> None:
    paths = _cavp_files(tmp_path)
    imported = [importers.import_cavp(path) for path in paths.values()]
    store = VectorStore(importers.write_folder(tmp_path / "vectors", imported))
    assert store.verify_all() == []
    loaded = {item.upstream.name: store.load(item.relative) for item in imported}
    assert [len(loaded[name]) for name in paths] == [2, 2, 1, 2, 2, 2]
    ecb = loaded["ECBGFSbox128.rsp"]
    assert ecb.algorithm == "AES-ECB" and all(
        _aes_ecb(test.key, test.msg) == test.ct for test in ecb if isinstance(test, CipherVector))
    sha = list(loaded["SHA256ShortMsg.rsp"])
    assert isinstance(sha[0], DigestVector) and sha[0].msg == b"" and sha[1].msg == b"\xd3"
    (mac,) = loaded["HMAC.rsp"]
    assert isinstance(mac, MacVector) and len(mac.tag) == 16 and "Truncated" in mac.flags
    assert [test.result for test in loaded["gcmDecrypt128.rsp"]] == [Result.VALID,
                                                                      Result.INVALID]
    for name, algorithm in (("SigVer.rsp", "ECDSA-P256"),
                            ("SigVer15_186-3.rsp", "RSA-2048-PKCS1")):
        assert loaded[name].algorithm == algorithm
        for test in loaded[name]:
            assert isinstance(test, SignatureVector)
            assert reference_verifies(algorithm, test.public_key, test.msg, test.sig) is \
                (test.result is Result.VALID)
    assert imported[2].skipped and imported[4].skipped  # the L=20 and P-224 sections


def test_cavp_monte_carlo_files_are_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "ECBMCT128.rsp"
    path.write_text("[ENCRYPT]\n\nCOUNT = 0\nKEY = 00\nPLAINTEXT = 00\nCIPHERTEXT = 00\n")
    with pytest.raises(VectorError, match="Monte Carlo"):
        importers.import_cavp(path)


# -- ACVP ---------------------------------------------------------------------------------------


def _acvp(vector_set: dict[str, Any], folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text(json.dumps([{"acvVersion": "1.0"}, {"vsId": 42, **vector_set}]))
    return path


def test_acvp_vector_sets_import(tmp_path: Path) -> None:
    key, iv, aad = bytes(range(16)), bytes(12), b"aad"
    sealed = AESGCM(key).encrypt(iv, b"plaintext", aad)
    gcm = _acvp({"algorithm": "ACVP-AES-GCM", "testGroups": [
        {"tgId": 1, "direction": "encrypt", "tagLen": 128, "ivGen": "external", "tests": [
            {"tcId": 1, "key": key.hex(), "iv": iv.hex(), "aad": aad.hex(),
             "pt": b"plaintext".hex(), "ct": sealed[:-16].hex(), "tag": sealed[-16:].hex()}]},
        {"tgId": 2, "direction": "decrypt", "tagLen": 128, "ivGen": "external", "tests": [
            {"tcId": 2, "key": key.hex(), "iv": iv.hex(), "aad": aad.hex(),
             "ct": sealed[:-16].hex(), "tag": "00" * 16, "testPassed": False}]},
        {"tgId": 3, "direction": "encrypt", "tagLen": 96, "ivGen": "external", "tests": [
            {"tcId": 3, "key": key.hex(), "iv": iv.hex(), "pt": "", "ct": "", "tag": ""}]}]},
        tmp_path, "gcm.json")
    sha = _acvp({"algorithm": "SHA2-256", "testGroups": [
        {"tgId": 1, "testType": "AFT", "tests": [
            {"tcId": 1, "msg": "616263", "len": 24,
             "md": hashlib.sha256(b"abc").hexdigest()}]},
        {"tgId": 2, "testType": "MCT", "tests": [{"tcId": 2, "msg": "00", "len": 8,
                                                  "md": "00"}]}]}, tmp_path, "sha.json")
    signer = _rfc6979_key()
    r, s = utils.decode_dss_signature(signer.sign(b"m", ec.ECDSA(hashes.SHA256())))
    qx, qy = _point(signer)
    ecdsa = _acvp({"algorithm": "ECDSA", "mode": "sigVer", "testGroups": [
        {"tgId": 1, "curve": "P-256", "hashAlg": "SHA2-256", "tests": [
            {"tcId": 1, "qx": qx, "qy": qy, "message": b"m".hex(), "r": f"{r:064x}",
             "s": f"{s:064x}", "testPassed": True},
            {"tcId": 2, "qx": qx, "qy": qy, "message": b"n".hex(), "r": f"{r:064x}",
             "s": f"{s:064x}", "testPassed": False}]}]}, tmp_path, "ecdsa.json")
    imported = [importers.import_acvp(path) for path in (gcm, sha, ecdsa)]
    store = VectorStore(importers.write_folder(tmp_path / "vectors", imported))
    assert store.verify_all() == []
    assert [item.kept for item in imported] == [2, 1, 2]
    assert all(item.skipped for item in imported[:2])
    gcm_tests = list(store.load(imported[0].relative))
    assert [test.result for test in gcm_tests] == [Result.VALID, Result.INVALID]
    for test in store.load(imported[2].relative):
        assert isinstance(test, SignatureVector)
        assert reference_verifies("ECDSA-P256", test.public_key, test.msg, test.sig) is \
            (test.result is Result.VALID)


# -- the command --------------------------------------------------------------------------------


def test_the_command_imports_one_file_or_adds_to_a_folder(tmp_path: Path) -> None:
    paths = _cavp_files(tmp_path)
    single = tmp_path / "sigver.json"
    done = run_cli("vectors", "import", "--from", "cavp", str(paths["SigVer.rsp"]), "--out",
                   str(single))
    assert done.returncode == 0, done.stderr
    assert json.loads(single.read_text())["algorithm"] == "ECDSA-P256"
    assert "skipped 1: curves or hashes other than P-256" in done.stderr
    folder = tmp_path / "vectors"
    for name in ("HMAC.rsp", "gcmDecrypt128.rsp"):
        done = run_cli("vectors", "import", "--from", "cavp", str(paths[name]), "--out",
                       str(folder))
        assert done.returncode == 0, done.stderr
    listed = VectorStore(folder).listed_files()
    assert {"upstream/cavp/hmac.json", "upstream/cavp/gcmdecrypt128.json"} <= set(listed)
    assert run_cli("vectors", "verify", "--root", str(folder)).returncode == 0


@pytest.mark.parametrize("args", [
    ["--out", "x"],
    ["--from", "acvp", "--out", "x"],
])
def test_the_command_without_input_is_a_usage_error(args: list[str], tmp_path: Path) -> None:
    done = run_cli("vectors", "import", *args, cwd=tmp_path)
    assert done.returncode == 3 and "--wycheproof-root" in done.stderr


def test_an_unreadable_upstream_file_exits_3_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{")
    done = run_cli("vectors", "import", "--from", "acvp", str(path), "--out",
                   str(tmp_path / "o.json"))
    assert done.returncode == 3 and "broken.json" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_an_imported_file_keeps_der_private_keys_out(tmp_path: Path) -> None:
    item = importers.import_wycheproof(WYCHEPROOF / "rsa_signature_2048_sha256_test.json")
    test = _tests(item.document)[0]
    assert "privateKey" not in test
    key = serialization.load_der_public_key(bytes.fromhex(test["publicKey"]))
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
