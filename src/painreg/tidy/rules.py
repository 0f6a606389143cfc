"""The register's business rules, one plain-Python statement each.

Decision: a rule that more than one part of the register applies is stated
once, here, in plain Python over plain values; the Django models, the staff
forms' validation, the import validator and the export call these functions.
Where an engine needs the same rule as a vectorised expression (Ibis in the
analytics, a Django ``Q`` in the export, numpy in the bulk import), that form
stays next to its engine and a parity test checks it against the function
here over generated cases (``tests/unit/tidy/test_rules_parity.py``,
``tests/integration/interop/test_rules_parity.py``).

Sources: DOMAIN.md, "Counting rules of the indicators" (the counting year)
and "Registration workflow" (dates, sign-off); ARCHITECTURE.md,
"Interchange format" (the import's checks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

# --- Possible dates ----------------------------------------------------------

#: The dates the register can hold: 0001-01-01 and 9999-12-31 are well-formed ISO
#: dates but are typing slips or placeholders, never a visit or an answer.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def possible_date(value: dt.date) -> bool:
    """Whether a date can be one of the register's (between 1900 and 2100)."""
    return EARLIEST_DATE <= value <= LATEST_DATE


# --- Counting year -----------------------------------------------------------


def counting_date(
    category: str | None, *, first_visit_date: dt.date | None, rehab_end_date: dt.date | None
) -> dt.date | None:
    """The date that decides which year a registration belongs to.

    DOMAIN.md: a ``rehab`` registration belongs to the year of its
    ``rehab_end_date`` (also when discontinued: the end date is then the date
    of discontinuation), and with no end date it is ongoing and belongs to no
    year; an ``assessment`` registration to the year of its
    ``first_visit_date``.

    >>> counting_date("rehab", first_visit_date=dt.date(2020, 5, 1), rehab_end_date=None) is None
    True
    >>> counting_date("assessment", first_visit_date=dt.date(2020, 5, 1), rehab_end_date=None)
    datetime.date(2020, 5, 1)
    """
    if category == "rehab":
        return rehab_end_date
    return first_visit_date


def counting_year(
    category: str | None, *, first_visit_date: dt.date | None, rehab_end_date: dt.date | None
) -> int | None:
    """The year a registration belongs to (:func:`counting_date`'s year), or None."""
    day = counting_date(category, first_visit_date=first_visit_date, rehab_end_date=rehab_end_date)
    return day.year if day is not None else None


# --- Occasion windows -----------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_window(
    kind: str, *, first_visit_date: dt.date | None, rehab_end_date: dt.date | None
) -> tuple[dt.date, dt.date] | None:
    """The dates an occasion may be answered (DOMAIN.md, registration workflow).

    ``initial``: from 30 days before the first visit to the first visit;
    ``end``: rehab end to 30 days after; ``followup_1y``: 12 months after the
    rehab end, ± 1 month. ``None`` while the anchoring date is unknown.
    """
    if kind == "initial":
        if first_visit_date is None:
            return None
        return first_visit_date - dt.timedelta(days=30), first_visit_date
    if rehab_end_date is None:
        return None
    if kind == "end":
        return rehab_end_date, rehab_end_date + dt.timedelta(days=30)
    return add_months(rehab_end_date, 11), add_months(rehab_end_date, 13)


# --- Registration dates and category -----------------------------------------

#: The referral is dated after the first visit.
REFERRAL_AFTER_FIRST_VISIT = "referral_after_first_visit"
#: Rehabilitation starts before the first visit.
REHAB_START_BEFORE_FIRST_VISIT = "rehab_start_before_first_visit"
#: Rehabilitation ends before it starts.
REHAB_END_BEFORE_START = "rehab_end_before_start"
#: An end date without a start date.
REHAB_END_WITHOUT_START = "rehab_end_without_start"


