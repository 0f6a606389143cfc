"""The pages of a validation round: the coordinator creates and draws, the validator
enters blind and then sees the comparison, the coordinator reads the results and
downloads the report."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    from painreg.accounts.testing import login_verified

    client = Client()
    login_verified(client, user)
    return client


def _create_and_draw(w: SimpleNamespace) -> Any:
    from painreg.verification.models import ValidationRound

    erik = _client(w.erik)
    form = {
        "name": "Validering 2025",
        "year_from": "2025",
        "year_to": "2025",
        "units": [str(w.unit_a.pk), str(w.unit_b.pk)],
        "sample_size": "2",
        "groups": ["category", "dates"],
        "items": "hads_1",
        "seed": "2021",
    }
    response = erik.post(reverse("verification:round_create"), form)
    assert response.status_code == 302, response.content.decode()
    round_ = ValidationRound.objects.get()
    assert erik.post(reverse("verification:draw", args=[round_.pk])).status_code == 302
    response = erik.post(
        reverse("verification:validator_add", args=[round_.pk]), {"username": "vera"}
    )
    assert response.status_code == 302
    return round_


def test_the_coordinators_form_explains_what_is_wrong(validation_world: SimpleNamespace) -> None:
    erik = _client(validation_world.erik)
    response = erik.post(
        reverse("verification:round_create"),
        {"name": "", "year_from": "2025", "year_to": "2024", "sample_size": "0",
         "items": "hads_1, no_such_item", "seed": "1"},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200
    assert "no_such_item" in body
    assert erik.get(reverse("verification:home")).status_code == 200


def test_a_round_from_creation_to_the_report(validation_world: SimpleNamespace) -> None:
    import zipfile

    from painreg.audit.models import AccessLog

    w = validation_world
    round_ = _create_and_draw(w)
    vera = _client(w.vera)
    listing = vera.get(reverse("verification:samples", args=[round_.pk])).content.decode()
    sample = round_.samples.filter(unit=w.unit_a).first()
    assert sample.registration.patient.formatted_personnummer in listing
    entry_url = reverse("verification:entry", args=[round_.pk, sample.pk])
    page = vera.get(entry_url).content.decode()
    # Blind: the registered diagnosis and dates are not in the page.
    assert "2025-01-20" not in page and "2025-01-02" not in page
    assert AccessLog.objects.filter(user=w.vera, patient=sample.registration.patient).exists()
    response = vera.post(entry_url, {
        "category": "rehab",
        "first_visit_date": "2025-01-20",
        "referral_date__not_found": "on",
        "rehab_start_date": "2025-02-03",
        "item.initial.hads_1": "3",
    })  # fmt: skip
    assert response.status_code == 302
    comparison = vera.get(response["Location"]).content.decode()
    assert "2025-01-02" in comparison  # the registered referral date, shown afterwards
    assert "intilliggande alternativ" in comparison and "saknas i journalen" in comparison
    # Saved once: the entry page now leads to the comparison.
    assert vera.get(entry_url)["Location"] == response["Location"]

    erik = _client(w.erik)
    results = erik.get(reverse("verification:results", args=[round_.pk])).content.decode()
    assert "Registreringen var korrekt till 60,0" in results  # 3 of 5 checked agree
    assert sample.registration.patient.formatted_personnummer not in results
    xlsx = erik.get(reverse("verification:report_xlsx", args=[round_.pk]))
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "Överensstämmelse per variabel" in strings and "<v>0.6</v>" in sheet
    pdf = erik.get(reverse("verification:report_pdf", args=[round_.pk]))
    assert pdf.content.startswith(b"%PDF")
    html = erik.get(reverse("verification:report_html", args=[round_.pk])).content.decode()
    assert "Källdatavalidering: Validering 2025" in html


def test_a_validator_cannot_reach_a_sample_of_another_round(
    validation_world: SimpleNamespace, django_user_model: Any
) -> None:
    w = validation_world
    round_ = _create_and_draw(w)
    other = django_user_model.objects.create_user("otto", password="x")
    otto = _client(other)
    sample = round_.samples.first()
    assert otto.get(reverse("verification:entry", args=[round_.pk, sample.pk])).status_code == 404
    assert otto.get(reverse("verification:home")).status_code == 404
    alice = _client(w.alice)  # unit A's registrar: the unit, not the round
    assert alice.get(reverse("verification:samples", args=[round_.pk])).status_code == 404
