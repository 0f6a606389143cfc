"""painreg.errors.read_yaml: every file the commands read as YAML fails in one clear line."""

from __future__ import annotations

import pytest

from painreg.contacts.mapping import load_mapping
from painreg.errors import UserError, read_yaml
from painreg.instruments.model import InstrumentError
from painreg.instruments.scoring import mpi_parameters
from painreg.regional.need import load_assumptions


def test_a_missing_file_a_folder_and_bad_yaml_are_named_in_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1,\n", encoding="utf-8")
    cases = [
        (tmp_path / "none.yaml", "cannot read the settings (No such file or directory)"),
        (tmp_path, "cannot read the settings (Is a directory)"),
        (bad, "not valid YAML or JSON"),
    ]
    for path, expected in cases:
        with pytest.raises(UserError) as info:
            read_yaml(path, "the settings")
        message = str(info.value)
        assert message.startswith(f"{path}: ") and expected in message
        assert "\n" not in message


def test_the_commands_files_use_it_with_their_own_error(tmp_path):
    with pytest.raises(UserError, match="cannot read the mapping file"):
        load_mapping(tmp_path)
    with pytest.raises(UserError, match="cannot read the assumptions"):
        load_assumptions(tmp_path / "none.yaml")
    with pytest.raises(InstrumentError, match="cannot read the MPI parameters"):
        mpi_parameters(tmp_path / "none.yaml")
    assert read_yaml(_write(tmp_path / "ok.yaml", "a: 1\n"), "x") == {"a": 1}


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path
