"""A decimal comma typed into a staff number field is stored as the number meant.

The background question "how many years have you had the pain" says "0,5 för
ett halvår"; typed key by key into a Swedish-locale browser, "2,5" must be
stored as 2.5 (a number field of the browser dropped the comma: 25).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = [
    pytest.mark.functional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("typed", ["2,5", "2.5"])
def test_a_registrar_types_two_and_a_half_years_with_a_comma_or_a_point(
    live_server: Any, browser_page: Any, django_user_model: Any, settings: Any, typed: str
) -> None:
    from painreg.accounts.testing import login_verified
    from painreg.registry import actions
    from painreg.registry.models import Answer

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    unit = actions.create_unit(
        user=None, code="A", name="Smärtrehab A", region="01", care_level="specialist"
    )
    alice = django_user_model.objects.create_user("alice", password="x")
    actions.add_membership(user=None, member=alice, role="registrar", unit=unit)
    registration = actions.create_registration(
        user=alice,
        unit=unit,
        personnummer="19121212-1212",
        category="rehab",
        first_visit_date=dt.date(2025, 1, 20),
        rehab_start_date=dt.date(2025, 2, 3),
        main_diagnosis="M79.7",
    )
    client = Client()
    login_verified(client, alice)
    page = browser_page
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    url = reverse("registry:occasion_entry", args=[registration.pk, "initial", "background"])
    page.goto(live_server.url + url)
    page.fill("#id_answered_on", "2025-01-20")
    page.locator("#id_background_1").press_sequentially(typed)  # key by key, as a person types
    page.click("main button[type=submit]:has-text('Spara svar')")
    page.wait_for_selector("text=Svaren på")
    assert Answer.objects.get(item="background_1").value == 2.5
