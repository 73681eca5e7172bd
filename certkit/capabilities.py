"""The one vocabulary of capability names that devices declare and cases require."""

SYMMETRIC = frozenset(
    {
        "SM4-ECB", "SM4-CBC", "SM4-CTR", "SM4-OFB", "SM4-CFB", "SM4-GCM", "SM4-CCM",
        "AES-ECB", "AES-CBC", "AES-CTR", "AES-GCM",
    }
)
AEAD = frozenset({"SM4-GCM", "SM4-CCM", "AES-GCM"})
DIGESTS = frozenset({"SM3", "SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512"})
MACS = frozenset({"HMAC-SM3", "HMAC-SHA-256"})
SM2 = frozenset(
    {"SM2-SIGN", "SM2-VERIFY", "SM2-ENCRYPT", "SM2-DECRYPT", "SM2-GENERATE", "SM2-IMPORT"}
)
INTERNATIONAL_PUBLIC_KEY = frozenset(
    {
        "ECDSA-P256-SIGN", "ECDSA-P256-VERIFY", "ECDSA-P256-GENERATE",
        "RSA-2048-PKCS1-SIGN", "RSA-2048-PSS-SIGN", "RSA-2048-GENERATE",
    }
)
# Device services rather than algorithms: what the selftest and keys suites gate on.
# LARGE-MESSAGES: one request may carry a megabyte or more (a framed serial link cannot,
# and its protocol has no incremental hashing).
SERVICES = frozenset(
    {"RANDOM", "ZUC", "SELFTEST", "TEST-HOOKS", "KEY-DESTROY", "PKCS11-API", "LARGE-MESSAGES"}
)

VOCABULARY = SYMMETRIC | DIGESTS | MACS | SM2 | INTERNATIONAL_PUBLIC_KEY | SERVICES


def unknown_capabilities(names: frozenset[str]) -> frozenset[str]:
    """Return the names a device declared that certkit's vocabulary does not know."""
    return names - VOCABULARY
