"""Django app configuration of :mod:`painreg.accounts`."""

from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "painreg.accounts"
    label = "accounts"
    verbose_name = "Konton och inloggning"

    def ready(self) -> None:
        # Registers the system check that refuses demo mode in production.
        from painreg.accounts import checks  # noqa: F401
