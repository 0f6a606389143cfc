"""The response profile pages: own unit sees chart, table and reference; others 404."""

from __future__ import annotations

import datetime as dt

import pytest

from painreg.accounts.testing import login_verified

pytestmark = pytest.mark.django_db


def _personnummer(serial: int) -> str:
    """A valid personnummer (Luhn) of someone born 1970-01-01."""
    body = f"700101{serial:03d}"
    total = 0
    for i, ch in enumerate(body):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return f"19{body}{(10 - total % 10) % 10}"


def _signed_off_peer(world, serial: int, anxiety_item_value: int) -> None:
    from painreg.registry import actions, validation

    start = dt.date(2025, 1, 10)
    registration = actions.create_registration(
        user=world.alice, unit=world.unit_a, personnummer=_personnummer(serial),
        category="rehab", first_visit_date=start, rehab_start_date=start,
        rehab_end_date=dt.date(2025, 3, 1), main_diagnosis="M79.7",
    )  # fmt: skip
    initial = registration.occasions.get(kind="initial")
    answers = {f"hads_{i}": anxiety_item_value for i in range(1, 15)}
    actions.save_answers(user=world.alice, occasion=initial, answers=answers, answered_on=start)
    for instrument in validation.occasion_form(initial):
        if instrument not in {"hads", "mpi"}:  # the rest of the form was not administered
            actions.set_not_administered(
                user=world.alice, occasion=initial, instrument=instrument, reason="ej aktuellt"
            )
    actions.sign_off_occasion(user=world.alice, occasion=initial)
    actions.sign_off_registration(user=world.alice, registration=registration)


@pytest.fixture
def profiled(world, registration):
    from painreg.registry import actions

    for serial, value in enumerate([0, 1, 1, 2, 3], start=10):
        _signed_off_peer(world, serial, value)
    occasion = registration.occasions.get(kind="initial")
    actions.save_answers(
        user=world.alice,
        occasion=occasion,
        answers={f"hads_{i}": 2 for i in range(1, 15)},
        answered_on=dt.date.today(),
    )
    return world


def test_the_profile_shows_scores_bands_and_the_reference(client, profiled, registration):
    from painreg.audit.models import AccessLog

    login_verified(client, profiled.alice)
    url = f"/enkat/personal/registreringar/{registration.pk}/svarsprofil/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "data:image/svg+xml;base64," in html
    assert "0–7 normal / 8–10 borderline / 11–21 case" in html
    # Peers' anxiety at initial: 0, 7, 7, 14, 21 -> median 7, quartiles 7 and 14.
    assert "<td>7,0</td><td>7,0–14,0</td><td>5</td>" in html
    assert AccessLog.objects.filter(action="view_profile").exists()


def test_the_profile_pdf_is_a_pdf(client, profiled, registration):
    login_verified(client, profiled.alice)
    url = f"/enkat/personal/registreringar/{registration.pk}/svarsprofil.pdf"
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_another_unit_cannot_see_the_profile(client, world, registration):
    login_verified(client, world.bob)
    base = f"/enkat/personal/registreringar/{registration.pk}/svarsprofil"
    assert client.get(base + "/").status_code == 404
    assert client.get(base + ".pdf").status_code == 404
