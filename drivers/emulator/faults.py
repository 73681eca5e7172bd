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
              ("kat.sm2-sign.interop", "kat.sm2-verify.vectors", "kat.sm2.generate")),
        Fault("sm2-public-key-strip-zeros", "SM2-VERIFY",
              "public keys are parsed by stripping leading zero bytes of X",
              ("kat.sm2-verify.vectors", "kat.sm2-encrypt.interop")),
        Fault("sm2-decrypt-no-c3-check", "SM2-DECRYPT",
              "decryption returns the plaintext without comparing C3",
              ("kat.sm2-decrypt.integrity",)),
        Fault("sm2-ciphertext-c1c2c3", "SM2-ENCRYPT",
              "ciphertexts use the 2010 draft's C1 || C2 || C3 order",
              ("kat.sm2-decrypt.gbt32918", "kat.sm2-encrypt.interop",
               "kat.sm2-decrypt.interop", "kat.sm2-decrypt.integrity")),
        Fault("sm2-generate-wrong-public", "SM2-GENERATE",
              "key generation answers the public key of d + 1",
              ("kat.sm2.generate",)),
        Fault("zuc-skip-first-word", "ZUC",
              "the first keystream word after initialisation is discarded",
              ("kat.zuc.keystream",)),
        Fault("random-repeat", "RANDOM",
              "RANDOM answers the same bytes on every call (the generator state never advances)",
              ("kat.random.output",)),
    )
}
