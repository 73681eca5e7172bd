"""The `pkcs11:` driver on a SoftHSMv2 token: URIs, PINs, capabilities, operations, errors."""

from __future__ import annotations

import hashlib
import hmac
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from certkit.case_runner import open_device
from certkit.device import KeyHandle
from certkit.drivers.pkcs11 import open_token, pin
from certkit.drivers.pkcs11.api import pkcs11_api
from certkit.drivers.pkcs11.cryptoki import CKM, CKR, CryptokiError
from certkit.drivers.pkcs11.token import Pkcs11Token, refusal
from certkit.drivers.pkcs11.uri import TokenSelector
from certkit.errors import (
    BadParameter,
    ConfigError,
    Denied,
    InternalError,
    NoSuchKey,
    Unreachable,
    Unsupported,
)
from certkit.plugins import load_plugins
from certkit.url import DeviceURL
from certkit.watchdog import GuardedDevice
from softhsm import SoftHsmToken, token

__all__ = ["token"]  # the session fixture, imported for pytest

SOFTHSM_CAPABILITIES = {
    "AES-ECB", "AES-CBC", "AES-CTR", "AES-GCM", "SHA-1", "SHA-224", "SHA-256", "SHA-384",
    "SHA-512", "HMAC-SHA-256", "ECDSA-P256-SIGN", "ECDSA-P256-VERIFY", "ECDSA-P256-GENERATE",
    "RSA-2048-PKCS1-SIGN", "RSA-2048-PSS-SIGN", "RSA-2048-GENERATE", "RANDOM", "KEY-DESTROY",
    "PKCS11-API",
}


@pytest.fixture
def device(token: SoftHsmToken) -> Iterator[Pkcs11Token]:
    with open_token(DeviceURL.parse(token.url())) as opened:
        yield opened


# -- URIs and PINs ------------------------------------------------------------------------------


def test_the_token_is_found_by_label_serial_or_slot_id(device: Pkcs11Token,
                                                      token: SoftHsmToken) -> None:
    query = f"module-path={token.module}&pin-source=file:{token.pin_file}"
    for path in (f"serial={device.token.serial}", f"slot-id={device.slot}",
                 f"token={token.label};manufacturer=SoftHSM%20project;model=SoftHSM%20v2"):
        with open_token(DeviceURL.parse(f"pkcs11:{path}?{query}")) as other:
            assert other.slot == device.slot and other.info.serial == device.token.serial


def test_no_matching_token_is_a_config_error_listing_the_tokens(token: SoftHsmToken) -> None:
    with pytest.raises(ConfigError, match=rf"no initialised token matches token=absent.*"
                                          rf"token={token.label}"):
        open_token(DeviceURL.parse(token.url().replace(f"token={token.label}",
                                                       "token=absent")))


@pytest.mark.parametrize(("path", "message"), [
    ("token=a;colour=blue", "unknown path attribute 'colour'"),
    ("token=a;object=key1", "names an object"),
    ("token=a;token=b", "given twice"),
    ("token", "has no '='"),
])
def test_bad_path_attributes_are_named(path: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        TokenSelector.parse(path)


def test_a_uri_without_a_module_names_module_path() -> None:
    with pytest.raises(ConfigError, match="module-path="):
        open_token(DeviceURL.parse("pkcs11:token=x"))


def test_unknown_query_options_are_refused_by_name(token: SoftHsmToken) -> None:
    with pytest.raises(ConfigError, match=r"unknown option.*colour"):
        open_device(load_plugins(), token.url("colour=blue"))


def test_pin_sources_in_order(tmp_path: Path) -> None:
    pin_file = tmp_path / "pin"
    pin_file.write_bytes(b"from-file\r\n")
    env = {"CERTKIT_PIN": "from-env"}
    assert pin.resolve(pin_value="from-uri", pin_source=f"file:{pin_file}", token_label="t",
                       environ=env).value == b"from-uri"
    assert pin.resolve(pin_value=None, pin_source=f"file://{pin_file}", token_label="t",
                       environ=env).value == b"from-file"
    assert pin.resolve(pin_value=None, pin_source=None, token_label="t",
                       environ=env).value == b"from-env"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_pin_is_asked_for_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pin.getpass, "getpass", lambda prompt: "typed")
    assert pin.resolve(pin_value=None, pin_source=None, token_label="t", environ={},
                       stdin=_Terminal()).value == b"typed"
    with pytest.raises(ConfigError, match=r"CERTKIT_PIN.*pin-source"):
        pin.resolve(pin_value=None, pin_source=None, token_label="t", environ={},
                    stdin=io.StringIO())


