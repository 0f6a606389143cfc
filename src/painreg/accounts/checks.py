"""System checks: demo mode (two-factor codes on screen) only on this machine; the
identity providers' settings complete.

``PAINREG_DEMO=1`` shows the TOTP code of demo users on the login page and
turns off production security settings (see settings.py). Serving it to
other hosts is almost certainly a mistake, so the check warns.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

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


@register()
def identity_providers_complete(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Each configured OpenID provider has its client and assurance levels; someone can log in."""
    errors = []
    for who, config in (getattr(settings, "PAINREG_OIDC", None) or {}).items():
        if not config:
            continue
        prefix = f"PAINREG_OIDC_{who.upper()}_"
        missing = [k for k in ("CLIENT_ID", "CLIENT_SECRET", "CLAIM", "ACR") if not config.get(k)]
        if missing:
            errors.append(
                Error(
                    f"{prefix}ISSUER is set but {', '.join(prefix + k for k in missing)} not.",
                    hint="docs/operations.md, 'Connecting an identity provider'.",
                    id="painreg.accounts.E001",
                )
            )
        if not str(config.get("ISSUER", "")).startswith("https://") and settings.PRODUCTION:
            errors.append(
                Error(
                    f"{prefix}ISSUER must be an https:// address in production.",
                    id="painreg.accounts.E002",
                )
            )
    oidc_config = getattr(settings, "PAINREG_OIDC", None) or {}
    if not getattr(settings, "PAINREG_LOCAL_LOGIN", True) and not oidc_config.get("staff"):
        errors.append(
            Error(
                "PAINREG_LOCAL_LOGIN=0 without PAINREG_OIDC_STAFF_ISSUER: nobody could log in.",
                hint="Set up the staff identity provider first, or keep the password login.",
                id="painreg.accounts.E003",
            )
        )
    return errors
