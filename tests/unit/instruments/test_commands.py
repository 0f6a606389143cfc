"""`painreg score` and `painreg instruments` as a user runs them."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from painreg.cli import main

HADS_HEADER = "id," + ",".join(f"hads_{i}" for i in range(1, 15))


def _run(argv: list[str], stdin: str = "", monkeypatch: pytest.MonkeyPatch | None = None) -> int:
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(argv)


def test_it_scores_csv_from_stdin_to_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [HADS_HEADER, "P1," + ",".join(["1"] * 14), "P2," + ",".join(["2"] * 13) + ","]
    assert _run(["score", "hads"], "\n".join(rows) + "\n", monkeypatch) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "id,anxiety,depression,anxiety_category,depression_category",
        "P1,7,7,normal,normal",
        "P2,14,14,case,case",
    ]


def test_it_stops_on_an_invalid_value_naming_row_and_item(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,wai_1\nA,7\nB,12\nC,x\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    assert main(["score", "wai", "--input", str(source), "--output", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "painreg: error: id B: wai_1: 12 is outside 0-10 (and 1 more); "
        "fix the input or use --skip-invalid"
    )
    assert not target.exists()  # nothing half-written


def test_it_skips_invalid_rows_with_a_report(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,wai_1\nA,7\nB,12\n", encoding="utf-8")
    target, report = tmp_path / "out.csv", tmp_path / "report.txt"
    argv = ["score", "wai", "--input", str(source), "--output", str(target), "--skip-invalid"]
    assert main([*argv, "--report", str(report)]) == 0
    assert target.read_text() == "id,score,category\nA,7,moderate\nB,,\n"
    assert "id B: wai_1: 12 is outside 0-10" in report.read_text()


def test_it_writes_booleans_and_unrounded_numbers(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    tsk = "id," + ",".join(f"tsk_{i}" for i in range(1, 18))
    source.write_text(tsk + "\nT1," + ",".join(["3"] * 17) + "\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    assert main(["score", "tsk", "--input", str(source), "--output", str(target)]) == 0
    assert target.read_text().splitlines()[1] == "T1,47,true"
    eq = tmp_path / "eq.csv"
    eq.write_text("id,eq5d5l_mo,eq5d5l_sc,eq5d5l_ua,eq5d5l_pd,eq5d5l_ad,eq5d5l_vas\nE,1,2,3,4,5,\n")
    out = tmp_path / "eq_out.csv"
    assert (
        main(
            [
                "score",
                "eq5d5l",
                "--input",
                str(eq),
                "--output",
                str(out),
                "--value-set",
                "se-5l-2020",
            ]
        )
        == 0
    )
    # 0.9755 - 0.0254 - 0.1143 - 0.1024 - 0.2339 - 0.0023 (Burström 2020), not rounded to 3
    assert out.read_text().splitlines()[1] == "E,0.4972,"


def test_it_refuses_an_unknown_value_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,eq5d3l_mo\nA,1\n", encoding="utf-8")
    assert main(["score", "eq5d3l", "--input", str(source), "--value-set", "se-5l-2020"]) == 2
    assert "unknown value set 'se-5l-2020'" in capsys.readouterr().err


def test_it_needs_an_id_column(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["score", "wai"], "wai_1\n5\n", monkeypatch) == 2
    assert "needs a column `id`" in capsys.readouterr().err


def test_it_refuses_an_unknown_instrument(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "sf12"]) == 2
    assert "unknown instrument 'sf12'" in capsys.readouterr().err


def test_it_lists_instruments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "--list"]) == 0
    out = capsys.readouterr().out
    assert "hads" in out and "eq5d5l" in out and "sf36" in out


def test_it_loads_a_text_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from painreg.instruments import item_text
    from painreg.instruments.texts import PLACEHOLDER_MARK, placeholder_pack

    pack = tmp_path / "nprs.yaml"
    template = tmp_path / "t.yaml"
    assert main(["instruments", "text-template", "isi", "--output", str(template)]) == 0
    text = placeholder_pack("isi", "sv").replace(PLACEHOLDER_MARK + " ", "Text ")
    pack.write_text(text.replace("placeholder: true", "placeholder: false"), encoding="utf-8")
    assert main(["instruments", "load-texts", str(pack)]) == 0
    assert item_text("isi_1") == "Text isi_1"
    bad = tmp_path / "bad.yaml"
    bad.write_text("pack: x\n", encoding="utf-8")
    assert main(["instruments", "load-texts", str(bad)]) == 2
    assert "text pack rejected" in capsys.readouterr().err
