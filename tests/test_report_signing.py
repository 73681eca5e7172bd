"""Signed report folders: SM2 over a manifest of SM3 digests; every tampering is named;
OpenSSL and certkit read each other's keys and signatures."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from test_reports import failing_document

from certkit import signing
from certkit.reference import sm2
from helpers import run_cli


def _openssl(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    openssl = shutil.which("openssl")
    assert openssl, "the OpenSSL command line is needed (Debian: openssl)"
    return subprocess.run([openssl, *args], input=stdin, capture_output=True, timeout=60,
                          check=False)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two key pairs: one made by `openssl genpkey`, one by `certkit report keygen`."""
    folder = tmp_path_factory.mktemp("keys")
    made = _openssl("genpkey", "-algorithm", "SM2", "-out", str(folder / "openssl.pem"))
    assert made.returncode == 0, made.stderr
    public = _openssl("pkey", "-in", str(folder / "openssl.pem"), "-pubout",
                      "-out", str(folder / "openssl.pub.pem"))
    assert public.returncode == 0, public.stderr
    result = run_cli("report", "keygen", "--out", str(folder / "certkit.pem"))
    assert result.returncode == 0, result.stderr
    return {"openssl": folder / "openssl.pem", "openssl.pub": folder / "openssl.pub.pem",
            "certkit": folder / "certkit.pem", "certkit.pub": folder / "certkit.pub.pem"}


@pytest.fixture
def report(tmp_path: Path) -> Path:
    """A report folder as `certkit run` leaves it, with a subfolder for good measure."""
    from certkit.reports import render_html, render_junit, render_markdown

    folder = tmp_path / "report"
    folder.mkdir()
    document = failing_document()
    (folder / "results.json").write_text(json.dumps(document, indent=2) + "\n")
    (folder / "journal.jsonl").write_text('{"type": "run"}\n')
    (folder / "report.html").write_text(render_html(document))
    (folder / "report.md").write_text(render_markdown(document))
    (folder / "junit.xml").write_text(render_junit(document))
    (folder / "extra").mkdir()
    (folder / "extra" / "report.zh.html").write_text(render_html(document, "zh"))
    return folder


def _sign(folder: Path, key: Path) -> None:
    result = run_cli("report", "sign", "--key", str(key), str(folder))
    assert result.returncode == 0, result.stderr


def _verify(folder: Path, pubkey: Path | None = None) -> subprocess.CompletedProcess[str]:
    args = ["report", "verify", str(folder)]
    return run_cli(*args, *(["--pubkey", str(pubkey)] if pubkey else []))


def test_keygen_writes_keys_openssl_reads(keys: dict[str, Path]) -> None:
    text = _openssl("pkey", "-in", str(keys["certkit"]), "-noout", "-text")
    assert text.returncode == 0 and b"SM2" in text.stdout, text.stderr
    derived = _openssl("pkey", "-in", str(keys["certkit"]), "-pubout")
    assert derived.stdout.decode() == keys["certkit.pub"].read_text()
    assert keys["certkit"].stat().st_mode & 0o077 == 0  # private: owner only
    again = run_cli("report", "keygen", "--out", str(keys["certkit"]))
    assert again.returncode == 3 and "not overwriting" in again.stderr


def test_openssl_keys_load_and_agree_with_their_public_half(keys: dict[str, Path]) -> None:
    private = signing.load_private_key(keys["openssl"].read_text())
    assert private.public_key == signing.load_public_key(keys["openssl.pub"].read_text())
    assert signing.private_key_pem(private) == keys["openssl"].read_text()


def test_signed_report_verifies(report: Path, keys: dict[str, Path]) -> None:
    _sign(report, keys["openssl"])
    manifest = json.loads((report / "SIGNATURE" / "manifest.json").read_text())
    assert set(manifest["files"]) == {"results.json", "journal.jsonl", "report.html",
                                      "report.md", "junit.xml", "extra/report.zh.html"}
    assert manifest["signature"]["user_id"] == "1234567812345678"
    result = _verify(report, keys["openssl.pub"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK:") and "6 files" in result.stdout
    assert _verify(report).returncode == 0  # integrity against the key the manifest names


def _change(folder: Path) -> None:
    path = folder / "results.json"
    path.write_text(path.read_text().replace('"fail"', '"pass"', 1))


def _change_nested(folder: Path) -> None:
    with (folder / "extra" / "report.zh.html").open("a") as handle:
        handle.write(" ")


def _add(folder: Path) -> None:
    (folder / "report.pdf").write_bytes(b"%PDF-1.4")


def _remove(folder: Path) -> None:
    (folder / "journal.jsonl").unlink()


def _add_to_signature(folder: Path) -> None:
    (folder / "SIGNATURE" / "note.txt").write_text("trust me")


def _replace_symlink(folder: Path) -> None:
    (folder / "report.md").unlink()
    (folder / "report.md").symlink_to(folder / "report.html")


def _edit_manifest(folder: Path) -> None:
    path = folder / "SIGNATURE" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["files"]["results.json"] = "00" * 32
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _flip_signature(folder: Path) -> None:
    path = folder / "SIGNATURE" / "manifest.sig"
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))


