"""The report of a validation round: the register's summary sentence, the tables, the
Excel book (hand-computed from the analytics fixture)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from painreg.analytics import validation as v
from painreg.reports import validation_report as report


def _info() -> report.RoundInfo:
    return report.RoundInfo(
        name="Validering 2021", year_from=2021, year_to=2021, sample_size=5, seed=2021,
        variables=["category", "item.initial.hads_1"], drawn_on=dt.date(2022, 2, 1),
        sampled=3, completed=3,
    )  # fmt: skip


def _results() -> v.RoundResults:
    checks = [v.Check("A", "1", "category", v.AGREE)] * 332 + [
        v.Check("B", "2", "item.initial.hads_1", v.NEIGHBOURING)
    ]
    return v.summarise(checks, ["category", "item.initial.hads_1"])


def test_the_summary_sentence_speaks_as_the_registers_report() -> None:
    text = report.summary_sentence(_info(), _results())
    assert text.startswith(
        "Validering av källdata (2021) gjordes genom stickprov av "
        "2 registreringar på 2 enheter, 333 kontrollerade uppgifter."
    )
    # 332/333 = 99,7 % (the 2021 report's figure); Wilson 98,3-99,9 %.
    assert "Registreringen var korrekt till 99,7\u00a0% (95 % KI 98,3\u00a0%–99,9\u00a0%)" in text
    assert "vanligaste \u201dintilliggande alternativ\u201d (1)" in text


def test_one_registration_is_singular() -> None:
    one = v.summarise([v.Check("A", "1", "category", v.AGREE)])
    assert "av 1 registrering på 1 enhet, 1 kontrollerad uppgift." in report.summary_sentence(
        _info(), one
    )


def test_the_tables_and_the_excel_book() -> None:
    built = report.build(_info(), _results(), {"A": "Smärtrehab A", "B": "Vårdcentral B"})
    assert [t.key for t in built.tables] == ["overall", "variables", "units"]
    variables = built.tables[1]
    assert [row[0].text for row in variables.rows] == ["Patientkategori", "hads_1 (initialt)"]
    assert [row[0].text for row in built.tables[2].rows] == ["A Smärtrehab A", "B Vårdcentral B"]
    html = report.render_html(built)
    assert "<h1>Källdatavalidering: Validering 2021</h1>" in html
    with zipfile.ZipFile(io.BytesIO(report.render_excel(built))) as book:
        assert "Överensstämmelse per enhet" in book.read("xl/sharedStrings.xml").decode()
