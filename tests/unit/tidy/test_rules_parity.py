"""Each vectorised form of a rule equals its statement in :mod:`painreg.tidy.rules`.

The counting year also exists as an Ibis expression (the analytics, on DuckDB,
PostgreSQL or Spark) and the occasion status as numpy over Arrow (the bulk
import); the export's Django form of the counting date is checked against the
database in ``tests/integration/interop/test_rules_parity.py``.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from painreg import instruments
from painreg.analytics.context import counting_year
from painreg.interop.answers import answered_statuses
from painreg.tidy import rules

DATES = st.one_of(st.none(), st.dates(dt.date(1999, 1, 1), dt.date(2031, 12, 31)))
REGISTRATIONS = st.lists(
    st.tuples(st.sampled_from(["rehab", "assessment"]), DATES, DATES), min_size=1, max_size=40
)


@settings(max_examples=40, deadline=None)
@given(REGISTRATIONS)
def test_the_ibis_counting_year_is_the_rules(
    rows: list[tuple[str, dt.date | None, dt.date | None]],
) -> None:
    t = ibis.memtable(
        pa.table(
            {
                "i": pa.array(range(len(rows)), pa.int64()),
                "category": pa.array([r[0] for r in rows], pa.string()),
                "first_visit_date": pa.array([r[1] for r in rows], pa.date32()),
                "rehab_end_date": pa.array([r[2] for r in rows], pa.date32()),
            }
        )
    )
    got = t.select("i", year=counting_year(t)).order_by("i").to_pyarrow().column("year")
    expected = [
        rules.counting_year(c, first_visit_date=first, rehab_end_date=end) for c, first, end in rows
    ]
    assert got.to_pylist() == expected


#: Instruments with required and optional items (LiSat-11 6 and 9, satisfaction 2).
ITEMS = [
    item
    for instrument in ("hads", "lisat11", "satisfaction", "wai")
    for item in instruments.get_instrument(instrument).item_ids
]
OCCASIONS = st.lists(st.sets(st.sampled_from(ITEMS), min_size=1), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(OCCASIONS)
def test_the_imports_vectorised_statuses_are_the_rules(occasions: list[set[str]]) -> None:
    ids = [i for i, items in enumerate(occasions) for _ in items]
    items = [item for answered in occasions for item in sorted(answered)]
    answers = pa.table({"occasion_id": pa.array(ids, pa.int64()), "item": items})
    occasion_ids, complete = answered_statuses(answers)
    got = ["answered" if c else "partial" for c in complete]
    expected = [
        rules.occasion_status(answered, not_administered={}, signed_off=False)
        for answered in occasions
    ]
    assert occasion_ids.tolist() == list(range(len(occasions)))
    assert got == expected
