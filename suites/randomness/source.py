"""`file:` devices: a recorded RANDOM output, binary or ASCII '0'/'1', read as a device's RANDOM.

`certkit rng FILE` opens one, so a file goes through the very cases, journal,
results.json and reports a device does. The file streams: RANDOM(n) reads the
next n bytes' worth, whatever the file's size.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from certkit.device import Device, DeviceInfo, DriverSpec
from certkit.errors import BadParameter, ConfigError
from certkit.randomness import bits as bitseq
from certkit.url import DeviceURL

FORMATS = ("bin", "ascii")
_READ = 1 << 20


def file_digest(path: Path) -> str:
    """SHA-256 of the file, so a report names exactly the data it judged."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_READ):
            digest.update(block)
    return digest.hexdigest()


def count_bits(path: Path, fmt: str) -> int:
    """How many bits the file holds; an ASCII file must hold nothing but '0', '1' and whitespace."""
    if fmt == "bin":
        return path.stat().st_size * 8
    total = 0
    with path.open("rb") as handle:
        while block := handle.read(_READ):
            try:
                total += bitseq.from_text(block).size
            except ValueError as exc:
                raise ConfigError(f"{path}: {exc}") from None
    return total


class FileSource(Device):
    """A device whose only operation, RANDOM, reads the file onward from where it stopped."""

    def __init__(self, path: Path, fmt: str) -> None:
        if fmt not in FORMATS:
            raise ConfigError(f"file format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        if not path.is_file():
            raise ConfigError(f"{path}: no such file")
        self.path = path
        self.format = fmt
        self.info = DeviceInfo(vendor="file", model=path.name, firmware=fmt,
                               serial=f"sha256:{file_digest(path)}")
        self.capabilities = frozenset({"RANDOM"})
        self._handle: BinaryIO = path.open("rb")
        self._spare = np.zeros(0, dtype=np.uint8)  # ASCII bits read but not yet handed out

    def close(self) -> None:
        self._handle.close()

    def random(self, length: int) -> bytes:
        if length < 1:
            raise BadParameter("RANDOM needs at least one byte")
        data = self._handle.read(length) if self.format == "bin" else self._ascii(length * 8)
        if len(data) < length:
            raise BadParameter(f"{self.path.name} holds no more data ({len(data)} of "
                               f"{length} bytes left)")
        return data

    def _ascii(self, wanted: int) -> bytes:
        parts = [self._spare]
        have = self._spare.size
        while have < wanted:
            block = self._handle.read(_READ)
            if not block:
                break
            try:
                found = bitseq.from_text(block)
            except ValueError as exc:
                raise BadParameter(f"{self.path.name}: {exc}") from None
            parts.append(found)
            have += found.size
        joined = np.concatenate(parts)
        whole = min(joined.size, wanted) // 8 * 8
        self._spare = joined[whole:]
        return bitseq.to_bytes(joined[:whole])


def open_file(url: DeviceURL) -> FileSource:
    return FileSource(Path(url.target), url.get("format", "bin") or "bin")


DRIVER = DriverSpec(
    scheme="file",
    title="recorded RANDOM output in a file (certkit rng)",
    open=open_file,
    options={"format": "bin (default) or ascii ('0'/'1' characters, whitespace ignored)"},
)
