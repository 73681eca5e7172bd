"""From C_GetMechanismList and C_GetMechanismInfo to certkit's capability names.

A capability is declared only when the token lists a mechanism that does it,
with the flags the operation needs (CKF_ENCRYPT and CKF_DECRYPT, CKF_SIGN,
...) and a key-size range that holds the size certkit's vectors use (AES:
16 bytes; P-256: 256 bits; RSA: 2048 bits; HMAC: any, see `Offer.key_range`).
Where a token offers both a hashing mechanism and its raw form, the hashing
one wins (CKM_ECDSA_SHA256 over CKM_ECDSA with a host-side SHA-256).

SM2, SM3 and SM4 have no mechanisms in PKCS#11 2.40 or 3.0; tokens that
offer them use vendor-defined values, and vendors collide, so the values
come from a per-product TOML file named in the URI (`mechanism-map=`):

    # SM mechanisms of <vendor> <model>, firmware <x> (from its PKCS#11 manual, table <n>)
    product = "Vendor Model 1.2"

    [key-types]            # CKK_ values
    SM4 = 0x80000001       # secret keys for the SM4-* mechanisms
    SM2 = 0x80000002       # SM2 key pairs; omitted: CKK_EC with [sm2] ec-params
    HMAC-SM3 = 0x10        # omitted: CKK_GENERIC_SECRET

    [mechanisms]           # CKM_ values, by certkit capability name
    SM3 = 0x80000010       # digest
    HMAC-SM3 = 0x80000011  # sign, on a secret key
    SM4-ECB = 0x80000020   # no parameter
    SM4-CBC = 0x80000021   # parameter: the 16-byte IV
    SM4-CTR = 0x80000022   # parameter: CK_AES_CTR_PARAMS layout, 128 counter bits
    SM4-GCM = 0x80000023   # parameter: CK_GCM_PARAMS layout, 128 tag bits
    SM2-GENERATE = 0x80000030  # key-pair generation
    SM2-SIGN = 0x80000031      # sign and verify the 32-byte e = SM3(Z_A || M), made on the host

    [sm2]
    ec-params = "06082a811ccf5501822d"   # CKA_EC_PARAMS: the OID 1.2.156.10197.1.301, DER
    import = true          # the token accepts SM2 private keys by C_CreateObject (SM2-IMPORT)

Every entry is optional; each capability is still declared only when the
token lists its value with the right flags.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from certkit.capabilities import VOCABULARY
from certkit.errors import ConfigError

from .cryptoki import (
    CKF_DECRYPT,
    CKF_DIGEST,
    CKF_ENCRYPT,
    CKF_GENERATE_KEY_PAIR,
    CKF_RNG,
    CKF_SIGN,
    CKF_VERIFY,
    CKK_AES,
    CKK_EC,
    CKK_GENERIC_SECRET,
    CKM,
    Cryptoki,
    CryptokiError,
    MechanismInfo,
)

# DER of the named-curve OIDs, for CKA_EC_PARAMS
P256_PARAMS = bytes.fromhex("06082a8648ce3d030107")
SM2_PARAMS = bytes.fromhex("06082a811ccf5501822d")
AES_KEY_BYTES = 16
RSA_BITS = 2048
P256_BITS = 256
# Services a PKCS#11 device offers by the interface itself.
PKCS11_API = "PKCS11-API"
KEY_DESTROY = "KEY-DESTROY"


@dataclass(frozen=True)
class Offer:
    """How the token does one capability: the mechanism, its limits, who hashes."""

    mechanism: int
    info: MechanismInfo
    host_hash: bool = False  # signatures: the token signs a digest made on the host
    key_type: int = 0  # secret-key capabilities: the CKK_ of the keys to import

    def key_range(self) -> tuple[int, int]:
        return self.info.min_key_size, self.info.max_key_size


@dataclass(frozen=True)
class MechanismMap:
    """A product's vendor-defined values for SM2, SM3 and SM4."""

    product: str = ""
    mechanisms: Mapping[str, int] = field(default_factory=dict)
    key_types: Mapping[str, int] = field(default_factory=dict)
    sm2_ec_params: bytes = SM2_PARAMS
    sm2_import: bool = False


