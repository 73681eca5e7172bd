"""A fresh SoftHSMv2 token per test session, in a temporary directory, removed at the end.

    from softhsm import token  # the session fixture; tests/ is on sys.path

The module reads SOFTHSM2_CONF when it is first initialised in a process, and a process
initialises it once (pkcs11-notes.md 1), so the fixture sets the variable before anything
loads the module, and every test module that imports the fixture gets the same token.
Subprocesses (`certkit run`) inherit the variable. Without softhsm2-util or the module the
fixture fails the test: scripts/test installs softhsm2, and CI must not pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
           "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
           "/usr/local/lib/softhsm/libsofthsm2.so")
LABEL = "certkit-test"
# Distinctive, so that a scan of argv, logs and reports cannot miss it or hit it by chance.
PIN = "Pq7-certkit-user-PIN"
SO_PIN = "So9-certkit-officer-PIN"


@dataclass(frozen=True)
class SoftHsmToken:
    label: str
    pin: str
    module: str
    directory: Path
    conf: Path
    pin_file: Path

    def url(self, query: str = "", *, pin_source: bool = True) -> str:
        """`pkcs11:token=...?module-path=...`, with the PIN file unless told otherwise."""
        options = [f"module-path={self.module}"]
        if pin_source:
            options.append(f"pin-source=file:{self.pin_file}")
        if query:
            options.append(query)
        return f"pkcs11:token={self.label}?{'&'.join(options)}"


def module_path() -> str:
    found = next((path for path in MODULES if Path(path).is_file()), None)
    if found is None:
        pytest.fail(f"the SoftHSMv2 module is not installed (looked in {', '.join(MODULES)}); "
                    "scripts/test installs softhsm2 with apt-get")
    return found


def make_token(directory: Path) -> SoftHsmToken:
    """Write a SoftHSM configuration under `directory` and initialise one token there."""
    util = shutil.which("softhsm2-util")
    if util is None:
        pytest.fail("softhsm2-util is not installed; scripts/test installs softhsm2 with apt-get "
                    "(the PKCS#11 tests fail rather than skip without it)")
    module = module_path()
    tokens = directory / "tokens"
    tokens.mkdir(parents=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\nslots.removable = false\n", encoding="ascii")
    pin_file = directory / "user.pin"
    pin_file.write_text(PIN + "\n", encoding="ascii")
    pin_file.chmod(0o600)
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    # softhsm2-util takes the PINs on its command line; they are the test token's, made here.
    done = subprocess.run([util, "--init-token", "--free", "--label", LABEL, "--so-pin", SO_PIN,
                           "--pin", PIN], env=env, capture_output=True, text=True, check=False,
                          timeout=60)
    if done.returncode != 0:
        pytest.fail(f"softhsm2-util --init-token failed: {done.stderr or done.stdout}")
    return SoftHsmToken(LABEL, PIN, module, directory, conf, pin_file)


class _Shared:
    """The one token of this test session, and how many fixture definitions hold it."""

    token: SoftHsmToken | None = None
    users = 0
    previous_conf: str | None = None


@pytest.fixture(scope="session")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsmToken]:
    """The session's SoftHSM token; SOFTHSM2_CONF points at it until the session ends."""
    if _Shared.token is None:
        _Shared.previous_conf = os.environ.get("SOFTHSM2_CONF")
        made = make_token(tmp_path_factory.mktemp("softhsm"))
        os.environ["SOFTHSM2_CONF"] = str(made.conf)
        _Shared.token = made
    _Shared.users += 1
    try:
        yield _Shared.token
    finally:
        _Shared.users -= 1
        if _Shared.users == 0:
            shutil.rmtree(_Shared.token.directory, ignore_errors=True)
            if _Shared.previous_conf is None:
                os.environ.pop("SOFTHSM2_CONF", None)
            else:
                os.environ["SOFTHSM2_CONF"] = _Shared.previous_conf
            _Shared.token = None
