"""The coordinator's admin: national coordinators only, after the two-factor login."""

from __future__ import annotations

from typing import Any

import pytest

from painreg.accounts.testing import login_verified

pytestmark = pytest.mark.django_db


def test_the_admin_has_no_password_only_login(client: Any) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert login.status_code == 302
    assert not login["Location"].startswith("/admin/")


def test_a_verified_coordinator_manages_units_and_users(client: Any, world: Any) -> None:
    login_verified(client, world.erik)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/registry/unit/").status_code == 200
    assert client.get(f"/admin/registry/unit/{world.unit_a.pk}/change/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 200
    assert client.get("/admin/registry/membership/").status_code == 200
    assert client.get("/admin/registry/unityeartotal/").status_code == 200


def test_a_coordinator_without_the_second_factor_is_not_let_in(client: Any, world: Any) -> None:
    client.force_login(world.erik)
    assert client.get("/admin/registry/unit/").status_code == 302


@pytest.mark.parametrize("name", ["alice", "charlie", "diana"])
def test_other_roles_get_no_admin(client: Any, world: Any, name: str) -> None:
    login_verified(client, getattr(world, name))
    assert client.get("/admin/registry/unit/").status_code in (302, 403)
    assert client.get("/admin/login/").status_code == 403


def test_the_admin_shows_no_patient_data(client: Any, world: Any, registration: Any) -> None:
    login_verified(client, world.erik)
    index = client.get("/admin/").content.decode()
    assert "patient" not in index.lower()
    assert client.get("/admin/registry/patient/").status_code == 404
