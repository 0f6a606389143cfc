"""TOTP devices of staff: provisioning, QR code for enrolment, the demo key.

Design: one confirmed TOTP device (RFC 6238, 30 s steps, 6 digits, SHA-1, the
defaults every authenticator app understands) per person, stored by
django-otp's ``otp_totp`` plugin, so throttling of wrong codes and replay
protection (a code is accepted once) come from that library.

The QR code is drawn as inline SVG by segno (pure Python, no image files, no
network), next to the secret in Base32 groups for manual entry.

Demo: every demo user gets the fixed, published key :data:`DEMO_TOTP_KEY_HEX`
so the README can tell a newcomer how to log in. With ``PAINREG_DEMO=1`` the
verification page also shows the current code of demo users in a marked
banner. Demo mode is never production (``settings.PRODUCTION`` is false
when ``DEMO`` is set; :mod:`painreg.accounts.checks` warns when it is served
beyond this machine), and :func:`is_demo_device` only ever recognises the
published demo key, so a real user's code is never shown. Outside demo mode a
person with the demo key cannot log in at all (``accounts.backends``).
"""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify

import segno
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

#: The published TOTP key of the demo users (20 bytes, hex). Public by design:
#: it only ever protects demo data; never provision it outside ``painreg demo``.
DEMO_TOTP_KEY_HEX = "70616e7265672d64656d6f2d746f74702d6b6579"

#: Name of the one device each person has.
DEVICE_NAME = "Autentiseringsapp"


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    """The person's confirmed TOTP device, or ``None`` when not enrolled yet."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def ensure_totp_device(user: AbstractBaseUser, *, key_hex: str | None = None) -> TOTPDevice:
    """Return the person's confirmed TOTP device, creating it if needed.

    ``key_hex`` fixes the secret (demo users, tests); without it a random
    20-byte key is drawn. An existing confirmed device keeps its key unless a
    different ``key_hex`` is given, which replaces it (re-provisioning).
    """
    device = confirmed_device(user)
    if device is None:
        device = TOTPDevice(user=user, name=DEVICE_NAME, confirmed=True)
        if key_hex:
            device.key = key_hex
        device.save()
    elif key_hex and device.key != key_hex:
        device.key = key_hex
        device.last_t = -1
        device.drift = 0
        device.save()
    return device


def current_token(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows right now (zero-padded)."""
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(code).zfill(device.digits)


def token_for_key(key_hex: str) -> str:
    """The current 6-digit code for a hex key (tests and the demo hint)."""
    return str(totp(unhexlify(key_hex))).zfill(6)


def base32_secret(device: TOTPDevice) -> str:
    """The secret in Base32, in groups of four, for typing into an app by hand."""
    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """An inline SVG QR code of the device's ``otpauth://`` URI."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=4, title="QR-kod för autentiseringsappen", dark="#000", light="#fff")


def is_demo_device(device: TOTPDevice | None) -> bool:
    """True only for a demo user's device while the demo runs (never in production)."""
    return bool(
        device is not None and getattr(settings, "DEMO", False) and device.key == DEMO_TOTP_KEY_HEX
    )


def has_demo_key(user: AbstractBaseUser) -> bool:
    """Whether any device of the person carries the published demo key."""
    return TOTPDevice.objects.filter(user=user, key=DEMO_TOTP_KEY_HEX).exists()


def demo_login_hint() -> str:
    """The line ``painreg demo`` prints about the second login step."""
    secret = b32encode(unhexlify(DEMO_TOTP_KEY_HEX)).decode("ascii").rstrip("=")
    return (
        "Two-factor step: in demo mode the code page shows the current code in a yellow "
        f"banner; or add the demo TOTP secret {secret} to any authenticator app."
    )
