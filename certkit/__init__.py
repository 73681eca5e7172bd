"""certkit: testing and certification of commercial cryptography products."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("certkit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
