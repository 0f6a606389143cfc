"""Invitation tokens and hashed addresses.

A token is an HMAC-SHA256 of a random 128-bit nonce, keyed from the server
secret by Django's ``salted_hmac`` (one salt per purpose), written as 43
characters of URL-safe base64 (256 bits). The database keeps the nonce and
SHA-256(token): a link can be rebuilt by the server (reminders) but not by
someone holding only a copy of the database. Comparing hashes of a 256-bit
value in a database index leaks nothing useful through timing.

A patient's link is found by the hash of its token alone, whatever made it,
so open links keep working:

* after a rotation of ``PAINREG_SECRET_KEY`` while the old key is listed in
  ``PAINREG_SECRET_KEY_FALLBACKS`` (Django's ``SECRET_KEY_FALLBACKS``;
  docs/operations.md, "Rotating the keys");
* for links sent before the derivation moved to ``salted_hmac`` (keyed by
  SHA-256 of ``painreg.eprom.token:<secret>``), until they expire.

:func:`token_of` rebuilds the link a patient holds (staff page, reminders)
with whichever key and derivation made its stored hash; new links are only
ever made by :func:`token_for`, with the current key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac

NONCE_BYTES = 16  # 128 bits of randomness, the least a guessable link may have

TOKEN_SALT = "painreg.eprom.token"
ADDRESS_SALT = "painreg.eprom.address"


def _urlsafe(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _keys() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def new_nonce() -> str:
    return secrets.token_hex(NONCE_BYTES)


def _token(nonce: str, key: str) -> str:
    return _urlsafe(salted_hmac(TOKEN_SALT, nonce, secret=key, algorithm="sha256").digest())


def token_for(nonce: str) -> str:
    """The link token of ``nonce`` with the current key: the only one new invitations get."""
    return _token(nonce, settings.SECRET_KEY)


def _legacy_token_for(nonce: str, key: str | None = None) -> str:
    """The derivation of links sent before ``salted_hmac``: only to rebuild those."""
    secret = hashlib.sha256(f"painreg.eprom.token:{key or settings.SECRET_KEY}".encode()).digest()
    return _urlsafe(hmac.new(secret, nonce.encode(), hashlib.sha256).digest())


def token_of(nonce: str, token_hash: str) -> str:
    """The token of a stored invitation (its nonce and the hash kept of its token).

    The one, among the current key and the fallback keys with each derivation,
    whose hash is the stored one, so a reminder points to the same address as
    the invitation; the current key's when none is (the link is then dead).
    """
    keys = _keys()
    for token in [*(_token(nonce, k) for k in keys), *(_legacy_token_for(nonce, k) for k in keys)]:
        if hmac.compare_digest(hash_token(token), token_hash):
            return token
    return token_for(nonce)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_address(address: str) -> str:
    """A keyed hash of the client's IP address: countable, not reversible without the key."""
    return salted_hmac(ADDRESS_SALT, address, algorithm="sha256").hexdigest()
