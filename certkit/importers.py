"""Vector importers: Wycheproof JSON, NIST CAVP `.rsp` and ACVP JSON into certkit's format.

Each importer reads one upstream file and returns an `Imported`: a certkit vector
document (validated against the schema by whoever loads it) and what was left out and
why. Nothing is repaired: a test certkit's interfaces cannot express (a padded mode's
padding check, a tag that is not 16 bytes, a DER signature that is not strict DER) is
skipped and counted under its reason, never rewritten into a different test. Every group
keeps its source: the upstream file, the group, and the file's SHA-256.

Wycheproof ECDSA and RSA files become `signature` records (publicKey, msg, sig): ECDSA
P-256 keys as the 65-byte uncompressed point and signatures as r || s, RSA keys as DER
SubjectPublicKeyInfo.

`write_folder` makes a complete vectors folder (the installed files, the imported ones
under `upstream/<source>/`, a fresh MANIFEST.json) for `certkit run --vectors`.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certkit.errors import VectorError
from certkit.vectors import MANIFEST_FILE, default_root

SOURCES = ("wycheproof", "cavp", "acvp")
WYCHEPROOF_URL = "https://github.com/C2SP/wycheproof/blob/main/testvectors_v1/"
LICENCES = {
    "wycheproof": "Apache-2.0 (C2SP/wycheproof), imported by certkit",
    "cavp": "NIST CAVP test vectors (public domain, U.S. Government work), imported by certkit",
    "acvp": "NIST ACVP test vectors (public domain, U.S. Government work), imported by certkit",
}
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass
class Imported:
    """One converted file: where it goes in a vectors folder, its document, what was left out."""

    source: str  # wycheproof, cavp or acvp
    upstream: Path
    relative: str  # e.g. upstream/wycheproof/aes_gcm_test.json
    document: dict[str, Any]
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def kept(self) -> int:
        return int(self.document.get("numberOfTests", 0))

    def summary(self) -> str:
        lines = [f"{self.upstream.name}: {self.kept} tests -> {self.relative}"]
        lines += [f"  skipped {count}: {reason}" for reason, count in sorted(self.skipped.items())]
        return "\n".join(lines)


class _Builder:
    """Collects groups and tests, numbering tests from 1 when the upstream has no tcId."""

    def __init__(self, source: str, upstream: Path, algorithm: str, kind: str) -> None:
        self.source = source
        self.upstream = upstream
        self.digest = hashlib.sha256(upstream.read_bytes()).hexdigest()
        self.algorithm = algorithm
        self.kind = kind
        self.groups: list[dict[str, Any]] = []
        self.notes: dict[str, str] = {}
        self.skipped: Counter[str] = Counter()
        self.used_ids: set[int] = set()

    def group(self, clause: str, url: str = "") -> None:
        source = {"document": f"{self.source} {self.upstream.name}", "clause": clause,
                  "method": f"imported by certkit vectors import from {self.upstream.name} "
                            f"(SHA-256 {self.digest})"}
        if url:
            source["url"] = url
        self.groups.append({"source": source, "tests": []})

    def add(self, tc_id: int | None, comment: str, result: str, flags: Iterable[str],
            **fields: Any) -> None:
        number = tc_id if tc_id is not None else len(self.used_ids) + 1
        while number in self.used_ids:
            number += 1
        self.used_ids.add(number)
        test: dict[str, Any] = {"tcId": number, "comment": comment, "flags": list(flags)}
        for name, value in fields.items():
            test[name] = value.hex() if isinstance(value, bytes) else value
        test["result"] = result
        self.groups[-1]["tests"].append(test)

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] += count

    def result(self, relative_name: str) -> Imported:
        groups = [group for group in self.groups if group["tests"]]
        total = sum(len(group["tests"]) for group in groups)
        if not total:
            raise VectorError(f"{self.upstream}: no test certkit can run "
                              f"({'; '.join(sorted(self.skipped)) or 'empty file'})")
        used = {flag for group in groups for test in group["tests"] for flag in test["flags"]}
        for flag in used - set(self.notes):
            self.notes[flag] = f"{self.source} flag {flag}"
        document: dict[str, Any] = {
            "algorithm": self.algorithm, "schema": self.kind, "schemaVersion": 1,
            "licence": LICENCES[self.source],
            "notes": {flag: text for flag, text in sorted(self.notes.items()) if flag in used},
            "numberOfTests": total, "testGroups": groups,
        }
        if not document["notes"]:
            del document["notes"]
        return Imported(self.source, self.upstream, f"upstream/{self.source}/{relative_name}",
                        document, self.skipped)


def _hex(value: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise VectorError(f"not hex: {value[:40]!r}") from None


# -- ASN.1 and key encodings --------------------------------------------------------------------


def strict_der_signature(der: bytes) -> tuple[int, int] | None:
    """(r, s) from SEQUENCE { INTEGER r, INTEGER s } in strict DER, else None."""

    def length(data: bytes, at: int) -> tuple[int, int] | None:
        if at >= len(data):
            return None
        first = data[at]
        if first < 0x80:
            return first, at + 1
        count = first & 0x7F
        if count == 0 or count > 2 or at + 1 + count > len(data):
            return None
        value = int.from_bytes(data[at + 1:at + 1 + count], "big")
        if value < 0x80 or (count == 2 and value < 0x100):
            return None  # not the shortest form
        return value, at + 1 + count

    def integer(data: bytes, at: int) -> tuple[int, int] | None:
        if at >= len(data) or data[at] != 0x02:
            return None
        parsed = length(data, at + 1)
        if parsed is None:
            return None
        size, start = parsed
        body = data[start:start + size]
        if size == 0 or len(body) != size or body[0] & 0x80:
            return None  # empty, truncated or negative
        if size > 1 and body[0] == 0 and not body[1] & 0x80:
            return None  # a needless leading zero
        return int.from_bytes(body, "big"), start + size

    if len(der) < 2 or der[0] != 0x30:
        return None
    parsed = length(der, 1)
    if parsed is None or parsed[1] + parsed[0] != len(der):
        return None
    first = integer(der, parsed[1])
    if first is None:
        return None
    second = integer(der, first[1])
    if second is None or second[1] != len(der):
        return None
    return first[0], second[0]


def rsa_spki(modulus: int, exponent: int) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.RSAPublicNumbers(exponent, modulus).public_key()
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def _pkcs7_pad(message: bytes) -> bytes:
    pad = 16 - len(message) % 16
    return message + bytes([pad]) * pad


# -- Wycheproof ---------------------------------------------------------------------------------

WYCHEPROOF_AEAD = {"AES-GCM": "AES-GCM", "SM4-GCM": "SM4-GCM", "SM4-CCM": "SM4-CCM"}
WYCHEPROOF_MAC = {"HMACSHA256": "HMAC-SHA-256", "HMACSM3": "HMAC-SM3"}


def import_wycheproof(path: Path) -> Imported:
    """A Wycheproof `testvectors_v1` file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        schema = str(data["schema"])
        if not isinstance(data["testGroups"], list):
            raise ValueError("testGroups is not a list")
    except (OSError, ValueError, KeyError) as exc:
        raise VectorError(f"{path}: not a Wycheproof test file: {exc}") from None
    converters: dict[str, Callable[[Path, Mapping[str, Any]], _Builder]] = {
        "aead_test_schema_v1.json": _wycheproof_aead,
        "ind_cpa_test_schema_v1.json": _wycheproof_ind_cpa,
        "mac_test_schema_v1.json": _wycheproof_mac,
        "ecdsa_verify_schema_v1.json": _wycheproof_ecdsa,
        "ecdsa_p1363_verify_schema_v1.json": _wycheproof_ecdsa,
        "rsassa_pkcs1_verify_schema_v1.json": _wycheproof_rsa,
        "rsassa_pss_verify_schema_v1.json": _wycheproof_rsa,
    }
    if schema not in converters:
        raise VectorError(f"{path}: Wycheproof schema {schema} has no certkit importer "
                          f"(supported: {', '.join(sorted(converters))})")
    builder = converters[schema](path, data)
    for note, text in data.get("notes", {}).items():
        description = text.get("description", "") if isinstance(text, Mapping) else str(text)
        builder.notes[note] = f"Wycheproof: {description}".strip()
    return builder.result(path.name)