def date_problems(
    *,
    referral_date: dt.date | None,
    first_visit_date: dt.date | None,
    rehab_start_date: dt.date | None,
    rehab_end_date: dt.date | None,
) -> tuple[str, ...]:
    """The date-order rules a registration breaks (a missing date breaks none).

    Referral on or before the first visit; rehab start on or after the first
    visit; rehab end on or after rehab start; an end date only with a start
    date. Each finding is one of the constants above; callers word it.

    >>> date_problems(referral_date=dt.date(2021, 2, 1), first_visit_date=dt.date(2021, 1, 1),
    ...               rehab_start_date=None, rehab_end_date=None)
    ('referral_after_first_visit',)
    """
    found = []
    if referral_date and first_visit_date and referral_date > first_visit_date:
        found.append(REFERRAL_AFTER_FIRST_VISIT)
    if first_visit_date and rehab_start_date and rehab_start_date < first_visit_date:
        found.append(REHAB_START_BEFORE_FIRST_VISIT)
    if rehab_start_date and rehab_end_date and rehab_end_date < rehab_start_date:
        found.append(REHAB_END_BEFORE_START)
    if rehab_end_date and not rehab_start_date:
        found.append(REHAB_END_WITHOUT_START)
    return tuple(found)


def rehab_fields_of_assessment(
    category: str | None,
    *,
    rehab_start_date: dt.date | None,
    rehab_end_date: dt.date | None,
    discontinued: bool,
) -> tuple[str, ...]:
    """The rehab fields an assessment-only registration has set (it may set none):
    ``rehab_start_date``, ``rehab_end_date``, ``discontinued``."""
    if category != "assessment":
        return ()
    values = {
        "rehab_start_date": rehab_start_date is not None,
        "rehab_end_date": rehab_end_date is not None,
        "discontinued": bool(discontinued),
    }
    return tuple(name for name, is_set in values.items() if is_set)


def missing_for_sign_off(
    category: str | None,
    *,
    first_visit_date: dt.date | None,
    main_diagnosis: str | None,
    rehab_start_date: dt.date | None,
    rehab_end_date: dt.date | None,
    discontinued: bool,
    discontinuation_reason: str | None,
) -> tuple[str, ...]:
    """The fields a registration lacks for sign-off (DOMAIN.md, registration workflow):
    first visit date and main diagnosis; for rehab also the rehab start, the rehab end
    (the date of discontinuation when discontinued) and, when discontinued, the reason."""
    missing = []
    if first_visit_date is None:
        missing.append("first_visit_date")
    if not main_diagnosis:
        missing.append("main_diagnosis")
    if category == "rehab":
        if rehab_start_date is None:
            missing.append("rehab_start_date")
        if rehab_end_date is None:
            missing.append("rehab_end_date")
        if discontinued and not discontinuation_reason:
            missing.append("discontinuation_reason")
    return tuple(missing)


def reason_without_discontinuation(
    *, discontinued: bool, discontinuation_reason: str | None
) -> bool:
    """A discontinuation reason is given only when rehabilitation was discontinued."""
    return bool(discontinuation_reason) and not discontinued


# --- Occasion status -----------------------------------------------------------


def missing_required(
    answered: set[str], not_administered: Mapping[str, str], *, form: Iterable[str] = ()
) -> dict[str, list[str]]:
    """Instrument -> its required items not answered, for every instrument of the
    ``form`` and every other instrument with at least one answer, except those
    marked not administered (DOMAIN.md, registration workflow: sign-off)."""
    from painreg import instruments

    administered: set[str] = set(form)
    for item_id in answered:
        try:
            administered.add(instruments.find_item(item_id).instrument)
        except instruments.InstrumentError:
            continue
    out: dict[str, list[str]] = {}
    for instrument_id in sorted(administered - set(not_administered)):
        definition = instruments.get_instrument(instrument_id)
        missing = [i.id for i in definition.items if i.required and i.id not in answered]
        if missing:
            out[instrument_id] = missing
    return out


def occasion_status(
    answered: set[str], *, not_administered: Mapping[str, str], signed_off: bool
) -> str:
    """An occasion's status (``vocabulary.OCCASION_STATUSES``) from its answered items.

    ``signed_off`` once signed off; ``not_started`` with no answer;
    ``partial`` while an instrument it has answers of (and not marked not
    administered) lacks a required item; ``answered`` otherwise.
    """
    if signed_off:
        return "signed_off"
    if not answered:
        return "not_started"
    if missing_required(answered, not_administered):
        return "partial"
    return "answered"
