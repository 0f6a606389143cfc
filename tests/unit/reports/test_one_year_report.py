"""The report's one-year outcomes, unit coverage and outcomes in context, rendered
from hand-made indicator values (the numbers are checked against the same values
by hand; the counting itself is tested in tests/unit/analytics/test_one_year_outcomes.py)."""

from __future__ import annotations

from painreg.reports.annual import oneyear
from painreg.reports.publishing import MIN_PUBLISHED, NOT_SHOWN


def _cats(n, improved, pos=0, neg=0, worsened=0):  # type: ignore[no-untyped-def]
    return {"n": n, "improved": improved, "unchanged_positive": pos,
            "unchanged_negative": neg, "worsened": worsened}  # fmt: skip


def _texts(table):  # type: ignore[no-untyped-def]
    return [[c.text for c in row] for row in table.rows]


def test_unit_coverage_reads_as_the_2021_report_writes_it():
    nat = {"unit_coverage": {"providing": 39, "connected": 39, "delivering": 38,
                             "reporting_totals": 33}}  # fmt: skip
    (text,) = oneyear.unit_coverage_paragraphs("specialist", nat)
    assert text == (
        "Anslutning: 39 av 39 enheter som bedriver MMR är anslutna (anslutningsgrad "
        "100\xa0%); 38 levererade data och 33 av 38 rapporterade sitt totala antal patienter."
    )
    primary = oneyear.unit_coverage_paragraphs("primary", nat)
    assert primary[1] == oneyear.NO_PRIMARY_LIST


def test_unit_coverage_table_per_region():
    counts = {"providing": 4, "connected": 3, "delivering": 3, "reporting_totals": 2}
    data = {"regions": {"01": {"unit_coverage": counts}}}
    (row,) = _texts(oneyear.unit_coverage_table(data))
    assert row == ["Stockholm", "4", "3", "75\xa0%", "3", "2"]


def test_sustained_improvement_with_its_interval_and_the_publishing_rule():
    nat = {
        "pcs_change_sustained": {"n": 20, "sustained": 15},
        "wai_change_sustained": {"n": MIN_PUBLISHED - 1, "sustained": 2},
    }
    rows = {r[0]: r for r in _texts(oneyear.sustained_table(nat))}
    # 15 / 20 = 75 %; Wilson 95 % interval 53.1 %-88.8 %.
    assert rows["Katastrofiering (PCS)"][1:] == ["20", "75\xa0%", "53 till 89\xa0%"]
    assert rows["Upplevd arbetsförmåga (WAI)"][2] == NOT_SHOWN  # n < 5


def test_overview_puts_end_and_one_year_of_the_same_patients_side_by_side():
    nat = {
        "pcs_change_1y": _cats(40, 10, 20, 6, 4),
        "pcs_change_sustained": {"n": 12, "sustained": 6},
        "response_rate_1y": {"numerator": 40, "denominator": 80},
    }
    ended = {"pcs_change": _cats(50, 20, 20, 5, 5)}
    section = oneyear._overview("specialist", 2021, ["pcs_change"], [("Riket", nat, ended)])
    assert "avslutade rehabiliteringen 2020" in section.paragraphs[0]
    assert "januari 2022" in section.paragraphs[0]
    assert section.paragraphs[1] == (
        "Svarsfrekvens vid ettårsuppföljningen, riket: 50\xa0% (40 av 80)."
    )
    (row,) = _texts(section.tables[0])
    # end 20/50 = 40 %; one year 10/40 = 25 % (Wilson 14.2-40.2 %); sustained 6/12.
    assert row == [
        "Katastrofiering (PCS)",
        "50",
        "40\xa0%",
        "40",
        "25\xa0%",
        "14 till 40\xa0%",
        "50\xa0%",
    ]


def test_mean_change_at_one_year_with_a_t_interval():
    # Changes -6, 3, -6, 3, -6, 3: n 6, sum -9, sum of squares 135 -> mean -1.5,
    # SD 4.930, t(0.975, 5) = 2.571 -> half width 5.17: -6.7 to 3.7.
    nat = {
        "mean_change_1y_hads_anxiety": {"n": 6, "sum": -9.0, "sum_sq": 135.0},
        "mean_change_1y_pcs": {"n": 4, "sum": -6.0, "sum_sq": 90.0},  # n < 5: not shown
    }
    assert _texts(oneyear.mean_change_1y_table(nat)) == [
        ["Ångest (HAD)", "6", "\u22121,5", "\u22126,7 till 3,7"]
    ]


def test_baseline_categories_are_named_by_the_instrument_rules():
    assert oneyear.baseline_labels("hads_anxiety_change") == {
        "normal": "0–7", "borderline": "8–10", "case": "11–21"
    }  # fmt: skip
    assert oneyear.baseline_labels("pcs_change") == {"positive": "< 30", "negative": "≥ 30"}
    assert oneyear.baseline_labels("eqvas_change") == {"positive": "≥ 70", "negative": "< 70"}


def test_baseline_beside_change_per_unit_hides_small_units():
    data = {
        "national": {"pcs_change": _cats(30, 6, 12, 9, 3),
                     "pcs_change_baseline": {"n": 30, "positive": 12, "negative": 18}},
        "units": {
            "A": {"pcs_change": _cats(20, 5, 10, 4, 1),
                  "pcs_change_baseline": {"n": 20, "positive": 10, "negative": 10}},
            "B": {"pcs_change": _cats(3, 1, 1, 1, 0),
                  "pcs_change_baseline": {"n": 3, "positive": 1, "negative": 2}},
        },
    }  # fmt: skip
    table = oneyear._baseline_table("pcs_change", data, {"A": "Enhet A"}, None)
    assert _texts(table) == [
        ["Riket", "30", "40\xa0%", "60\xa0%", "20\xa0%", "40\xa0%"],
        ["Enhet A (A)", "20", "50\xa0%", "50\xa0%", "25\xa0%", "50\xa0%"],
    ]
    assert table.note.startswith("1 enheter")
