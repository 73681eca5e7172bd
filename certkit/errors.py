"""The exception family every driver maps its transport's errors onto.

Suites see only these; CKR_* codes and serial status bytes stay inside the
driver (DESIGN.md, "Device").
"""


class DeviceError(Exception):
    """Base of everything a device operation may raise on purpose."""


class Refusal(DeviceError):
    """The device answered, and its answer was a refusal with a reason.

    A refusal is an outcome a check can expect (an invalid signature must be
    refused); suites catch this family and compare it with the vector.
    """


class Unsupported(Refusal):
    """The device does not offer this algorithm, mode or operation."""


class BadParameter(Refusal):
    """Wrong field count or length, unaligned data, an invalid point or key value."""


class AuthFailed(Refusal):
    """An integrity check failed (SM2 C3, a GCM tag); no plaintext was returned."""


class NoSuchKey(Refusal):
    """The key handle is unknown or was destroyed."""


class Denied(Refusal):
    """The device's security policy forbids the request."""


class ErrorState(Refusal):
    """The device is in its error state and returns no cryptographic output."""


class InternalError(Refusal):
    """The device reported a failure of its own that fits no other class."""


class Unreachable(DeviceError):
    """The transport is lost after its retries: the run cannot go on with this device."""


class OperationTimeout(BaseException):
    """One device operation exceeded the run's per-operation timeout: certkit's watchdog
    abandoned it (a hang), the device did not say so.

    A BaseException, like KeyboardInterrupt, because it arrives asynchronously in the
    middle of a driver's or a vendor library's code, whose `except Exception` must not
    turn certkit's own timeout into the device's wrong answer."""


class NotApplicable(Exception):
    """Raised by a case that finds, at run time, that the device offers nothing it can judge
    (a token with no wrapping mechanism has no wrapping to check): not applicable, never
    passed. The message names what is missing."""


class ConfigError(Exception):
    """Usage or configuration error: bad URL, unknown option, missing profile (exit 3)."""


class OutputError(Exception):
    """A file of the run's output could not be written (disk full, permissions): exit 2,
    with the file and the errno named; the journal written so far stays intact."""


def describe_os_error(exc: OSError) -> str:
    """`[Errno 28] No space left on device`: the errno and its text, without a traceback."""
    return f"[Errno {exc.errno}] {exc.strerror}" if exc.errno else str(exc)


class VectorError(ConfigError):
    """A vector file is malformed, altered, or missing from the manifest."""


REFUSAL_NAMES: dict[str, type[Refusal]] = {
    cls.__name__: cls
    for cls in (Unsupported, BadParameter, AuthFailed, NoSuchKey, Denied, ErrorState, InternalError)
}
