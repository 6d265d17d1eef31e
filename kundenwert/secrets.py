"""Encryption of API keys at rest, so the database file alone does not give them away.

Keys are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` package).
The encryption key comes from

1. ``KUNDENWERT_SECRET_KEY`` if it is set: the Fernet key is derived from it with HKDF-SHA256
   (any passphrase works; the setting itself is never used as a key directly), else
2. the key file ``<data_dir>/secret.key``, created on first use with a random key and
   permissions 0600 (owner read/write only).

Decryption tries both (setting first), so setting ``KUNDENWERT_SECRET_KEY`` later keeps the keys
stored before readable; new encryptions then use the setting. Losing both means the API keys
have to be entered again: nothing else is encrypted.

Decrypted values are handed out as :class:`pydantic.SecretStr`, whose ``repr``/``str`` show
``**********``, so they do not end up in logs, exceptions or output by accident.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

from kundenwert.settings import Settings, get_settings

KEY_FILE_NAME = "secret.key"
_HKDF_INFO = b"kundenwert: encryption of stored API credentials"


class SecretsError(Exception):
    """Stored credentials cannot be decrypted (the key changed or was lost)."""


def key_file(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_dir / KEY_FILE_NAME


def _derived_key(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode("utf-8")))


def _read_or_create_key_file(path: Path, create: bool) -> bytes | None:
    if path.exists():
        return path.read_bytes().strip()
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        # O_EXCL: two processes starting at once must not both write a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    os.chmod(path, 0o600)  # the umask may have taken bits away, never added: make it exact
    return key


def _fernet(settings: Settings | None, *, for_encryption: bool) -> MultiFernet:
    settings = settings or get_settings()
    keys: list[bytes] = []
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        keys.append(_derived_key(settings.secret_key.get_secret_value()))
    file_key = _read_or_create_key_file(key_file(settings), create=for_encryption and not keys)
    if file_key:
        keys.append(file_key)
    if not keys:
        raise SecretsError(
            "Kein Schlüssel zum Entschlüsseln der API-Zugangsdaten: weder KUNDENWERT_SECRET_KEY "
            f"noch {key_file(settings)} gibt es. Bitte die Zugangsdaten neu eingeben."
        )
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plain: str, settings: Settings | None = None) -> str:
    return _fernet(settings, for_encryption=True).encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str, settings: Settings | None = None) -> SecretStr:
    try:
        plain = _fernet(settings, for_encryption=False).decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError):
        raise SecretsError(
            "Die gespeicherten API-Zugangsdaten lassen sich nicht entschlüsseln "
            "(KUNDENWERT_SECRET_KEY oder die Schlüsseldatei wurde geändert): "
            "bitte die Zugangsdaten in Datenquellen neu eingeben."
        ) from None
    return SecretStr(plain.decode("utf-8"))


def encrypt_credentials(credentials: Mapping[str, str], settings: Settings | None = None) -> str:
    """All credentials of one account as one encrypted token."""
    return encrypt(json.dumps(dict(credentials), sort_keys=True), settings)


def decrypt_credentials(token: str, settings: Settings | None = None) -> dict[str, SecretStr]:
    values = json.loads(decrypt(token, settings).get_secret_value())
    return {name: SecretStr(value) for name, value in values.items()}
