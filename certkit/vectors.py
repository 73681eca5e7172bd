"""Vector files: loaded once, validated against the schema and the manifest, typed.

Files are JSON shaped like Wycheproof's. Suites receive typed records with
`bytes` fields and never unhexlify; the loader is the only parser.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any, ClassVar

import jsonschema

from certkit.errors import VectorError

SCHEMA_FILE = "schema/vectors.schema.json"
MANIFEST_FILE = "MANIFEST.json"


class Result(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    ACCEPTABLE = "acceptable"


@dataclass(frozen=True)
class Source:
    """Where a group of vectors comes from: a standard's clause, an RFC section, or a script."""

    document: str
    clause: str = ""
    url: str = ""
    method: str = ""  # for generated vectors: how, and which two implementations agreed

    def __str__(self) -> str:
        return " ".join(part for part in (self.document, self.clause) if part)


@dataclass(frozen=True)
class TestVector:
    """Fields every vector has; subclasses add the bytes of their kind."""

    vectors: str  # file, relative to the vectors root
    source: Source
    tc_id: int
    comment: str
    result: Result
    flags: tuple[str, ...]

    KIND: ClassVar[str] = ""
    # JSON field name -> attribute name, for the kind's bytes fields
    HEX_FIELDS: ClassVar[dict[str, str]] = {}

    def inputs(self) -> dict[str, bytes]:
        """The bytes a reader needs to reproduce this vector, by JSON field name."""
        return {name: getattr(self, attr) for name, attr in self.HEX_FIELDS.items()}


@dataclass(frozen=True)
class DigestVector(TestVector):
    msg: bytes
    md: bytes
    KIND: ClassVar[str] = "digest"
    HEX_FIELDS: ClassVar[dict[str, str]] = {"msg": "msg", "md": "md"}


@dataclass(frozen=True)
class MacVector(TestVector):
    key: bytes
    msg: bytes
    tag: bytes
    KIND: ClassVar[str] = "mac"
    HEX_FIELDS: ClassVar[dict[str, str]] = {"key": "key", "msg": "msg", "tag": "tag"}


@dataclass(frozen=True)
class CipherVector(TestVector):
    key: bytes
    iv: bytes
    msg: bytes
    ct: bytes
    KIND: ClassVar[str] = "cipher"
    HEX_FIELDS: ClassVar[dict[str, str]] = {"key": "key", "iv": "iv", "msg": "msg", "ct": "ct"}


@dataclass(frozen=True)
class AeadVector(TestVector):
    key: bytes
    iv: bytes
    aad: bytes
    msg: bytes
    ct: bytes
    tag: bytes
    KIND: ClassVar[str] = "aead"
    HEX_FIELDS: ClassVar[dict[str, str]] = {
        "key": "key", "iv": "iv", "aad": "aad", "msg": "msg", "ct": "ct", "tag": "tag",
    }


@dataclass(frozen=True)
class MonteCarloVector(TestVector):
    """Encrypt `msg` under `key` `iterations` times, feeding each output back in."""

    key: bytes
    msg: bytes
    iterations: int
    ct: bytes
    KIND: ClassVar[str] = "monte-carlo"
    HEX_FIELDS: ClassVar[dict[str, str]] = {"key": "key", "msg": "msg", "ct": "ct"}


@dataclass(frozen=True)
class KeystreamVector(TestVector):
    key: bytes
    iv: bytes
    keystream: bytes
    KIND: ClassVar[str] = "keystream"
    HEX_FIELDS: ClassVar[dict[str, str]] = {"key": "key", "iv": "iv", "keystream": "keystream"}


@dataclass(frozen=True)
class Sm2SignatureVector(TestVector):
    public_key: bytes  # 65 bytes 04 || X || Y
    private_key: bytes  # empty where only the public key is known
    uid: bytes
    msg: bytes
    sig: bytes  # 64 bytes r || s (or malformed, for invalid vectors)
    KIND: ClassVar[str] = "sm2-signature"
    HEX_FIELDS: ClassVar[dict[str, str]] = {
        "publicKey": "public_key", "privateKey": "private_key", "uid": "uid", "msg": "msg",
        "sig": "sig",
    }


