"""Unlocking a login and resetting two-factor: unit managers for their unit, the coordinator
for everyone, with a reason, audited; the person enrols again at the next login."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from painreg.accounts import otp
from painreg.accounts.testing import login_verified

from .conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dora")]

ADDRESS = "198.51.100.23"


def _page(member: Any) -> str:
    return reverse("accounts:staff_account", args=[member.pk])


def _as(user: Any) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def _password(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ADDRESS,
    )


def _lock(username: str, settings: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _password(Client(), username, "wrong-password")
    assert _password(Client(), username).status_code == 429


def _events(action: str) -> list[Any]:
    from painreg.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action))


def test_a_unit_manager_unlocks_a_colleague_with_a_reason_and_it_is_audited(
    world: SimpleNamespace, settings: Any
) -> None:
    _lock("alice", settings)
    charlie = _as(world.charlie)
    listing = charlie.get(reverse("accounts:staff_accounts")).content.decode()
    assert _page(world.alice) in listing and "Låst" in listing
    assert _page(world.bob) not in listing  # another unit's staff
    response = charlie.post(_page(world.alice), {"action": "unlock", "reason": "Ringde, känd röst"})
    assert response.status_code == 302
    assert _password(Client(), "alice").status_code == 302
    (event,) = _events("account.unlock")
    assert event.username == "charlie" and event.reason == "Ringde, känd röst"
    assert event.detail == {"member": "alice"} and event.unit_id == world.unit_a.pk


def test_nothing_is_done_without_a_reason(world: SimpleNamespace, settings: Any) -> None:
    _lock("alice", settings)
    response = _as(world.charlie).post(_page(world.alice), {"action": "unlock", "reason": " "})
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    assert _password(Client(), "alice").status_code == 429
    assert not _events("account.unlock")


def test_a_reset_ends_the_second_factor_and_the_person_enrols_again(
    world: SimpleNamespace,
) -> None:
    alice_phone = _as(world.alice)  # a verified session with her old device
    assert alice_phone.get(reverse("registry:home")).status_code == 200
    response = _as(world.charlie).post(
        _page(world.alice), {"action": "reset_two_factor", "reason": "Tappat telefonen"}
    )
    assert response.status_code == 302
    assert otp.confirmed_device(world.alice) is None
    assert alice_phone.get(reverse("registry:home")).status_code == 302
    response = _password(Client(), "alice")
    assert response["Location"].startswith(reverse("accounts:enrol"))
    (event,) = _events("account.reset_two_factor")
    assert event.username == "charlie" and event.reason == "Tappat telefonen"


def test_the_coordinator_unlocks_and_resets_anyone(world: SimpleNamespace, settings: Any) -> None:
    otp.ensure_totp_device(world.dora)
    erik = _as(world.erik)
    assert _page(world.dora) in erik.get(reverse("accounts:staff_accounts")).content.decode()
    erik.post(_page(world.dora), {"action": "reset_two_factor", "reason": "Ny telefon"})
    assert otp.confirmed_device(world.dora) is None


@pytest.mark.parametrize(
    ("who", "whose"),
    [
        ("dora", "alice"),  # the manager of another unit
        ("charlie", "bob"),  # another unit's registrar
        ("charlie", "erik"),  # a coordinator, even with a role in the unit
        ("charlie", "charlie"),  # oneself
        ("alice", "charlie"),  # a registrar, not a manager
    ],
)
def test_nobody_reaches_an_account_outside_their_reach(
    world: SimpleNamespace, who: str, whose: str
) -> None:
    from painreg.registry import actions

    actions.add_membership(user=None, member=world.erik, role="clinician", unit=world.unit_a)
    otp.ensure_totp_device(getattr(world, whose))
    client = _as(getattr(world, who))
    member = getattr(world, whose)
    assert client.get(_page(member)).status_code == 404
    response = client.post(_page(member), {"action": "reset_two_factor", "reason": "x"})
    assert response.status_code == 404
    assert otp.confirmed_device(member) is not None


def test_a_registrar_has_no_list_of_accounts(world: SimpleNamespace) -> None:
    assert _as(world.alice).get(reverse("accounts:staff_accounts")).status_code == 403


def test_the_pages_are_swedish_first_and_english_on_request(world: SimpleNamespace) -> None:
    charlie = _as(world.charlie)
    page = charlie.get(_page(world.alice)).content.decode()
    assert "Inloggning för alice" in page and "Lås upp inloggningen" in page
    charlie.cookies["django_language"] = "en"
    page = charlie.get(_page(world.alice)).content.decode()
    assert "Login of alice" in page and "Unlock the login" in page


def test_the_lock_page_points_to_the_people_who_can_unlock(
    world: SimpleNamespace, settings: Any
) -> None:
    _lock("alice", settings)
    page = _password(Client(), "alice").content.decode()
    assert "enhetschef" in page and "Personalens inloggning" in page


def test_logging_in_again_during_enrolment_keeps_one_unconfirmed_device(
    world: SimpleNamespace,
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for _ in range(3):
        client = Client()
        response = _password(client, "bob")
        client.get(response["Location"])
    assert TOTPDevice.objects.filter(user=world.bob).count() == 1


def test_confirming_a_new_authenticator_is_audited(world: SimpleNamespace) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.get(_password(client, "bob")["Location"])
    device = TOTPDevice.objects.get(user=world.bob)
    response = client.post(reverse("accounts:enrol"), {"token": otp.current_token(device)})
    assert response.status_code == 302
    (event,) = _events("account.enrol")
    assert event.username == "bob" and event.detail == {"member": "bob"}


def test_the_coordinators_admin_links_a_user_to_their_login_page(world: SimpleNamespace) -> None:
    page = _as(world.erik).get(f"/admin/auth/user/{world.alice.pk}/change/").content.decode()
    assert f'href="{_page(world.alice)}"' in page
