"""The patient's questionnaire through the web pages: identity, autosave, submit."""

from __future__ import annotations

import math

import pytest

from painreg.eprom import questionnaire, tokens

from .conftest import BIRTH_DATE, answer_pages, valid_answers, verify

pytestmark = pytest.mark.django_db


def test_it_stores_only_a_hash_of_a_token_of_at_least_128_bits(invitation):
    from painreg.eprom.models import Invitation

    row = Invitation.objects.get(pk=invitation.obj.pk)
    assert invitation.token not in {row.token_hash, row.token_nonce}
    assert row.token_hash == tokens.hash_token(invitation.token)
    # 43 characters of URL-safe base64 = 256 bits; the random nonce alone is 128 bits.
    assert len(invitation.token) * 6 >= 256
    assert len(row.token_nonce) * 4 >= 128


def test_it_shows_nothing_identifying_before_the_identity_check(client, invitation, world):
    response = client.get(f"/enkat/{invitation.token}/")
    assert response.status_code == 200
    page = response.content.decode()
    for secret in ("19121212", "1212-1212", "Smärtrehab", world.unit_a.name, "HADS"):
        assert secret not in page
    assert 'name="identity"' in page


def test_it_answers_404_for_an_unknown_token(client, invitation):
    assert client.get("/enkat/" + "A" * 43 + "/").status_code == 404


def test_it_accepts_the_last_four_digits(client, invitation):
    response = verify(client, invitation.token, "1212")
    assert response.status_code == 302
    assert response.url.endswith("/sida/1/")


def test_it_locks_the_link_after_five_wrong_answers(client, invitation):
    from painreg.audit.models import AuditEvent
    from painreg.eprom.models import IdentityAttempt

    for tries_left in (4, 3, 2, 1):
        response = verify(client, invitation.token, "1999-01-01")
        assert response.status_code == 400
        assert f"{tries_left} försök kvar" in response.content.decode()
    response = verify(client, invitation.token, "0000")
    assert response.status_code == 403
    # Locked: even the right answer is refused now.
    assert verify(client, invitation.token, BIRTH_DATE).status_code == 403
    assert IdentityAttempt.objects.filter(invitation=invitation.obj, success=False).count() == 5
    assert AuditEvent.objects.filter(action="invitation.lock").count() == 1


def test_staff_reopen_unlocks_with_a_reason_and_is_audited(client, invitation, world):
    from django.core.exceptions import ValidationError

    from painreg.audit.models import AuditEvent
    from painreg.eprom import actions

    for _ in range(5):
        verify(client, invitation.token, "0000")
    with pytest.raises(ValidationError):
        actions.reopen_invitation(user=world.alice, invitation=invitation.obj, reason=" ")
    actions.reopen_invitation(
        user=world.alice, invitation=invitation.obj, reason="Patienten ringde"
    )
    assert verify(client, invitation.token, BIRTH_DATE).status_code == 302
    event = AuditEvent.objects.get(action="invitation.reopen")
    assert event.reason == "Patienten ringde" and event.username == "alice"


def test_it_rate_limits_unknown_links_per_address(client, invitation, monkeypatch):
    from painreg.eprom import actions

    monkeypatch.setattr(actions, "ADDRESS_RATE_LIMIT", 3)
    for _ in range(3):
        assert client.get("/enkat/" + "B" * 43 + "/").status_code == 404
    assert client.get("/enkat/" + "C" * 43 + "/").status_code == 429
    # A link that exists is limited per link only (tests/security/test_throttles.py).
    assert verify(client, invitation.token, BIRTH_DATE).status_code == 302


def test_it_rate_limits_one_link(client, invitation, monkeypatch):
    from painreg.eprom import actions

    monkeypatch.setattr(actions, "TOKEN_RATE_LIMIT", 2)
    monkeypatch.setattr(actions, "MAX_FAILED_ATTEMPTS", 99)
    verify(client, invitation.token, "0000")
    verify(client, invitation.token, "0001")
    assert verify(client, invitation.token, BIRTH_DATE).status_code == 429


