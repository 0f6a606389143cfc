"""Every write in the coordinator's admin is audited like the staff pages' writes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from painreg.accounts.testing import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(client: Client, world: SimpleNamespace) -> Client:
    login_verified(client, world.erik)
    return client


def _events(action: str) -> list[Any]:
    """The events of ``action`` the coordinator's requests wrote (not the fixture's)."""
    from painreg.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action, username="erik"))


def _alice(**fields: Any) -> dict[str, Any]:
    """The change form of alice's user page, as posted, with ``fields`` on top."""
    return {"username": "alice", "first_name": "", "last_name": "", "email": "", **fields}


def _inline(prefix: str, total: int = 0, initial: int = 0) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def test_a_coordinator_granting_themself_a_unit_role_in_the_admin_is_audited(
    coordinator: Client, world: SimpleNamespace
) -> None:
    from painreg.registry.models import Membership

    response = coordinator.post(
        "/admin/registry/membership/add/",
        {"user": world.erik.pk, "role": "clinician", "unit": world.unit_b.pk, "region": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Membership.objects.filter(user=world.erik, unit=world.unit_b).exists()
    (event,) = _events("membership.add")
    assert event.username == "erik" and event.unit_id == world.unit_b.pk
    assert event.detail == {"member": "erik", "role": "clinician"}


def test_deleting_memberships_in_the_admin_is_audited_one_by_one_and_in_bulk(
    coordinator: Client, world: SimpleNamespace
) -> None:
    from painreg.registry.models import Membership

    alice = Membership.objects.get(user=world.alice)
    coordinator.post(f"/admin/registry/membership/{alice.pk}/delete/", {"post": "yes"})
    bob = Membership.objects.get(user=world.bob)
    charlie = Membership.objects.get(user=world.charlie)
    coordinator.post(
        "/admin/registry/membership/",
        {"action": "delete_selected", "_selected_action": [bob.pk, charlie.pk], "post": "yes"},
    )
    removed = {e.detail["member"] for e in _events("membership.remove")}
    assert removed == {"alice", "bob", "charlie"}
    assert not Membership.objects.filter(user__username__in=removed).exists()


def test_a_membership_added_on_the_users_admin_page_is_audited(
    coordinator: Client, world: SimpleNamespace
) -> None:
    data = _alice(
        is_active="on",
        **_inline("memberships", total=1),
        **{
            "memberships-0-role": "unit_manager",
            "memberships-0-unit": world.unit_a.pk,
            "memberships-0-region": "",
        },
    )
    response = coordinator.post(f"/admin/auth/user/{world.alice.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    (event,) = _events("membership.add")
    assert event.detail == {"member": "alice", "role": "unit_manager"}


def test_changing_a_user_or_a_password_in_the_admin_is_audited(
    coordinator: Client, world: SimpleNamespace
) -> None:
    data = _alice(first_name="Alice", **_inline("memberships"))  # no is_active: deactivated
    response = coordinator.post(f"/admin/auth/user/{world.alice.pk}/change/", data)
    assert response.status_code == 302
    (event,) = _events("user.change")
    assert event.username == "erik" and event.object_id == str(world.alice.pk)
    assert "Active" in str(event.detail["changes"])
    response = coordinator.post(
        f"/admin/auth/user/{world.bob.pk}/password/",
        {"password1": "Rw7-ocean-lantern-41", "password2": "Rw7-ocean-lantern-41"},
    )
    assert response.status_code == 302
    assert [e.object_id for e in _events("user.change")].count(str(world.bob.pk)) == 1


def test_deleting_a_user_in_the_admin_is_audited(
    coordinator: Client, world: SimpleNamespace
) -> None:
    coordinator.post(f"/admin/auth/user/{world.bob.pk}/delete/", {"post": "yes"})
    (event,) = _events("user.delete")
    assert event.object_id == str(world.bob.pk) and event.username == "erik"


def test_a_membership_deleted_on_the_users_admin_page_is_audited(
    coordinator: Client, world: SimpleNamespace
) -> None:
    from painreg.registry.models import Membership

    membership = Membership.objects.get(user=world.alice)
    data = _alice(
        is_active="on",
        **_inline("memberships", total=1, initial=1),
        **{
            "memberships-0-id": membership.pk,
            "memberships-0-user": world.alice.pk,
            "memberships-0-DELETE": "on",
        },
    )
    response = coordinator.post(f"/admin/auth/user/{world.alice.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not Membership.objects.filter(pk=membership.pk).exists()
    (event,) = _events("membership.remove")
    assert event.detail == {"member": "alice", "role": "registrar"}
