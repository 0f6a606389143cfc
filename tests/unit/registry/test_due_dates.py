"""Due windows of the three occasions (DOMAIN.md, registration workflow)."""

from __future__ import annotations

import datetime as dt

from painreg.registry.models import add_months, due_window


def test_initial_is_due_from_thirty_days_before_the_first_visit() -> None:
    assert due_window("initial", first_visit_date=dt.date(2025, 3, 31), rehab_end_date=None) == (
        dt.date(2025, 3, 1),
        dt.date(2025, 3, 31),
    )


def test_end_is_due_from_rehab_end_to_thirty_days_after() -> None:
    window = due_window("end", first_visit_date=None, rehab_end_date=dt.date(2025, 6, 10))
    assert window == (dt.date(2025, 6, 10), dt.date(2025, 7, 10))


def test_the_one_year_follow_up_is_due_twelve_months_after_rehab_end_plus_minus_one() -> None:
    window = due_window("followup_1y", first_visit_date=None, rehab_end_date=dt.date(2025, 1, 31))
    assert window == (dt.date(2025, 12, 31), dt.date(2026, 2, 28))


def test_no_window_while_the_anchoring_date_is_unknown() -> None:
    assert due_window("end", first_visit_date=dt.date(2025, 1, 1), rehab_end_date=None) is None
    assert due_window("initial", first_visit_date=None, rehab_end_date=None) is None


def test_adding_months_clamps_to_the_end_of_a_shorter_month() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 11, 15), 3) == dt.date(2025, 2, 15)