def test_it_asks_for_required_answers_and_rejects_values_outside_the_catalogue(client, invitation):
    verify(client, invitation.token)
    page = questionnaire.pages(invitation.obj.instruments)[0]
    response = client.post(f"/enkat/{invitation.token}/sida/1/", {"move": "next"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "error-summary" in html and "Svara på frågan" in html
    data = valid_answers(page.items)
    first = page.items[0]
    data[first] = "9999"
    response = client.post(f"/enkat/{invitation.token}/sida/1/", {**data, "move": "next"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    invitation.obj.refresh_from_db()
    assert first not in invitation.obj.draft  # the bad value is not kept
    assert invitation.obj.current_page == 1


def test_it_resumes_where_the_patient_left_off_in_a_new_session(
    client, invitation, django_user_model
):
    from django.test import Client

    verify(client, invitation.token)
    sent = answer_pages(client, invitation.token, invitation.obj, upto=3)
    phone_later = Client()
    response = verify(phone_later, invitation.token)
    assert response.status_code == 302 and response.url.endswith("/sida/4/")
    # Going back shows the saved answers.
    html = phone_later.get(f"/enkat/{invitation.token}/sida/3/").content.decode()
    page3 = questionnaire.pages(invitation.obj.instruments)[2]
    item = page3.items[0]
    assert f'name="{item}" value="{sent[item]}"' in html.replace(" checked", "") or (
        f'value="{sent[item]}"' in html
    )
    invitation.obj.refresh_from_db()
    assert {k: float(v) for k, v in sent.items()} == invitation.obj.draft


def test_a_whole_form_is_submitted_once_and_scored(client, invitation):
    from painreg.audit.models import AuditEvent
    from painreg.registry.models import Answer, Score

    verify(client, invitation.token)
    sent = answer_pages(client, invitation.token, invitation.obj)
    first = client.post(f"/enkat/{invitation.token}/skicka/")
    again = client.post(f"/enkat/{invitation.token}/skicka/")  # double tap / retry
    assert first.status_code == 302 and again.status_code == 302
    assert first.url.endswith("/klart/") and again.url.endswith("/klart/")
    stored = dict(Answer.objects.filter(occasion=invitation.occasion).values_list("item", "value"))
    assert stored == {k: float(v) for k, v in sent.items()}
    assert set(
        Answer.objects.filter(occasion=invitation.occasion).values_list("source", flat=True)
    ) == {"patient"}
    assert AuditEvent.objects.filter(action="invitation.submit").count() == 1
    assert AuditEvent.objects.filter(action="answers.save").count() == 1
    # HADS answered 1 on every item: anxiety = depression = 7 (sum of seven items).
    hads = dict(
        Score.objects.filter(occasion=invitation.occasion, instrument="hads").values_list(
            "score", "value"
        )
    )
    assert math.isclose(hads["anxiety"], 7) and math.isclose(hads["depression"], 7)
    invitation.occasion.refresh_from_db()
    assert invitation.occasion.status == "answered"
    # The link is closed now: a page cannot be saved any more.
    response = client.post(f"/enkat/{invitation.token}/sida/1/", {"move": "next"})
    assert response.status_code in (302, 410)
    assert client.get(f"/enkat/{invitation.token}/klart/").status_code == 200


def test_submitting_with_a_required_answer_missing_points_to_the_page(client, invitation):
    verify(client, invitation.token)
    answer_pages(client, invitation.token, invitation.obj, upto=2)
    response = client.post(f"/enkat/{invitation.token}/skicka/")
    assert response.status_code == 200
    assert "/sida/3/" in response.content.decode()
    from painreg.registry.models import Answer

    assert not Answer.objects.filter(occasion=invitation.occasion).exists()


def test_a_page_needs_the_identity_check_in_this_session(client, invitation):
    response = client.get(f"/enkat/{invitation.token}/sida/1/")
    assert response.status_code == 302 and response.url == f"/enkat/{invitation.token}/"


def test_a_page_post_saves_nothing_without_the_identity_check(client, invitation):
    page = questionnaire.pages(invitation.obj.instruments)[0]
    data = {**valid_answers(page.items), "move": "next"}
    response = client.post(f"/enkat/{invitation.token}/sida/1/", data)
    assert response.status_code == 302 and response.url == f"/enkat/{invitation.token}/"
    # Verified for another link is not verified for this one.
    session = client.session
    session["eprom_verified"] = [invitation.obj.pk + 1000]
    session.save()
    response = client.post(f"/enkat/{invitation.token}/sida/1/", data)
    assert response.status_code == 302 and response.url == f"/enkat/{invitation.token}/"
    invitation.obj.refresh_from_db()
    assert invitation.obj.draft == {} and invitation.obj.current_page == 1


def test_a_page_post_to_an_unknown_link_or_page_is_404_and_saves_nothing(client, invitation):
    verify(client, invitation.token)
    page = questionnaire.pages(invitation.obj.instruments)[0]
    data = {**valid_answers(page.items), "move": "next"}
    assert client.post(f"/enkat/{'x' * 43}/sida/1/", data).status_code == 404
    pages = len(questionnaire.pages(invitation.obj.instruments))
    assert client.post(f"/enkat/{invitation.token}/sida/{pages + 1}/", data).status_code == 404
    invitation.obj.refresh_from_db()
    assert invitation.obj.draft == {}


def test_a_page_post_after_the_patient_left_the_register_saves_nothing(
    client, invitation, world, registration
):
    from painreg.registry import actions

    verify(client, invitation.token)
    actions.opt_out_patient(user=world.alice, unit=world.unit_a, patient=registration.patient)
    page = questionnaire.pages(invitation.obj.instruments)[0]
    data = {**valid_answers(page.items), "move": "next"}
    response = client.post(f"/enkat/{invitation.token}/sida/1/", data)
    assert response.status_code == 410
    invitation.obj.refresh_from_db()
    assert invitation.obj.draft == {}


def test_the_patient_chooses_english(client, invitation):
    response = client.get(f"/enkat/{invitation.token}/?lang=en")
    assert response.status_code == 302
    html = client.get(f"/enkat/{invitation.token}/").content.decode()
    assert 'lang="en"' in html and "Confirm that it is you" in html


def test_a_right_to_left_text_pack_sets_the_direction(client, invitation, tmp_path, monkeypatch):
    from pathlib import Path

    import yaml

    from painreg.eprom import uitext

    sv = yaml.safe_load((Path(uitext.__file__).parent / "data/ui/sv.yaml").read_text())
    sv.update(language="ar", name="العربية", direction="rtl")
    (tmp_path / "ar.yaml").write_text(yaml.safe_dump(sv, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("PAINREG_EPROM_TEXT_DIR", str(tmp_path))
    client.get(f"/enkat/{invitation.token}/?lang=ar")
    html = client.get(f"/enkat/{invitation.token}/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_the_patient_can_stop_reminders(client, invitation):
    from painreg.eprom.models import MessageStatus

    verify(client, invitation.token)
    response = client.post(f"/enkat/{invitation.token}/paminnelser/")
    assert response.status_code == 200
    statuses = set(invitation.obj.messages.values_list("status", flat=True))
    assert statuses == {MessageStatus.SKIPPED}