@dataclass(frozen=True)
class SignatureVector(TestVector):
    """ECDSA and RSA signatures: no signer ID enters the digest, unlike SM2."""

    public_key: bytes  # ECDSA: 65 bytes 04 || X || Y; RSA: SubjectPublicKeyInfo DER
    private_key: bytes  # empty where only the public key is known
    msg: bytes
    sig: bytes  # ECDSA: r || s, 64 bytes; RSA: the signature block
    KIND: ClassVar[str] = "signature"
    HEX_FIELDS: ClassVar[dict[str, str]] = {
        "publicKey": "public_key", "privateKey": "private_key", "msg": "msg", "sig": "sig",
    }


@dataclass(frozen=True)
class Sm2EncryptionVector(TestVector):
    public_key: bytes
    private_key: bytes
    msg: bytes
    ct: bytes  # C1 || C3 || C2
    KIND: ClassVar[str] = "sm2-encryption"
    HEX_FIELDS: ClassVar[dict[str, str]] = {
        "publicKey": "public_key", "privateKey": "private_key", "msg": "msg", "ct": "ct",
    }


KINDS: dict[str, type[TestVector]] = {
    cls.KIND: cls
    for cls in (
        DigestVector, MacVector, CipherVector, AeadVector, MonteCarloVector, KeystreamVector,
        Sm2SignatureVector, SignatureVector, Sm2EncryptionVector,
    )
}


@dataclass(frozen=True)
class VectorSet:
    """One validated vector file."""

    path: str  # relative to the vectors root
    sha256: str
    algorithm: str
    kind: str
    licence: str
    tests: tuple[TestVector, ...]

    def __iter__(self) -> Iterator[TestVector]:
        return iter(self.tests)

    def __len__(self) -> int:
        return len(self.tests)

    def sources(self) -> list[Source]:
        return sorted({test.source for test in self.tests}, key=str)


def default_root() -> Path:
    return Path(str(files("certkit.vector_files")))


