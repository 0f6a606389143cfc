"""Golden files of the dashboard's SQL, one per engine and selection shape.

As Ibis keeps its SQL snapshots: the SQL the dashboard sends (the year's base
registrations of each shape and care level, and the indicators that start
from them) is compared with files in ``tests/integration/dashboard/sql/``.
A change that means to alter the SQL regenerates them on purpose::

    PAINREG_UPDATE_GOLDEN=1 pytest tests/integration/dashboard/test_dashboard_sql.py

and the diff is part of the review. Compiling needs no database, so both
engines are checked everywhere; the statements are also run on the test
database (SQLite, or PostgreSQL when ``DATABASE_URL`` names it) against the
same counts from a plain Ibis expression (``test_dashboard.py``). The dashboard does not run on
DuckDB (Django has no DuckDB backend), so there is no DuckDB file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from painreg.analytics.context import CARE_LEVELS, Context, Filters
from painreg.analytics.indicators import BY_KEY
from painreg.dashboard import adapter, counts
from painreg.dashboard.selection import YEAR, Shape

GOLDEN = Path(__file__).with_name("sql")
UPDATE = os.environ.get("PAINREG_UPDATE_GOLDEN") == "1"
ENGINES = ("sqlite", "postgres")
#: One selection per shape: the name of its golden file, and its filters.
SHAPES = {
    "all": Filters(),
    "sex": Filters(sex="F"),
    "age_group": Filters(age_group="30-39"),
    "age_group_open": Filters(age_group="70+"),
    "education": Filters(education="university"),
    "diagnosis": Filters(diagnosis="M79.7"),
    "programme": Filters(programme="cbt"),
    "every_filter": Filters(
        sex="M", age_group="50-59", education="compulsory", diagnosis="G44", programme="act"
    ),
}


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    assert path.exists(), f"no golden file {name}: run with PAINREG_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"the SQL of {name} differs from its golden file"


def _block(title: str, statement: adapter.Statement) -> str:
    return f"-- {title} (parameters: {', '.join(sorted(statement.names))})\n{statement.sql};\n"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("shape", SHAPES)
def test_each_shapes_base_sql_is_its_golden_file(engine: str, shape: str) -> None:
    register = counts.register_on(adapter.sourceless(engine))
    blocks = []
    for level in CARE_LEVELS:
        base = counts.year_base(register, Shape.of(SHAPES[shape]), level)
        blocks.append(_block(f"{level}: base", adapter.compile_statement(engine, base.expr)))
    _check(f"{engine}/base-{shape}.sql", "\n".join(blocks))


@pytest.mark.parametrize("engine", ENGINES)
def test_the_indicators_sql_from_the_temporary_table_is_its_golden_file(engine: str) -> None:
    register = counts.register_on(adapter.sourceless(engine))
    base = counts.year_base(register, Shape.of(Filters()), None).expr
    table = counts._table(register.con, counts.BASE_TABLE, base.schema())
    context = Context(register=register, base=table, year=YEAR)
    blocks = [
        _block(key, adapter.compile_statement(engine, BY_KEY[key].build(context)))
        for key in counts.DASHBOARD_KEYS
    ]
    _check(f"{engine}/indicators.sql", "\n".join(blocks))


def test_a_selections_sql_holds_no_value_of_the_selection() -> None:
    """The values are parameters: two selections of one shape share one statement."""
    register = counts.register_on(adapter.sourceless("postgres"))
    women = counts.year_base(register, Shape.of(Filters(sex="F", diagnosis="M79")), "primary")
    men = counts.year_base(register, Shape.of(Filters(sex="M", diagnosis="G44")), "primary")
    statement = adapter.compile_statement("postgres", women.expr)
    assert adapter.compile_statement("postgres", men.expr) is statement
    assert "%(sex)s" in statement.sql and "%(diagnosis)s" in statement.sql
    assert "painregstandin" not in statement.sql.lower()
    assert women.values(Filters(sex="F", diagnosis="m79.7")) == {"sex": "F", "diagnosis": "M797"}


def test_it_refuses_a_filter_whose_value_did_not_become_a_parameter() -> None:
    """A stand-in left in the SQL would select nobody: an error instead of empty numbers."""
    from painreg.analytics.context import base_registrations

    register = counts.register_on(adapter.sourceless("sqlite"))
    unfiltered = base_registrations(register, Filters())
    with pytest.raises(ValueError, match="sex"):
        Shape.of(Filters(sex="F")).parameterise(unfiltered)
