"""Passwords: repetition refused, Django's bundled common-password list in force."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaaaaaa", "zzzzzzzzzzzzzzzzzzzz", "abcabcabcabc", "ab12ab12ab12", "aabbaabbaabbc"],
)
def test_a_repetitive_password_is_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize("password", ["qwertyqwerty", "password1234", "1q2w3e4r5t6y"])
def test_a_password_on_djangos_bundled_common_list_is_refused(password: str) -> None:
    # CommonPasswordValidator's list ships with Django (common-passwords.txt.gz).
    with pytest.raises(ValidationError, match=r"vanligt|common"):
        validate_password(password)


def test_a_long_varied_passphrase_is_accepted() -> None:
    validate_password("lingon-kaffe-bro-1987")
