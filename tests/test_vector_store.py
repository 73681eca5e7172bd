"""Vector files: a malformed or altered file is one error naming the file and where in it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from certkit.errors import VectorError
from certkit.vectors import MANIFEST_FILE, CipherVector, VectorStore


def rewrite(root: Path, relative: str, change: object) -> None:
    """Edit a file and re-sign the manifest, as a careless maintainer would."""
    path = root / relative
    document = json.loads(path.read_text())
    change(document)  # type: ignore[operator]
    path.write_text(json.dumps(document))
    manifest = json.loads((root / MANIFEST_FILE).read_text())
    manifest["files"][relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    (root / MANIFEST_FILE).write_text(json.dumps(manifest))


def test_vectors_load_as_typed_records_with_bytes() -> None:
    vectors = VectorStore().load("sm4/cbc.json")
    first = vectors.tests[0]
    assert isinstance(first, CipherVector) and isinstance(first.key, bytes)
    assert all(str(test.source) for test in vectors)


def test_bad_hex_names_the_file_the_tcid_and_the_field(vectors_copy: Path) -> None:
    def corrupt(document: dict) -> None:
        document["testGroups"][0]["tests"][1]["md"] = "zz"

    rewrite(vectors_copy, "sm3/lengths.json", corrupt)
    with pytest.raises(VectorError) as caught:
        VectorStore(vectors_copy).load("sm3/lengths.json")
    message = str(caught.value)
    assert "sm3/lengths.json" in message and "tcId 2" in message and ".md" in message
    assert "\n" not in message


def test_duplicate_tcid_is_an_error_not_an_overwrite(vectors_copy: Path) -> None:
    def duplicate(document: dict) -> None:
        document["testGroups"][0]["tests"][1]["tcId"] = 1

    rewrite(vectors_copy, "sm3/lengths.json", duplicate)
    with pytest.raises(VectorError, match="tcId 1: duplicate"):
        VectorStore(vectors_copy).load("sm3/lengths.json")


def test_a_group_without_its_source_is_refused(vectors_copy: Path) -> None:
    def unsourced(document: dict) -> None:
        del document["testGroups"][0]["source"]

    rewrite(vectors_copy, "sm3/gbt32905.json", unsourced)
    with pytest.raises(VectorError, match="source"):
        VectorStore(vectors_copy).load("sm3/gbt32905.json")


def test_an_unlisted_file_is_reported(vectors_copy: Path) -> None:
    (vectors_copy / "sm3" / "extra.json").write_text("{}")
    problems = VectorStore(vectors_copy).verify_all()
    assert any("extra.json: not listed" in problem for problem in problems)


def test_an_altered_schema_is_caught(vectors_copy: Path) -> None:
    schema = vectors_copy / "schema" / "vectors.schema.json"
    schema.write_text(schema.read_text().replace('"minimum": 1', '"minimum": 0', 1))
    with pytest.raises(VectorError, match="altered"):
        VectorStore(vectors_copy).load("sm3/gbt32905.json")
