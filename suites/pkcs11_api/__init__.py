"""`pkcs11_api`: PKCS#11 2.40/3.0 behaviour of a token, and GM/T 0028 key protection.

The one suite that sees CKR_* codes: its cases reach the token's function
list through `certkit.drivers.pkcs11.api.pkcs11_api(device)` and require
`PKCS11-API`, which only a PKCS#11 device declares. Each check names the
call, the codes the specification allows (all of them, where it allows
several) and the code the token returned, so a token's quirk the
specification forbids is reported as it came, not hidden.

Cases leave no objects behind: session objects die with the case's
sessions, token objects carry a `certkit-pkcs11-api-` label and are
destroyed on the way out.
"""

from __future__ import annotations

from collections.abc import Iterator

from certkit.cases import Case, Suite, SuiteContext
from certkit.hookspecs import hookimpl

from . import errors, mechanisms, operations, protection, sessions


def collect(ctx: SuiteContext) -> Iterator[Case]:
    for module in (sessions, protection, errors, operations, mechanisms):
        yield from module.cases()


@hookimpl
def certkit_suites() -> list[Suite]:
    return [Suite(name="pkcs11_api", title="PKCS#11 API conformance and key protection",
                  collect=collect)]
