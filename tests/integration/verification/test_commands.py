"""``painreg validation``: create, draw (the same sample as the pages draw), list and
export; bad input is one clear line."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from painreg.cli import main

pytestmark = pytest.mark.django_db


def test_create_draw_list_and_export(
    validation_world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from painreg.audit.models import AuditEvent
    from painreg.verification.models import ValidationRound

    argv = ["validation", "create", "--name", "Vår 2025", "--years", "2025", "--units", "A,B",
            "--sample-size", "3", "--items", "hads_1", "--seed", "2021"]  # fmt: skip
    assert main(argv) == 0
    round_ = ValidationRound.objects.get()
    assert main(["validation", "draw", str(round_.pk)]) == 0
    out = capsys.readouterr().out
    assert "A: 3 registrations sampled" in out and "B: 2 registrations sampled" in out
    assert AuditEvent.objects.get(action="validation.draw").username.startswith("cli:")
    assert main(["validation", "add-validator", str(round_.pk), "vera"]) == 0
    assert AuditEvent.objects.get(action="validation.validator_add").username.startswith("cli:")
    assert main(["validation", "add-validator", str(round_.pk), "nobody"]) == 2
    assert main(["validation", "list"]) == 0
    assert "0/5 validated" in capsys.readouterr().out
    assert main(["validation", "export", str(round_.pk), "--output", str(tmp_path),
                 "--format", "html,xlsx"]) == 0  # fmt: skip
    html = (tmp_path / f"kalldatavalidering-{round_.pk}.html").read_text(encoding="utf-8")
    assert "Källdatavalidering: Vår 2025" in html and "19121212" not in html
    assert (tmp_path / f"kalldatavalidering-{round_.pk}.xlsx").exists()


def test_a_second_draw_and_bad_input_are_one_line_errors(
    validation_world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["validation", "create", "--name", "X", "--units", "A", "--sample-size", "2",
            "--seed", "1"]  # fmt: skip
    assert main([*base, "--years", "2025-2024"]) == 2
    assert "year_to" in capsys.readouterr().err
    assert main([*base, "--years", "twenty"]) == 2
    big = ["validation", "create", "--name", "X", "--units", "A", "--years", "2025",
           "--sample-size", "40000", "--seed", str(2**40)]  # fmt: skip
    assert main(big) == 2
    err = capsys.readouterr().err
    assert "sample_size: The sample per unit must be 1-1000." in err and "seed:" in err
    assert main(["validation", "create", "--name", "X", "--units", "Q", "--sample-size", "2",
                 "--seed", "1", "--years", "2025"]) == 2  # fmt: skip
    assert "no unit with code Q" in capsys.readouterr().err
    from painreg.verification.models import ValidationRound

    assert main([*base, "--years", "2025"]) == 0
    round_id = str(ValidationRound.objects.get().pk)
    assert main(["validation", "draw", round_id]) == 0
    assert main(["validation", "draw", round_id]) == 2
    assert "already drawn" in capsys.readouterr().err
    assert main(["validation", "draw", str(int(round_id) + 1)]) == 2
    assert "no validation round" in capsys.readouterr().err
    argv = ["validation", "export", round_id, "--output", str(tmp_path), "--format", "doc"]
    assert main(argv) == 2
