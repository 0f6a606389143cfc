"""The rendered report: small cells suppressed everywhere, all three files written."""

from __future__ import annotations

from painreg.reports.contacts_report import build_tables, render_excel, render_html, write_report

from .helpers import dx_rows, run


def small_result(tmp_path):
    rows = dx_rows()
    return run(tmp_path, rows, by_unit=True)


def shown_numbers(tables):
    """Every count shown as a number in the report."""
    return [
        cell.value
        for table in tables
        for row in table.rows
        for cell in row[1:]
        if isinstance(cell.value, int) and not cell.css
    ]


def test_no_count_from_1_to_4_is_shown(tmp_path):
    result = small_result(tmp_path)
    tables = build_tables(result)
    assert all(not (1 <= v <= 4) for v in shown_numbers(tables) if isinstance(v, int))
    html = render_html(result)
    assert "&lt;5" in html


def test_a_health_centre_with_fewer_than_5_patients_is_not_shown(tmp_path):
    result = small_result(tmp_path)
    units = next(t for t in build_tables(result) if t.key == "units")
    assert "SMALL" not in units.columns
    # Exactly one centre would be hidden: the smallest shown one is hidden too.
    assert units.columns == ["Mått", "BIG"]


def test_shares_of_hidden_counts_are_not_shown(tmp_path):
    """Two of BIG's patients got the diagnosis from a physiotherapist (helpers.dx_rows): their
    count is hidden, and so is its share of the 20, which would give the count away."""
    result = small_result(tmp_path)
    professions = next(t for t in build_tables(result) if t.key == "professions")
    rows = {row[0].text: (row[1].text, row[2].text) for row in professions.rows}
    assert rows["Fysioterapeut/sjukgymnast"] == ("<5", "–")
    assert rows["Läkare"] == ("20", "100,0\xa0%")  # shown: the rule hides only small counts


def test_write_report_writes_html_pdf_and_excel(tmp_path):
    result = small_result(tmp_path)
    paths = write_report(result, tmp_path / "out")
    assert [p.name for p in paths] == ["report.html", "report.pdf", "report.xlsx"]
    assert paths[1].read_bytes().startswith(b"%PDF")
    assert render_excel(result)[:2] == b"PK"
