"""WSGI entry point (``painreg serve`` runs it under gunicorn; any WSGI server may)."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painreg.settings")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    # A refused setting (a weak key, say) is one line for the operator, not a traceback.
    raise SystemExit(f"painreg: {exc}") from None

# Build the per-process caches of the patient pages and the dashboard's SQL
# templates now, not in the first requests (they need the configured Django above).
from painreg.dashboard import data as dashboard_data
from painreg.eprom import warmup

warmup.warm()
dashboard_data.warm()
