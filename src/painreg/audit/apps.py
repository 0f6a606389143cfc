from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "painreg.audit"
    label = "audit"
    verbose_name = _("Loggar")

    def ready(self) -> None:
        from painreg.audit import history

        history.protect_history_models()
