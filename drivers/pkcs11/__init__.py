"""`pkcs11:` -- PKCS#11 tokens by RFC 7512 URI.

    pkcs11:token=NAME;serial=...?module-path=/usr/lib/softhsm/libsofthsm2.so
    pkcs11:slot-id=42?module-path=...&pin-source=file:/run/secrets/pin
    pkcs11:token=NAME?module-path=...&mechanism-map=/etc/certkit/vendor-x.toml

The path selects one initialised token by `token`, `manufacturer`,
`serial`, `model`, `slot-id`, `slot-description`, `slot-manufacturer` and
the `library-*` attributes; the query holds `module-path` (or
`module-name`), the PIN's source (`pin.py`: `pin-source`, `pin-value`,
else `CERTKIT_PIN`, else a prompt) and `mechanism-map` (vendor values for
SM2/SM3/SM4, `mechanisms.py`).

Capabilities come from C_GetMechanismList and C_GetMechanismInfo
(`mechanisms.py`); the token's CKF_RNG flag gives RANDOM; every token
offers KEY-DESTROY and PKCS11-API (raw access for the `pkcs11_api` suite).

How the Device contract maps onto Cryptoki:

* Symmetric keys, HMAC keys and public keys arrive as bytes and become
  session objects, cached per key value for the session (`token.py`).
  AES-GCM answers ciphertext || 16-byte tag; a tag the token rejects with
  CKR_ENCRYPTED_DATA_INVALID is AuthFailed, any other code stays what it is.
* HMAC keys below the token's minimum length are zero-padded to the 64-byte
  block (the same key under RFC 2104); SoftHSM's minimum is 32 bytes.
* KeyHandle algorithms: `ECDSA-P256` (public key: 65 bytes 04 || X || Y;
  signatures: 64 bytes r || s over SHA-256, hashed on the host when the
  token has only CKM_ECDSA), `RSA-2048-PKCS1` and `RSA-2048-PSS` (public
  key: DER SubjectPublicKeyInfo; signatures: 256 bytes; SHA-256, and for
  PSS MGF1-SHA-256 with a 32-byte salt), `SM2` (with a mechanism map; the
  token signs e = SM3(Z_A || M), computed on the host from the user ID).
  `generate_key`, `import_key` (EC: the 32-byte scalar; RSA: DER PKCS#8 or
  PKCS#1), `sign`, `verify` and `destroy_key` take these names (and
  `generate_key` takes `RSA-2048`, a pair without a signing scheme); private
  keys are session objects, CKA_SENSITIVE true and CKA_EXTRACTABLE false,
  so `export_key` is Denied by a conforming token.
* `verify` answers False for CKR_SIGNATURE_INVALID and
  CKR_SIGNATURE_LEN_RANGE, raises for anything else.

The module is loaded once per process and never finalised (`cryptoki.py`).
"""

from __future__ import annotations

from certkit.device import Device, DriverSpec
from certkit.errors import ConfigError, Unreachable
from certkit.hookspecs import hookimpl
from certkit.url import DeviceURL

from . import cryptoki, pin
from .cryptoki import CKF_LOGIN_REQUIRED, FUNCTION_NAMES, CryptokiError
from .mechanisms import MechanismMap, discover, load_map
from .token import Pkcs11Token
from .uri import TokenSelector, module_path

OPTIONS = {
    "module-path": "the PKCS#11 module (shared library) to load",
    "module-name": "the module's name, looked for in the usual folders (RFC 7512 2.4)",
    "pin-source": "file:/path holding the user PIN (else CERTKIT_PIN, else a prompt)",
    "pin-value": "the user PIN itself (redacted everywhere; prefer pin-source)",
    "mechanism-map": "TOML file of a product's vendor-defined SM2/SM3/SM4 values",
}
SECRET_OPTIONS = frozenset({"pin-value"})


def open_token(url: DeviceURL) -> Pkcs11Token:
    """Load the module, select the token, log in; ConfigError for anything the user can fix."""
    selector = TokenSelector.parse(url.target)
    path = module_path(url.get("module-path"), url.get("module-name"))
    map_path = url.get("mechanism-map")
    sm_map: MechanismMap | None = load_map(map_path) if map_path else None
    try:
        ck = cryptoki.load(path)
    except OSError as exc:
        raise ConfigError(f"pkcs11: {exc}") from None
    except CryptokiError as exc:
        raise Unreachable(f"pkcs11: module {path}: {exc}") from None
    try:
        slot, token = selector.select(ck)
        offers, infos = discover(ck, slot, token.flags, sm_map)
    except CryptokiError as exc:
        raise Unreachable(f"pkcs11: module {path}: {exc}") from None
    pin_value, pin_source = url.get("pin-value"), url.get("pin-source")
    user_pin = None
    if token.flags & CKF_LOGIN_REQUIRED or pin_value is not None or pin_source is not None:
        user_pin = pin.resolve(pin_value=pin_value, pin_source=pin_source,
                               token_label=token.label)
    return Pkcs11Token(ck.fork(), slot, token, user_pin, offers, infos, sm_map)


def _open(url: DeviceURL) -> Device:
    return open_token(url)


@hookimpl
def certkit_drivers() -> list[DriverSpec]:
    return [DriverSpec(scheme="pkcs11", title="a PKCS#11 token (RFC 7512 URI)", open=_open,
                       options=OPTIONS, secret_options=SECRET_OPTIONS, isolation="process",
                       library="the PKCS#11 library", native_functions=FUNCTION_NAMES)]
