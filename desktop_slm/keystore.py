"""Secrets (the Hub token, a team server's API key) in the system keyring, never in a file."""

from __future__ import annotations

import contextlib

from desktop_slm import APP_NAME

SERVICE = APP_NAME
"""The keyring service every secret of the app is kept under (one user name per secret)."""


class KeyringUnavailable(Exception):
    """No keyring is installed (``reason`` None), or it refused (``reason`` says why)."""

    def __init__(self, reason: str | None) -> None:
        super().__init__(reason or "no keyring")
        self.reason = reason


def read_secret(user: str) -> str | None:
    """The secret kept for ``user``, or None (none kept, or no usable keyring)."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    with contextlib.suppress(KeyringError, RuntimeError):
        stored = keyring.get_password(SERVICE, user)
        if stored:
            return stored.strip()
    return None


def write_secret(user: str, secret: str | None) -> None:
    """Keep ``secret`` for ``user`` (None or "" forgets it). Raises KeyringUnavailable."""
    try:
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError
    except ImportError:
        raise KeyringUnavailable(None) from None
    try:
        if secret and secret.strip():
            keyring.set_password(SERVICE, user, secret.strip())
        else:
            with contextlib.suppress(PasswordDeleteError):
                keyring.delete_password(SERVICE, user)
    except (KeyringError, RuntimeError) as exc:
        raise KeyringUnavailable(str(exc)) from None
