"""The unit dashboard: who sees which unit, what is suppressed, and the numbers.

The register is a small hand-made set of interchange files imported into the
test database (SQLite, or PostgreSQL in CI with ``-m django_db``), so the
dashboard reads it through the migration's views exactly as in production.

Specialist units in 2024 (rehab registrations ending that year):

=====  =========  ===================  ==============
unit   completed  answered at ``end``  discontinued
=====  =========  ===================  ==============
A      6          4                    1 (own decision)
C      3          2                    0
D      10         7                    0
=====  =========  ===================  ==============

Unit B is primary care (2 completed, 1 answered). Women: A has 4 completed
(3 answered).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from painreg.analytics.context import Filters
from painreg.dashboard.selection import Selection

pytestmark = pytest.mark.django_db

# (unit, completed, answered at end, of which women (completed, answered), discontinued)
PLAN = {
    "A": (6, 4, (4, 3), 1),
    "C": (3, 2, (0, 0), 0),
    "D": (10, 7, (5, 4), 0),
    "B": (2, 1, (1, 1), 0),
}
UNITS = {
    "A": ("Smärtrehab A", "01", "specialist"),
    "B": ("Vårdcentral B", "14", "primary"),
    "C": ("Smärtrehab C", "01", "specialist"),
    "D": ("Smärtrehab D", "14", "specialist"),
}


def _write_register(directory: Path) -> None:
    """Interchange CSV files of the plan above."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "units.csv").write_text(
        "unit_id,name,region_code,care_level\n"
        + "".join(f"{u},{n},{r},{c}\n" for u, (n, r, c) in UNITS.items()),
        encoding="utf-8",
    )
    patients = ["patient_id,sex,birth_year"]
    regs = [
        "registration_id,patient_id,unit_id,category,first_visit_date,rehab_start_date,"
        "rehab_end_date,discontinued,discontinuation_reason,main_diagnosis,education,"
        "work_measures"
    ]
    answers = ["registration_id,occasion,item,value,answered_on"]
    for unit, (completed, answered, (women, women_answered), discontinued) in PLAN.items():
        for i in range(completed + discontinued):
            rid = f"{unit}-{i:02d}"
            woman = i < women
            stopped = i >= completed
            patients.append(f"X{rid},{'F' if woman else 'M'},1970")
            regs.append(
                f"{rid},X{rid},{unit},rehab,2024-01-10,2024-02-01,2024-05-20,"
                f"{'true' if stopped else 'false'},{'own_decision' if stopped else ''},"
                "M79.7,university,"
            )
            answers.append(f"{rid},initial,hads_1,1,2024-01-10")
            # Women answer first, then men, up to the planned counts.
            if not stopped and (
                (woman and i < women_answered)
                or (not woman and i - women < answered - women_answered)
            ):
                answers.append(f"{rid},end,hads_1,1,2024-05-20")
    for name, lines in (("patients", patients), ("registrations", regs), ("answers", answers)):
        (directory / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def imported(world: SimpleNamespace, tmp_path: Path) -> SimpleNamespace:
    """The plan above imported into the database (units C and D join the cast's A and B),
    with Charlie, unit A's manager, managing unit C too."""
    from painreg.interop.load import import_register
    from painreg.registry import actions
    from painreg.registry.models import Unit

    _write_register(tmp_path / "register")
    import_register(tmp_path / "register", username="test")
    units = {code: Unit.objects.get(code=code) for code in UNITS}
    actions.add_membership(user=None, member=world.charlie, role="unit_manager", unit=units["C"])
    return SimpleNamespace(units=units, directory=tmp_path / "register")


def _client(user: Any) -> Client:
    from painreg.accounts.testing import login_verified

    client = Client()
    login_verified(client, user)
    return client


def _url(imported: SimpleNamespace, code: str, name: str = "dashboard:unit", **query: str) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    url = reverse(name, args=[imported.units[code].pk])
    return url + (f"?{urlencode(query)}" if query else "")


def _measure(response: Any, key: str) -> str:
    """The HTML of one measure's section."""
    html = response.content.decode()
    start = html.index(f'id="{key}"')
    return html[start : html.index("</section>", start)]


def _row(section: str, label: str) -> str:
    start = section.index(f'<th scope="row">{label}</th>')
    return section[start : section.index("</tr>", start)]


# ---------------------------------------------------------------------------
# Ownership


def test_it_shows_staff_their_current_units_dashboard(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    response = _client(world.alice).get("/statistik/?fran=2024&till=2024")
    assert response.status_code == 200
    assert "Statistik – Smärtrehab A" in response.content.decode()


def test_it_gives_404_to_a_member_of_another_unit(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    bob, fiona = _client(world.bob), _client(world.fiona)  # unit B; region 14's analyst
    for client in (bob, fiona):
        assert client.get(_url(imported, "A")).status_code == 404
        assert client.get(_url(imported, "A", "dashboard:excel")).status_code == 404
    assert "Smärtrehab A" not in bob.get("/statistik/?fran=2024&till=2024").content.decode()


def test_it_lets_a_regional_analyst_see_only_their_regions_units(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    diana = _client(world.diana)
    assert diana.get(_url(imported, "A", fran="2024", till="2024")).status_code == 200
    assert diana.get(_url(imported, "C", fran="2024", till="2024")).status_code == 200
    assert diana.get(_url(imported, "D")).status_code == 404
    assert diana.get(_url(imported, "B", "dashboard:excel")).status_code == 404
    listing = diana.get("/statistik/").content.decode()
    assert "Smärtrehab A" in listing and "Smärtrehab C" in listing
    assert "Smärtrehab D" not in listing


def test_it_lets_the_national_coordinator_see_every_unit(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    erik = _client(world.erik)
    for code in UNITS:
        assert erik.get(_url(imported, code, fran="2024", till="2024")).status_code == 200


def test_it_sends_an_unverified_login_to_the_totp_step(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    client = Client()
    client.force_login(world.diana)
    response = client.get(_url(imported, "A"))
    assert response.status_code == 302 and "/konto/" in response["Location"]


# ---------------------------------------------------------------------------
# Numbers and suppression


def test_it_shows_the_national_response_rate_checked_by_hand(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    """Specialist care 2024: 4 + 2 + 7 = 13 answered of 6 + 3 + 10 = 19 completed.

    By hand: 13/19 = 0.684 -> "68 %". Wilson (z = 1.96, z² = 3.8416):
    centre (13 + 1.9208) / 22.8416 = 0.6532, half-width
    1.96 * sqrt(13 * 6 / 19 + 0.9604) / 22.8416 = 0.1931 -> 46–85 %.
    Unit A: 4/6 = 67 % (Wilson 30–90 %, greyed for others: denominator < 10).
    """
    response = _client(world.alice).get(_url(imported, "A", fran="2024", till="2024"))
    section = _measure(response, "response_rate_end")
    national = _row(section, "Riket, specialistvård")
    assert "68\xa0%" in national and "46 till 85\xa0%" in national
    assert "<td>13</td><td>19</td>" in national
    own = _row(section, "Smärtrehab A")
    assert "67\xa0%" in own and "<td>4</td><td>6</td>" in own


def test_it_hides_another_units_share_below_five(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    """Unit C has 3 completed: Alice (unit A) must not see its 2/3."""
    response = _client(world.alice).get(_url(imported, "A", fran="2024", till="2024"))
    section = _measure(response, "response_rate_end")
    other = _row(section, "Smärtrehab C")
    assert "67\xa0%" not in other and "<td>–</td>" in other and "<td>&lt;5</td>" in other
    assert "70\xa0%" in _row(section, "Smärtrehab D")  # 7/10


def test_it_shows_the_units_own_small_numbers_only_to_its_staff(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    charlie = _client(world.charlie)  # unit manager of C
    own = _row(
        _measure(charlie.get(_url(imported, "C", fran="2024", till="2024")), "response_rate_end"),
        "Smärtrehab C",
    )
    assert "67\xa0%" in own and "<td>2</td><td>3</td>" in own
    diana = _client(world.diana)  # regional analyst: may not see C's patients
    seen = _row(
        _measure(diana.get(_url(imported, "C", fran="2024", till="2024")), "response_rate_end"),
        "Smärtrehab C",
    )
    assert "67\xa0%" not in seen and "<td>–</td>" in seen


def test_it_suppresses_small_discontinuation_counts_for_analysts(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    alice_page = (
        _client(world.alice).get(_url(imported, "A", fran="2024", till="2024")).content.decode()
    )
    diana_page = (
        _client(world.diana).get(_url(imported, "A", fran="2024", till="2024")).content.decode()
    )

    def row(page: str) -> str:
        start = page.index("<caption>Avbrott per orsak</caption>")
        return _row(page[start:], "Smärtrehab A")

    assert "<td>1</td>" in row(alice_page)
    analyst = row(diana_page)
    # 1 own decision, 0, 0, total 1: both non-zero cells hidden, neither recoverable.
    assert "<td>1</td>" not in analyst and analyst.count("&lt;5") == 2


def test_it_filters_by_patient_group(world: SimpleNamespace, imported: SimpleNamespace) -> None:
    """Women only: A 3/4 answered -> 75 %; nation 3 + 0 + 4 = 7 of 4 + 0 + 5 = 9 -> 78 %."""
    response = _client(world.alice).get(_url(imported, "A", fran="2024", till="2024", sex="F"))
    section = _measure(response, "response_rate_end")
    assert "75\xa0%" in _row(section, "Smärtrehab A")
    assert "78\xa0%" in _row(section, "Riket, specialistvård")
    assert "Kvinnor" in response.content.decode()


def test_it_sums_a_period_of_years(world: SimpleNamespace, imported: SimpleNamespace) -> None:
    response = _client(world.alice).get(_url(imported, "A", fran="2023", till="2024"))
    assert "<td>13</td><td>19</td>" in _row(
        _measure(response, "response_rate_end"), "Riket, specialistvård"
    )


def test_it_counts_as_the_same_expressions_over_the_files(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    """The views give the analytics core what the interchange files give it."""
    from painreg.analytics.compute import compute_indicators
    from painreg.analytics.load import load_register
    from painreg.dashboard.counts import DASHBOARD_KEYS, live_register

    live = compute_indicators(live_register(), 2024, keys=DASHBOARD_KEYS)
    files = compute_indicators(load_register(imported.directory), 2024, keys=DASHBOARD_KEYS)
    assert json.dumps(live, sort_keys=True) == json.dumps(files, sort_keys=True)
    assert live["care_levels"]["specialist"]["national"]["completed_rehab"] == 19


def test_it_counts_each_care_level_from_its_temporary_base_as_over_the_files(
    world: SimpleNamespace,
    imported: SimpleNamespace,
) -> None:
    """The dashboard's path (one year's base registrations of one care level in
    a temporary table, stand-in literals) gives what the files give."""
    from painreg.analytics.compute import compute_indicators
    from painreg.analytics.context import Filters
    from painreg.analytics.load import load_register
    from painreg.dashboard.counts import DASHBOARD_KEYS, live_register, period_indicators
    from painreg.dashboard.selection import Selection

    files = load_register(imported.directory)
    for filters in (Filters(), Filters(sex="F"), Filters(age_group="30-39")):
        expected = compute_indicators(files, 2024, filters=filters, keys=DASHBOARD_KEYS)
        for level in ("specialist", "primary"):
            live = period_indicators(
                live_register(), Selection(2024, 2024, filters), care_level=level
            )
            assert list(live) == [level]
            wanted = expected["care_levels"][level]
            assert json.dumps(live[level], sort_keys=True) == json.dumps(
                {"national": wanted["national"], "units": wanted["units"]}, sort_keys=True
            ), (filters, level)


def test_it_leaves_out_patients_who_opted_out(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    from django.utils import timezone

    from painreg.dashboard.counts import live_register
    from painreg.registry.guard import writes_allowed
    from painreg.registry.models import Patient

    with writes_allowed():
        Patient.objects.filter(external_id="XA-00").update(opted_out_at=timezone.now())
    register = live_register()
    assert (
        register.registrations.count().to_pyarrow().as_py()
        == sum(c + d for c, _a, _w, d in PLAN.values()) - 1
    )
    assert "personnummer" not in register.patients.columns


def test_it_shows_a_change_at_once_although_results_are_cached(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    """Real time: an opt-out through the registry's action changes the next page."""
    from painreg.registry import actions
    from painreg.registry.models import Patient

    alice = _client(world.alice)
    url = _url(imported, "A", fran="2024", till="2024")
    first = _row(_measure(alice.get(url), "response_rate_end"), "Smärtrehab A")
    assert "<td>4</td><td>6</td>" in first
    assert "<td>4</td><td>6</td>" in _row(
        _measure(alice.get(url), "response_rate_end"), "Smärtrehab A"
    )
    patient = Patient.objects.get(external_id="XA-00")  # a woman who answered at end
    actions.opt_out_patient(user=world.alice, unit=imported.units["A"], patient=patient)
    after = _row(_measure(alice.get(url), "response_rate_end"), "Smärtrehab A")
    assert "<td>3</td><td>5</td>" in after


def test_it_downloads_the_dashboard_as_excel(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    response = _client(world.diana).get(
        _url(imported, "A", "dashboard:excel", fran="2024", till="2024")
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = zipfile.ZipFile(io.BytesIO(response.content))
    workbook = book.read("xl/workbook.xml").decode()
    assert "Andelar" in workbook and "Avbrott per orsak" in workbook
    strings = book.read("xl/sharedStrings.xml").decode()
    assert "Riket, specialistvård" in strings and "&lt;5" in strings


@pytest.mark.parametrize(
    ("year", "filters", "anyone"),
    [
        (2024, Filters(), True),
        (2023, Filters(), False),
        (2024, Filters(sex="F"), True),
        (2024, Filters(age_group="50-59"), True),  # born 1970, first visit 2024
        (2024, Filters(age_group="40-49"), False),
        (2024, Filters(age_group="50+", education="university"), True),
        (2024, Filters(sex="M", diagnosis="m79.7"), True),
        (2024, Filters(diagnosis="M79.7", programme="cbt"), False),
        (2024, Filters(sex="F' OR '1'='1"), False),  # a value is bound, never part of the SQL
    ],
)
def test_the_parameterised_base_lists_what_the_plain_expression_lists(
    imported: SimpleNamespace, year: int, filters: Filters, anyone: bool
) -> None:
    """The base statement with bound values (what the dashboard runs) against Ibis's own SQL."""
    from painreg.analytics.context import base_registrations
    from painreg.dashboard import adapter, counts
    from painreg.dashboard.selection import Shape

    register = counts.live_register()
    con = register.con
    listed = 0
    for level in ("specialist", "primary"):
        base = counts.year_base(register, Shape.of(filters), level)
        statement = adapter.compile_statement(con.name, base.expr)
        values = base.values(filters) | {"year": year}
        rows = adapter.run(con.con, con.name, statement.sql, statement.bind(values), fetch=True)
        column = list(base.expr.schema().names).index("registration_id")
        plain = base_registrations(register, filters)
        plain = plain.filter((plain.year == year) & (plain.care_level == level))
        expected = sorted(plain.registration_id.to_pandas().tolist())
        assert sorted(row[column] for row in rows) == expected, (filters, level)
        listed += len(expected)
    assert (listed > 0) == anyone


# serialized_rollback: the regions of the data migration, which an earlier transactional
# test (the browser tests' live server) flushed, are restored first.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_counts_in_another_thread_after_this_one_counted(imported: SimpleNamespace) -> None:
    """Each thread's connection runs its own queries (Ibis backends of one database
    compare equal, so expressions kept by equality would run on another thread's)."""
    import threading

    from django.db import connection

    from painreg.dashboard import counts

    selection = Selection(2024, 2024, Filters(sex="F"))
    here = counts.compute(selection, connection, "specialist")
    there: list[Any] = []

    def count() -> None:
        from django.db import connection

        try:
            there.append(counts.compute(selection, connection, "specialist"))
        except Exception as error:  # reported below, in the test's thread
            there.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=count)
    thread.start()
    thread.join()
    assert there == [here]
    assert here["specialist"]["national"]["completed_rehab"] == 9  # 4 + 0 + 5 (B: primary care)


def test_a_server_process_compiles_the_common_shapes_before_its_first_request(
    imported: SimpleNamespace,
) -> None:
    """painreg.wsgi warms the base SQL: a one-filter selection then compiles nothing new."""
    from painreg.dashboard import adapter, cache, counts
    from painreg.dashboard.selection import Shape

    cache.clear_statements()
    assert counts.warm_templates() == 2 * (1 + len(counts.FILTER_CHOICES) + 1)
    warmed = cache.compiled_count()
    register = counts.live_register()
    for filters in (Filters(sex="M"), Filters(age_group="60-69"), Filters(programme="act")):
        adapter.compile_statement(
            register.con.name, counts.year_base(register, Shape.of(filters), "primary").expr
        )
    assert cache.compiled_count() == warmed


def test_it_links_each_funnel_plot_as_an_svg_image(
    world: SimpleNamespace, imported: SimpleNamespace
) -> None:
    from django.urls import reverse

    alice = _client(world.alice)
    response = alice.get(_url(imported, "A", fran="2024", till="2024"))
    src = reverse("dashboard:chart", args=[imported.units["A"].pk, "response_rate_end"])
    assert f'<img src="{src}?fran=2024&amp;till=2024"' in response.content.decode()
    image = alice.get(f"{src}?fran=2024&till=2024")
    assert image.status_code == 200
    assert image["Content-Type"].startswith("image/svg+xml")
    assert image.content.lstrip().startswith(b"<svg")
    # Another unit's staff cannot fetch it; a measure without a plot is 404 too.
    assert _client(world.bob).get(f"{src}?fran=2024&till=2024").status_code == 404
    unknown = reverse("dashboard:chart", args=[imported.units["A"].pk, "no_such_measure"])
    assert alice.get(unknown).status_code == 404
