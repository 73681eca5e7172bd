"""RFC 7512 `pkcs11:` URIs: which module to load and which token in it to open.

certkit's URL parser has already split the query (module-path, pin-source,
...) into options; the path (`token=NAME;serial=...`) is parsed here. Path
attributes that name objects (`object`, `type`, `id`) are refused: the URI
names the device under test, not a key in it.
"""

from __future__ import annotations

import ctypes.util
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from certkit.errors import ConfigError

from .cryptoki import CKF_TOKEN_INITIALIZED, Cryptoki, TokenInfo

# RFC 7512 2.3, pk11-pattr: what each attribute is matched against
TOKEN_ATTRIBUTES = ("token", "manufacturer", "serial", "model")
SLOT_ATTRIBUTES = ("slot-id", "slot-description", "slot-manufacturer")
LIBRARY_ATTRIBUTES = ("library-manufacturer", "library-description", "library-version")
OBJECT_ATTRIBUTES = ("object", "type", "id")
PATH_ATTRIBUTES = TOKEN_ATTRIBUTES + SLOT_ATTRIBUTES + LIBRARY_ATTRIBUTES
# where module-name is looked for when no module-path is given
MODULE_DIRS = ("/usr/lib/x86_64-linux-gnu/pkcs11", "/usr/lib/aarch64-linux-gnu/pkcs11",
               "/usr/lib/pkcs11", "/usr/lib/softhsm", "/usr/local/lib/softhsm")


@dataclass(frozen=True)
class TokenSelector:
    """The path attributes of a `pkcs11:` URI, percent-decoded."""

    attributes: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, path: str) -> TokenSelector:
        attributes: list[tuple[str, str]] = []
        for part in filter(None, path.split(";")):
            name, sep, value = part.partition("=")
            if not sep:
                raise ConfigError(f"pkcs11: path attribute {part!r} has no '=' (RFC 7512 2.3)")
            name = name.strip().lower()
            if name in OBJECT_ATTRIBUTES:
                raise ConfigError(f"pkcs11: '{name}=' names an object; a device URL names a "
                                  "token (token=, serial=, slot-id=, ...)")
            if name not in PATH_ATTRIBUTES:
                raise ConfigError(f"pkcs11: unknown path attribute {name!r} (accepted: "
                                  f"{', '.join(PATH_ATTRIBUTES)})")
            if any(name == seen for seen, _ in attributes):
                raise ConfigError(f"pkcs11: path attribute {name!r} given twice (RFC 7512 2.3)")
            attributes.append((name, unquote(value)))
        return cls(tuple(attributes))

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.attributes if key == name), None)

    def describe(self) -> str:
        return ";".join(f"{key}={value}" for key, value in self.attributes) or "(any token)"

    def _matches_library(self, ck: Cryptoki) -> bool:
        wanted = [(name, self.get(name)) for name in LIBRARY_ATTRIBUTES]
        if all(value is None for _, value in wanted):
            return True
        manufacturer, description, version = ck.library_info()
        have = {"library-manufacturer": manufacturer, "library-description": description,
                "library-version": version}
        return all(value is None or have[name] == value for name, value in wanted)

    def _matches(self, slot: int, token: TokenInfo, slot_text: tuple[str, str]) -> bool:
        have = {"token": token.label, "manufacturer": token.manufacturer,
                "serial": token.serial, "model": token.model, "slot-id": str(slot),
                "slot-description": slot_text[0], "slot-manufacturer": slot_text[1]}
        return all(have[name] == value for name, value in self.attributes if name in have)

    def select(self, ck: Cryptoki) -> tuple[int, TokenInfo]:
        """The one slot whose token matches; a ConfigError lists the tokens otherwise."""
        slot_id = self.get("slot-id")
        if slot_id is not None and not slot_id.isdigit():
            raise ConfigError(f"pkcs11: slot-id must be a decimal number, got {slot_id!r}")
        if not self._matches_library(ck):
            manufacturer, description, version = ck.library_info()
            raise ConfigError(f"pkcs11: the module is {manufacturer!r} {description!r} "
                              f"{version}, which the URI's library attributes do not match")
        found = []
        seen = []
        for slot in ck.slots(token_present=True):
            token = ck.token_info(slot)
            if not token.flags & CKF_TOKEN_INITIALIZED:  # an empty slot (SoftHSM keeps one spare)
                continue
            seen.append(f"slot-id={slot} token={token.label} serial={token.serial}")
            if self._matches(slot, token, ck.slot_info(slot)):
                found.append((slot, token))
        if len(found) == 1:
            return found[0]
        listing = "; ".join(seen) or "none"
        if not found:
            raise ConfigError(f"pkcs11: no initialised token matches {self.describe()} "
                              f"(tokens: {listing})")
        raise ConfigError(f"pkcs11: {len(found)} tokens match {self.describe()}; add serial= "
                          f"or slot-id= (tokens: {listing})")


def module_path(path: str | None, name: str | None) -> str:
    """The module file from `module-path`, or found from `module-name` (RFC 7512 2.4)."""
    if path:
        if not Path(path).is_file():
            raise ConfigError(f"pkcs11: module-path {path} is not a file")
        return path
    if name:
        for folder in MODULE_DIRS:
            for candidate in (f"{name}.so", f"lib{name}.so", name):
                if (Path(folder) / candidate).is_file():
                    return str(Path(folder) / candidate)
        found = ctypes.util.find_library(name)
        if found:
            return found
        raise ConfigError(f"pkcs11: module-name {name!r} not found in {', '.join(MODULE_DIRS)}; "
                          "give module-path=")
    raise ConfigError("pkcs11: the URI names no module: add ?module-path=/path/to/module.so "
                      "(e.g. /usr/lib/softhsm/libsofthsm2.so)")
