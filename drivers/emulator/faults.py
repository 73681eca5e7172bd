"""The catalogue of defects the emulator can be told to have (`emulator:?fault=NAME`).

Each fault names the cases that must catch it: tests run every fault and
prove that exactly those cases fail while the clean emulator passes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    algorithm: str
    description: str
    caught_by: tuple[str, ...]  # case ids that must fail with this fault
    # A performance fault: right answers, slower. A plain run's verdict cannot catch it;
    # a declared figure or `certkit compare` against a baseline does.
    measured: bool = False
    # the profile whose run catches it: smoke, but for what only a longer look finds
    profile: str = "smoke"


FAULTS: dict[str, Fault] = {
    fault.name: fault
    for fault in (
        Fault("sm3-padding-boundary", "SM3",
              "wrong digest when the padding spills into an extra block (length mod 64 in 56..63)",
              ("kat.sm3.lengths",)),
        Fault("hmac-sm3-long-key", "HMAC-SM3",
              "keys longer than the 64-byte block are truncated instead of hashed",
              ("kat.hmac-sm3.keys",)),
        Fault("sm4-ecb-decrypt-key-order", "SM4-ECB",
              "decryption runs the round keys in encryption order",
              ("kat.sm4-ecb.gbt32907", "kat.sm4-ecb.vectors")),
        Fault("sm4-cbc-no-chaining", "SM4-CBC",
              "every block is XORed with the IV instead of the previous ciphertext block",
              ("kat.sm4-cbc.vectors",)),
        Fault("sm4-ctr-32bit-counter", "SM4-CTR",
              "only the low 32 bits of the counter block are incremented",
              ("kat.sm4-ctr.counter-wrap",)),
        Fault("sm4-ofb-as-cfb", "SM4-OFB",
              "OFB feeds back the ciphertext (CFB) instead of the cipher output",
              ("kat.sm4-ofb.vectors",)),
        Fault("sm4-cfb-iv-reuse", "SM4-CFB",
              "CFB encrypts the IV for every block instead of the previous ciphertext",
              ("kat.sm4-cfb.vectors",)),
        Fault("sm4-gcm-aad-ignored", "SM4-GCM",
              "the GCM tag is computed as if the additional data were empty",
              ("kat.sm4-gcm.vectors",)),
        Fault("sm4-gcm-iv-96-only", "SM4-GCM",
              "IVs that are not 12 bytes are truncated or zero-padded to 12 bytes",
              ("kat.sm4-gcm.vectors",)),
        Fault("sm4-ccm-aad-ignored", "SM4-CCM",
              "the CCM tag is computed as if the additional data were empty",
              ("kat.sm4-ccm.vectors",)),
        Fault("sm2-sign-default-id", "SM2-SIGN",
              "signing and verification ignore the user ID and always use 1234567812345678",
              ("kat.sm2-sign.interop", "kat.sm2-verify.vectors", "kat.sm2.generate",
               "conformance.sm2-verify.binding", "conformance.sm2-sign.id-length")),
        Fault("sm2-public-key-strip-zeros", "SM2-VERIFY",
              "public keys are parsed by stripping leading zero bytes of X",
              ("kat.sm2-verify.vectors", "kat.sm2-encrypt.interop",
               "conformance.sm2-verify.key-encoding")),
        Fault("sm2-decrypt-no-c3-check", "SM2-DECRYPT",
              "decryption returns the plaintext without comparing C3",
              ("conformance.sm2-decrypt.integrity", "conformance.sm2-decrypt.kdf-zero")),
        Fault("sm2-ciphertext-c1c2c3", "SM2-ENCRYPT",
              "ciphertexts use the 2010 draft's C1 || C2 || C3 order",
              ("kat.sm2-decrypt.gbt32918", "kat.sm2-encrypt.interop",
               "kat.sm2-decrypt.interop", "conformance.sm2-decrypt.integrity",
               "conformance.sm2-decrypt.points", "conformance.sm2-encrypt.kdf-zero")),
        Fault("sm2-generate-wrong-public", "SM2-GENERATE",
              "key generation answers the public key of d + 1",
              ("kat.sm2.generate",)),
        Fault("zuc-skip-first-word", "ZUC",
              "the first keystream word after initialisation is discarded",
              ("kat.zuc.keystream",)),
        Fault("random-repeat", "RANDOM",
              "RANDOM answers the same bytes on every call (the generator state never advances)",
              ("kat.random.output",)),
        Fault("random-biased", "RANDOM",
              "RANDOM's bits are ones with probability 0.502 instead of 0.5",
              ("randomness.power-on",), profile="standard"),
        Fault("random-lfsr", "RANDOM",
              "RANDOM answers the output of a linear feedback shift register (x^127 + x + 1)",
              ("randomness.power-on",), profile="standard"),
        # Right answers, slowly: no verdict of its own catches it; `certkit compare`
        # against a baseline does, and so does the case when a declared figure is missed.
        Fault("sm4-cbc-slow", "SM4-CBC",
              "SM4-CBC takes 30 % longer: a busy-wait of 0.3 x the time the work took",
              ("performance.sm4-cbc",), measured=True),
        # -- conformance: what a module must refuse --------------------------
        Fault("sm2-verify-no-range-check", "SM2-VERIFY",
              "r and s are reduced mod n instead of being required to lie in [1, n-1]",
              ("conformance.sm2-verify.range",)),
        Fault("sm2-verify-either-order", "SM2-VERIFY",
              "a signature that fails as r || s is tried again as s || r (a compatibility shim)",
              ("conformance.sm2-verify.binding",)),
        Fault("sm2-verify-lenient-encoding", "SM2-VERIFY",
              "signatures of any length are cut or zero-padded to 64 bytes, and the public "
              "key's prefix byte and length are not checked",
              ("conformance.sm2-verify.malformed", "conformance.sm2-encrypt.public-key")),
        Fault("sm2-encrypt-no-kdf-retry", "SM2-ENCRYPT",
              "when the KDF output t is all zero, C2 = M goes out instead of a new k "
              "(GB/T 32918.4 6.1 A5 skipped)",
              ("conformance.sm2-encrypt.kdf-zero",), profile="standard"),
        Fault("sm2-decrypt-zero-kdf-accepted", "SM2-DECRYPT",
              "a ciphertext whose KDF output is all zero is decrypted (7.1 B4 skipped)",
              ("conformance.sm2-decrypt.kdf-zero",)),
        Fault("sm2-import-any-scalar", "SM2-IMPORT",
              "private keys are reduced mod n instead of being required to lie in [1, n-2]",
              ("conformance.sm2-keys.range",)),
        Fault("sm2-encrypt-key-unchecked", "SM2-ENCRYPT",
              "encryption takes the public key's coordinates without validating the point",
              ("conformance.sm2-encrypt.public-key",)),
        Fault("sm2-id-entl-wraps", "SM2-SIGN",
              "IDs of 8192 bytes and more are taken, ENTL wrapping modulo 2^16",
              ("conformance.sm2-sign.id-length",)),
        Fault("sm2-sign-empty-refused", "SM2-SIGN",
              "an empty message is refused for signing",
              ("conformance.sm2-sign.short-messages", "kat.sm2-sign.interop")),
        Fault("sm2-decrypt-no-point-check", "SM2-DECRYPT",
              "C1 is used without checking that it is a point on the curve",
              ("conformance.sm2-decrypt.points",)),
        Fault("sm4-ecb-zero-pads", "SM4-ECB",
              "unaligned ECB data is zero-padded instead of refused",
              ("conformance.sm4-ecb.malformed",)),
        Fault("sm4-cbc-short-iv-padded", "SM4-CBC",
              "a CBC IV shorter than 16 bytes is zero-padded instead of refused",
              ("conformance.sm4-cbc.malformed",)),
        Fault("sm4-gcm-tag-unchecked", "SM4-GCM",
              "GCM decryption returns the plaintext without comparing the tag",
              ("conformance.sm4-gcm.tamper",)),
        Fault("sm4-gcm-any-iv-length", "SM4-GCM",
              "an empty GCM IV is taken as 12 zero bytes and a long one is cut to 64",
              ("conformance.sm4-gcm.iv-length",)),
        Fault("sm4-ccm-tag-unchecked", "SM4-CCM",
              "CCM decryption returns the plaintext without comparing the tag",
              ("conformance.sm4-ccm.tamper",)),
        Fault("sm2-sign-fixed-nonce", "SM2-SIGN",
              "every signature under a key uses the same nonce k (derived from the key alone)",
              ("conformance.sm2-sign.nonces",)),
        Fault("sm2-encrypt-fixed-nonce", "SM2-ENCRYPT",
              "every encryption to a public key uses the same k, so C1 repeats",
              ("conformance.sm2-encrypt.nonces",)),
        Fault("sm4-ofb-unsupported", "SM4-OFB",
              "SM4-OFB is declared but every request answers Unsupported",
              ("conformance.declared.sm4-ofb", "kat.sm4-ofb.vectors")),
        # -- selftest: self-tests and the error state ------------------------
        Fault("selftest-fails", "SELFTEST",
              "SELFTEST reports failure on a healthy module",
              ("selftest.healthy",)),
        Fault("error-state-random-leaks", "RANDOM",
              "RANDOM still answers in the error state",
              ("selftest.error-state.services",)),
        Fault("error-state-selftest-clears", "SELFTEST",
              "SELFTEST in the error state passes and clears it",
              ("selftest.error-state.status",)),
        Fault("reset-keeps-error", "SELFTEST",
              "RESET does not leave the error state",
              ("selftest.reset",)),
        # -- keys: key protection ---------------------------------------------
        Fault("sm2-export-allowed", "SM2-IMPORT",
              "SM2_EXPORT returns the private key",
              ("keys.export-refused",)),
        Fault("sm2-destroy-keeps-key", "KEY-DESTROY",
              "SM2_DESTROY answers OK but the key stays usable",
              ("keys.destroy",)),
        Fault("reset-keeps-keys", "SELFTEST",
              "RESET does not zeroise the keys",
              ("keys.reset-zeroises",)),
        Fault("sm2-unknown-handle-uses-last-key", "SM2-SIGN",
              "a handle that was never issued selects the most recently issued key",
              ("keys.unknown-handle",)),
    )
}


def verdict_faults() -> list[Fault]:
    """The faults a run's verdict must catch (every one but the performance faults)."""
    return [fault for fault in FAULTS.values() if not fault.measured]