def _clause(index: int, group: Mapping[str, Any], keys: Iterable[str]) -> str:
    shown = ", ".join(f"{key} {group[key]}" for key in keys if key in group)
    return f"testGroups[{index}]" + (f" ({shown})" if shown else "")


def _wycheproof_aead(path: Path, data: Mapping[str, Any]) -> _Builder:
    algorithm = WYCHEPROOF_AEAD.get(str(data.get("algorithm")))
    if algorithm is None:
        raise VectorError(f"{path}: AEAD {data.get('algorithm')} is not in certkit's vocabulary")
    builder = _Builder("wycheproof", path, algorithm, "aead")
    for index, group in enumerate(data["testGroups"]):
        builder.group(_clause(index, group, ("keySize", "ivSize", "tagSize")),
                      WYCHEPROOF_URL + path.name)
        if group.get("tagSize") != 128:
            builder.skip("tag sizes other than 128 bits: certkit's AEAD interface returns "
                         "16-byte tags", len(group["tests"]))
            continue
        for test in group["tests"]:
            builder.add(test["tcId"], test.get("comment", ""), test["result"], test["flags"],
                        key=_hex(test["key"]), iv=_hex(test["iv"]), aad=_hex(test["aad"]),
                        msg=_hex(test["msg"]), ct=_hex(test["ct"]), tag=_hex(test["tag"]))
    return builder


