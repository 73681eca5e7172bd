"""Regenerate vectors/MANIFEST.json: the SHA-256 of every JSON file under vectors/.

Run from the repository root after adding or changing a vector file:

    python scripts/update_manifest.py          # rewrite the manifest
    python scripts/update_manifest.py --check  # exit 1 if the manifest is out of date

The loader (`certkit.vectors.VectorStore`) refuses any file whose digest does not match, so a
hand edit of a vector file is caught until a maintainer re-runs this script.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

MANIFEST_FILE = "MANIFEST.json"
SCHEMA_VERSION = 1
DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "vectors"


def build_manifest(root: Path) -> dict[str, object]:
    """Return the manifest for every *.json under root except the manifest itself."""
    files = {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*.json")
        if path.relative_to(root).as_posix() != MANIFEST_FILE
    }
    return {"schemaVersion": SCHEMA_VERSION, "files": dict(sorted(files.items()))}


def manifest_text(root: Path) -> str:
    return json.dumps(build_manifest(root), indent=2) + "\n"


def write_manifest(root: Path) -> None:
    """Rewrite root/MANIFEST.json from the files on disk."""
    (root / MANIFEST_FILE).write_text(manifest_text(root), encoding="ascii")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                        help="the vectors folder (default: vectors/ of this repository)")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the manifest differs from the files")
    args = parser.parse_args(argv)
    target = args.root / MANIFEST_FILE
    fresh = manifest_text(args.root)
    if args.check:
        current = target.read_text(encoding="ascii") if target.exists() else ""
        if current != fresh:
            print(f"{target} is out of date; run scripts/update_manifest.py", file=sys.stderr)
            return 1
        print(f"{target} is up to date", file=sys.stderr)
        return 0
    target.write_text(fresh, encoding="ascii")
    count = len(json.loads(fresh)["files"])
    print(f"wrote {target} ({count} files)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