MAPPABLE = ("SM3", "HMAC-SM3", "SM4-ECB", "SM4-CBC", "SM4-CTR", "SM4-GCM", "SM2-GENERATE",
            "SM2-SIGN")
MAPPABLE_KEY_TYPES = ("SM4", "SM2", "HMAC-SM3")


def _value(where: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << 64:
        raise ConfigError(f"{where}: {name} must be an integer CKM_/CKK_ value, got {value!r}")
    return value


def load_map(path: str) -> MechanismMap:
    """Read a mechanism map; any unknown table or name is an error that names it."""
    where = f"pkcs11: mechanism-map {path}"
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    unknown = sorted(set(data) - {"product", "mechanisms", "key-types", "sm2"})
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} "
                          "(accepted: product, mechanisms, key-types, sm2)")
    mechanisms = dict(data.get("mechanisms", {}))
    key_types = dict(data.get("key-types", {}))
    sm2 = dict(data.get("sm2", {}))
    for table, names, allowed in (("mechanisms", mechanisms, MAPPABLE),
                                  ("key-types", key_types, MAPPABLE_KEY_TYPES),
                                  ("sm2", sm2, ("ec-params", "import"))):
        extra = sorted(set(names) - set(allowed))
        if extra:
            raise ConfigError(f"{where}: [{table}] unknown name(s) {', '.join(extra)} "
                              f"(accepted: {', '.join(allowed)})")
    try:
        ec_params = bytes.fromhex(str(sm2.get("ec-params", SM2_PARAMS.hex())))
    except ValueError:
        raise ConfigError(f"{where}: [sm2] ec-params must be hex (DER)") from None
    if not isinstance(sm2.get("import", False), bool):
        raise ConfigError(f"{where}: [sm2] import must be true or false")
    return MechanismMap(
        product=str(data.get("product", "")),
        mechanisms={name: _value(where, name, v) for name, v in mechanisms.items()},
        key_types={name: _value(where, name, v) for name, v in key_types.items()},
        sm2_ec_params=ec_params,
        sm2_import=bool(sm2.get("import", False)),
    )


DIGESTS = {"SHA-1": CKM.SHA_1, "SHA-224": CKM.SHA224, "SHA-256": CKM.SHA256,
           "SHA-384": CKM.SHA384, "SHA-512": CKM.SHA512}
AES_MODES = {"AES-ECB": CKM.AES_ECB, "AES-CBC": CKM.AES_CBC, "AES-CTR": CKM.AES_CTR,
             "AES-GCM": CKM.AES_GCM}
BOTH_WAYS = CKF_ENCRYPT | CKF_DECRYPT
Has = Callable[[int, int], "MechanismInfo | None"]
SIGN_AND_VERIFY = CKF_SIGN | CKF_VERIFY


def _holds(info: MechanismInfo, size: int) -> bool:
    """Whether the stated key-size range takes `size`; a range of 0..0 states nothing (some
    tokens leave it unset), so it takes every size and the token answers for itself."""
    if info.min_key_size == info.max_key_size == 0:
        return True
    return info.min_key_size <= size <= info.max_key_size


