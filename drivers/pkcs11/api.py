"""Raw Cryptoki for the `pkcs11_api` suite, the one suite that may see CKR_* codes.

`pkcs11_api(device)` finds the token behind a (guarded) device and hands
out the module's function list, the slot, and login helpers that keep the
PIN inside the driver: a case can log in, log in with a wrong PIN, or run
with the application logged out, but never reads the PIN.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from certkit.device import Device
from certkit.errors import InternalError, Unsupported

from .cryptoki import CKR, CKU_USER, Cryptoki, MechanismInfo, rv_name
from .token import Pkcs11Token


class Pkcs11Api:
    """The token's module and slot, with logins made on the suite's behalf."""

    def __init__(self, token: Pkcs11Token) -> None:
        self._token = token
        self.ck: Cryptoki = token.ck
        self.slot = token.slot
        self.label = token.token.label
        self.mechanism_infos: dict[int, MechanismInfo] = dict(token.mechanism_infos)

    @contextlib.contextmanager
    def session(self, rw: bool = True) -> Iterator[int]:
        """A session of the suite's own, closed on exit (the device's session stays open)."""
        handle = self.ck.open_session(self.slot, rw=rw)
        try:
            yield handle
        finally:
            with contextlib.suppress(Exception):  # a case may have closed it on purpose
                self.ck.close_session(handle)

    def login(self, session: int) -> int:
        """C_Login as the user with the configured PIN; the return value."""
        pin = self._token.pin
        if pin is None:
            raise Unsupported(f"token '{self.label}' was opened without a PIN")
        return self.ck.login(session, CKU_USER, pin.value)

    def login_with_wrong_pin(self, session: int) -> int:
        """C_Login as the user with a PIN of the right length that is not the user's."""
        pin = self._token.pin
        if pin is None:
            raise Unsupported(f"token '{self.label}' was opened without a PIN")
        value = pin.value
        wrong = value[:-1] + (b"1" if value[-1:] != b"1" else b"2")
        return self.ck.login(session, CKU_USER, wrong)

    @contextlib.contextmanager
    def logged_out(self) -> Iterator[int]:
        """Run with the application logged out; yields what C_Logout returned.

        C_Logout logs out every session of the application (2.40 base 5.6.8),
        so the device's own objects die with it and the device forgets them.
        The user is logged in again on exit.
        """
        token = self._token
        rv = self.ck.logout(token.session)
        token.forget_objects()
        try:
            yield rv
        finally:
            if token.pin is not None:
                again = self.ck.login(token.session, CKU_USER, token.pin.value)
                if again not in (CKR.OK, CKR.USER_ALREADY_LOGGED_IN):
                    raise InternalError(f"logging in again after the case: C_Login returned "
                                        f"{rv_name(again)}")


def pkcs11_api(device: Device) -> Pkcs11Api:
    """The raw interface of the PKCS#11 token under `device` (which may be wrapped)."""
    seen: Device | None = device
    while seen is not None and not isinstance(seen, Pkcs11Token):
        seen = getattr(seen, "inner", None)
    if seen is None:
        raise Unsupported("the device is not a PKCS#11 token")
    return Pkcs11Api(seen)