@pytest.mark.parametrize("source", ["relative/pin", "https://example.org/pin"])
def test_pin_sources_other_than_files_are_refused(source: str) -> None:
    with pytest.raises(ConfigError, match="pin-source"):
        pin.resolve(pin_value=None, pin_source=source, token_label="t", environ={})


def test_a_pin_never_shows_in_its_repr() -> None:
    secret = pin.Pin(b"hunter2", "the prompt")
    assert "hunter2" not in repr(secret) and "hunter2" not in str(secret)


def test_a_wrong_pin_is_a_config_error_that_does_not_repeat_it(token: SoftHsmToken,
                                                               tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.pin"
    wrong.write_text("Wrong-PIN-0000\n")
    with pytest.raises(ConfigError) as raised:
        open_token(DeviceURL.parse(token.url(f"pin-source=file:{wrong}", pin_source=False)))
    assert "CKR_PIN_INCORRECT" in str(raised.value) and str(wrong) in str(raised.value)
    assert "Wrong-PIN-0000" not in str(raised.value)


def test_pin_value_is_a_secret_option_redacted_in_the_recorded_url(token: SoftHsmToken) -> None:
    device, _, redacted = open_device(load_plugins(),
                                      token.url(f"pin-value={token.pin}", pin_source=False))
    device.close()
    assert "pin-value=***" in redacted and token.pin not in redacted


# -- capabilities and identity ------------------------------------------------------------------


def test_softhsm_capabilities_come_from_its_mechanism_list(device: Pkcs11Token) -> None:
    assert device.capabilities == SOFTHSM_CAPABILITIES
    assert device.offers["ECDSA-P256-SIGN"].host_hash  # SoftHSM has CKM_ECDSA only
    assert device.offers["RSA-2048-PKCS1-SIGN"].mechanism == CKM.SHA256_RSA_PKCS
    assert device.info.vendor == "SoftHSM project" and device.info.model == "SoftHSM v2"


def test_raw_access_reaches_the_token_through_the_watchdog_and_nothing_else(
        device: Pkcs11Token) -> None:
    assert pkcs11_api(GuardedDevice(device, 5.0)).slot == device.slot
    from certkit.drivers.emulator.core import SoftwareModule

    with pytest.raises(Unsupported):
        pkcs11_api(SoftwareModule(frozenset()))


# -- operations against OpenSSL -----------------------------------------------------------------


@pytest.mark.parametrize("size", [16, 24, 32])
def test_aes_modes_match_openssl(device: Pkcs11Token, size: int) -> None:
    key, iv = os.urandom(size), os.urandom(16)
    for length in (16, 64, 4096):
        data = os.urandom(length)
        for name, mode in (("AES-ECB", modes.ECB()), ("AES-CBC", modes.CBC(iv)),
                           ("AES-CTR", modes.CTR(iv))):
            encryptor = Cipher(algorithms.AES(key), mode).encryptor()
            expected = encryptor.update(data) + encryptor.finalize()
            chosen_iv = b"" if name == "AES-ECB" else iv
            assert device.encrypt(name, key, data, iv=chosen_iv, aad=b"") == expected
            assert device.decrypt(name, key, expected, iv=chosen_iv, aad=b"") == data
        nonce, aad = os.urandom(12), os.urandom(20)
        sealed = AESGCM(key).encrypt(nonce, data, aad)
        assert device.encrypt("AES-GCM", key, data, iv=nonce, aad=aad) == sealed
        assert device.decrypt("AES-GCM", key, sealed, iv=nonce, aad=aad) == data


def test_a_rejected_gcm_tag_is_reported_with_the_call_and_code(device: Pkcs11Token) -> None:
    key, nonce = os.urandom(16), os.urandom(12)
    sealed = bytearray(AESGCM(key).encrypt(nonce, b"message", b""))
    sealed[-1] ^= 1
    # SoftHSM 2.6.1 answers CKR_GENERAL_ERROR, which is not an authentication failure.
    with pytest.raises(InternalError, match=r"C_Decrypt\(CKM_AES_GCM\) returned "
                                            r"CKR_GENERAL_ERROR"):
        device.decrypt("AES-GCM", key, bytes(sealed), iv=nonce, aad=b"")


def test_unaligned_data_is_refused_by_the_token_as_bad_parameter(device: Pkcs11Token) -> None:
    with pytest.raises(BadParameter, match="CKR_DATA_LEN_RANGE"):
        device.encrypt("AES-CBC", bytes(16), bytes(15), iv=bytes(16), aad=b"")


def test_digests_match_hashlib(device: Pkcs11Token) -> None:
    for length in (0, 55, 56, 64, 111, 112, 128, 1 << 20):
        data = os.urandom(length)
        for name in ("SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512"):
            expected = hashlib.new(name.replace("-", "").lower(), data).digest()
            assert device.digest(name, data) == expected, (name, length)


def test_hmac_keys_below_the_tokens_minimum_give_the_rfc_2104_answer(device: Pkcs11Token) -> None:
    assert device.offers["HMAC-SHA-256"].key_range()[0] == 32  # SoftHSM's ulMinKeySize
    for size in (0, 4, 31, 32, 64, 65, 131):
        key, data = os.urandom(size), os.urandom(100)
        assert device.mac("HMAC-SHA-256", key, data) == hmac.new(key, data, "sha256").digest()


def test_symmetric_keys_are_created_once_per_value(device: Pkcs11Token) -> None:
    created = []
    real = device.ck.fn.C_CreateObject

    def counting(*args: Any) -> int:
        created.append(args[0])
        return int(real(*args))

    device.ck.fn.C_CreateObject = counting
    key = os.urandom(16)
    for _ in range(5):
        device.encrypt("AES-ECB", key, bytes(16), iv=b"", aad=b"")
        device.decrypt("AES-ECB", key, bytes(16), iv=b"", aad=b"")
    device.encrypt("AES-ECB", os.urandom(16), bytes(16), iv=b"", aad=b"")
    assert len(created) == 2


def _openssl_verifies(handle: KeyHandle, message: bytes, signature: bytes) -> bool:
    from certkit.suites.kat.international import reference_verifies

    return reference_verifies(handle.algorithm, handle.public_key, message, signature)


@pytest.mark.parametrize("algorithm", ["ECDSA-P256", "RSA-2048-PKCS1", "RSA-2048-PSS"])
def test_generated_keys_sign_what_openssl_verifies(device: Pkcs11Token, algorithm: str) -> None:
    handle = device.generate_key(algorithm)
    message = os.urandom(100)
    signature = device.sign(handle, message, user_id=b"")
    assert len(signature) == (64 if algorithm == "ECDSA-P256" else 256)
    assert _openssl_verifies(handle, message, signature)
    assert device.verify(algorithm, handle.public_key, message, signature, user_id=b"")
    assert not device.verify(algorithm, handle.public_key, message + b"!", signature,
                             user_id=b"")
    assert not device.verify(algorithm, handle.public_key, message, signature[:-1],
                             user_id=b"")
    with pytest.raises(Denied, match="CKR_ATTRIBUTE_SENSITIVE"):
        device.export_key(handle)
    device.destroy_key(handle)
    with pytest.raises(NoSuchKey):
        device.sign(handle, message, user_id=b"")


def test_imported_keys_sign_under_their_public_keys(device: Pkcs11Token) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    handle = device.import_key("ECDSA-P256",
                               private.private_numbers().private_value.to_bytes(32, "big"))
    assert handle.public_key == private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    signature = device.sign(handle, b"message", user_id=b"")
    private.public_key().verify(utils.encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")),
        b"message", ec.ECDSA(hashes.SHA256()))
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = rsa_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    handle = device.import_key("RSA-2048-PSS", der)
    signature = device.sign(handle, b"message", user_id=b"")
    rsa_key.public_key().verify(signature, b"message",
                                padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())


def test_random_answers_the_length_asked(device: Pkcs11Token) -> None:
    assert [len(device.random(n)) for n in (0, 1, 32, 65532)] == [0, 1, 32, 65532]
    assert device.random(32) != device.random(32)


def test_what_softhsm_lacks_is_unsupported(device: Pkcs11Token) -> None:
    with pytest.raises(Unsupported, match="SM3"):
        device.digest("SM3", b"")
    with pytest.raises(Unsupported):
        device.generate_key("SM2")


# -- errors at the driver's edge ----------------------------------------------------------------


@pytest.mark.parametrize(("rv", "expected"), [
    (CKR.MECHANISM_INVALID, Unsupported), (CKR.DATA_LEN_RANGE, BadParameter),
    (CKR.KEY_HANDLE_INVALID, NoSuchKey), (CKR.OBJECT_HANDLE_INVALID, NoSuchKey),
    (CKR.USER_NOT_LOGGED_IN, Denied), (CKR.ATTRIBUTE_SENSITIVE, Denied),
    (CKR.DEVICE_REMOVED, Unreachable), (CKR.GENERAL_ERROR, InternalError),
    (0x8000_0001, InternalError),
])
def test_return_values_map_onto_certkits_exceptions(rv: int, expected: type) -> None:
    error = refusal(CryptokiError("C_Encrypt", rv, "CKM_AES_ECB"))
    assert type(error) is expected and "C_Encrypt(CKM_AES_ECB) returned" in str(error)


def test_a_removed_token_stops_the_run(device: Pkcs11Token) -> None:
    device.ck.fn.C_DigestInit = lambda *args: CKR.DEVICE_REMOVED
    with pytest.raises(Unreachable, match="CKR_DEVICE_REMOVED"):
        device.digest("SHA-256", b"")


# -- vendor mechanism maps ----------------------------------------------------------------------


def test_a_mechanism_map_routes_sm_capabilities_to_its_values(token: SoftHsmToken,
                                                              tmp_path: Path) -> None:
    # SoftHSM has no SM4 or SM3, so this map points them at AES-ECB and SHA-256: the
    # device must then use exactly those values (and compute AES and SHA-256).
    mapping = tmp_path / "vendor.toml"
    mapping.write_text('product = "test map"\n[key-types]\nSM4 = 0x1F\n'
                       "[mechanisms]\nSM4-ECB = 0x1081\nSM3 = 0x250\nSM4-GCM = 0x8000FFFF\n")
    with open_token(DeviceURL.parse(token.url(f"mechanism-map={mapping}"))) as mapped:
        assert {"SM4-ECB", "SM3"} <= mapped.capabilities
        assert "SM4-GCM" not in mapped.capabilities  # the token does not list that value
        used = []
        real = mapped.ck.fn.C_EncryptInit

        def spying(session: int, mechanism: Any, key: int) -> int:
            used.append(mechanism._obj.mechanism)
            return int(real(session, mechanism, key))

        mapped.ck.fn.C_EncryptInit = spying
        key = os.urandom(16)
        encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        assert mapped.encrypt("SM4-ECB", key, bytes(16), iv=b"", aad=b"") == \
            encryptor.update(bytes(16))
        assert used == [0x1081]
        assert mapped.digest("SM3", b"abc") == hashlib.sha256(b"abc").digest()


@pytest.mark.parametrize(("text", "message"), [
    ("[mechanisms]\nSM9 = 1\n", r"unknown name.*SM9"),
    ("[vendor]\n", r"unknown key.*vendor"),
    ("[mechanisms]\nSM3 = 'x'\n", "SM3 must be an integer"),
    ("[mechanisms\n", "mechanism-map"),
])
def test_a_bad_mechanism_map_is_named(token: SoftHsmToken, tmp_path: Path, text: str,
                                      message: str) -> None:
    mapping = tmp_path / "bad.toml"
    mapping.write_text(text)
    with pytest.raises(ConfigError, match=message):
        open_token(DeviceURL.parse(token.url(f"mechanism-map={mapping}")))


def test_raw_signature_mechanisms_with_host_hashing_sign_what_openssl_verifies(
        device: Pkcs11Token) -> None:
    # Tokens without CKM_SHA256_RSA_PKCS(_PSS) get the DigestInfo or the digest from the host.
    from certkit.drivers.pkcs11.mechanisms import Offer

    for capability, mechanism in (("RSA-2048-PKCS1", CKM.RSA_PKCS),
                                  ("RSA-2048-PSS", CKM.RSA_PKCS_PSS)):
        info = device.mechanism_infos[mechanism]
        for suffix in ("SIGN", "VERIFY"):
            device.offers[f"{capability}-{suffix}"] = Offer(mechanism, info, host_hash=True)
        handle = device.generate_key(capability)
        signature = device.sign(handle, b"hashed on the host", user_id=b"")
        assert _openssl_verifies(handle, b"hashed on the host", signature)
        assert device.verify(capability, handle.public_key, b"hashed on the host", signature,
                             user_id=b"")


def test_a_hashing_mechanism_is_preferred_to_host_hashing(device: Pkcs11Token) -> None:
    from certkit.drivers.pkcs11.cryptoki import CKF_SIGN, CKF_VERIFY
    from certkit.drivers.pkcs11.mechanisms import discover

    ck = device.ck.fork()
    real_list, real_info = ck.fn.C_GetMechanismList, ck.fn.C_GetMechanismInfo

    def listing(slot: int, array: Any, count: Any) -> int:
        if array is None:
            rv = real_list(slot, None, count)
            count._obj.value += 1
            return int(rv)
        count._obj.value -= 1
        rv = real_list(slot, array, count)
        array[count._obj.value] = CKM.ECDSA_SHA256
        count._obj.value += 1
        return int(rv)

    def describing(slot: int, mechanism: int, out: Any) -> int:
        if mechanism == CKM.ECDSA_SHA256:
            out._obj.ulMinKeySize, out._obj.ulMaxKeySize = 256, 521
            out._obj.flags = CKF_SIGN | CKF_VERIFY
            return CKR.OK
        return int(real_info(slot, mechanism, out))

    ck.fn.C_GetMechanismList, ck.fn.C_GetMechanismInfo = listing, describing
    offers, _ = discover(ck, device.slot, device.token.flags, None)
    assert offers["ECDSA-P256-SIGN"].mechanism == CKM.ECDSA_SHA256
    assert not offers["ECDSA-P256-SIGN"].host_hash


def test_an_rsa_pair_without_a_signing_scheme_is_made_but_signs_nothing(
        device: Pkcs11Token) -> None:
    handle = device.generate_key("RSA-2048")
    assert handle.algorithm == "RSA-2048" and len(handle.public_key) == 294
    with pytest.raises(Unsupported):
        device.sign(handle, b"message", user_id=b"")
    device.destroy_key(handle)


def test_sm2_through_a_map_signs_the_sm3_digest_of_z_and_the_message(token: SoftHsmToken,
                                                                     tmp_path: Path) -> None:
    # No SM2 in SoftHSM: this map sends SM2 to ECDSA on P-256, so what the token signs can be
    # checked: it must be e = SM3(Z_A || M), which the driver computes from the user ID.
    from certkit.reference import sm2

    mapping = tmp_path / "sm2.toml"
    mapping.write_text('product = "test map"\n[mechanisms]\nSM2-GENERATE = 0x1040\n'
                       'SM2-SIGN = 0x1041\n[sm2]\nec-params = "06082a8648ce3d030107"\n'
                       "import = true\n")
    with open_token(DeviceURL.parse(token.url(f"mechanism-map={mapping}"))) as mapped:
        assert {"SM2-GENERATE", "SM2-SIGN", "SM2-VERIFY", "SM2-IMPORT"} <= mapped.capabilities
        handle = mapped.generate_key("SM2")
        user_id, message = b"ALICE123@YAHOO.COM", b"message digest"
        signature = mapped.sign(handle, message, user_id=user_id)
        digest = sm2.message_digest(user_id, handle.public_key, message).to_bytes(32, "big")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), handle.public_key)
        public.verify(utils.encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                                 int.from_bytes(signature[32:], "big")),
                      digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        assert mapped.verify("SM2", handle.public_key, message, signature, user_id=user_id)
        assert not mapped.verify("SM2", handle.public_key, message, signature, user_id=b"BOB")
