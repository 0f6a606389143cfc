"""Prescribing, named contacts and referrals (DOMAIN.md "Prescriptions and named contacts in
primary care"), every number computed by hand from the small fixture below."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pytest

from painreg.contacts.measures import Period
from painreg.contacts.units import read_drug_groups, read_units
from painreg.errors import UserError

from .helpers import contact, run, write_csv

# The cohort of 2020 (R52.2): p1 (born 1975: 45, under 50), p2 (born 1960: 60), p3 (born 1990).
# p4 has no pain diagnosis (not in the cohort) but is in the extract (born 1980: 40).
CONTACTS = [
    contact("p1", "2020-02-01", "d1", "physician", "R52.2", birth_year=1975),
    contact("p1", "2020-03-01", "d1", "physician", "", birth_year=1975),
    contact("p1", "2020-04-01", "d2", "physician", "", birth_year=1975),
    contact("p1", "2020-05-01", "d1", "physician", "", birth_year=1975),
    contact("p1", "2020-05-02", "f1", "physiotherapist", "", birth_year=1975),
    contact("p2", "2020-02-01", "d2", "physician", "R52.2", birth_year=1960),
    contact("p2", "2020-06-01", "d2", "physician", "", birth_year=1960),
    contact("p3", "2020-02-01", "n1", "nurse", "R52.2", birth_year=1990),
    contact("p4", "2020-02-01", "d1", "physician", "J45", birth_year=1980),
]

PRESCRIPTIONS = [
    # p1: an opioid twice and a benzodiazepine (dots and lower case normalised).
    {"patient_id": "p1", "unit_id": "U1", "prescribed_on": "2020-03-01", "atc": "N02AX02"},
    {"patient_id": "p1", "unit_id": "U1", "prescribed_on": "2020-04-01", "atc": "n02a.x02"},
    {"patient_id": "p1", "unit_id": "U2", "prescribed_on": "2020-05-01", "atc": "N05BA01"},
    # p2 (60): a gabapentinoid; and an opioid before the period (not counted).
    {"patient_id": "p2", "unit_id": "U1", "prescribed_on": "2020-07-01", "atc": "N03AX16"},
    {"patient_id": "p2", "unit_id": "U1", "prescribed_on": "2019-12-31", "atc": "N02AA01"},
    # p3: paracetamol, no group.
    {"patient_id": "p3", "unit_id": "U1", "prescribed_on": "2020-03-01", "atc": "N02BE01"},
    # p4 (40, not in the cohort): a z-drug from U2.
    {"patient_id": "p4", "unit_id": "U2", "prescribed_on": "2020-08-01", "atc": "N05CF01"},
    # p9: not in the contact extract (no age): counted nowhere under 50.
    {"patient_id": "p9", "unit_id": "U1", "prescribed_on": "2020-08-01", "atc": "N02AA01"},
]

LISTINGS = [
    # p1 listed at U1 with named physician d1 and contact f1; an older listing at U2 ended.
    {
        "patient_id": "p1",
        "unit_id": "U2",
        "listed_from": "2015-01-01",
        "listed_to": "2019-12-31",
        "regular_physician_id": "d9",
        "regular_contact_id": "",
    },
    {
        "patient_id": "p1",
        "unit_id": "U1",
        "listed_from": "2020-01-01",
        "listed_to": "",
        "regular_physician_id": "d1",
        "regular_contact_id": "f1",
    },
    # p2 at U1, named physician d1 whom p2 never met; no named contact.
    {
        "patient_id": "p2",
        "unit_id": "U1",
        "listed_from": "2010-01-01",
        "listed_to": "",
        "regular_physician_id": "d1",
        "regular_contact_id": "",
    },
    # p3 listed until 2020-06-30 only: not listed on the last day.
    {
        "patient_id": "p3",
        "unit_id": "U2",
        "listed_from": "2010-01-01",
        "listed_to": "2020-06-30",
        "regular_physician_id": "",
        "regular_contact_id": "n1",
    },
    # p4 (not in the cohort) at U2.
    {
        "patient_id": "p4",
        "unit_id": "U2",
        "listed_from": "2010-01-01",
        "listed_to": "",
        "regular_physician_id": "",
        "regular_contact_id": "",
    },
]

REFERRALS = [
    # waits 10, 100, 30 days; one without a first visit; one returned; one sent before the period.
    {
        "patient_id": "p1",
        "from_unit_id": "U1",
        "to_unit_id": "S1",
        "sent_on": "2020-01-10",
        "accepted_on": "2020-01-12",
        "first_visit_on": "2020-01-20",
        "returned": "",
        "reason_code": "",
    },
    {
        "patient_id": "p2",
        "from_unit_id": "U1",
        "to_unit_id": "S1",
        "sent_on": "2020-11-01",
        "accepted_on": "2020-11-05",
        "first_visit_on": "2021-02-09",
        "returned": "nej",
        "reason_code": "",
    },
    {
        "patient_id": "x1",
        "from_unit_id": "U2",
        "to_unit_id": "S1",
        "sent_on": "2020-03-01",
        "accepted_on": "",
        "first_visit_on": "2020-03-31",
        "returned": "false",
        "reason_code": "",
    },
    {
        "patient_id": "x2",
        "from_unit_id": "U2",
        "to_unit_id": "S1",
        "sent_on": "2020-12-01",
        "accepted_on": "",
        "first_visit_on": "",
        "returned": "",
        "reason_code": "",
    },
    {
        "patient_id": "x3",
        "from_unit_id": "U2",
        "to_unit_id": "R4",
        "sent_on": "2020-05-01",
        "accepted_on": "",
        "first_visit_on": "",
        "returned": "ja",
        "reason_code": "X",
    },
    {
        "patient_id": "x4",
        "from_unit_id": "U2",
        "to_unit_id": "S1",
        "sent_on": "2019-12-01",
        "accepted_on": "",
        "first_visit_on": "2020-01-05",
        "returned": "",
        "reason_code": "",
    },
]


@pytest.fixture
def result(tmp_path):
    return run(
        tmp_path,
        CONTACTS,
        prescriptions=[write_csv(tmp_path / "rx.csv", PRESCRIPTIONS)],
        listings=[write_csv(tmp_path / "listings.csv", LISTINGS)],
        referrals=[write_csv(tmp_path / "referrals.csv", REFERRALS)],
        by_unit=True,
    )


def test_prescribing_counts_distinct_cohort_patients_per_group_and_any(result):
    cohort = result["prescriptions"]["cohort"]
    assert cohort["opioids"] == {"patients": 1, "patients_under_50": 1}  # p1 (p2's is 2019)
    assert cohort["benzodiazepines"] == {"patients": 1, "patients_under_50": 1}  # p1
    assert cohort["gabapentinoids"] == {"patients": 1, "patients_under_50": 0}  # p2, 60
    assert cohort["z_drugs"] == {"patients": 0, "patients_under_50": 0}  # p4 not in the cohort
    # any: p1 and p2 (not the sum of the groups, which is 3).
    assert cohort["any"] == {"patients": 2, "patients_under_50": 1}


def test_prescribing_under_50_by_prescribing_unit_counts_the_whole_extract(result):
    # U1: p1 (opioid); p2 is 60; p9 has no age. U2: p1 (benzodiazepine), p4 (z-drug, 40).
    assert result["prescriptions"]["under_50_by_unit"] == {
        "U1": {"opioids": 1, "benzodiazepines": 0, "z_drugs": 0, "gabapentinoids": 0, "any": 1},
        "U2": {"opioids": 0, "benzodiazepines": 1, "z_drugs": 1, "gabapentinoids": 0, "any": 2},
    }


def test_prescribing_per_1000_listed_on_the_last_day(result):
    # Listed on 2020-12-31: U1 p1, p2 (2); U2 p4 (1; p3's listing ended).
    rates = result["prescriptions_per_1000_listed"]
    assert rates["U1"]["any"] == pytest.approx(1000 * 1 / 2)
    assert rates["U2"]["any"] == pytest.approx(1000 * 2 / 1)


def test_named_contacts_of_the_cohort_listed_on_the_last_day(result):
    named = result["named_contacts"]
    # Listed cohort: p1, p2 (p3's listing ended). Physician named: both; contact: p1.
    # Continuity: p1 met physicians d1, d1, d2, d1 (3/4); p2 met d2 twice, named d1 (0/2).
    assert named == {
        "listed": 2,
        "with_regular_physician": 2,
        "with_regular_contact": 1,
        "continuity_named_physician": pytest.approx((3 / 4 + 0 / 2) / 2),
    }
    assert set(result["named_contacts_by_unit"]) == {"U1"}


def test_referrals_sent_in_the_period_with_waits_to_first_visit(result):
    refs = result["referrals"]
    assert refs["sent"] == 5  # the one of 2019-12-01 is outside
    assert refs["returned"] == 1
    waits = [10, 100, 30]  # first visits; the 2021 visit counts
    wait = refs["wait_days_to_first_visit"]
    assert wait["n"] == 3
    assert wait["median"] == pytest.approx(float(np.percentile(waits, 50)))
    assert wait["p90"] == pytest.approx(float(np.percentile(waits, 90)))
    assert wait["within_90"] == 2


def test_referral_flows_and_the_queue_on_the_last_day(result):
    flows = result["referral_flows"]
    pairs = {(f["from_unit_id"], f["to_unit_id"]): f["sent"] for f in flows["units"]}
    assert pairs == {("U1", "S1"): 2, ("U2", "S1"): 2, ("U2", "R4"): 1}
    # Waiting on 2020-12-31: p2's (visit 2021) and x2's (no visit); x3 was returned.
    assert flows["queue_by_to_unit"] == {"S1": 2}
    assert [(r["from_level"], r["to_level"], r["sent"]) for r in flows["levels"]] == [
        (None, None, 5)
    ]
    months = {m["month"]: m["sent"] for m in flows["by_month"]}
    assert months == {"2020-01": 1, "2020-03": 1, "2020-05": 1, "2020-11": 1, "2020-12": 1}


def test_bad_rows_in_a_side_table_are_named_by_row_and_column(tmp_path):
    bad = [
        {"patient_id": "p1", "unit_id": "U1", "prescribed_on": "2020-13-01", "atc": "N02A"},
        {"patient_id": "", "unit_id": "U1", "prescribed_on": "2020-01-01", "atc": "opioid"},
    ]
    out = run(tmp_path, CONTACTS, prescriptions=[write_csv(tmp_path / "rx.csv", bad)])
    report = out["validation"]["prescriptions"]
    assert report["rejected"] == 2
    rows = {r["row"]: {p["column"] for p in r["problems"]} for r in report["rejected_rows"]}
    assert rows == {1: {"prescribed_on"}, 2: {"patient_id", "atc"}}
    with pytest.raises(UserError, match="prescriptions row"):
        run(tmp_path, CONTACTS, prescriptions=[write_csv(tmp_path / "rx.csv", bad)], strict=True)


def test_a_missing_required_column_names_the_file(tmp_path):
    rows = [{"patient_id": "p1", "from_unit_id": "U1", "sent_on": "2020-01-01"}]
    with pytest.raises(UserError, match="to_unit_id"):
        run(tmp_path, CONTACTS, referrals=[write_csv(tmp_path / "ref.csv", rows)])


def test_drug_groups_file_replaces_the_defaults(tmp_path):
    path = tmp_path / "groups.yaml"
    path.write_text("strong_opioids: [N02AA, 'n02a.b']\n", encoding="utf-8")
    assert read_drug_groups(path) == {"strong_opioids": ("N02AA", "N02AB")}
    path.write_text("any: [N02A]\n", encoding="utf-8")
    with pytest.raises(UserError, match="not 'any'"):
        read_drug_groups(path)
    path.write_text("opioids: [paracetamol]\n", encoding="utf-8")
    with pytest.raises(UserError, match="not an ATC code prefix"):
        read_drug_groups(path)


def test_units_reference_file_is_checked_whole(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(
        "unit_id,name,region_code,pain_care_level,owner\n"
        "U1,Vårdcentralen Habo,06,1,public\n"
        "S1,Smärtmottagningen,06,5,council\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError) as err:
        read_units(path)
    assert "row 3, column pain_care_level" in str(err.value)
    assert "row 3, column owner" in str(err.value)
    path.write_text(
        "unit_id;name;region_code;pain_care_level;owner\nU1;Vårdcentralen Habo;06;1;public\n",
        encoding="utf-8",
    )
    assert read_units(path)["U1"]["pain_care_level"] == 1


def test_the_command_line_writes_the_new_keys(tmp_path):
    contacts = write_csv(tmp_path / "contacts.csv", CONTACTS)
    rx = write_csv(tmp_path / "rx.csv", PRESCRIPTIONS)
    out = tmp_path / "out.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "painreg",
            "contacts",
            "analyze",
            str(contacts),
            "--diagnosis",
            "R52.2",
            "--from",
            "2020-01-01",
            "--to",
            "2020-12-31",
            "--prescriptions",
            str(rx),
            "--json",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["prescriptions"]["cohort"]["any"]["patients"] == 2


def test_monthly_series_and_run_charts(tmp_path):
    # Twelve months; in month k (1..12) k patients are diagnosed, one of them seen by two
    # professions in months 1-6 and all of them in months 7-12 (an improvement effort).
    rows = []
    for month in range(1, 13):
        for i in range(month):
            pid = f"m{month}p{i}"
            day = f"2020-{month:02d}-10"
            rows.append(contact(pid, day, "d1", "physician", "R52.2"))
            if i == 0 or month > 6:
                rows.append(contact(pid, day, "f1", "physiotherapist", "R52.2"))
    out = run(tmp_path, rows, monthly=True, baseline_to="2020-06")
    monthly = out["monthly"]
    assert list(monthly) == [f"2020-{m:02d}" for m in range(1, 13)]
    assert monthly["2020-03"]["patients"] == 3
    assert monthly["2020-03"]["multiple_professions"] == pytest.approx(1 / 3)
    assert monthly["2020-08"]["multiple_professions"] == 1.0
    assert "addictive_drugs" not in monthly["2020-03"]  # no prescriptions given
    chart = out["run_charts"]["multiple_professions"]
    # Baseline months 1-6: 1, 1/2, 1/3, 1/4, 1/5, 1/6; median (1/3 + 1/4) / 2.
    assert chart["baseline"] == {"from": "2020-01", "to": "2020-06"}
    assert chart["median"] == pytest.approx((1 / 3 + 1 / 4) / 2)
    # Above: 1, 1/2, 1/3, then below 1/4, 1/5, 1/6, then above 1 x 6: runs 3, 3, 6.
    assert chart["longest_run"] == 6
    assert chart["crossings"] == 2
    assert chart["longest_run_limit"] == 7  # round(log2(12) + 3)
    assert chart["crossings_limit"] == 3  # qbinom(0.05, 11, 0.5)
    assert chart["signal"] is True  # too few crossings


def test_baseline_outside_the_period_is_refused(tmp_path):
    with pytest.raises(UserError, match="not a month of the period"):
        run(tmp_path, CONTACTS, monthly=True, baseline_to="2019-12")


def test_the_report_shows_the_new_tables_and_charts_with_small_cells_hidden(tmp_path):
    from painreg.reports.contacts_care import charts
    from painreg.reports.contacts_report import build_tables, render_html

    rows = []
    for month in range(1, 13):
        for i in range(month + 5):
            pid = f"m{month}p{i}"
            unit = "BIG" if i % 3 else "MID"
            rows.append(contact(pid, f"2020-{month:02d}-10", "d1", "physician", "R52.2", unit=unit))
            if i % 2 or month > 6:
                rows.append(
                    contact(
                        pid, f"2020-{month:02d}-11", "f1", "physiotherapist", "R52.2", unit=unit
                    )
                )
    rx = [
        {"patient_id": f"m{m}p0", "unit_id": "BIG", "prescribed_on": "2020-06-01", "atc": "N02AA01"}
        for m in range(1, 13)
    ]
    result = run(
        tmp_path,
        rows,
        by_unit=True,
        monthly=True,
        prescriptions=[write_csv(tmp_path / "rx.csv", rx)],
        referrals=[write_csv(tmp_path / "ref.csv", REFERRALS)],
    )
    keys = [t.key for t in build_tables(result)]
    for key in ("prescriptions", "prescriptions_by_unit", "referrals", "monthly", "run_charts"):
        assert key in keys
    referrals = next(t for t in build_tables(result) if t.key == "referrals")
    # Five referrals, one returned (hidden as <5); three waits: too few for a median.
    assert [c.text for c in referrals.rows[0]] == ["Alla", "5", "<5", "–", "–", "–"]
    figures = charts(result)
    titles = [f["title"] for f in figures]
    assert any("per vårdcentral" in t for t in titles)
    assert any(t.startswith("Seriediagram") for t in titles)
    assert all(f["svg"].lstrip().startswith("<svg") and f["text"] for f in figures)
    html = render_html(result)
    assert "Serieanalys enligt Anhøjs regler" in html
    assert "<svg" in html


def test_referral_flows_between_care_levels_with_waits(tmp_path):
    levels = {"U1": {"pain_care_level": 1}, "U2": {"pain_care_level": 1},
              "S1": {"pain_care_level": 3}, "R4": {"pain_care_level": 4}}  # fmt: skip
    units = {k: {"name": k, "region_code": "06", "owner": "public", **v} for k, v in levels.items()}
    out = run(
        tmp_path,
        CONTACTS,
        referrals=[write_csv(tmp_path / "referrals.csv", REFERRALS)],
        units_reference=units,
    )
    rows = {(r["from_level"], r["to_level"]): r for r in out["referral_flows"]["levels"]}
    assert set(rows) == {(1, 3), (1, 4)}
    assert rows[(1, 3)]["sent"] == 4 and rows[(1, 4)]["returned"] == 1
    assert rows[(1, 3)]["wait_days_to_first_visit"]["median"] == 30.0  # waits 10, 100, 30


def test_the_monthly_table_hides_a_share_whose_count_is_small(tmp_path):
    from painreg.reports.contacts_care import tables

    # One month, 8 patients diagnosed, 2 of them (a count under 5) given an opioid.
    rows = [contact(f"q{i}", "2020-03-10", "d1", "physician", "R52.2") for i in range(8)]
    rx = [
        {"patient_id": f"q{i}", "unit_id": "U1", "prescribed_on": "2020-03-11", "atc": "N02AA01"}
        for i in range(2)
    ]
    out = run(
        tmp_path,
        rows,
        period=Period(dt.date(2020, 3, 1), dt.date(2020, 3, 31)),
        monthly=True,
        prescriptions=[write_csv(tmp_path / "rx.csv", rx)],
    )
    assert out["monthly"]["2020-03"]["addictive_drugs"] == pytest.approx(2 / 8)
    assert out["monthly_counts"]["2020-03"]["addictive_drugs"] == [2, 8]
    monthly = next(t for t in tables(out) if t.key == "monthly")
    column = monthly.columns.index("Beroendeframkallande läkemedel")
    assert monthly.rows[0][column].text == "–"


def test_a_units_file_row_longer_than_its_header_is_named(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(
        "unit_id,name,region_code,pain_care_level,owner\nVC1,Habo, Jönköping,06,1,public\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match="row 2: more fields than the header"):
        read_units(path)
