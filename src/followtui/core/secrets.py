"""Where tokens and app passwords come from, in this order: the account's environment variable, the
system keyring (when the optional `keyring` package has a usable backend), then a secrets file readable by
the user only. They are read when needed and never written to the store, logs or output.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Any

import orjson

from followtui.core.errors import SecretsFileError
from followtui.models import TrackedAccount

SECRETS_FILE = "secrets.json"
KEYRING_SERVICE = "followtui"


def default_token_env(platform: str) -> str:
    return f"FOLLOWTUI_{platform.upper()}_TOKEN"


def _keyring() -> Any | None:
    """The keyring module when it is installed and has a real backend (none over SSH or in CI)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    with contextlib.suppress(Exception):
        if not isinstance(keyring.get_keyring(), fail.Keyring):
            return keyring
    return None


def _read_file(data_dir: Path) -> dict[str, str]:
    path = data_dir / SECRETS_FILE
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return {}
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretsFileError(
            f"{path} is readable by other users (mode {stat.S_IMODE(mode):o}); refusing to use it. "
            f"Fix it with: chmod 600 {path}"
        )
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise SecretsFileError(f"{path} cannot be read as a secrets file ({type(exc).__name__})") from None
    return (
        {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(data, dict) else {}
    )


def token_for(account: TrackedAccount, data_dir: Path | None = None) -> str | None:
    """The secret for `account`, or None to read anonymously."""
    for name in (account.token_env, default_token_env(account.platform)):
        if name:
            value = os.environ.get(name, "").strip()
            if value:
                return value
    ring = _keyring()
    if ring is not None:
        with contextlib.suppress(Exception):
            value = ring.get_password(KEYRING_SERVICE, account.key)
            if value:
                return str(value)
    if data_dir is not None:
        return _read_file(data_dir).get(account.key)
    return None


def save_secret(account: TrackedAccount, secret: str, data_dir: Path) -> str:
    """Keep `secret` for `account`; returns where it went ("system keyring" or the file path)."""
    ring = _keyring()
    if ring is not None:
        with contextlib.suppress(Exception):
            ring.set_password(KEYRING_SERVICE, account.key, secret)
            return "the system keyring"
    from followtui.core.storage import ensure_private_dir, write_json_atomically

    ensure_private_dir(data_dir)
    secrets = _read_file(data_dir)
    secrets[account.key] = secret
    write_json_atomically(data_dir / SECRETS_FILE, secrets)  # written 0600, atomically
    return str(data_dir / SECRETS_FILE)


def forget_secret(account: TrackedAccount, data_dir: Path) -> None:
    ring = _keyring()
    if ring is not None:
        with contextlib.suppress(Exception):
            ring.delete_password(KEYRING_SERVICE, account.key)
    secrets = _read_file(data_dir)
    if secrets.pop(account.key, None) is not None:
        from followtui.core.storage import write_json_atomically

        write_json_atomically(data_dir / SECRETS_FILE, secrets)
