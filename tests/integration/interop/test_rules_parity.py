"""The export's database form of the counting date is :func:`painreg.tidy.rules.counting_date`
(SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from painreg.interop.export import counting_date_between
from painreg.tidy import rules

pytestmark = pytest.mark.django_db


def _random_date(rng: random.Random) -> dt.date:
    return dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))


def test_the_exports_date_selection_is_the_counting_date_of_the_rules() -> None:
    from painreg.registry import actions
    from painreg.registry.guard import writes_allowed
    from painreg.registry.models import Patient, Registration

    unit = actions.create_unit(
        user=None, code="U1", name="Smärtrehab U", region="01", care_level="specialist"
    )
    rng = random.Random(2021)
    with writes_allowed():
        patient = Patient.objects.create(external_id="p1", sex="F", birth_year=1970)
        cases = []
        for _ in range(300):
            # The database allows rehab dates only on rehab registrations.
            category = rng.choice(["rehab", "assessment"])
            first = _random_date(rng) if rng.random() < 0.9 else None
            end = _random_date(rng) if category == "rehab" and rng.random() < 0.7 else None
            cases.append(
                Registration(
                    patient=patient,
                    unit=unit,
                    category=category,
                    first_visit_date=first,
                    rehab_start_date=end and min(end, first or end),
                    rehab_end_date=end,
                )
            )
        Registration.objects.bulk_create(cases)
    registrations = list(Registration.objects.all())
    for _ in range(20):
        lo, hi = sorted((_random_date(rng), _random_date(rng)))
        selected = set(
            Registration.objects.filter(counting_date_between(lo, hi)).values_list("pk", flat=True)
        )
        expected = set()
        for r in registrations:
            day = rules.counting_date(
                r.category, first_visit_date=r.first_visit_date, rehab_end_date=r.rehab_end_date
            )
            if day is not None and lo <= day <= hi:
                expected.add(r.pk)
        assert selected == expected, (lo, hi)
