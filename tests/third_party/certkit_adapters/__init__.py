"""Adapters that certify third-party SM libraries through certkit, as a vendor writes one."""
