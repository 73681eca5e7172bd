"""`pkcs11_api`: PKCS#11 2.40/3.0 API behaviour and GM/T 0028 key protection."""
