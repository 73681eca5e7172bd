"""Device URLs: one string names the device under test, the scheme picks the driver."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from certkit.errors import ConfigError


@dataclass(frozen=True)
class DeviceURL:
    """`scheme:target?option=value&...`, as DESIGN.md's table of devices has them.

    The target is opaque to the core (a serial port name, an RFC 7512 path);
    the query carries certkit's options for the driver. An option may repeat
    (`fault=a&fault=b`).
    """

    scheme: str
    target: str
    options: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, text: str) -> DeviceURL:
        scheme, sep, rest = text.partition(":")
        if not sep or not scheme or not scheme.replace("-", "").isalnum():
            raise ConfigError(f"device URL {text!r} has no scheme (expected e.g. 'emulator:')")
        # A serial target may itself be a URL with a query of its own only in
        # pyserial's socket:// form, which takes none, so the last '?' splits.
        target, _, query = rest.rpartition("?") if "?" in rest else (rest, "", "")
        try:
            options = tuple(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
        except ValueError as exc:
            raise ConfigError(f"device URL {text!r}: malformed options: {exc}") from None
        return cls(scheme=scheme.lower(), target=target, options=options)

    def get(self, name: str, default: str | None = None) -> str | None:
        """Return the last value of option `name`, or `default`."""
        values = self.get_all(name)
        return values[-1] if values else default

    def get_all(self, name: str) -> list[str]:
        return [value for key, value in self.options if key == name]

    def check_options(self, allowed: set[str] | frozenset[str]) -> None:
        """Raise ConfigError naming every option the driver does not accept."""
        unknown = sorted({key for key, _ in self.options} - set(allowed))
        if unknown:
            accepted = ", ".join(sorted(allowed)) or "none"
            raise ConfigError(
                f"device URL '{self.scheme}:': unknown option(s) {', '.join(unknown)} "
                f"(accepted: {accepted})"
            )

    def redacted(self, secret_options: frozenset[str]) -> str:
        """Render the URL with secret option values replaced, for journals and reports."""
        parts = [
            f"{quote(key, safe='-_')}="
            + ("***" if key in secret_options else quote(value, safe=",:/.-_"))
            for key, value in self.options
        ]
        query = "?" + "&".join(parts) if parts else ""
        return f"{self.scheme}:{self.target}{query}"
