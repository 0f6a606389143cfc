"""The password step's backend: Django's ``ModelBackend`` that refuses demo logins
outside demo mode.

The demo users' password and TOTP key are published (README, ``painreg
demo``). Should demo data ever reach a server that is not in demo mode, a
person with the published demo key must not get in: such a user cannot
authenticate at all, so the published credentials work only while
``PAINREG_DEMO=1``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from painreg.accounts import otp


class StaffBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if not getattr(settings, "DEMO", False) and otp.has_demo_key(user):
            return False
        return super().user_can_authenticate(user)
