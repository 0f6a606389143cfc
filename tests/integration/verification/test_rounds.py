"""A validation round through the actions: create, draw (reproducibly), the validator's
scope, blind entry and the results; every write audited."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db


def _numbers(round_: Any) -> list[tuple[str, str]]:
    return [(s.unit.code, s.registration.public_id) for s in round_.samples.order_by("number")]


def test_the_sample_is_the_documented_draw_and_is_reproducible(
    validation_world: SimpleNamespace, make_round: Any
) -> None:
    import random

    from painreg.verification import actions

    first = make_round()
    actions.draw_sample(user=validation_world.erik, round_=first)
    ids_a = sorted(r.public_id for r in validation_world.regs_a)
    expected_a = random.Random(2021).sample(ids_a, 3)
    expected_b = sorted(r.public_id for r in validation_world.regs_b)  # fewer than 3: all
    assert _numbers(first) == [("A", i) for i in expected_a] + [("B", i) for i in expected_b]
    second = make_round(name="Samma frö")
    actions.draw_sample(user=validation_world.erik, round_=second)
    assert _numbers(second) == _numbers(first)
    other = make_round(name="Annat frö", seed=7)
    actions.draw_sample(user=validation_world.erik, round_=other)
    assert [i for u, i in _numbers(other) if u == "A"] == random.Random(7).sample(ids_a, 3)


def test_a_sample_is_drawn_once_and_only_by_the_coordinator(
    validation_world: SimpleNamespace, make_round: Any
) -> None:
    from painreg.audit.models import AuditEvent
    from painreg.verification import actions

    round_ = make_round()
    with pytest.raises(PermissionDenied):
        actions.draw_sample(user=validation_world.charlie, round_=round_)
    actions.draw_sample(user=validation_world.erik, round_=round_)
    with pytest.raises(ValidationError):
        actions.draw_sample(user=validation_world.erik, round_=round_)
    assert AuditEvent.objects.filter(action="validation.draw").count() == 1
    assert AuditEvent.objects.filter(action="validation.round_create").count() == 1


def test_registrations_outside_the_period_or_not_signed_off_are_not_eligible(
    validation_world: SimpleNamespace, make_round: Any
) -> None:
    from painreg.registry import actions as registry_actions
    from painreg.verification import actions

    registry_actions.create_registration(
        user=None,
        unit=validation_world.unit_b,
        personnummer="19121212-1212",
        category="assessment",
        first_visit_date=validation_world.regs_b[0].first_visit_date,
    )
    round_ = make_round(units=[validation_world.unit_b], sample_size=10)
    actions.draw_sample(user=validation_world.erik, round_=round_)
    assert round_.samples.count() == 2  # the unsigned one is not drawn
    later = make_round(units=[validation_world.unit_b], year_from=2026, year_to=2026)
    actions.draw_sample(user=validation_world.erik, round_=later)
    assert later.samples.count() == 0


def test_items_are_checked_only_at_occasions_entered_by_staff(
    validation_world: SimpleNamespace, make_round: Any
) -> None:
    from painreg.verification import actions

    round_ = make_round()
    actions.draw_sample(user=validation_world.erik, round_=round_)
    at_a = round_.samples.filter(unit__code="A").first()
    at_b = round_.samples.filter(unit__code="B").first()
    assert "item.initial.hads_1" in at_a.variables
    assert not any(var.startswith("item.") for var in at_b.variables)  # no answers at B
    assert "work_measures.rehab_plan" in at_b.variables


def test_the_validator_sees_only_the_sampled_registrations_of_their_units(
    validation_world: SimpleNamespace, make_round: Any
) -> None:
    from painreg.registry import access as registry_access
    from painreg.verification import access, actions

    w = validation_world
    round_ = make_round()
    actions.draw_sample(user=w.erik, round_=round_)
    assert list(access.rounds_for_validator(w.vera)) == []
    actions.assign_validator(user=w.erik, round_=round_, member=w.vera)
    seen = {s.registration_id for s in access.samples_for_validator(w.vera, round_)}
    assert seen == set(round_.samples.values_list("registration_id", flat=True))
    # No unit page: the validator is no member of the units.
    assert list(registry_access.units_for(w.vera)) == []
    # A unit manager cannot give or take the validator role.
    from painreg.registry import actions as registry_actions

    with pytest.raises(PermissionDenied):
        registry_actions.add_membership(
            user=w.charlie, member=w.alice, role="validator", unit=w.unit_a
        )
    # Taken off the round: nothing left.
    actions.remove_validator(user=w.erik, round_=round_, member=w.vera)
    assert list(access.rounds_for_validator(w.vera)) == []
    assert not w.vera.memberships.exists()


def test_the_coordinator_cannot_validate(
    validation_world: SimpleNamespace, make_round: Any
) -> None:
    from painreg.verification import actions

    round_ = make_round()
    with pytest.raises(ValidationError):
        actions.assign_validator(
            user=validation_world.erik, round_=round_, member=validation_world.erik
        )


def _drawn_round(w: SimpleNamespace, make_round: Any, **overrides: Any) -> Any:
    from painreg.verification import actions

    round_ = make_round(**overrides)
    actions.draw_sample(user=w.erik, round_=round_)
    actions.assign_validator(user=w.erik, round_=round_, member=w.vera)
    return round_


def test_blind_entry_is_saved_once_with_the_registered_value_beside_it(
    validation_world: SimpleNamespace, make_round: Any
) -> None:
    from painreg.audit.models import AuditEvent
    from painreg.verification import actions, results

    w = validation_world
    round_ = _drawn_round(
        w, make_round, groups=["dates", "category"], items=["hads_1"], units=[w.unit_a]
    )
    sample = round_.samples.first()
    with pytest.raises(PermissionDenied):
        actions.record_values(user=w.alice, sample=sample, entries={})
    with pytest.raises(ValidationError) as exc:
        actions.record_values(
            user=w.vera,
            sample=sample,
            entries={"first_visit_date": ("2025-13-01", False), "category": ("rehab", True)},
        )
    assert set(exc.value.message_dict) == {"first_visit_date", "category"}
    assert not sample.recorded.exists()
    rows = actions.record_values(
        user=w.vera,
        sample=sample,
        entries={
            "referral_date": (None, True),  # registered 2025-01-02: missing in record
            "first_visit_date": ("2025-01-20", False),  # agrees
            "rehab_start_date": ("2025-02-04", False),  # other
            "rehab_end_date": (None, False),  # not checked
            "category": ("rehab", False),  # agrees
            "item.initial.hads_1": ("3", False),  # registered 2: neighbouring option
        },
    )
    assert [results.outcome(r) for r in rows] == [
        "missing_in_record",
        "agree",
        "other",
        "agree",
        "neighbouring",
    ]
    sample.refresh_from_db()
    assert sample.completed
    with pytest.raises(ValidationError):
        actions.record_values(user=w.vera, sample=sample, entries={})
    event = AuditEvent.objects.get(action="validation.record")
    assert event.patient_id == sample.registration.patient_id
    assert event.detail["checked"] == 5 and event.detail["agreed"] == 2


def test_round_results_per_variable_unit_and_overall(
    validation_world: SimpleNamespace, make_round: Any
) -> None:
    from painreg.analytics import validation as v
    from painreg.verification import actions, results

    w = validation_world
    round_ = _drawn_round(w, make_round, groups=["category", "main_diagnosis"], items=[])
    for sample in round_.samples.all():
        actions.record_values(
            user=w.vera,
            sample=sample,
            entries={
                "category": ("rehab", False),
                "main_diagnosis": ("M79.7" if sample.unit.code == "A" else "M54.5", False),
            },
        )
    summary = v.summarise(results.round_checks(round_), results.round_variables(round_))
    # 5 registrations (3 at A, 2 at B), 2 variables each; B's diagnoses differ.
    assert (summary.overall.checked, summary.overall.agreed) == (10, 8)
    assert summary.by_variable["category"].agreed == 5
    assert summary.by_variable["main_diagnosis"].errors[v.OTHER] == 2
    assert (summary.by_unit["A"].agreed, summary.by_unit["B"].agreed) == (6, 2)
    assert summary.registrations == 5 and summary.units == 2


def test_an_opt_out_or_a_deletion_after_the_draw_takes_the_patient_out(
    validation_world: SimpleNamespace, make_round: Any
) -> None:
    from painreg.analytics import validation as v
    from painreg.registry import actions as registry_actions
    from painreg.verification import access, actions, results
    from painreg.verification.models import RecordedValue, SampledRegistration

    w = validation_world
    round_ = _drawn_round(w, make_round, groups=["category"], items=[], units=[w.unit_b])
    first, second = round_.samples.order_by("number")
    for sample in (first, second):
        actions.record_values(user=w.vera, sample=sample, entries={"category": ("rehab", False)})
    registry_actions.opt_out_patient(user=None, unit=w.unit_b, patient=first.registration.patient)
    assert v.summarise(results.round_checks(round_)).overall.checked == 1
    assert set(access.samples_for_validator(w.vera, round_)) == {second}
    registry_actions.delete_patient(
        user=None, unit=w.unit_b, patient=second.registration.patient, reason="begäran"
    )
    assert not SampledRegistration.objects.filter(pk=second.pk).exists()
    assert not RecordedValue.objects.filter(sample_id=second.pk).exists()


def test_a_unit_manager_does_not_manage_the_units_validator(
    validation_world: SimpleNamespace, make_round: Any
) -> None:
    from painreg.registry import access as registry_access

    w = validation_world
    _drawn_round(w, make_round, units=[w.unit_a])
    accounts = registry_access.staff_accounts_for(w.charlie, w.unit_a)
    assert w.alice in accounts and w.vera not in accounts
