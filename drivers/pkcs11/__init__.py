"""`pkcs11:` -- PKCS#11 tokens by RFC 7512 URI."""
