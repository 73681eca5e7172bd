"""Vector files (package data), their schema and MANIFEST.json."""
