"""The one publishing module: the threshold used everywhere, the one Excel writer."""

from __future__ import annotations

import ast
import re
import zipfile
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

import painreg
from painreg.analytics import stats
from painreg.reports import publishing
from painreg.reports.publishing import Cell, ExcelBook, Table

SRC = Path(painreg.__file__).parent
#: Every module that renders numbers for people (DOMAIN.md, "Publishing rules").
RENDERERS = sorted(
    [
        *(SRC / "reports").rglob("*.py"),
        *(SRC / "dashboard").rglob("*.py"),
        *(SRC / "eprom").glob("*views*.py"),
    ]
)
TEMPLATES = sorted(
    [*(SRC / "reports" / "templates").rglob("*.html"), *(SRC / "templates").rglob("*.html")]
)
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _threshold_literals(path: Path) -> list[str]:
    """Comparisons with a bare 4 or 5 and text holding "<5" in one module (its
    docstrings may describe the rule)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Constant) and o.value in (4, 5) for o in operands):
                found.append(f"{path.name}:{node.lineno} compares with {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            if re.search(r"<\s?5\b|färre än 5\b|1[–-]4\b", node.value):
                found.append(f"{path.name}:{node.lineno} writes {node.value[:40]!r}")
    return found


def test_no_renderer_writes_the_publishing_threshold_itself():
    found = [hit for path in RENDERERS for hit in _threshold_literals(path)]
    assert RENDERERS and not found, "\n".join(found)


def test_no_template_writes_the_publishing_threshold_itself():
    pattern = re.compile(r"[<>]=?\s*5\b|\"<5\"|&lt;5|färre än 5\b")
    found = [
        f"{path.name}: {line.strip()[:60]}"
        for path in TEMPLATES
        for line in path.read_text(encoding="utf-8").splitlines()
        if pattern.search(line)
    ]
    assert TEMPLATES and not found, "\n".join(found)


def test_every_renderer_takes_the_threshold_and_mark_from_analytics():
    from painreg.reports import contacts_report, profile, regional_report, render

    assert publishing.MIN_PUBLISHED is stats.MIN_PUBLISHED == 5  # DOMAIN.md, publishing rules
    assert publishing.PRIMARY_MARK == stats.PRIMARY_MARK == "<5"
    assert profile.MIN_REFERENCE_N == stats.MIN_PUBLISHED
    assert stats.suppress_counts([[4, 9]]).display()[0][0] == stats.PRIMARY_MARK
    assert publishing.count_text(4) == "<5" and publishing.count_text(5) == "5"
    assert not render.share(4, 4).shown and render.share(5, 5).shown
    assert contacts_report._count(4).text == "<5" and contacts_report._count(5).value == 5
    assert regional_report.share_cell(2, 4).text == "2"  # no share below the threshold
    assert "<5" in publishing.PUBLISHING_NOTE and "färre än 5" in contacts_report.PUBLISHING_NOTE


def _cells(workbook: bytes) -> dict[str, tuple[str, str]]:
    """Every written cell of the first sheet: reference -> (type, text), read from the XML."""
    with zipfile.ZipFile(BytesIO(workbook)) as book:
        shared = [
            "".join(t.text or "" for t in si.iter(f"{MAIN}t"))
            for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        ]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    cells = {}
    for c in sheet.iter(f"{MAIN}c"):
        if c.find(f"{MAIN}f") is not None:
            cells[c.get("r")] = ("formula", c.find(f"{MAIN}f").text or "")
        elif (v := c.find(f"{MAIN}v")) is not None:
            kind = "string" if c.get("t") == "s" else "number"
            cells[c.get("r")] = (kind, shared[int(v.text)] if kind == "string" else v.text)
    return cells


def test_the_excel_writer_keeps_a_formula_from_the_data_as_text():
    evil = '=HYPERLINK("http://example.com","klicka")'
    table = Table(
        "Enheter",
        ["Enhet", "Antal"],
        [[Cell(evil), Cell("12", 12)], [Cell("+1"), Cell("<5", css="suppressed")]],
    )
    book = ExcelBook()
    book.table_sheet(table, "Enheter")
    cells = _cells(book.close())
    assert cells["A4"] == ("string", evil)
    assert cells["A5"] == ("string", "+1")
    assert not any(kind == "formula" for kind, _ in cells.values())


def test_the_excel_writer_writes_numbers_as_numbers_and_hidden_counts_as_their_mark():
    table = Table.of_values(
        "Andelar", ["Enhet", "n", "Andel"], [["A", 12, 0.25], ["B", "<5", None]],
        kinds=["text", "int", "pct"],
    )  # fmt: skip
    book = ExcelBook()
    book.table_sheet(table, "Andelar")
    cells = _cells(book.close())
    assert cells["B4"] == ("number", "12") and cells["C4"] == ("number", "0.25")
    assert cells["B5"] == ("string", "<5") and "C5" not in cells
    assert cells["A1"] == ("string", "Andelar")


def test_the_stacked_sheet_keeps_text_as_text_too():
    evil = "=1+1"
    book = ExcelBook()
    table = Table("T", ["", "Antal"], [[Cell(evil), Cell("7", 7)]], note=evil)
    book.stacked_sheet("Blad", ["Rubrik", evil], [table], evil)
    cells = _cells(book.close())
    assert not any(kind == "formula" for kind, _ in cells.values())
    assert [text for kind, text in cells.values() if text == evil and kind == "string"]
    assert ("number", "7") in cells.values()


def test_every_report_template_renders_in_the_one_environment():
    env = publishing.jinja_environment()
    assert env.autoescape("x.html") and {"number", "percent", "safe_svg"} <= set(env.filters)
    html = publishing.render_template("contacts/report.html", title="<b>", subtitle="", tables=[],
                                      publishing_note="")  # fmt: skip
    assert "&lt;b&gt;" in html and "<b>" not in html
