"""Where a token's user PIN comes from: never argv, a log, a result or a report.

In order: the URI's `pin-value=` (RFC 7512 4.4; a secret option that every
record of the URL redacts, though it still stands on the command line, so
prefer the others), `pin-source=file:/path`, the `CERTKIT_PIN` environment
variable, and a prompt when stdin is a terminal. Otherwise a ConfigError
names the ways to give one. Error messages name where a PIN came from, never
what it is.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO
from urllib.parse import unquote, urlsplit

from certkit.errors import ConfigError

ENVIRONMENT_VARIABLE = "CERTKIT_PIN"


class Pin:
    """A PIN and where it came from; its text is kept out of repr() and str()."""

    __slots__ = ("_value", "origin")

    def __init__(self, value: bytes, origin: str) -> None:
        self._value = value
        self.origin = origin

    @property
    def value(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return f"Pin(from {self.origin})"

    __str__ = __repr__


def _source_file(source: str) -> Path:
    """The file a `pin-source` names: a `file:` URI or an absolute path (RFC 7512 2.4)."""
    if source.startswith("file:"):
        parts = urlsplit(source)
        if parts.netloc not in ("", "localhost"):
            raise ConfigError(f"pkcs11: pin-source {source!r} names another host")
        return Path(unquote(parts.path))
    if source.startswith("/"):
        return Path(source)
    raise ConfigError(f"pkcs11: pin-source {source!r}: certkit reads only files "
                      "(pin-source=file:/path/to/pin)")


def read_pin_source(source: str) -> Pin:
    path = _source_file(source)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"pkcs11: pin-source {path}: cannot read: {exc.strerror}") from None
    value = text[:-2] if text.endswith(b"\r\n") else text[:-1] if text.endswith(b"\n") else text
    if not value:
        raise ConfigError(f"pkcs11: pin-source {path} is empty")
    return Pin(value, f"pin-source {path}")


def resolve(*, pin_value: str | None, pin_source: str | None, token_label: str,
            environ: Mapping[str, str] = os.environ, stdin: TextIO | None = None) -> Pin:
    """The user PIN for `token_label`, from the first of the sources that gives one."""
    if pin_value is not None:
        if not pin_value:
            raise ConfigError("pkcs11: pin-value is empty")
        return Pin(pin_value.encode("utf-8"), "the URI's pin-value")
    if pin_source is not None:
        return read_pin_source(pin_source)
    from_environment = environ.get(ENVIRONMENT_VARIABLE)
    if from_environment:
        return Pin(from_environment.encode("utf-8"), f"${ENVIRONMENT_VARIABLE}")
    terminal = stdin if stdin is not None else sys.stdin
    if terminal is not None and terminal.isatty():
        typed = getpass.getpass(f"certkit: user PIN for token '{token_label}': ")
        if typed:
            return Pin(typed.encode("utf-8"), "the prompt")
    raise ConfigError(
        f"pkcs11: token '{token_label}' needs a user PIN: set {ENVIRONMENT_VARIABLE}, or add "
        "pin-source=file:/path/to/pin to the URI's query (or run from a terminal to be asked)"
    )