def _wycheproof_ind_cpa(path: Path, data: Mapping[str, Any]) -> _Builder:
    if data.get("algorithm") != "AES-CBC-PKCS5":
        raise VectorError(f"{path}: {data.get('algorithm')} has no certkit importer")
    builder = _Builder("wycheproof", path, "AES-CBC", "cipher")
    builder.notes["PaddingApplied"] = ("certkit: the PKCS#5 padding is part of msg, since "
                                       "certkit's cipher interface does not pad")
    for index, group in enumerate(data["testGroups"]):
        builder.group(_clause(index, group, ("keySize", "ivSize")), WYCHEPROOF_URL + path.name)
        for test in group["tests"]:
            if test["result"] != "valid":
                builder.skip("invalid padding tests: they test a padded mode's padding check; "
                             "certkit's cipher interface is unpadded")
                continue
            padded = _pkcs7_pad(_hex(test["msg"]))
            builder.add(test["tcId"], test.get("comment", ""), "valid",
                        [*test["flags"], "PaddingApplied"], key=_hex(test["key"]),
                        iv=_hex(test["iv"]), msg=padded, ct=_hex(test["ct"]))
    return builder


def _wycheproof_mac(path: Path, data: Mapping[str, Any]) -> _Builder:
    algorithm = WYCHEPROOF_MAC.get(str(data.get("algorithm")))
    if algorithm is None:
        raise VectorError(f"{path}: MAC {data.get('algorithm')} is not in certkit's vocabulary")
    builder = _Builder("wycheproof", path, algorithm, "mac")
    builder.notes["Truncated"] = "certkit: the tag is a prefix of the MAC (tagSize bits)"
    for index, group in enumerate(data["testGroups"]):
        builder.group(_clause(index, group, ("keySize", "tagSize")), WYCHEPROOF_URL + path.name)
        truncated = ["Truncated"] if group.get("tagSize", 256) < 256 else []
        for test in group["tests"]:
            builder.add(test["tcId"], test.get("comment", ""), test["result"],
                        [*test["flags"], *truncated], key=_hex(test["key"]),
                        msg=_hex(test["msg"]), tag=_hex(test["tag"]))
    return builder