class VectorStore:
    """The vectors folder: every file checked against MANIFEST.json before it is used."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_root()
        self._cache: dict[str, VectorSet] = {}

    @cached_property
    def manifest_bytes(self) -> bytes:
        try:
            return (self.root / MANIFEST_FILE).read_bytes()
        except OSError as exc:
            raise VectorError(f"{self.root / MANIFEST_FILE}: cannot read manifest: {exc}") from None

    @cached_property
    def manifest(self) -> dict[str, str]:
        where = self.root / MANIFEST_FILE
        try:
            data = json.loads(self.manifest_bytes)
            entries = data["files"]
            if not isinstance(entries, dict):
                raise TypeError("'files' is not an object")
        except (ValueError, KeyError, TypeError) as exc:
            raise VectorError(f"{where}: malformed manifest: {exc}") from None
        return {str(name): str(digest) for name, digest in entries.items()}

    @property
    def manifest_digest(self) -> str:
        """SHA-256 of MANIFEST.json, recorded in every run."""
        return hashlib.sha256(self.manifest_bytes).hexdigest()

    @cached_property
    def _validator(self) -> jsonschema.protocols.Validator:
        raw = self._read_checked(SCHEMA_FILE)
        schema = json.loads(raw)
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
        return validator_class(schema)

    def _read_checked(self, relative: str) -> bytes:
        where = self.root / relative
        expected = self.manifest.get(relative)
        if expected is None:
            raise VectorError(f"{where}: not listed in {MANIFEST_FILE}")
        try:
            raw = where.read_bytes()
        except OSError as exc:
            raise VectorError(f"{where}: cannot read: {exc.strerror}") from None
        actual = hashlib.sha256(raw).hexdigest()
        if actual != expected:
            raise VectorError(
                f"{where}: SHA-256 {actual[:16]}... does not match {MANIFEST_FILE} "
                f"({expected[:16]}...): the file was altered"
            )
        return raw

    def load(self, relative: str) -> VectorSet:
        """Load, verify and type one vector file; any defect is a VectorError naming it."""
        if relative not in self._cache:
            self._cache[relative] = self._load(relative)
        return self._cache[relative]

    def _load(self, relative: str) -> VectorSet:
        where = self.root / relative
        raw = self._read_checked(relative)
        try:
            document = json.loads(raw)
        except ValueError as exc:
            raise VectorError(f"{where}: not valid JSON: {exc}") from None
        error = jsonschema.exceptions.best_match(self._validator.iter_errors(document))
        if error is not None:
            raise VectorError(f"{where}: {_locate(document, list(error.absolute_path))}: "
                              f"{error.message}")
        cls = KINDS[document["schema"]]
        tests = tuple(_parse_tests(document, cls, relative))
        if len(tests) != document["numberOfTests"]:
            raise VectorError(f"{where}: numberOfTests says {document['numberOfTests']}, "
                              f"file has {len(tests)}")
        seen: set[int] = set()
        for test in tests:
            if test.tc_id in seen:
                raise VectorError(f"{where}: tcId {test.tc_id}: duplicate tcId")
            seen.add(test.tc_id)
        return VectorSet(
            path=relative,
            sha256=self.manifest[relative],  # _read_checked has just proved the file matches
            algorithm=document["algorithm"],
            kind=document["schema"],
            licence=document["licence"],
            tests=tests,
        )

    def listed_files(self) -> list[str]:
        return sorted(self.manifest)

    def verify_all(self) -> list[str]:
        """Check every listed file and that no unlisted file hides in the folder.

        Returns the problems, one line each (empty when all is well).
        """
        problems = []
        on_disk = {
            path.relative_to(self.root).as_posix()
            for path in self.root.rglob("*.json")
            if path.name != MANIFEST_FILE
        }
        for extra in sorted(on_disk - set(self.manifest)):
            problems.append(f"{self.root / extra}: not listed in {MANIFEST_FILE}")
        for relative in self.listed_files():
            try:
                if relative == SCHEMA_FILE:
                    self._validator  # noqa: B018  (reading it checks digest and schema)
                else:
                    self.load(relative)
            except VectorError as exc:
                problems.append(str(exc))
        return problems


def _locate(document: Any, path: list[str | int]) -> str:
    """Name a JSON path, with the tcId of the test it lies in when there is one."""
    text = "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    node = document
    tc_id = None
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, Mapping) and "tcId" in node:
            tc_id = node["tcId"]
    return f"tcId {tc_id} ({text})" if tc_id is not None else text


def _message(test: Mapping[str, Any]) -> bytes:
    if "msgRepeat" in test:
        spec = test["msgRepeat"]
        return bytes.fromhex(spec["hex"]) * spec["count"]
    return bytes.fromhex(test["msg"])


def _parse_tests(document: Mapping[str, Any], cls: type[TestVector], relative: str
                 ) -> Iterator[TestVector]:
    attr_to_field = {attr: name for name, attr in cls.HEX_FIELDS.items()}
    extra = [f.name for f in fields(cls) if f.name not in attr_to_field
             and f.name not in {f2.name for f2 in fields(TestVector)}]
    for group in document["testGroups"]:
        source = Source(**group["source"])
        for test in group["tests"]:
            values: dict[str, Any] = {}
            for attr, name in attr_to_field.items():
                values[attr] = (_message(test) if name == "msg"
                                else bytes.fromhex(test.get(name, "")))
            for attr in extra:
                values[attr] = test[attr]
            yield cls(
                vectors=relative,
                source=source,
                tc_id=test["tcId"],
                comment=test["comment"],
                result=Result(test["result"]),
                flags=tuple(test["flags"]),
                **values,
            )
