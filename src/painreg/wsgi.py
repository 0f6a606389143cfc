"""WSGI entry point (``painreg serve`` runs it under gunicorn)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painreg.settings")

application = get_wsgi_application()

# Build the per-process caches of the patient pages and the dashboard's SQL
# templates now, not in the first requests.
from painreg.dashboard import data as dashboard_data  # noqa: E402
from painreg.eprom import warmup  # noqa: E402 - needs the configured Django above

warmup.warm()
dashboard_data.warm()
