"""Link tokens: keyed by Django's salted_hmac; links sent with the earlier key still rebuild."""

from __future__ import annotations

import base64
import hashlib
import hmac

from painreg.eprom import tokens

NONCE = "00112233445566778899aabbccddeeff"


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_a_new_token_is_hmac_sha256_keyed_as_djangos_salted_hmac(settings):
    """Django's salted_hmac (django.utils.crypto): key = SHA-256(salt + secret)."""
    settings.SECRET_KEY = "a-test-secret-key"
    key = hashlib.sha256(b"painreg.eprom.token" + b"a-test-secret-key").digest()
    expected = _b64(hmac.new(key, NONCE.encode(), hashlib.sha256).digest())
    assert tokens.token_for(NONCE) == expected


def test_the_earlier_derivation_still_gives_the_links_it_gave(settings):
    """The value the token code gave for this secret and nonce before salted_hmac."""
    settings.SECRET_KEY = "a-test-secret-key"
    assert tokens._legacy_token_for(NONCE) == "meiWZwYVIgu3_SLeIcBgw1ti15DSSI7kyCDYgsem3AA"
    assert tokens.token_for(NONCE) != tokens._legacy_token_for(NONCE)


def test_a_stored_invitation_is_rebuilt_with_the_derivation_its_hash_was_made_with(settings):
    settings.SECRET_KEY = "a-test-secret-key"
    new, legacy = tokens.token_for(NONCE), tokens._legacy_token_for(NONCE)
    assert tokens.token_of(NONCE, tokens.hash_token(new)) == new
    assert tokens.token_of(NONCE, tokens.hash_token(legacy)) == legacy
    # A hash neither derivation gives (the secret was rotated): the current one,
    # a link that no longer opens anything, as before.
    assert tokens.token_of(NONCE, tokens.hash_token("something else")) == new


def test_an_address_hash_is_keyed_by_its_own_salt(settings):
    settings.SECRET_KEY = "a-test-secret-key"
    key = hashlib.sha256(b"painreg.eprom.address" + b"a-test-secret-key").digest()
    expected = hmac.new(key, b"192.0.2.1", hashlib.sha256).hexdigest()
    assert tokens.hash_address("192.0.2.1") == expected
    settings.SECRET_KEY = "another-key"
    assert tokens.hash_address("192.0.2.1") != expected
