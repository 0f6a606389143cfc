"""The `painreg` command: help, and one-line errors instead of tracebacks."""

from __future__ import annotations

import argparse

import pytest

from painreg import cli
from painreg.errors import UserError


def test_it_prints_help_without_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 0
    assert "painreg" in capsys.readouterr().out


def test_a_user_error_is_one_line_and_exit_code_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing(args: argparse.Namespace) -> int:
        raise UserError("the file x.csv does not exist; give an existing file")

    parser = argparse.ArgumentParser()
    parser.set_defaults(handler=failing, command="x")
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert err == "painreg: error: the file x.csv does not exist; give an existing file\n"
