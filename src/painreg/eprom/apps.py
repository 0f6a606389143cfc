from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EpromConfig(AppConfig):
    name = "painreg.eprom"
    label = "eprom"
    verbose_name = _("Patientenkäter (ePROM)")