def _wycheproof_ecdsa(path: Path, data: Mapping[str, Any]) -> _Builder:
    builder = _Builder("wycheproof", path, "ECDSA-P256", "signature")
    raw = data["schema"].startswith("ecdsa_p1363")
    if not raw:
        builder.notes["ConvertedFromDer"] = "certkit: the strict-DER signature as r || s"
    for index, group in enumerate(data["testGroups"]):
        key = group.get("publicKey", {})
        builder.group(_clause(index, {**group, "curve": key.get("curve")}, ("curve", "sha")),
                      WYCHEPROOF_URL + path.name)
        if key.get("curve") != "secp256r1" or group.get("sha") != "SHA-256":
            builder.skip("curves or hashes other than P-256 with SHA-256", len(group["tests"]))
            continue
        public = _hex(key["uncompressed"])
        for test in group["tests"]:
            signature = _hex(test["sig"])
            flags = list(test["flags"])
            if not raw:
                values = strict_der_signature(signature)
                if values is None or max(values) >= 1 << 256:
                    builder.skip("signatures that are not strict DER, or with an integer over "
                                 "256 bits: not expressible as r || s")
                    continue
                signature = values[0].to_bytes(32, "big") + values[1].to_bytes(32, "big")
                flags.append("ConvertedFromDer")
            builder.add(test["tcId"], test.get("comment", ""), test["result"], flags,
                        publicKey=public, msg=_hex(test["msg"]), sig=signature)
    return builder


def _wycheproof_rsa(path: Path, data: Mapping[str, Any]) -> _Builder:
    pss = data["schema"].startswith("rsassa_pss")
    builder = _Builder("wycheproof", path, "RSA-2048-PSS" if pss else "RSA-2048-PKCS1",
                       "signature")
    for index, group in enumerate(data["testGroups"]):
        builder.group(_clause(index, group, ("keySize", "sha", "mgfSha", "sLen")),
                      WYCHEPROOF_URL + path.name)
        wanted = group.get("keySize") == 2048 and group.get("sha") == "SHA-256"
        if pss:
            wanted = wanted and group.get("mgfSha") == "SHA-256" and group.get("sLen") == 32
        if not wanted:
            builder.skip("groups other than RSA-2048 with SHA-256 (PSS: MGF1-SHA-256, 32-byte "
                         "salt)", len(group["tests"]))
            continue
        public = _hex(group["publicKeyDer"])
        for test in group["tests"]:
            builder.add(test["tcId"], test.get("comment", ""), test["result"], test["flags"],
                        publicKey=public, msg=_hex(test["msg"]),
                        sig=_hex(test["sig"]))
    return builder


def import_wycheproof_root(root: Path) -> tuple[list[Imported], dict[str, str]]:
    """Every file of a Wycheproof checkout (or its testvectors_v1 folder) certkit can run,
    and, for the others, why not."""
    folder = root / "testvectors_v1" if (root / "testvectors_v1").is_dir() else root
    if not folder.is_dir():
        raise VectorError(f"{root}: not a Wycheproof checkout (no testvectors_v1/)")
    imported, passed_over = [], {}
    for path in sorted(folder.glob("*_test.json")):
        try:
            imported.append(import_wycheproof(path))
        except VectorError as exc:
            passed_over[path.name] = str(exc).removeprefix(f"{path}: ")
    if not imported:
        raise VectorError(f"{folder}: no Wycheproof file certkit can import")
    return imported, passed_over


# -- NIST CAVP .rsp -----------------------------------------------------------------------------

_SECTION = re.compile(r"^\[(.*)\]$")
_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9 ]*?)\s*=\s*(.*)$")


def parse_rsp(text: str) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """(section parameters, record) for every record of a CAVP response file.

    Section headers like `[ENCRYPT]`, `[L = 32]` or `[P-256,SHA-256]` accumulate until a
    record follows; a record is a run of `NAME = value` lines (and a bare `FAIL` line).
    Fields before any COUNT-like record but inside a section (RSA's `n = ...`) become
    section parameters.
    """
    section: dict[str, str] = {}
    record: dict[str, str] = {}
    fresh_section = False
    for raw_line in [*text.splitlines(), ""]:
        line = raw_line.strip()
        if line.startswith("#"):
            continue
        match = _SECTION.match(line)
        if match:
            if record:
                yield dict(section), record
                record = {}
            if not fresh_section:
                section = {}
            fresh_section = True
            for part in match.group(1).split(","):
                name, _, value = part.partition("=")
                section[name.strip().upper()] = value.strip() if value else "yes"
            continue
        if not line:
            if record:
                if set(record) <= {"N", "E", "D"}:
                    section.update(record)  # RSA key material shared by the records below
                else:
                    yield dict(section), record
                record = {}
            continue
        fresh_section = False
        if line.upper() == "FAIL":
            record["FAIL"] = "yes"
            continue
        match = _FIELD.match(line)
        if match:
            record[match.group(1).strip().upper()] = match.group(2).strip()


