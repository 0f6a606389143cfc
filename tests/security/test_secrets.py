"""Strong keys outside demo and test mode, whatever starts Django; demo logins only in the demo."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import PASSWORD

SRC = Path(__file__).resolve().parents[2] / "src"
STRONG = secrets.token_urlsafe(50)


def _start(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter as a production server would (no test, demo, debug);
    ``code`` is Python, or ``manage.py ...``."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PAINREG_", "PYTEST_", "DJANGO_SETTINGS"))
    }
    argv = code.split() if code.startswith("manage.py") else ["-c", code]
    return subprocess.run(
        [sys.executable, *argv],
        cwd=SRC.parent,
        env={**base, "PYTHONPATH": str(SRC), "PAINREG_VAR_DIR": "/nonexistent", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


WSGI = "import painreg.wsgi"
SETTINGS = "manage.py check"


def _one_line_refusal(result: subprocess.CompletedProcess[str], names: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert names in lines[0] and "Traceback" not in result.stderr


def test_the_wsgi_application_refuses_to_start_without_a_secret_key() -> None:
    _one_line_refusal(_start(WSGI), "PAINREG_SECRET_KEY")


@pytest.mark.parametrize(
    "weak",
    ["a", "a" * 64, "ab" * 32, "insecure-development-key-do-not-use-in-production"],
)
def test_the_wsgi_application_refuses_a_weak_secret_key(weak: str) -> None:
    _one_line_refusal(_start(WSGI, PAINREG_SECRET_KEY=weak), "PAINREG_SECRET_KEY")


def test_settings_refuse_a_weak_pseudonym_key_at_start() -> None:
    result = _start(SETTINGS, PAINREG_SECRET_KEY=STRONG, PAINREG_PSEUDONYM_KEY="a" * 16)
    _one_line_refusal(result, "PAINREG_PSEUDONYM_KEY")


def test_settings_start_with_strong_keys() -> None:
    result = _start(SETTINGS, PAINREG_SECRET_KEY=STRONG, PAINREG_PSEUDONYM_KEY=STRONG[::-1])
    assert result.returncode == 0, result.stderr


def test_demo_mode_starts_without_keys() -> None:
    assert _start(SETTINGS, PAINREG_DEMO="1").returncode == 0


def test_a_pseudonymised_export_refuses_a_weak_key(monkeypatch: Any) -> None:
    from painreg.errors import UserError
    from painreg.interop import export as dbio

    monkeypatch.setenv(dbio.PSEUDONYM_KEY_ENV, "a" * 16)
    with pytest.raises(UserError, match="PAINREG_PSEUDONYM_KEY"):
        dbio.pseudonym_key()


@pytest.mark.django_db
def test_the_published_demo_totp_key_does_not_log_in_outside_demo_mode(
    world: SimpleNamespace, settings: Any
) -> None:
    from painreg.accounts import otp

    otp.ensure_totp_device(world.alice, key_hex=otp.DEMO_TOTP_KEY_HEX)
    settings.DEMO = False
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200  # the form again, nobody logged in
    assert "_auth_user_id" not in client.session
    settings.DEMO = True
    response = Client().post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302


def test_a_trusted_proxy_that_is_not_an_address_refuses_start_up() -> None:
    result = _start(SETTINGS, PAINREG_DEMO="1", PAINREG_TRUSTED_PROXIES="10.0.0.5,proxy.region.se")
    _one_line_refusal(result, "PAINREG_TRUSTED_PROXIES")
