"""Continuity indices through the whole Ibis pipeline (DuckDB) against published values.

Sources:
- Magill MK, Senf J. A new method for measuring continuity of care in family
  practice residencies. J Fam Pract 1987;24:165-8, Table 1 (COC column; the
  COC values there are exact fractions). Its MMCI column is rounded and off
  by one in places, so MMCI is checked against the formula
  (1 - s/(n + 0.1)) / (1 - 1/(n + 0.1)), as the RECOCA continuity app's test
  suite does (github.com/cfu288/RECOCA, src/__tests__/utils/mmci-index.test.ts:
  0.756, 0.512, 0.718, 0.780, 0.091, 0.032).
- SECON: RECOCA src/__tests__/utils/secon-index.test.ts (0.5; 0.667 after
  sorting by date).
- UPC (Breslau & Reeb 1975): the share of visits with the most-seen caregiver.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from .helpers import contact, run


def visits(sequence: str, patient: str = "p1", **kw) -> list[dict]:
    """One contact a day with caregivers in ``sequence`` order, all with the diagnosis."""
    start = dt.date(2020, 3, 1)
    return [
        contact(
            patient,
            (start + dt.timedelta(days=i)).isoformat(),
            caregiver=c,
            diagnoses="R52.2",
            **kw,
        )
        for i, c in enumerate(sequence)
    ]


def continuity(tmp_path, rows, **kw) -> dict:
    return run(tmp_path, rows, **kw)["continuity"]


@pytest.mark.parametrize(
    ("sequence", "coc"),
    [
        ("AAB", 1 / 3),
        ("AAAB", 0.50),
        ("AABB", 1 / 3),
        ("AABC", 1 / 6),
        ("AAAAB", 0.60),
        ("AAABB", 0.40),
        ("AAABC", 0.30),
        ("AABBC", 0.20),
        ("AABCD", 0.10),
        ("ABCDE", 0.0),
        ("AAAAA", 1.0),
    ],
)
def test_coc_matches_magill_and_senf_table_1(tmp_path, sequence, coc):
    """Magill & Senf 1987, Table 1, COC column (exact fractions)."""
    assert continuity(tmp_path, visits(sequence))["coc"] == pytest.approx(coc)


@pytest.mark.parametrize(
    ("sequence", "mmci"),
    [
        ("AAABB", 0.756),
        ("CCDDE", 0.512),
        ("AAAABBBC", 0.718),
        ("AABBAACAAB", 0.780),
        ("AB", 0.091),
        ("ABCD", 0.032),
        ("AAAA", 1.0),
    ],
)
def test_mmci_matches_the_recoca_test_values(tmp_path, sequence, mmci):
    """RECOCA mmci-index.test.ts (formula values, 3 decimals)."""
    assert continuity(tmp_path, visits(sequence))["mmci"] == pytest.approx(mmci, abs=5e-4)


def test_mmci_and_the_mean_over_patients_match_recoca(tmp_path):
    """RECOCA: P1 AAABB 0.756, P2 CCDDE 0.512, average 0.634."""
    rows = visits("AAABB", "P1") + visits("CCDDE", "P2")
    result = continuity(tmp_path, rows)
    assert result["mmci"] == pytest.approx(0.634, abs=5e-4)
    assert result["patients"] == 2


def test_secon_orders_contacts_by_date_before_pairing(tmp_path):
    """RECOCA secon-index.test.ts: Dr1 (01-04), Dr2 (01-01), Dr1 (01-03), Dr1 (01-02) -> 0.667."""
    rows = [
        contact("P1", "2020-01-04", "Dr1", diagnoses="R52.2"),
        contact("P1", "2020-01-01", "Dr2", diagnoses="R52.2"),
        contact("P1", "2020-01-03", "Dr1", diagnoses="R52.2"),
        contact("P1", "2020-01-02", "Dr1", diagnoses="R52.2"),
    ]
    assert continuity(tmp_path, rows)["secon"] == pytest.approx(2 / 3)


def test_secon_of_the_recoca_simple_case(tmp_path):
    """RECOCA: P1 Dr1 Dr1 Dr2 -> 0.5; P2 Dr1 Dr2 Dr2 -> 0.5; average 0.5."""
    rows = visits(["Dr1", "Dr1", "Dr2"], "P1") + visits(["Dr1", "Dr2", "Dr2"], "P2")
    assert continuity(tmp_path, rows)["secon"] == pytest.approx(0.5)


def test_upc_is_the_share_of_the_usual_caregiver(tmp_path):
    """Breslau & Reeb: 3 of 5 visits with A -> 0.6; hand-computed."""
    result = continuity(tmp_path, visits("AABAC"))
    assert result["upc"] == pytest.approx(0.6)
    assert result["secon"] == pytest.approx(1 / 4)


def test_same_day_contacts_are_ordered_by_caregiver_id(tmp_path):
    """DOMAIN.md: date, then time, then caregiver id. Same day b, a; next day a: a b a -> 0."""
    rows = [
        contact("P1", "2020-03-01", "b", diagnoses="R52.2"),
        contact("P1", "2020-03-01", "a", diagnoses="R52.2"),
        contact("P1", "2020-03-02", "a", diagnoses="R52.2"),
    ]
    assert continuity(tmp_path, rows)["secon"] == pytest.approx(0.0)


def test_the_time_orders_same_day_contacts_before_the_caregiver_id(tmp_path):
    """b at 08:00 and a at 09:00 the same day, a the next day: b a a -> SECON 0.5."""
    rows = [
        contact("P1", "2020-03-01", "b", diagnoses="R52.2", contact_time="08:00"),
        contact("P1", "2020-03-01", "a", diagnoses="R52.2", contact_time="09:00"),
        contact("P1", "2020-03-02", "a", diagnoses="R52.2", contact_time="10:00"),
    ]
    assert continuity(tmp_path, rows)["secon"] == pytest.approx(0.5)


def test_min_visits_counts_only_contacts_with_an_identified_caregiver(tmp_path):
    """Two contacts, one without caregiver: one identified contact < --min-visits 2."""
    rows = [
        contact("P1", "2020-03-01", "a", diagnoses="R52.2"),
        contact("P1", "2020-03-02", "", contact_type="phone"),
    ]
    result = continuity(tmp_path, rows)
    assert result["patients"] == 0
    assert result["upc"] is None


def test_min_visits_counts_every_contact_type_and_cause(tmp_path):
    rows = [
        contact("P1", "2020-03-01", "a", diagnoses="R52.2"),
        contact("P1", "2020-03-02", "a", contact_type="phone", diagnoses="J06.9"),
        contact("P1", "2020-03-03", "b", contact_type="digital"),
    ]
    result = continuity(tmp_path, rows, min_visits=3)
    assert result["patients"] == 1
    assert result["upc"] == pytest.approx(2 / 3)


def test_continuity_per_profession_uses_that_professions_contacts(tmp_path):
    rows = [
        contact("P1", "2020-03-01", "d1", diagnoses="R52.2"),
        contact("P1", "2020-03-02", "f1", profession="physiotherapist"),
        contact("P1", "2020-03-03", "d1"),
        contact("P1", "2020-03-04", "f2", profession="physiotherapist"),
    ]
    result = continuity(tmp_path, rows)
    assert result["secon"] == pytest.approx(0.0)
    assert result["by_profession"]["physician"]["secon"] == pytest.approx(1.0)
    assert result["by_profession"]["physiotherapist"]["upc"] == pytest.approx(0.5)


def _indices(caregivers: list[str]) -> tuple[float, float, float, float]:
    """Independent pure-Python formulas (Breslau-Reeb, Bice-Boxerman, Steinwachs, Magill-Senf)."""
    from collections import Counter

    n = len(caregivers)
    counts = Counter(caregivers)
    upc = max(counts.values()) / n
    coc = (sum(c * c for c in counts.values()) - n) / (n * (n - 1))
    secon = sum(a == b for a, b in itertools.pairwise(caregivers)) / (n - 1)
    s = len(counts)
    mmci = (1 - s / (n + 0.1)) / (1 - 1 / (n + 0.1))
    return upc, coc, secon, mmci


def test_the_pipeline_agrees_with_the_formulas_on_random_patients(tmp_path):
    """60 random patients (same-day contacts and duplicates included): means as the formulas."""
    import random

    rng = random.Random(20241031)
    rows, expected = [], []
    for p in range(60):
        n = rng.randint(2, 12)
        contacts = []
        for _ in range(n):
            day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 30))
            contacts.append((day, rng.choice("abcd")))
        coded = [(d, c, "R52.2" if i == 0 else "") for i, (d, c) in enumerate(contacts)]
        rows += [contact(f"p{p:02d}", d.isoformat(), c, diagnoses=x) for d, c, x in coded]
        # Exact duplicates count once; DOMAIN.md order: date, then caregiver id.
        ordered = [c for _, c, _ in sorted(set(coded))]
        expected.append(_indices(ordered))
    result = continuity(tmp_path, rows)
    assert result["patients"] == 60
    for k, key in enumerate(("upc", "coc", "secon", "mmci")):
        mean = sum(e[k] for e in expected) / len(expected)
        assert result[key] == pytest.approx(mean, rel=1e-12), key