TAMPERING: dict[str, tuple[Callable[[Path], None], str]] = {
    "changed": (_change, "results.json: changed"),
    "changed in a subfolder": (_change_nested, "extra/report.zh.html: changed"),
    "added": (_add, "report.pdf: added"),
    "removed": (_remove, "journal.jsonl: removed"),
    "added beside the signature": (_add_to_signature, "SIGNATURE/note.txt: added"),
    "made a symlink": (_replace_symlink, "report.md: not a regular file"),
    "manifest edited": (_edit_manifest, "SIGNATURE/manifest.sig: the signature does not verify"),
    "signature altered": (_flip_signature,
                          "SIGNATURE/manifest.sig: the signature does not verify"),
}


@pytest.mark.parametrize("kind", TAMPERING)
def test_every_kind_of_tampering_fails_verification_naming_the_file(
        report: Path, keys: dict[str, Path], kind: str) -> None:
    _sign(report, keys["certkit"])
    tamper, named = TAMPERING[kind]
    tamper(report)
    result = _verify(report, keys["certkit.pub"])
    assert result.returncode == 1, result.stdout
    assert result.stdout.startswith("FAILED:")
    assert named in result.stderr, result.stderr


def test_a_report_signed_with_one_key_does_not_verify_with_another(
        report: Path, keys: dict[str, Path]) -> None:
    _sign(report, keys["certkit"])
    result = _verify(report, keys["openssl.pub"])
    assert result.returncode == 1
    assert "not the given key" in result.stderr and "does not verify" in result.stderr
    # nor does swapping in another key's manifest and signature help
    other = report.parent / "other"
    shutil.copytree(report, other)
    _sign(other, keys["openssl"])
    for name in ("manifest.json", "manifest.sig"):
        shutil.copy(other / "SIGNATURE" / name, report / "SIGNATURE" / name)
    assert _verify(report, keys["certkit.pub"]).returncode == 1


def test_unsigned_folder_and_unusable_keys_are_usage_errors(report: Path, tmp_path: Path,
                                                            keys: dict[str, Path]) -> None:
    result = _verify(report, keys["certkit.pub"])
    assert result.returncode == 3 and "not signed" in result.stderr
    rsa = tmp_path / "rsa.pem"
    made = _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024",
                    "-out", str(rsa))
    assert made.returncode == 0
    result = run_cli("report", "sign", "--key", str(rsa), str(report))
    assert result.returncode == 3 and "not an SM2 key" in result.stderr
    assert not (report / "SIGNATURE").exists()


def test_openssl_verifies_a_certkit_signature(report: Path, keys: dict[str, Path]) -> None:
    _sign(report, keys["certkit"])
    result = _openssl("pkeyutl", "-verify", "-pubin", "-inkey", str(keys["certkit.pub"]),
                      "-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678",
                      "-in", str(report / "SIGNATURE" / "manifest.json"),
                      "-sigfile", str(report / "SIGNATURE" / "manifest.sig"))
    assert result.returncode == 0 and b"Verified Successfully" in result.stdout, result.stderr


def test_certkit_verifies_an_openssl_signature_of_the_manifest(report: Path,
                                                               keys: dict[str, Path]) -> None:
    _sign(report, keys["openssl"])
    manifest = report / "SIGNATURE" / "manifest.json"
    made = _openssl("pkeyutl", "-sign", "-inkey", str(keys["openssl"]), "-rawin",
                    "-digest", "sm3", "-pkeyopt", "distid:1234567812345678",
                    "-in", str(manifest), "-out", str(report / "SIGNATURE" / "manifest.sig"))
    assert made.returncode == 0, made.stderr
    result = _verify(report, keys["openssl.pub"])
    assert result.returncode == 0, result.stderr
    # and the raw check: OpenSSL's DER (r, s) is certkit's r || s
    public = signing.load_public_key(keys["openssl.pub"].read_text())
    raw = signing.decode_signature((report / "SIGNATURE" / "manifest.sig").read_bytes())
    assert sm2.verify(public, manifest.read_bytes(), signing.USER_ID, raw)
    assert not sm2.verify(public, manifest.read_bytes(), b"another id", raw)


def test_signature_encoding_round_trips_short_and_high_bit_integers() -> None:
    for r, s in ((1, 2), (0x80, 0xFF), (sm2.N - 1, 1 << 255)):
        raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        der = signing.encode_signature(raw)
        assert signing.decode_signature(der) == raw
        parsed = _openssl("asn1parse", "-inform", "DER", stdin=der)
        assert parsed.returncode == 0 and parsed.stdout.count(b"INTEGER") == 2