def discover(ck: Cryptoki, slot: int, token_flags: int, sm_map: MechanismMap | None
             ) -> tuple[dict[str, Offer], dict[int, MechanismInfo]]:
    """Each capability the token offers and how; and every listed mechanism's info."""
    infos: dict[int, MechanismInfo] = {}
    for mechanism in ck.mechanisms(slot):
        try:
            infos[mechanism] = ck.mechanism_info(slot, mechanism)
        except CryptokiError:
            continue  # listed but not described: not usable for a declaration
    offers: dict[str, Offer] = {}

    def has(mechanism: int, flags: int) -> MechanismInfo | None:
        info = infos.get(mechanism)
        return info if info is not None and info.flags & flags == flags else None

    for name, mechanism in DIGESTS.items():
        if (info := has(mechanism, CKF_DIGEST)) is not None:
            offers[name] = Offer(mechanism, info)
    if (info := has(CKM.SHA256_HMAC, SIGN_AND_VERIFY)) is not None:
        offers["HMAC-SHA-256"] = Offer(CKM.SHA256_HMAC, info, key_type=CKK_GENERIC_SECRET)
    for name, mechanism in AES_MODES.items():
        if (info := has(mechanism, BOTH_WAYS)) is not None and _holds(info, AES_KEY_BYTES):
            offers[name] = Offer(mechanism, info, key_type=CKK_AES)

    _signature(offers, has, "ECDSA-P256", (CKM.ECDSA_SHA256, CKM.ECDSA), P256_BITS)
    if (info := has(CKM.EC_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR)) and _holds(info, P256_BITS):
        offers["ECDSA-P256-GENERATE"] = Offer(CKM.EC_KEY_PAIR_GEN, info, key_type=CKK_EC)
    _signature(offers, has, "RSA-2048-PKCS1", (CKM.SHA256_RSA_PKCS, CKM.RSA_PKCS), RSA_BITS)
    _signature(offers, has, "RSA-2048-PSS", (CKM.SHA256_RSA_PKCS_PSS, CKM.RSA_PKCS_PSS),
               RSA_BITS)
    info = has(CKM.RSA_PKCS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR)
    if info is not None and _holds(info, RSA_BITS):
        offers["RSA-2048-GENERATE"] = Offer(CKM.RSA_PKCS_KEY_PAIR_GEN, info)
    if sm_map is not None:
        _vendor(offers, has, sm_map)
    return offers, infos


def _signature(offers: dict[str, Offer], has: Has, family: str,
               candidates: tuple[int, int], bits: int) -> None:
    """`<family>-SIGN` and `-VERIFY`: the hashing mechanism first, then the raw one."""
    for wanted, suffix in ((CKF_SIGN, "SIGN"), (CKF_VERIFY, "VERIFY")):
        for mechanism, host_hash in zip(candidates, (False, True), strict=True):
            info = has(mechanism, wanted)
            if info is not None and _holds(info, bits):
                offers[f"{family}-{suffix}"] = Offer(mechanism, info, host_hash=host_hash)
                break


def _vendor(offers: dict[str, Offer], has: Has, sm_map: MechanismMap) -> None:
    needs = {"SM3": CKF_DIGEST, "HMAC-SM3": SIGN_AND_VERIFY, "SM4-ECB": BOTH_WAYS,
             "SM4-CBC": BOTH_WAYS, "SM4-CTR": BOTH_WAYS, "SM4-GCM": BOTH_WAYS,
             "SM2-GENERATE": CKF_GENERATE_KEY_PAIR, "SM2-SIGN": CKF_SIGN,
             "SM2-VERIFY": CKF_VERIFY}
    key_types = {"HMAC-SM3": sm_map.key_types.get("HMAC-SM3", CKK_GENERIC_SECRET),
                 "SM2-GENERATE": sm_map.key_types.get("SM2", CKK_EC)}
    sm4_key = sm_map.key_types.get("SM4")
    for name, flags in needs.items():
        mechanism = sm_map.mechanisms.get("SM2-SIGN" if name == "SM2-VERIFY" else name)
        if mechanism is None:
            continue
        key_type = sm4_key if name.startswith("SM4") else key_types.get(name, 0)
        if name.startswith("SM4") and key_type is None:
            continue  # an SM4 mechanism without the map's SM4 key type cannot be keyed
        info = has(mechanism, flags)
        if info is not None:
            offers[name] = Offer(mechanism, info, host_hash=name.startswith("SM2-"),
                                 key_type=key_type or 0)
    if sm_map.sm2_import and "SM2-SIGN" in offers:
        offers["SM2-IMPORT"] = offers["SM2-SIGN"]  # keys enter by C_CreateObject


def capabilities(offers: Mapping[str, Offer], token_flags: int) -> frozenset[str]:
    """The declared names: offers the vocabulary has a name for, and the services.

    The vocabulary has no RSA verification names, so `RSA-2048-*-VERIFY`
    stay offers the driver uses, not declarations.
    """
    names = {name for name in offers if name in VOCABULARY} | {PKCS11_API, KEY_DESTROY}
    if token_flags & CKF_RNG:
        names.add("RANDOM")
    return frozenset(names)
