"""Test helpers for views behind the two-factor login (used by every app's tests).

``login_verified(client, user)`` gives a Django test client a session that
has passed both login steps, as the staff pages require, without going
through the forms (those are tested in ``tests/integration/registry/test_views_login.py``).
"""

from __future__ import annotations

from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY

from painreg.accounts.otp import ensure_totp_device


def login_verified(client: Any, user: Any) -> None:
    """Log ``user`` in on ``client`` with a verified TOTP device in the session."""
    device = ensure_totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
