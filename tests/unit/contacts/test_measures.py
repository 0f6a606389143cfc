"""Every measure of docs/contacts.md on hand-computed small extracts (DuckDB)."""

from __future__ import annotations

import datetime as dt

import pytest

from painreg.analytics.stats import newcombe_difference_interval
from painreg.contacts.measures import Period

from .helpers import contact, run


def dx(patient, profession="physician", caregiver="d1", day="2020-03-01", code="R52.2", **kw):
    return contact(patient, day, caregiver, profession, diagnoses=code, **kw)


def test_the_cohort_is_patients_with_a_matching_diagnosis_contact_in_the_period(tmp_path):
    rows = [
        dx("in_first_day", day="2020-01-01"),
        dx("in_last_day", day="2020-12-31", sex="M", birth_year=1932),
        dx("before", day="2019-12-31"),
        dx("after", day="2021-01-01"),
        dx("other_code", code="R52.1"),
        contact("no_dx", "2020-05-01", diagnoses="M54.5"),
        # diagnosis before the period, contact inside: not in the cohort
        dx("dx_before", day="2019-06-01"),
        contact("dx_before", "2020-06-01"),
    ]
    result = run(tmp_path, rows)
    assert result["patients"] == 2
    assert result["patients_by_sex"] == {"F": 1, "M": 1}
    assert (result["birth_year_min"], result["birth_year_max"]) == (1932, 1960)


@pytest.mark.parametrize(
    ("code", "prefixes", "expected"),
    [
        ("R52.2", ("R522",), 1),
        ("R522", ("R522",), 1),
        ("r52.2", ("R522",), 1),
        ("R52.1", ("R522",), 0),
        ("M54.5;R52.2", ("R52",), 1),
        ("J45-P", ("J45",), 1),
        ("J45-P", ("J459",), 0),
    ],
)
def test_codes_match_with_and_without_the_dot_and_ksh97p(tmp_path, code, prefixes, expected):
    """DOMAIN.md: upper case, without the dot, by prefix; KSH97-P the same way."""
    assert run(tmp_path, [dx("p1", code=code)], prefixes=prefixes)["patients"] == expected


def test_professions_combinations_and_caregivers(tmp_path):
    rows = [
        # p1: physician d1 twice -> one profession, one caregiver
        dx("p1"),
        dx("p1", day="2020-04-01"),
        # p2: physician + physiotherapist
        dx("p2"),
        dx("p2", "physiotherapist", "f1"),
        # p3: physician + physiotherapist, two physicians
        dx("p3"),
        dx("p3", caregiver="d2"),
        dx("p3", "physiotherapist", "f1"),
        # p4: nurse + physician
        dx("p4", "nurse", "n1"),
        dx("p4"),
        # p5: occupational therapist + physician + psychologist
        dx("p5", "occupational_therapist", "a1"),
        dx("p5"),
        dx("p5", "psychologist", "s1"),
        # p6: physician with a diagnosis contact without caregiver -> not "same caregiver"
        dx("p6"),
        dx("p6", caregiver=""),
        # p7: physician, plus a physiotherapist contact WITHOUT the diagnosis
        dx("p7"),
        contact("p7", "2020-05-01", "f1", "physiotherapist", diagnoses="M54.5"),
    ]
    r = run(tmp_path, rows)
    assert r["patients"] == 7
    assert r["diagnosed_by_profession"] == {
        "physician": 7,
        "physiotherapist": 2,
        "occupational_therapist": 1,
        "nurse": 1,
        "psychologist": 1,
    }
    assert r["professions_count_distribution"] == {"1": 3, "2": 3, "3": 1}
    assert r["multiple_professions"] == 4
    # DOMAIN.md: by patients descending, then by the sorted profession names.
    assert r["profession_combinations"] == [
        {"professions": ["physician", "physiotherapist"], "patients": 2},
        {"professions": ["nurse", "physician"], "patients": 1},
        {"professions": ["occupational_therapist", "physician", "psychologist"], "patients": 1},
    ]
    assert r["single_profession_single_caregiver"] == 2  # p1, p7
    assert r["multiple_caregivers_same_profession"] == {"physician": 1}
    assert r["multiple_caregivers_any_profession"] == 1