def import_cavp(path: Path) -> Imported:
    """A NIST CAVP response file: AES ECB/CBC KAT and MMT, SHA-1/SHA-2 byte messages,
    HMAC (L = 32), GCM (128-bit tags), ECDSA SigVer (P-256, SHA-256) and RSA SigVer
    (2048 bits, SHA-256; PKCS#1 v1.5, or PSS with a 32-byte salt)."""
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise VectorError(f"{path}: cannot read: {exc.strerror}") from None
    name = path.name.upper()
    if "MCT" in name or "MONTE" in name:
        raise VectorError(f"{path}: Monte Carlo files chain outputs into inputs, which a "
                          "known-answer file cannot express; import the KAT and MMT files")
    records = list(parse_rsp(text))
    if name.startswith(("ECB", "CBC")):
        builder = _cavp_aes(path, records, "AES-" + name[:3])
    elif name.startswith("SHA"):
        builder = _cavp_sha(path, records)
    elif name.startswith("HMAC"):
        builder = _cavp_hmac(path, records)
    elif name.startswith("GCM"):
        builder = _cavp_gcm(path, records)
    elif name.startswith("SIGVER") and ("15" in name or "PSS" in name):
        builder = _cavp_rsa(path, records, pss="PSS" in name)
    elif name.startswith("SIGVER"):
        builder = _cavp_ecdsa(path, records)
    else:
        raise VectorError(f"{path}: no CAVP importer for this file (by its name: ECB*/CBC*, "
                          "SHA*, HMAC*, gcm*, SigVer*)")
    return builder.result(path.with_suffix(".json").name.lower())


def _clause_of(section: Mapping[str, str]) -> str:
    return ", ".join(f"{key} = {value}" if value != "yes" else key
                     for key, value in section.items()) or "(no section)"


def _grouped(builder: _Builder, records: list[tuple[dict[str, str], dict[str, str]]]
             ) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    current = None
    for section, record in records:
        if section != current:
            builder.group(_clause_of(section))
            current = section
        yield section, record


def _count(record: Mapping[str, str]) -> int | None:
    value = record.get("COUNT")
    return int(value) + 1 if value is not None and value.isdigit() else None


def _cavp_aes(path: Path, records: list, algorithm: str) -> _Builder:
    builder = _Builder("cavp", path, algorithm, "cipher")
    for section, record in _grouped(builder, records):
        direction = "decrypt" if "DECRYPT" in section else "encrypt"
        builder.add(None, f"{direction} COUNT {record.get('COUNT', '?')}", "valid", [],
                    key=_hex(record["KEY"]), iv=_hex(record.get("IV", "")),
                    msg=_hex(record["PLAINTEXT"]), ct=_hex(record["CIPHERTEXT"]))
    return builder


SHA_BY_LENGTH = {"20": "SHA-1", "28": "SHA-224", "32": "SHA-256", "48": "SHA-384",
                 "64": "SHA-512"}


