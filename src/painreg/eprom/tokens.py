"""Invitation tokens and hashed addresses.

A token is HMAC-SHA256(secret, nonce) with a random 128-bit nonce, written
as 43 characters of URL-safe base64 (256 bits). The database keeps the
nonce and SHA-256(token): a link can be rebuilt by the server (reminders)
but not by someone holding only a copy of the database. Comparing hashes
of a 256-bit value in a database index leaks nothing useful through timing.
Rotating ``PAINREG_SECRET_KEY`` keeps open links working while the old key
is listed in ``PAINREG_SECRET_KEY_FALLBACKS`` (Django's ``SECRET_KEY_FALLBACKS``):
the link a patient holds is found by its hash alone, and :func:`token_for`
rebuilds it (staff page, reminders) with whichever key made that hash
(docs/operations.md, "Rotating the keys").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

NONCE_BYTES = 16  # 128 bits of randomness (the issue asks for at least 128)


def _secret(purpose: str, key: str | None = None) -> bytes:
    key = settings.SECRET_KEY if key is None else key
    return hashlib.sha256(f"painreg.eprom.{purpose}:{key}".encode()).digest()


def new_nonce() -> str:
    return secrets.token_hex(NONCE_BYTES)


def token_for(nonce: str, token_hash: str | None = None) -> str:
    """The token of ``nonce``; given the stored ``token_hash``, the one made with the
    current key or a fallback key that matches it (the current key's if none does)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    tokens = [_token(nonce, key) for key in keys]
    if token_hash is not None:
        for token in tokens:
            if hmac.compare_digest(hash_token(token), token_hash):
                return token
    return tokens[0]


def _token(nonce: str, key: str) -> str:
    digest = hmac.new(_secret("token", key), nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_address(address: str) -> str:
    """A keyed hash of the client's IP address: countable, not reversible without the key."""
    return hmac.new(_secret("address"), address.encode(), hashlib.sha256).hexdigest()
