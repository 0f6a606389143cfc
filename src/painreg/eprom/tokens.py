"""Invitation tokens and hashed addresses.

A token is an HMAC-SHA256 of a random 128-bit nonce, keyed from the server
secret by Django's ``salted_hmac`` (one salt per purpose), written as 43
characters of URL-safe base64 (256 bits). The database keeps the nonce and
SHA-256(token): a link can be rebuilt by the server (reminders) but not by
someone holding only a copy of the database. Comparing hashes of a 256-bit
value in a database index leaks nothing useful through timing. Rotating
``PAINREG_SECRET_KEY`` invalidates every open link (docs/eprom.md).

Links sent before the key derivation moved to ``salted_hmac`` were keyed by
SHA-256 of ``painreg.eprom.token:<secret>``. They keep working until they
expire: the patient's token is looked up by its hash, whatever derived it,
and :func:`token_of` rebuilds such a link for reminders when the stored hash
says it is one. New links are only ever made by :func:`token_for`.
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


def new_nonce() -> str:
    return secrets.token_hex(NONCE_BYTES)


def token_for(nonce: str) -> str:
    """The link token of ``nonce``: the only derivation new invitations get."""
    return _urlsafe(salted_hmac(TOKEN_SALT, nonce, algorithm="sha256").digest())


def _legacy_token_for(nonce: str) -> str:
    """The derivation of links sent before ``salted_hmac``: only to rebuild those."""
    key = hashlib.sha256(f"painreg.eprom.token:{settings.SECRET_KEY}".encode()).digest()
    return _urlsafe(hmac.new(key, nonce.encode(), hashlib.sha256).digest())


def token_of(nonce: str, token_hash: str) -> str:
    """The token of a stored invitation (its nonce and the hash kept of its token).

    The current derivation, unless the stored hash is that of a link sent with
    the earlier one: that link is rebuilt as it was sent, so a reminder points
    to the same address as the invitation.
    """
    token = token_for(nonce)
    if hash_token(token) != token_hash:
        legacy = _legacy_token_for(nonce)
        if hmac.compare_digest(hash_token(legacy), token_hash):
            return legacy
    return token


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_address(address: str) -> str:
    """A keyed hash of the client's IP address: countable, not reversible without the key."""
    return salted_hmac(ADDRESS_SALT, address, algorithm="sha256").hexdigest()
