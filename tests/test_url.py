"""Device URLs: scheme picks the driver, unknown options are named, secrets never shown."""

from __future__ import annotations

import pytest

from certkit.errors import ConfigError
from certkit.url import DeviceURL


def test_serial_socket_url_keeps_its_target_and_options() -> None:
    url = DeviceURL.parse("serial:socket://127.0.0.1:7000?timeout=2&retries=3")
    assert (url.scheme, url.target) == ("serial", "socket://127.0.0.1:7000")
    assert url.get("timeout") == "2" and url.get("retries") == "3"


def test_pkcs11_uri_path_attributes_stay_in_the_target() -> None:
    url = DeviceURL.parse("pkcs11:token=lab;serial=42?module-path=/usr/lib/x.so")
    assert url.target == "token=lab;serial=42"
    assert url.get("module-path") == "/usr/lib/x.so"


def test_repeated_options_are_all_kept() -> None:
    url = DeviceURL.parse("emulator:?fault=a&fault=b")
    assert url.get_all("fault") == ["a", "b"]


def test_unknown_options_are_named_in_the_error() -> None:
    url = DeviceURL.parse("emulator:?speed=9&fault=x&colour=red")
    with pytest.raises(ConfigError, match="colour, speed"):
        url.check_options({"fault"})


@pytest.mark.parametrize("text", ["", "no-scheme", ":x", "emulator:?a=1&&=&"])
def test_malformed_urls_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError):
        DeviceURL.parse(text)


def test_secret_options_are_redacted() -> None:
    url = DeviceURL.parse("pkcs11:token=t?pin-value=1234&module-path=/m.so")
    text = url.redacted(frozenset({"pin-value"}))
    assert "1234" not in text and "pin-value=***" in text and "module-path=/m.so" in text
