"""The synthetic extract generator and the `painreg contacts` and `synth contacts` commands."""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from painreg.cli import main
from painreg.synth.contacts import OTHERS_PER_YEAR


def test_the_generator_is_deterministic(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["synth", "contacts", str(a), "--patients", "500", "--seed", "7"]) == 0
    assert main(["synth", "contacts", str(b), "--patients", "500", "--seed", "7"]) == 0
    assert a.read_bytes() == b.read_bytes()
    c = tmp_path / "c.csv"
    main(["synth", "contacts", str(c), "--patients", "500", "--seed", "8"])
    assert a.read_bytes() != c.read_bytes()


def test_the_generator_gives_most_patients_few_contacts_and_the_cohort_a_long_tail(tmp_path):
    path = tmp_path / "x.parquet"
    main(
        [
            "synth",
            "contacts",
            str(path),
            "--patients",
            "3000",
            "--seed",
            "1",
            "--cohort-share",
            "0.05",
            "--labels",
            "canonical",
        ]
    )
    frame = pq.read_table(path).to_pandas()
    per_patient = frame.groupby("patient_id").size()
    # Everyone else: three contacts a year on average (OTHERS_PER_YEAR, after OECD
    # Health at a Glance 2021), so about 12 in four years over the 3000 patients
    # (those without a contact are not in the extract); the cohort (5%) about 33.
    assert OTHERS_PER_YEAR == 3.0
    assert 11 <= len(frame) / 3000 <= 15
    cohort = frame.loc[frame.diagnoses.str.contains("R52", na=False), "patient_id"].unique()
    in_cohort = per_patient.index.isin(cohort)
    assert per_patient[~in_cohort].median() <= 10 < per_patient[in_cohort].median()
    # Most of the cohort are frequent attenders (the report: 106 of 124), with a long tail.
    assert (per_patient[in_cohort] > 10).mean() >= 0.7
    assert per_patient.max() >= 150
    assert set(frame["profession"]) <= {
        "physician",
        "physiotherapist",
        "occupational_therapist",
        "nurse",
        "psychologist",
        "assistant_nurse",
        "counsellor",
        "rehab_coordinator",
    }


def test_analyze_writes_the_json_of_the_issue(tmp_path, capsys):
    data, certs = tmp_path / "c.csv", tmp_path / "s.csv"
    main(
        [
            "synth",
            "contacts",
            str(data),
            "--patients",
            "2000",
            "--seed",
            "2",
            "--sick-leave",
            str(certs),
        ]
    )
    out = tmp_path / "r.json"
    code = main(
        [
            "contacts",
            "analyze",
            str(data),
            "--diagnosis",
            "R52.2",
            "--from",
            "2022-01-01",
            "--to",
            "2023-12-31",
            "--compare-from",
            "2020-01-01",
            "--compare-to",
            "2021-12-31",
            "--sick-leave",
            str(certs),
            "--by-unit",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    result = json.loads(out.read_text("utf-8"))
    for key in (
        "patients",
        "patients_by_sex",
        "birth_year_min",
        "birth_year_max",
        "diagnosed_by_profession",
        "professions_count_distribution",
        "profession_combinations",
        "single_profession_single_caregiver",
        "multiple_caregivers_same_profession",
        "frequent_attenders",
        "top_contacts",
        "continuity",
        "sick_leave",
        "comparison",
        "units",
    ):
        assert key in result, key
    assert set(result["continuity"]) >= {"upc", "coc", "secon", "mmci", "patients"}
    assert set(result["sick_leave"]) >= {"patients", "by_sex", "episodes_by_length"}
    assert "differences" in result["comparison"]
    assert result["patients"] > 0


def test_bad_arguments_are_one_line_errors(tmp_path, capsys):
    code = main(
        [
            "contacts",
            "analyze",
            str(tmp_path / "none.csv"),
            "--diagnosis",
            "R52",
            "--from",
            "2020-01-01",
            "--to",
            "2020-12-31",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not found" in err
    code = main(
        [
            "contacts",
            "analyze",
            str(tmp_path / "none.csv"),
            "--diagnosis",
            "52",
            "--from",
            "2020-01-01",
            "--to",
            "2020-12-31",
        ]
    )
    assert code == 2
