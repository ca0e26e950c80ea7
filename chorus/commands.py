"""`chorus user add` and `chorus purge`: the console's jobs for the command line."""

from __future__ import annotations

import asyncio
import getpass
import sys

from chorus.audit import SYSTEM, record


def _read_password() -> str:
    """From a terminal: asked twice, not echoed. Otherwise: the first line of stdin, so that
    `printf '%s\\n' "$PASSWORD" | chorus user add ...` works in scripts."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password again: "):
            print("chorus: the two passwords are not the same.", file=sys.stderr)
            raise SystemExit(2)
        return first
    return sys.stdin.readline().rstrip("\r\n")


def user_add(email: str, role: str) -> None:
    from chorus.accounts import MIN_PASSWORD, AccountError, create_user

    password = _read_password()

    async def run() -> str:
        user = await create_user(email, role, password)
        await record(SYSTEM, "user_added", target=user.email, detail=f"role={user.role} (cli)")
        return user.email

    try:
        added = asyncio.run(run())
    except AccountError as error:
        reasons = {
            "email_invalid": "that is not an e-mail address",
            "email_taken": "there is already an account with this e-mail address",
            "role_invalid": "the role must be admin, manager, analyst or partner",
            "password_short": f"the password must have at least {MIN_PASSWORD} characters",
            "password_long": "the password is too long",
        }
        print(f"chorus: {reasons.get(error.code, error.code)}.", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"Added {added} as {role}.")


def purge() -> None:
    from chorus.retention import purge as run_purge

    result = asyncio.run(run_purge())
    print(result.summary())
