"""Throttles of the patient link and the staff login cannot be used to lock out others.

The client address comes from ``X-Forwarded-For`` only when the request
arrives from a proxy listed in ``PAINREG_TRUSTED_PROXIES``; the identity
check is limited per link, unknown links per address; staff lockout is per
user name *and* address, with a wider per-address limit against spraying.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from .conftest import BIRTH_DATE, PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.7"
UNKNOWN_LINK = "/enkat/" + "B" * 43 + "/"


def _from(address: str, forwarded: str | None = None) -> dict[str, str]:
    meta = {"REMOTE_ADDR": address}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return meta


def test_the_client_address_comes_from_x_forwarded_for_only_through_a_trusted_proxy(
    settings: Any,
) -> None:
    from painreg.accounts.addresses import client_address

    settings.PAINREG_TRUSTED_PROXIES = [PROXY, "192.168.0.0/16"]
    factory = RequestFactory()
    # Through the proxy: the hop the proxy saw, not what the client wrote in front of it.
    request = factory.get("/", **_from(PROXY, "1.2.3.4, 203.0.113.5"))
    assert client_address(request) == "203.0.113.5"
    # Two trusted proxies in a row are both skipped.
    request = factory.get("/", **_from(PROXY, "203.0.113.5, 192.168.3.4"))
    assert client_address(request) == "203.0.113.5"
    # Straight from a client: its forged header is ignored.
    request = factory.get("/", **_from("198.51.100.9", "203.0.113.5"))
    assert client_address(request) == "198.51.100.9"
    # A garbled header behind the proxy: the proxy's own address, never the garbage.
    request = factory.get("/", **_from(PROXY, "not-an-address"))
    assert client_address(request) == PROXY


def test_no_proxy_is_trusted_by_default(settings: Any) -> None:
    from painreg.accounts.addresses import client_address

    assert settings.PAINREG_TRUSTED_PROXIES == []
    request = RequestFactory().get("/", **_from(PROXY, "203.0.113.5"))
    assert client_address(request) == PROXY


def test_unknown_links_from_the_proxys_address_do_not_lock_out_a_patient(
    client: Client, invitation: SimpleNamespace, settings: Any
) -> None:
    from painreg.eprom import actions

    settings.PAINREG_TRUSTED_PROXIES = [PROXY]
    for _ in range(actions.ADDRESS_RATE_LIMIT + 5):
        client.get(UNKNOWN_LINK, **_from(PROXY, "203.0.113.66"))
    patient = Client()
    response = patient.post(
        f"/enkat/{invitation.token}/", {"identity": BIRTH_DATE}, **_from(PROXY, "198.51.100.1")
    )
    assert response.status_code == 302


def test_unknown_links_never_block_a_known_link_from_the_same_address(
    client: Client, invitation: SimpleNamespace
) -> None:
    from painreg.eprom import actions

    for _ in range(actions.ADDRESS_RATE_LIMIT + 5):
        client.get(UNKNOWN_LINK)
    assert client.get(UNKNOWN_LINK).status_code == 429
    response = client.post(f"/enkat/{invitation.token}/", {"identity": BIRTH_DATE})
    assert response.status_code == 302


def test_wrong_answers_on_one_link_do_not_throttle_another_link_from_the_same_address(
    client: Client, invitation: SimpleNamespace, world: SimpleNamespace, monkeypatch: Any
) -> None:
    from painreg.eprom import actions

    monkeypatch.setattr(actions, "ADDRESS_RATE_LIMIT", 3)
    occasion = invitation.obj.occasion.registration.occasions.get(kind="end")
    _, other_token = actions.create_invitation(user=world.alice, occasion=occasion)
    for _ in range(4):
        client.post(f"/enkat/{other_token}/", {"identity": "0000"})
    response = client.post(f"/enkat/{invitation.token}/", {"identity": BIRTH_DATE})
    assert response.status_code == 302


def test_unknown_links_keep_one_row_per_address_and_rows_expire(client: Client) -> None:
    from painreg.eprom import actions
    from painreg.eprom.models import IdentityAttempt, UnknownLinkThrottle

    for _ in range(actions.ADDRESS_RATE_LIMIT * 3):
        client.get(UNKNOWN_LINK)
    assert UnknownLinkThrottle.objects.count() == 1
    assert IdentityAttempt.objects.count() == 0
    # Once the window has passed, the next request from anywhere cleans the row away.
    UnknownLinkThrottle.objects.update(
        window_start=timezone.now() - actions.ADDRESS_WINDOW - dt.timedelta(seconds=1)
    )
    Client().get(UNKNOWN_LINK, REMOTE_ADDR="198.51.100.2")
    assert UnknownLinkThrottle.objects.count() == 1
    assert client.get(UNKNOWN_LINK).status_code == 404


def _password(client: Client, username: str, password: str, address: str) -> Any:
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_wrong_passwords_from_one_address_do_not_lock_the_account_elsewhere(
    world: SimpleNamespace, settings: Any
) -> None:
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        _password(attacker, "alice", "wrong-password", "203.0.113.66")
    assert _password(attacker, "alice", PASSWORD, "203.0.113.66").status_code == 429
    response = _password(Client(), "alice", PASSWORD, "198.51.100.1")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:enrol"))


def test_password_spraying_from_one_address_is_stopped(
    world: SimpleNamespace, settings: Any
) -> None:
    settings.PAINREG_LOGIN_ADDRESS_FAILURE_LIMIT = 6
    sprayer = Client()
    for i in range(3):
        for name in ("alice", "bob"):
            _password(sprayer, name, f"Summer2026!{i}", "203.0.113.66")
    # No user name reached its own limit, but the address did.
    response = _password(sprayer, "charlie", PASSWORD, "203.0.113.66")
    assert response.status_code == 429
    assert _password(Client(), "charlie", PASSWORD, "198.51.100.1").status_code == 302
