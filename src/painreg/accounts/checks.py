"""System check: demo mode (two-factor codes on screen) only on this machine.

``PAINREG_DEMO=1`` shows the TOTP code of demo users on the login page and
turns off production security settings (see settings.py). Serving it to
other hosts is almost certainly a mistake, so the check warns.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", "testserver"}


@register()
def demo_mode_only_locally(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if getattr(settings, "DEMO", False) and set(settings.ALLOWED_HOSTS) - _LOCAL_HOSTS:
        return [
            Warning(
                "PAINREG_DEMO=1 with ALLOWED_HOSTS beyond this machine.",
                hint="Demo mode shows two-factor codes on screen; never use it in production.",
                id="painreg.accounts.W001",
            )
        ]
    return []
