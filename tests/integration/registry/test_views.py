"""Staff pages: ownership per endpoint, the access log, bad input, the main path.

Alice is a registrar of unit A, Bob of unit B, Charlie unit manager of A
(fixtures in conftest.py). Each endpoint that takes an object is requested
by Bob with Alice's object (404) and by Alice (200).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from painreg.accounts.testing import login_verified
from painreg.audit.models import AccessLog, AuditEvent
from painreg.registry.models import Answer, Patient, Registration

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def _object_urls(registration: Registration) -> dict[str, str]:
    r = registration.pk
    return {
        "patient": reverse("registry:patient_detail", args=[registration.patient_id]),
        "registration": reverse("registry:registration_detail", args=[r]),
        "edit": reverse("registry:registration_edit", args=[r]),
        "history": reverse("registry:registration_history", args=[r]),
        "occasion": reverse("registry:occasion_detail", args=[r, "initial"]),
        "entry": reverse("registry:occasion_entry", args=[r, "initial", "hads"]),
    }


@pytest.mark.parametrize(
    "page", ["patient", "registration", "edit", "history", "occasion", "entry"]
)
def test_it_rejects_another_units_object(
    world: SimpleNamespace, registration: Registration, page: str
) -> None:
    url = _object_urls(registration)[page]
    assert _client(world.bob).get(url).status_code == 404
    assert _client(world.alice).get(url).status_code == 200


@pytest.mark.parametrize(
    ("page", "action"),
    [
        ("patient", "view_patient"),
        ("registration", "view_registration"),
        ("edit", "view_registration"),
        ("history", "view_history"),
        ("occasion", "view_answers"),
        ("entry", "view_answers"),
    ],
)
def test_it_logs_every_view_of_a_patient(
    world: SimpleNamespace, registration: Registration, page: str, action: str
) -> None:
    before = AccessLog.objects.count()
    _client(world.alice).get(_object_urls(registration)[page])
    entry = AccessLog.objects.order_by("-pk").first()
    assert AccessLog.objects.count() == before + 1
    assert entry.action == action
    assert entry.user == world.alice
    assert entry.patient_id == registration.patient_id
    assert entry.unit == world.unit_a


def test_it_does_not_log_a_refused_view(world: SimpleNamespace, registration: Registration) -> None:
    before = AccessLog.objects.count()
    _client(world.bob).get(_object_urls(registration)["registration"])
    assert AccessLog.objects.count() == before


def test_it_rejects_another_units_writes(
    world: SimpleNamespace, registration: Registration
) -> None:
    bob = _client(world.bob)
    r = registration.pk
    assert (
        bob.post(reverse("registry:registration_sign_off", args=[r]), {"confirm": "on"}).status_code
        == 404
    )
    assert (
        bob.post(
            reverse("registry:occasion_entry", args=[r, "initial", "hads"]),
            {"answered_on": "2025-01-20", "hads_1": "2"},
        ).status_code
        == 404
    )
    assert (
        bob.post(
            reverse("registry:occasion_sign_off", args=[r, "initial"]), {"confirm": "on"}
        ).status_code
        == 404
    )
    assert not Answer.objects.exists()
    assert not Registration.objects.get(pk=r).signed_off


def test_it_finds_a_patient_of_the_unit_by_personnummer(
    world: SimpleNamespace, registration: Registration
) -> None:
    response = _client(world.alice).post(
        reverse("registry:patient_search"), {"personnummer": "191212121212"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "registry:patient_detail", args=[registration.patient_id]
    )
    assert AccessLog.objects.filter(action="search", patient=registration.patient).exists()


def test_it_does_not_find_another_units_patient(
    world: SimpleNamespace, registration: Registration
) -> None:
    response = _client(world.bob).post(
        reverse("registry:patient_search"), {"personnummer": "19121212-1212"}
    )
    assert response.status_code == 200
    assert "Ingen registrering för 19121212-1212" in response.content.decode()
    assert not AccessLog.objects.filter(patient=registration.patient, user=world.bob).exists()


def test_it_explains_an_invalid_personnummer_in_swedish(world: SimpleNamespace) -> None:
    response = _client(world.alice).post(
        reverse("registry:patient_search"), {"personnummer": "19121212-1213"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_personnummer_error"' in html
    assert 'class="error-summary"' in html and 'href="#id_personnummer"' in html
    assert "kontrollsiffra" in html.lower() or "kontroll" in html.lower()


def _registration_post(**overrides: str) -> dict[str, Any]:
    data = {
        "personnummer": "19850315-2384",
        "category": "rehab",
        "referral_date": "2025-01-02",
        "first_visit_date": "2025-01-20",
        "rehab_start_date": "2025-02-03",
        "rehab_end_date": "2025-04-25",
        "main_diagnosis": "M79.7",
        "secondary_diagnoses": "M54.5; R52.2",
        "education": "university",
        "work_measures": ["rehab_plan", "workplace_visit"],
        "programme": ["act", "on_site"],
    }
    data.update(overrides)
    return data


def test_it_creates_a_registration_with_every_field(world: SimpleNamespace) -> None:
    response = _client(world.alice).post(
        reverse("registry:registration_create"), _registration_post()
    )
    assert response.status_code == 302, response.content.decode().split("error-summary-title")[-1][
        :1500
    ]
    registration = Registration.objects.get()
    assert registration.unit == world.unit_a
    assert registration.patient.personnummer == "198503152384"
    assert registration.secondary_diagnoses == ["M54.5", "R52.2"]
    assert registration.work_measures == ["rehab_plan", "workplace_visit"]
    assert registration.programme == ["act", "on_site"]
    assert AuditEvent.objects.filter(action="registration.create").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"personnummer": "19850315-2383"}, "personnummer", "kontroll"),
        ({"rehab_end_date": "2025-01-25"}, "rehab_end_date", "före startdatum"),
        ({"main_diagnosis": "M7"}, "main_diagnosis", "ICD-10"),
        ({"first_visit_date": "2025-13-40"}, "first_visit_date", "ÅÅÅÅ-MM-DD"),
    ],
)
def test_it_refuses_bad_input_next_to_the_field_and_saves_nothing(
    world: SimpleNamespace, overrides: dict[str, str], field: str, message: str
) -> None:
    response = _client(world.alice).post(
        reverse("registry:registration_create"), _registration_post(**overrides)
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in html
    error_block = html.split(f'id="id_{field}_error"', 1)[1][:600]
    assert message.lower() in error_block.lower()
    assert f'href="#id_{field}"' in html  # error summary links to the field
    assert not Registration.objects.exists()
    assert not Patient.objects.exists()


def test_it_requires_a_reason_to_change_a_signed_off_registration(
    world: SimpleNamespace, registration: Registration
) -> None:
    from painreg.registry import actions

    from .conftest import HADS_ALL_ONES, mark_rest_not_administered

    occasion = registration.occasions.get(kind="initial")
    actions.save_answers(
        user=world.alice, occasion=occasion, answers=HADS_ALL_ONES, answered_on=dt.date(2025, 1, 20)
    )
    mark_rest_not_administered(world.alice, occasion)
    actions.sign_off_occasion(user=world.alice, occasion=occasion)
    actions.sign_off_registration(user=world.alice, registration=registration)
    client = _client(world.alice)
    url = reverse("registry:registration_edit", args=[registration.pk])
    data = _registration_post(main_diagnosis="M54.5")
    del data["personnummer"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert 'id="id_reason_error"' in response.content.decode()
    registration.refresh_from_db()
    assert registration.main_diagnosis == "M79.7"
    response = client.post(url, {**data, "reason": "Fel diagnos angiven"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.main_diagnosis == "M54.5"
    history = client.get(reverse("registry:registration_history", args=[registration.pk]))
    assert "Fel diagnos angiven" in history.content.decode()


def test_it_enters_a_paper_questionnaire_and_signs_off_the_occasion(
    world: SimpleNamespace, registration: Registration
) -> None:
    client = _client(world.alice)
    r = registration.pk
    data = {"answered_on": "2025-01-20", **{f"hads_{i}": "1" for i in range(1, 15)}}
    response = client.post(reverse("registry:occasion_entry", args=[r, "initial", "hads"]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Answer.objects.filter(occasion__registration=registration).count() == 14
    occasion = registration.occasions.get(kind="initial")
    assert occasion.scores.filter(instrument="hads", score="anxiety").get().value == 7
    sign_off = reverse("registry:occasion_sign_off", args=[r, "initial"])
    # The rest of the configured form is neither answered nor marked: refused.
    response = client.post(sign_off, {"confirm": "on"})
    assert response.status_code == 400
    assert "tsk: inga svar" in response.content.decode()
    from painreg.registry import validation

    for instrument in validation.occasion_form(occasion):
        if instrument not in {"hads", "mpi"}:
            url = reverse("registry:occasion_not_administered", args=[r, "initial", instrument])
            assert client.post(url, {"na-reason": "Endast HADS på papper"}).status_code == 302
    response = client.post(sign_off, {"confirm": "on"})
    assert response.status_code == 302
    occasion.refresh_from_db()
    assert occasion.signed_off
    response = client.post(reverse("registry:registration_sign_off", args=[r]), {"confirm": "on"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.signed_off


def test_it_refuses_an_impossible_answer_and_saves_none(
    world: SimpleNamespace, registration: Registration
) -> None:
    client = _client(world.alice)
    r = registration.pk
    data = {"answered_on": "2999-01-01", "hads_1": "1", "hads_2": "2"}
    response = client.post(reverse("registry:occasion_entry", args=[r, "initial", "hads"]), data)
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not Answer.objects.exists()


def test_it_lists_why_an_occasion_cannot_be_signed_off(
    world: SimpleNamespace, registration: Registration
) -> None:
    response = _client(world.alice).post(
        reverse("registry:occasion_sign_off", args=[registration.pk, "initial"]), {"confirm": "on"}
    )
    assert response.status_code == 400
    assert "Tillfället har inga svar" in response.content.decode()


def test_it_shows_the_access_log_to_the_unit_manager_only(
    world: SimpleNamespace, registration: Registration
) -> None:
    _client(world.alice).get(_object_urls(registration)["registration"])
    assert _client(world.alice).get(reverse("registry:access_log")).status_code == 403
    response = _client(world.charlie).get(reverse("registry:access_log"))
    assert response.status_code == 200
    assert "alice" in response.content.decode()
    assert AccessLog.objects.filter(user=world.charlie, action="browse_access_log").exists()


def test_it_produces_a_patients_log_extract_for_the_unit_manager(
    world: SimpleNamespace, registration: Registration
) -> None:
    _client(world.alice).get(_object_urls(registration)["patient"])
    response = _client(world.charlie).post(
        reverse("registry:access_log"), {"extract-personnummer": "19121212-1212"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Loggutdrag" in html and "alice" in html


def test_it_lets_only_the_unit_manager_enter_year_totals(world: SimpleNamespace) -> None:
    url = reverse("registry:unit_totals")
    assert (
        _client(world.alice).post(url, {"year": "2024", "rehab_patients_total": "40"}).status_code
        == 403
    )
    response = _client(world.charlie).post(url, {"year": "2024", "rehab_patients_total": "40"})
    assert response.status_code == 302
    assert world.unit_a.year_totals.get(year=2024).rehab_patients_total == 40


def test_it_switches_only_to_the_persons_own_units(world: SimpleNamespace) -> None:
    from painreg.registry import actions

    actions.add_membership(user=None, member=world.alice, role="clinician", unit=world.unit_b)
    client = _client(world.alice)
    assert "Byt enhet" in client.get(reverse("registry:home")).content.decode()
    client.post(reverse("registry:switch_unit"), {"unit": world.unit_b.pk})
    assert world.unit_b.name in client.get(reverse("registry:home")).content.decode()
    other = _client(world.bob)
    assert other.post(reverse("registry:switch_unit"), {"unit": world.unit_a.pk}).status_code == 404


def test_it_shows_due_and_overdue_occasions_on_the_start_page(
    world: SimpleNamespace, registration: Registration
) -> None:
    html = _client(world.alice).get(reverse("registry:home")).content.decode()
    assert "Försenad" in html  # the initial occasion's window closed in January 2025
    assert "19121212" not in html  # lists show no personnummer


def test_it_switches_the_interface_to_english(world: SimpleNamespace) -> None:
    client = _client(world.alice)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("registry:home")).content.decode()
    assert '<html lang="en">' in html
    assert "Ongoing registrations" in html


def test_every_page_has_a_skip_link_and_swedish_language(
    world: SimpleNamespace, registration: Registration
) -> None:
    client = _client(world.alice)
    for url in [reverse("registry:home"), *_object_urls(registration).values()]:
        html = client.get(url).content.decode()
        assert '<html lang="sv">' in html
        assert 'href="#main"' in html and 'id="main"' in html
        assert html.count("<h1") == 1


def test_it_stays_swedish_for_an_english_browser_until_english_is_chosen(
    world: SimpleNamespace,
) -> None:
    client = _client(world.alice)
    html = client.get(reverse("registry:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content
    assert '<html lang="sv">' in html.decode()


def test_it_records_a_patients_opt_out_with_a_note(
    world: SimpleNamespace, registration: Registration
) -> None:
    client = _client(world.alice)
    url = reverse("registry:patient_decision", args=[registration.patient_id, "opt_out"])
    response = client.post(url, {"opt_out-reason": ""})
    assert response.status_code == 400
    assert 'id="id_opt_out-reason_error"' in response.content.decode()
    registration.patient.refresh_from_db()
    assert registration.patient.opted_out_at is None
    response = client.post(url, {"opt_out-reason": "Avböjde vid besöket", "opt_out-confirm": "on"})
    assert response.status_code == 302
    registration.patient.refresh_from_db()
    assert registration.patient.opted_out_at is not None
    assert AuditEvent.objects.filter(action="patient.opt_out").exists()


def test_it_lets_only_the_unit_manager_delete_a_patient_on_request(
    world: SimpleNamespace, registration: Registration
) -> None:
    url = reverse("registry:patient_decision", args=[registration.patient_id, "delete"])
    data = {"delete-reason": "Begäran 2025-03-01", "delete-confirm": "on"}
    assert _client(world.alice).post(url, data).status_code == 403
    assert _client(world.bob).post(url, data).status_code == 404
    response = _client(world.charlie).post(url, data)
    assert response.status_code == 302
    patient = Patient.objects.get(pk=registration.patient_id)
    assert patient.personnummer is None and patient.deleted_at is not None
    assert not Registration.objects.exists()
    assert AuditEvent.objects.filter(action="patient.delete_on_request").exists()


def test_it_lets_the_unit_manager_give_and_remove_roles_in_the_unit(
    world: SimpleNamespace,
) -> None:
    from painreg.registry.models import Membership

    url = reverse("registry:unit_members")
    assert _client(world.alice).get(url).status_code == 403
    manager = _client(world.charlie)
    world.diana.email = "diana@example.org"
    world.diana.save()
    data = {"username": "diana", "email": "Diana@example.org", "role": "clinician"}
    response = manager.post(url, data)
    assert response.status_code == 302
    membership = Membership.objects.get(user=world.diana, unit=world.unit_a)
    bob_membership = Membership.objects.get(user=world.bob)
    remove = "registry:unit_member_remove"
    assert manager.post(reverse(remove, args=[bob_membership.pk])).status_code == 404
    assert manager.post(reverse(remove, args=[membership.pk])).status_code == 302
    assert not Membership.objects.filter(user=world.diana, unit=world.unit_a).exists()
    response = manager.post(url, {**data, "username": "nobody"})
    assert 'id="id_username_error"' in response.content.decode()


def test_it_refuses_a_post_without_the_csrf_token(
    world: SimpleNamespace, registration: Registration
) -> None:
    client = Client(enforce_csrf_checks=True)
    login_verified(client, world.alice)
    url = reverse("registry:occasion_sign_off", args=[registration.pk, "initial"])
    assert client.post(url, {"confirm": "on"}).status_code == 403


def test_it_undoes_a_sign_off_only_with_a_reason(
    world: SimpleNamespace, registration: Registration
) -> None:
    from painreg.registry import actions

    from .conftest import HADS_ALL_ONES, mark_rest_not_administered

    occasion = registration.occasions.get(kind="initial")
    actions.save_answers(
        user=world.alice, occasion=occasion, answers=HADS_ALL_ONES, answered_on=dt.date(2025, 1, 20)
    )
    mark_rest_not_administered(world.alice, occasion)
    actions.sign_off_occasion(user=world.alice, occasion=occasion)
    client = _client(world.alice)
    url = reverse("registry:occasion_reopen", args=[registration.pk, "initial"])
    assert (
        "Ångra klarmarkeringen"
        in client.get(
            reverse("registry:occasion_detail", args=[registration.pk, "initial"])
        ).content.decode()
    )
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    occasion.refresh_from_db()
    assert occasion.signed_off
    assert client.post(url, {"reason": "Fel svar på fråga 3"}).status_code == 302
    occasion.refresh_from_db()
    assert not occasion.signed_off
    assert AuditEvent.objects.filter(
        action="occasion.reopen", reason="Fel svar på fråga 3"
    ).exists()


def test_staff_pages_link_to_the_patient_questionnaire_pages(
    world: SimpleNamespace, registration: Registration
) -> None:
    """Menu -> ePROM overview; registration -> response profile; occasion -> invite."""
    client = _client(world.alice)
    r = registration.pk
    page = client.get(reverse("registry:registration_detail", args=[r])).content.decode()
    assert f'href="{reverse("eprom:overview")}"' in page
    assert f'href="{reverse("eprom:profile", args=[r])}"' in page
    page = client.get(reverse("registry:occasion_detail", args=[r, "initial"])).content.decode()
    invite = reverse("eprom:invite", args=[r, "initial"])
    assert f'href="{invite}"' in page
    assert client.get(invite).status_code == 200
