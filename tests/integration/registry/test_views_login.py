"""Login in two steps (password, TOTP), enrolment, lockout, idle logout, headers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from painreg.accounts import otp

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


def _password_step(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_it_redirects_an_anonymous_visitor_to_login(client: Client, world: SimpleNamespace) -> None:
    response = client.get(reverse("registry:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_asks_for_the_code_after_the_password(client: Client, world: SimpleNamespace) -> None:
    otp.ensure_totp_device(world.alice)
    response = _password_step(client, "alice")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))
    # Password alone does not open staff pages.
    response = client.get(reverse("registry:home"))
    assert response["Location"].startswith(reverse("accounts:verify"))


def test_it_logs_in_with_password_and_current_code(client: Client, world: SimpleNamespace) -> None:
    device = otp.ensure_totp_device(world.alice)
    _password_step(client, "alice")
    response = client.post(reverse("accounts:verify"), {"token": otp.current_token(device)})
    assert response.status_code == 302
    response = client.get(reverse("registry:home"))
    assert response.status_code == 200
    assert "Smärtrehab A" in response.content.decode()


def test_it_rejects_a_wrong_code_with_a_message_next_to_the_field(
    client: Client, world: SimpleNamespace
) -> None:
    device = otp.ensure_totp_device(world.alice)
    _password_step(client, "alice")
    wrong = "000000" if otp.current_token(device) != "000000" else "111111"
    response = client.post(reverse("accounts:verify"), {"token": wrong})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_token_error"' in html
    assert 'href="#id_token"' in html  # the error summary links to the field


def test_it_does_not_accept_the_same_code_twice(client: Client, world: SimpleNamespace) -> None:
    device = otp.ensure_totp_device(world.alice)
    token = otp.current_token(device)
    _password_step(client, "alice")
    client.post(reverse("accounts:verify"), {"token": token})
    other = Client()
    _password_step(other, "alice")
    response = other.post(reverse("accounts:verify"), {"token": token})
    assert response.status_code == 200  # refused: replay


def test_it_enrols_a_person_without_a_device_with_a_qr_code(
    client: Client, world: SimpleNamespace
) -> None:
    response = _password_step(client, "bob")
    assert response["Location"].startswith(reverse("accounts:enrol"))
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "<svg" in html and "QR" in html
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=world.bob, confirmed=False)
    response = client.post(reverse("accounts:enrol"), {"token": otp.current_token(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("registry:home")).status_code == 200


def test_it_locks_the_username_after_five_wrong_passwords(
    client: Client, world: SimpleNamespace
) -> None:
    otp.ensure_totp_device(world.alice)
    for _ in range(5):
        _password_step(client, "alice", "wrong-password")
    response = _password_step(client, "alice")  # right password, but locked
    assert response.status_code == 429
    assert "Inloggningen är låst" in response.content.decode()


def test_it_counts_wrong_codes_towards_the_lockout(client: Client, world: SimpleNamespace) -> None:
    device = otp.ensure_totp_device(world.alice)
    wrong = "000000" if otp.current_token(device) != "000000" else "111111"
    locked = None
    for _ in range(5):
        _password_step(client, "alice")
        locked = client.post(reverse("accounts:verify"), {"token": wrong})
        device.throttle_reset()
    assert locked is not None and locked.status_code == 429
    assert _password_step(client, "alice").status_code == 429


def test_it_logs_out_an_idle_session(client: Client, world: SimpleNamespace, settings: Any) -> None:
    from painreg.accounts.testing import login_verified

    login_verified(client, world.alice)
    assert client.get(reverse("registry:home")).status_code == 200
    session = client.session
    session["painreg_last_seen"] = session["painreg_last_seen"] - 3600
    session.save()
    response = client.get(reverse("registry:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_sends_security_headers(client: Client, world: SimpleNamespace) -> None:
    response = client.get(reverse("accounts:login"))
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_logs_out_only_by_post(client: Client, world: SimpleNamespace) -> None:
    from painreg.accounts.testing import login_verified

    login_verified(client, world.alice)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("registry:home")).status_code == 302


def test_it_shows_the_demo_code_only_in_demo_mode(
    client: Client, world: SimpleNamespace, settings: Any
) -> None:
    otp.ensure_totp_device(world.alice, key_hex=otp.DEMO_TOTP_KEY_HEX)
    settings.DEMO = True  # a demo login gets past the password in demo mode only
    _password_step(client, "alice")
    settings.DEMO = False
    assert 'data-testid="demo-code"' not in client.get(reverse("accounts:verify")).content.decode()
    settings.DEMO = True
    html = client.get(reverse("accounts:verify")).content.decode()
    assert 'data-testid="demo-code"' in html
    assert otp.token_for_key(otp.DEMO_TOTP_KEY_HEX) in html


def test_it_keeps_the_coordinators_admin_behind_the_code(
    client: Client, world: SimpleNamespace
) -> None:
    from painreg.accounts.testing import login_verified

    client.force_login(world.erik)  # password step only
    response = client.get("/admin/")
    assert response.status_code == 302
    login_page = client.get(response["Location"])
    assert login_page.status_code == 302  # the admin's own login sends to ours
    assert login_page["Location"].startswith("/konto/")
    verified = Client()
    login_verified(verified, world.erik)
    assert verified.get("/admin/").status_code == 200
