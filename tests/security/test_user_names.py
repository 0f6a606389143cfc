"""A unit manager cannot find out which user names exist from the role form."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from painreg.accounts.testing import login_verified

pytestmark = pytest.mark.django_db


def _give_role(world: SimpleNamespace, username: str, email: str) -> str:
    client = Client()
    login_verified(client, world.charlie)
    data = {"username": username, "email": email, "role": "clinician"}
    return client.post(reverse("registry:unit_members"), data).content.decode()


def _error(page: str) -> str:
    start = page.index('id="id_username_error"')
    return page[start : page.index("</p>", start)]


def test_an_existing_and_a_made_up_user_name_get_the_same_answer(world: SimpleNamespace) -> None:
    world.bob.email = "bob@example.org"
    world.bob.save()
    existing = _give_role(world, "bob", "guess@example.org")
    made_up = _give_role(world, "nobody-here", "guess@example.org")
    assert _error(existing) == _error(made_up)


def test_the_user_name_with_its_e_mail_address_gives_the_role(world: SimpleNamespace) -> None:
    from painreg.registry.models import Membership

    world.bob.email = "bob@example.org"
    world.bob.save()
    _give_role(world, "bob", "BOB@example.org")
    assert Membership.objects.filter(user=world.bob, unit=world.unit_a, role="clinician").exists()
