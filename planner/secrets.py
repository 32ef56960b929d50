"""Sensitive values at rest: encrypted in the state and in saved plans, shown nowhere.

A value is sensitive when the catalogue says so (a database's `master_password`, a cache's
`auth_token`), when it comes from a `sensitive param`, or when it is made from one. Wherever
archform writes such a value — a record's configuration, an output, a saved plan — it writes
`{"$encrypted": "v1:<key id>:<nonce + AES-256-GCM ciphertext, base64>"}` instead, and reads it
back with the same key; everything shown to a person says `(sensitive)`.

The key (as OpenTofu's state encryption): `$ARCHFORM_STATE_KEY` (32 bytes in base64, or a
passphrase stretched with scrypt), else the file named by `$ARCHFORM_STATE_KEY_FILE`, else a
key of this user's, `~/.config/archform/state.key`, made (0600) the first time a value needs
it. A team sharing a state shares the key through the environment. Each ciphertext names the
key it was made with, so a wrong key is reported as such, not as damage.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from .state_integrity import StateError

MARK = "$encrypted"
SHOWN = "(sensitive)"
KEY_ENV = "ARCHFORM_STATE_KEY"
KEY_FILE_ENV = "ARCHFORM_STATE_KEY_FILE"
_AAD = b"archform-secret-v1"


def is_encrypted(value) -> bool:
    return isinstance(value, dict) and len(value) == 1 and MARK in value


def default_key_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "archform" / "state.key"


def _key_from_text(text: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.b64decode(text, validate=True)
        if len(raw) == 32:
            return raw
    except ValueError:
        pass
    if len(text) < 12:
        raise StateError(f"the state key is too short ({len(text)} characters)",
                         f"use 32 random bytes in base64 (`head -c 32 /dev/urandom | base64`) or a passphrase "
                         f"of at least 12 characters in ${KEY_ENV}")
    return hashlib.scrypt(text.encode(), salt=b"archform-state-key-v1", n=2**14, r=8, p=1, dklen=32)


class Keyring:
    """The key, found (or made) only when a sensitive value is first written or read."""

    def __init__(self):
        self._keys: dict[str, bytes] = {}  # where the key came from → the key (the environment is read each time)
        self.made: Path | None = None  # set when this run created the user's key file

    def key(self, create: bool) -> bytes:
        text = os.environ.get(KEY_ENV)
        if text:
            where = "env:" + hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
            if where not in self._keys:
                self._keys[where] = _key_from_text(text)
            return self._keys[where]
        path = Path(os.environ.get(KEY_FILE_ENV) or default_key_file())
        where = "file:" + str(path)
        if where in self._keys:
            return self._keys[where]
        try:
            self._keys[where] = _key_from_text(path.read_text())
            return self._keys[where]
        except FileNotFoundError:
            if not create or os.environ.get(KEY_FILE_ENV):
                raise StateError(f"no key to read sensitive values: {path} does not exist",
                                 f"set ${KEY_ENV} (or ${KEY_FILE_ENV}) to the key the state was written with")
        except OSError as e:
            raise StateError(f"cannot read the state key {path}: {e.strerror or e}")
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        raw = os.urandom(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(base64.b64encode(raw).decode() + "\n")
        self._keys[where], self.made = raw, path
        return raw

    def key_id(self, key: bytes) -> str:
        return hashlib.sha256(key).hexdigest()[:8]

    def encrypt(self, value) -> dict:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        key = self.key(create=True)
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, json.dumps(value, sort_keys=True).encode(), _AAD)
        return {MARK: f"v1:{self.key_id(key)}:{base64.b64encode(nonce + sealed).decode()}"}

    def decrypt(self, marked: dict):
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        try:
            version, key_id, body = marked[MARK].split(":", 2)
            blob = base64.b64decode(body)
        except (ValueError, AttributeError):
            raise StateError("an encrypted value is malformed") from None
        key = self.key(create=False)
        if key_id != self.key_id(key):
            raise StateError(f"sensitive values were encrypted with key {key_id}, but the key in use is "
                             f"{self.key_id(key)}",
                             f"set ${KEY_ENV} (or ${KEY_FILE_ENV}) to the key the state was written with")
        try:
            return json.loads(AESGCM(key).decrypt(blob[:12], blob[12:], _AAD))
        except InvalidTag:
            raise StateError("an encrypted value does not match its key (it was altered)") from None


KEYRING = Keyring()


def seal(values: dict, names) -> dict:
    """`values` with the entries named in `names` encrypted (those already encrypted stay)."""
    if not names:
        return values
    out = dict(values)
    for k in names:
        if k in out and out[k] is not None and not is_encrypted(out[k]):
            out[k] = KEYRING.encrypt(out[k])
    return out


def unseal(values: dict) -> dict:
    """`values` with every encrypted entry decrypted."""
    if not any(is_encrypted(v) for v in values.values()):
        return values
    return {k: KEYRING.decrypt(v) if is_encrypted(v) else v for k, v in values.items()}


def shown(values: dict | None, names) -> dict | None:
    """`values` as a person may see them: the entries named in `names` replaced by (sensitive)."""
    if values is None or not names:
        return values
    return {k: (SHOWN if k in names and v is not None else v) for k, v in values.items()}