def _cavp_sha(path: Path, records: list) -> _Builder:
    lengths = {section.get("L") for section, _ in records}
    if len(lengths) != 1 or next(iter(lengths)) not in SHA_BY_LENGTH:
        raise VectorError(f"{path}: expected one [L = 20|28|32|48|64] section")
    builder = _Builder("cavp", path, SHA_BY_LENGTH[str(next(iter(lengths)))], "digest")
    for _, record in _grouped(builder, records):
        bits = int(record["LEN"])
        if bits % 8:
            builder.skip("bit-oriented messages (Len not a multiple of 8)")
            continue
        message = _hex(record["MSG"])[: bits // 8]
        builder.add(None, f"Len = {bits}", "valid", [], msg=message, md=_hex(record["MD"]))
    return builder


def _cavp_hmac(path: Path, records: list) -> _Builder:
    builder = _Builder("cavp", path, "HMAC-SHA-256", "mac")
    builder.notes["Truncated"] = "certkit: the tag is a prefix of the MAC (Tlen bytes)"
    for section, record in _grouped(builder, records):
        if section.get("L") != "32":
            builder.skip("HMAC with other hashes than SHA-256 (L != 32): not in the vocabulary")
            continue
        tag = _hex(record["MAC"])
        builder.add(_count(record), f"Count = {record.get('COUNT')}", "valid",
                    ["Truncated"] if len(tag) < 32 else [], key=_hex(record["KEY"]),
                    msg=_hex(record["MSG"]), tag=tag)
    return builder


def _cavp_gcm(path: Path, records: list) -> _Builder:
    builder = _Builder("cavp", path, "AES-GCM", "aead")
    for section, record in _grouped(builder, records):
        if section.get("TAGLEN") != "128":
            builder.skip("tag lengths other than 128 bits")
            continue
        invalid = "FAIL" in record
        builder.add(None, f"Count = {record.get('COUNT')}" + (" (FAIL)" if invalid else ""),
                    "invalid" if invalid else "valid", ["ModifiedTag"] if invalid else [],
                    key=_hex(record["KEY"]), iv=_hex(record["IV"]), aad=_hex(record["AAD"]),
                    msg=_hex(record.get("PT", "")), ct=_hex(record["CT"]),
                    tag=_hex(record["TAG"]))
    builder.notes["ModifiedTag"] = "CAVP: FAIL, the tag does not authenticate the input"
    return builder


def _cavp_ecdsa(path: Path, records: list) -> _Builder:
    builder = _Builder("cavp", path, "ECDSA-P256", "signature")
    for section, record in _grouped(builder, records):
        if "P-256" not in section or "SHA-256" not in section:
            builder.skip("curves or hashes other than P-256 with SHA-256")
            continue
        public = b"\x04" + _hex(record["QX"]).rjust(32, b"\0") + _hex(record["QY"]).rjust(32,
                                                                                          b"\0")
        r, s = _hex(record["R"]), _hex(record["S"])
        verdict = record["RESULT"].split()[0]
        builder.add(None, f"Result = {record['RESULT']}", "valid" if verdict == "P" else
                    "invalid", [], publicKey=public, msg=_hex(record["MSG"]),
                    sig=r.rjust(32, b"\0") + s.rjust(32, b"\0"))
    return builder


def _cavp_rsa(path: Path, records: list, *, pss: bool) -> _Builder:
    builder = _Builder("cavp", path, "RSA-2048-PSS" if pss else "RSA-2048-PKCS1",
                       "signature")
    for section, record in _grouped(builder, records):
        modulus_bits = section.get("MOD")
        if modulus_bits != "2048" or record.get("SHAALG") != "SHA256":
            builder.skip("moduli other than 2048 bits or hashes other than SHA-256")
            continue
        if pss and len(_hex(record.get("SALTVAL", "00"))) != 32:
            builder.skip("PSS salts other than 32 bytes")
            continue
        modulus = int(section.get("N") or record["N"], 16)
        exponent = int(record.get("E") or section["E"], 16)
        verdict = record["RESULT"].split()[0]
        builder.add(None, f"Result = {record['RESULT']}", "valid" if verdict == "P" else
                    "invalid", [], publicKey=rsa_spki(modulus, exponent),
                    msg=_hex(record["MSG"]), sig=_hex(record["S"]))
    return builder


# -- NIST ACVP JSON -----------------------------------------------------------------------------

ACVP_SHA = {"SHA-1": "SHA-1", "SHA2-224": "SHA-224", "SHA2-256": "SHA-256",
            "SHA2-384": "SHA-384", "SHA2-512": "SHA-512"}


def import_acvp(path: Path) -> Imported:
    """An ACVP vector set with its answers (the server's internalProjection, or a prompt
    merged with expectedResults): AES-ECB/CBC/CTR/GCM, SHA-1/SHA-2, HMAC-SHA2-256, ECDSA
    sigVer (P-256, SHA2-256) and RSA sigVer (2048, SHA2-256)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VectorError(f"{path}: not JSON: {exc}") from None
    if isinstance(data, list):  # [{"acvVersion": ...}, {vector set}]
        data = next((item for item in data if isinstance(item, dict) and "testGroups" in item),
                    None)
    if not isinstance(data, dict) or "testGroups" not in data:
        raise VectorError(f"{path}: no ACVP vector set (testGroups) in the file")
    algorithm = str(data.get("algorithm", ""))
    mode = str(data.get("mode", ""))
    if algorithm in ("ACVP-AES-ECB", "ACVP-AES-CBC", "ACVP-AES-CTR"):
        builder = _acvp_cipher(path, data, "AES-" + algorithm[-3:])
    elif algorithm == "ACVP-AES-GCM":
        builder = _acvp_gcm(path, data)
    elif algorithm in ACVP_SHA:
        builder = _acvp_sha(path, data, ACVP_SHA[algorithm])
    elif algorithm == "HMAC-SHA2-256":
        builder = _acvp_hmac(path, data)
    elif algorithm == "ECDSA" and mode == "sigVer":
        builder = _acvp_ecdsa(path, data)
    elif algorithm == "RSA" and mode == "sigVer":
        builder = _acvp_rsa(path, data)
    else:
        raise VectorError(f"{path}: no ACVP importer for {algorithm} {mode}".rstrip())
    return builder.result(path.with_suffix(".json").name)


def _acvp_groups(builder: _Builder, data: Mapping[str, Any], keys: Iterable[str]
                 ) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    keys = tuple(keys)
    for group in data["testGroups"]:
        shown = ", ".join(f"{key} {group[key]}" for key in keys if key in group)
        builder.group(f"vsId {data.get('vsId', '?')} tgId {group.get('tgId', '?')} ({shown})")
        for test in group["tests"]:
            yield group, test


def _acvp_cipher(path: Path, data: Mapping[str, Any], algorithm: str) -> _Builder:
    builder = _Builder("acvp", path, algorithm, "cipher")
    for group, test in _acvp_groups(builder, data, ("testType", "direction", "keyLen")):
        if group.get("testType") != "AFT":
            builder.skip(f"{group.get('testType')} tests (only AFT is a known answer)")
            continue
        if "payloadLen" in test and int(test["payloadLen"]) % 8:
            builder.skip("payloads that are not whole bytes")
            continue
        builder.add(test.get("tcId"), f"{group.get('direction')} tcId {test.get('tcId')}",
                    "valid", [], key=_hex(test["key"]), iv=_hex(test.get("iv", "")),
                    msg=_hex(test["pt"]), ct=_hex(test["ct"]))
    return builder


def _acvp_gcm(path: Path, data: Mapping[str, Any]) -> _Builder:
    builder = _Builder("acvp", path, "AES-GCM", "aead")
    builder.notes["ModifiedTag"] = "ACVP: testPassed false, the tag does not authenticate"
    for group, test in _acvp_groups(builder, data, ("direction", "keyLen", "ivLen", "tagLen")):
        if group.get("tagLen") != 128 or group.get("ivGen", "external") != "external":
            builder.skip("tag lengths other than 128 bits, or internally generated IVs")
            continue
        valid = test.get("testPassed", True)
        builder.add(test.get("tcId"), f"{group.get('direction')} tcId {test.get('tcId')}",
                    "valid" if valid else "invalid", [] if valid else ["ModifiedTag"],
                    key=_hex(test["key"]), iv=_hex(test["iv"]), aad=_hex(test.get("aad", "")),
                    msg=_hex(test.get("pt", "")), ct=_hex(test["ct"]), tag=_hex(test["tag"]))
    return builder


def _acvp_sha(path: Path, data: Mapping[str, Any], algorithm: str) -> _Builder:
    builder = _Builder("acvp", path, algorithm, "digest")
    for group, test in _acvp_groups(builder, data, ("testType",)):
        if group.get("testType") != "AFT":
            builder.skip(f"{group.get('testType')} tests (only AFT is a known answer)")
            continue
        bits = int(test.get("len", len(test["msg"]) * 4))
        if bits % 8:
            builder.skip("bit-oriented messages")
            continue
        builder.add(test.get("tcId"), f"tcId {test.get('tcId')}: {bits} bits", "valid", [],
                    msg=_hex(test["msg"])[: bits // 8], md=_hex(test["md"]))
    return builder


def _acvp_hmac(path: Path, data: Mapping[str, Any]) -> _Builder:
    builder = _Builder("acvp", path, "HMAC-SHA-256", "mac")
    builder.notes["Truncated"] = "certkit: the tag is a prefix of the MAC (macLen bits)"
    for _, test in _acvp_groups(builder, data, ("keyLen", "msgLen", "macLen")):
        tag = _hex(test["mac"])
        builder.add(test.get("tcId"), f"tcId {test.get('tcId')}", "valid",
                    ["Truncated"] if len(tag) < 32 else [], key=_hex(test["key"]),
                    msg=_hex(test["msg"]), tag=tag)
    return builder


def _acvp_ecdsa(path: Path, data: Mapping[str, Any]) -> _Builder:
    builder = _Builder("acvp", path, "ECDSA-P256", "signature")
    for group, test in _acvp_groups(builder, data, ("curve", "hashAlg")):
        if group.get("curve") != "P-256" or group.get("hashAlg") != "SHA2-256":
            builder.skip("curves or hashes other than P-256 with SHA2-256")
            continue
        public = b"\x04" + _hex(test["qx"]).rjust(32, b"\0") + _hex(test["qy"]).rjust(32, b"\0")
        builder.add(test.get("tcId"), f"tcId {test.get('tcId')}",
                    "valid" if test.get("testPassed") else "invalid", [], publicKey=public,
                    msg=_hex(test["message"]),
                    sig=_hex(test["r"]).rjust(32, b"\0") + _hex(test["s"]).rjust(32, b"\0"))
    return builder


def _acvp_rsa(path: Path, data: Mapping[str, Any]) -> _Builder:
    kinds = {str(group.get("sigType")) for group in data["testGroups"]}
    pss = kinds == {"pss"}
    builder = _Builder("acvp", path, "RSA-2048-PSS" if pss else "RSA-2048-PKCS1",
                       "signature")
    wanted_type = "pss" if pss else "pkcs1v1.5"
    for group, test in _acvp_groups(builder, data, ("sigType", "modulo", "hashAlg", "saltLen")):
        if (group.get("sigType") != wanted_type or group.get("modulo") != 2048
                or group.get("hashAlg") != "SHA2-256"
                or (pss and group.get("saltLen") != 32)):
            builder.skip("groups other than RSA-2048 with SHA2-256 (PSS: 32-byte salt) and the "
                         "file's first signature type")
            continue
        modulus = int(test.get("n") or group["n"], 16)
        exponent = int(test.get("e") or group["e"], 16)
        builder.add(test.get("tcId"), f"tcId {test.get('tcId')}",
                    "valid" if test.get("testPassed") else "invalid", [],
                    publicKey=rsa_spki(modulus, exponent),
                    msg=_hex(test["message"]), sig=_hex(test["signature"]))
    return builder


IMPORTERS: dict[str, Callable[[Path], Imported]] = {
    "wycheproof": import_wycheproof, "cavp": import_cavp, "acvp": import_acvp,
}


# -- writing ------------------------------------------------------------------------------------


def document_text(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def write_manifest(root: Path) -> None:
    """MANIFEST.json for every JSON file under `root` (as scripts/update_manifest.py does)."""
    files = {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
             for path in root.rglob("*.json") if path.relative_to(root).as_posix() != MANIFEST_FILE}
    manifest = {"schemaVersion": 1, "files": dict(sorted(files.items()))}
    (root / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="ascii")


def write_folder(out: Path, imported: Iterable[Imported], base: Path | None = None) -> Path:
    """A vectors folder at `out`: the base folder's files (the installed vectors unless
    `out` already is one), each import under `upstream/<source>/`, and a new manifest."""
    if not (out / MANIFEST_FILE).is_file():
        shutil.copytree(base or default_root(), out, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for item in imported:
        target = out / item.relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(document_text(item.document), encoding="ascii")
    write_manifest(out)
    return out