def test_frequent_attenders_count_all_contacts_above_the_threshold(tmp_path):
    start = dt.date(2020, 2, 1)
    many = [dx("eleven")] + [
        contact("eleven", (start + dt.timedelta(days=i)).isoformat(), "d1", diagnoses="J06.9")
        for i in range(10)
    ]
    ten = [dx("ten")] + [
        contact("ten", (start + dt.timedelta(days=i)).isoformat(), "d1") for i in range(9)
    ]
    outside = [contact("ten", "2021-02-01")]  # outside the period: not counted
    r = run(tmp_path, many + ten + outside + [dx("one")])
    assert r["frequent_attenders"] == 1
    assert r["top_contacts"] == [11, 10, 1]
    assert run(tmp_path, many + ten, frequent_threshold=9)["frequent_attenders"] == 2


def test_top_contacts_lists_the_ten_most_frequent(tmp_path):
    rows = []
    for p in range(12):
        rows += [dx(f"p{p:02d}", day=f"2020-03-{d + 1:02d}") for d in range(p + 1)]
    assert run(tmp_path, rows)["top_contacts"] == [12, 11, 10, 9, 8, 7, 6, 5, 4, 3]


def test_exact_duplicates_are_counted_once_and_reported(tmp_path):
    rows = [dx("p1"), dx("p1"), dx("p1", day="2020-03-02", caregiver="d2")]
    r = run(tmp_path, rows)
    assert r["top_contacts"] == [2]
    assert r["continuity"]["upc"] == pytest.approx(0.5)
    dup = r["validation"]["contacts"]
    assert dup["duplicate_rows"] == 1
    assert dup["duplicates"] == [{"first": {"file": "contacts.csv", "row": 1}, "copies": 2}]


def test_rows_differing_only_in_the_dot_of_a_code_are_duplicates(tmp_path):
    r = run(tmp_path, [dx("p1", code="R52.2"), dx("p1", code="R522")])
    assert r["top_contacts"] == [1]
    assert r["validation"]["contacts"]["duplicate_rows"] == 1


def test_a_contact_without_caregiver_counts_as_a_contact(tmp_path):
    r = run(tmp_path, [dx("p1"), contact("p1", "2020-04-01", "", "nurse")], frequent_threshold=1)
    assert r["frequent_attenders"] == 1
    assert r["top_contacts"] == [2]


def test_by_unit_gives_each_health_centre_its_own_cohort(tmp_path):
    rows = [
        dx("p1", unit="U1"),
        contact("p1", "2020-04-01", unit="U2"),
        dx("p2", unit="U2"),
        dx("p3", unit="U2", sex="M"),
    ]
    r = run(tmp_path, rows, by_unit=True)
    assert r["patients"] == 3
    assert set(r["units"]) == {"U1", "U2"}
    assert r["units"]["U1"]["patients"] == 1
    assert r["units"]["U1"]["top_contacts"] == [1]  # the U2 contact is U2's
    assert r["units"]["U2"]["patients"] == 2
    assert r["units"]["U2"]["patients_by_sex"] == {"F": 1, "M": 1}


def test_unit_restricts_to_one_health_centre(tmp_path):
    rows = [dx("p1", unit="U1"), dx("p2", unit="U2")]
    assert run(tmp_path, rows, unit="U2")["patients"] == 1


def cert(start, end, patient="p1", unit="U1", diagnosis="R52.2", extent=100):
    return {
        "patient_id": patient,
        "unit_id": unit,
        "start_date": start,
        "end_date": end,
        "extent": extent,
        "diagnosis": diagnosis,
    }


