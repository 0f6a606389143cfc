"""Django settings, driven by the environment (DATABASE_URL, ...).

Placeholder until the registry core lands: the registry helper owns this file.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("PAINREG_VAR_DIR", Path.cwd() / "var"))

SECRET_KEY = os.environ.get("PAINREG_SECRET_KEY", "insecure-development-key")
DEBUG = os.environ.get("PAINREG_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("PAINREG_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'painreg.sqlite3'}", conn_max_age=60
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Europe/Stockholm"
LANGUAGE_CODE = "sv"
