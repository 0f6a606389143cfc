"""WSGI entry point (``painreg serve`` runs it under gunicorn)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painreg.settings")

application = get_wsgi_application()