def test_sick_leave_joins_certificates_at_most_five_days_apart(tmp_path):
    """DOMAIN.md: days strictly between one's end and the next's start; <= 5 joins."""
    certificates = [
        cert("2020-01-01", "2020-01-31"),
        cert("2020-02-06", "2020-03-01"),  # 5 days between: same episode, 61 days
        cert("2020-05-01", "2020-05-31"),
        cert("2020-06-07", "2020-08-31"),  # 6 days between: new episode
        cert("2020-09-01", "2020-09-10", unit="U2"),  # another unit: its own episode
        cert("2020-10-01", "2020-10-10", diagnosis="M54.5"),  # other diagnosis
        cert("2020-01-01", "2020-01-10", patient="not_in_cohort"),
    ]
    rows = [dx("p1"), dx("not_in_cohort", code="J06.9")]
    r = run(tmp_path, rows, certificates=certificates)
    assert r["sick_leave"]["episodes_by_length"] == {"<90": 4, "90-365": 0, ">365": 0}
    assert r["sick_leave"]["patients"] == 1
    assert r["sick_leave"]["by_sex"] == {"F": 1, "M": 0}
    r = run(tmp_path, rows, certificates=certificates, gap_days=6)
    # May 1 - Aug 31 joined: 123 days.
    assert r["sick_leave"]["episodes_by_length"] == {"<90": 2, "90-365": 1, ">365": 0}


@pytest.mark.parametrize(
    ("end", "length_class"),
    [
        ("2020-03-29", "<90"),
        ("2020-03-30", "90-365"),
        ("2020-12-30", "90-365"),
        ("2020-12-31", ">365"),
    ],
)
def test_sick_leave_episode_length_classes(tmp_path, end, length_class):
    """Length = end - start + 1: 89 days <90; 90 and 365 are 90-365; 366 is >365 (2020 is leap)."""
    start = {"<90": "2020-01-01", "90-365": "2020-01-01", ">365": "2020-01-01"}[length_class]
    if end == "2020-12-30":
        start = "2020-01-01"  # 365 days
    r = run(tmp_path, [dx("p1")], certificates=[cert(start, end)])
    assert r["sick_leave"]["episodes_by_length"][length_class] == 1


def test_an_episode_counts_when_it_overlaps_the_period(tmp_path):
    certificates = [cert("2019-11-01", "2020-01-05"), cert("2019-01-01", "2019-02-01")]
    r = run(tmp_path, [dx("p1")], certificates=certificates)
    assert sum(r["sick_leave"]["episodes_by_length"].values()) == 1


def test_the_comparison_gives_percentage_point_differences_with_newcombe_intervals(tmp_path):
    after = Period(dt.date(2024, 1, 1), dt.date(2024, 10, 31))
    before = Period(dt.date(2020, 1, 1), dt.date(2023, 12, 31))
    rows = []
    for i in range(8):  # before: 8 patients, 2 with two professions
        rows.append(dx(f"b{i}", day="2021-03-01"))
        if i < 2:
            rows.append(dx(f"b{i}", "physiotherapist", "f1", day="2021-04-01"))
    for i in range(5):  # after: 5 patients, 1 with two professions
        rows.append(dx(f"a{i}", day="2024-03-01"))
        if i < 1:
            rows.append(dx(f"a{i}", "nurse", "n1", day="2024-04-01"))
    r = run(tmp_path, rows, period=after, compare=before)
    assert r["patients"] == 5
    assert r["comparison"]["patients"] == 8
    d = r["comparison"]["differences"]["multiple_professions"]
    assert d["period"] == [1, 5] and d["compare"] == [2, 8]
    assert d["difference_pp"] == pytest.approx(100 * (1 / 5 - 2 / 8))
    low, high = newcombe_difference_interval(1, 5, 2, 8)
    assert d["ci95_pp"] == pytest.approx([100 * low, 100 * high])
    assert r["comparison"]["period"] == {"from": "2020-01-01", "to": "2023-12-31"}


def test_an_empty_cohort_gives_zero_measures(tmp_path):
    r = run(tmp_path, [contact("p1", "2020-03-01", diagnoses="J06.9")])
    assert r["patients"] == 0
    assert r["continuity"]["upc"] is None
    assert r["profession_combinations"] == []
