"""registry.access: users see only their units' patients; analysts and
coordinators never see a personnummer."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from painreg.registry import access, actions

pytestmark = pytest.mark.django_db


def test_a_user_sees_only_the_units_they_belong_to(world: Any) -> None:
    assert list(access.units_for(world.alice)) == [world.unit_a]
    assert list(access.units_for(world.bob)) == [world.unit_b]
    assert list(access.units_for(world.diana)) == []
    assert list(access.units_for(AnonymousUser())) == []


def test_a_person_in_several_units_sees_each(world: Any) -> None:
    actions.add_membership(user=None, member=world.alice, role="clinician", unit=world.unit_b)
    assert set(access.units_for(world.alice)) == {world.unit_a, world.unit_b}


def test_it_gives_404_for_another_units_patient(world: Any, registration: Any) -> None:
    patient = registration.patient
    assert access.get_patient_for_user(world.alice, world.unit_a, patient.pk) == patient
    with pytest.raises(Http404):
        access.get_patient_for_user(world.bob, world.unit_b, patient.pk)
    with pytest.raises(Http404):
        # Bob naming unit A does not help: he is not a member.
        access.get_patient_for_user(world.bob, world.unit_a, patient.pk)
    with pytest.raises(Http404):
        access.get_unit_for_user(world.bob, world.unit_a.pk)
    with pytest.raises(Http404):
        access.get_registration_for_user(world.bob, world.unit_a, registration.pk)
    with pytest.raises(Http404):
        access.get_occasion_for_user(world.bob, world.unit_a, registration.pk, "initial")


def test_it_gives_404_for_nonsense_ids(world: Any) -> None:
    with pytest.raises(Http404):
        access.get_patient_for_user(world.alice, world.unit_a, "abc")
    with pytest.raises(Http404):
        access.get_unit_for_user(world.alice, None)


def test_a_unit_sees_a_patient_only_while_it_has_a_registration(
    world: Any, registration: Any
) -> None:
    assert access.find_patient_in_unit(world.alice, world.unit_a, "121212+1212") is not None
    assert access.find_patient_in_unit(world.bob, world.unit_b, "19121212-1212") is None
    actions.create_registration(
        user=world.bob,
        unit=world.unit_b,
        personnummer="191212121212",
        category="assessment",
    )
    assert access.find_patient_in_unit(world.bob, world.unit_b, "19121212-1212") is not None
    # ...but Bob sees only his unit's registration of that patient.
    assert [r.unit for r in access.registrations_for(world.bob, world.unit_b)] == [world.unit_b]


def test_analysts_and_coordinators_get_no_identifying_column(world: Any, registration: Any) -> None:
    rows = list(access.pseudonymised_registrations(world.diana))
    assert len(rows) == 1
    assert not {"personnummer", "patient__personnummer", "patient__birth_date"} & set(rows[0])
    assert "191212121212" not in repr(rows)
    assert len(access.pseudonymised_registrations(world.erik)) == 1
    assert len(access.pseudonymised_registrations(world.alice)) == 0  # no analyst role


def test_an_analyst_sees_only_their_regions(world: Any, registration: Any) -> None:
    actions.create_registration(
        user=world.bob, unit=world.unit_b, personnummer="19121212-1212", category="assessment"
    )
    assert {r["unit__region_id"] for r in access.pseudonymised_registrations(world.diana)} == {"01"}


def test_analysts_and_coordinators_have_no_unit_to_read_patients_from(
    world: Any, registration: Any
) -> None:
    for user in (world.diana, world.erik):
        assert not access.patients_for(user, world.unit_a).exists()
        with pytest.raises(Http404):
            access.get_patient_for_user(user, world.unit_a, registration.patient.pk)


def test_require_role_separates_what_members_may_do(world: Any) -> None:
    access.require_role(world.charlie, world.unit_a, "unit_manager")
    with pytest.raises(PermissionDenied):
        access.require_role(world.alice, world.unit_a, "unit_manager")


def test_an_inactive_user_sees_nothing(world: Any, registration: Any) -> None:
    world.alice.is_active = False
    world.alice.save()
    assert not access.units_for(world.alice).exists()
