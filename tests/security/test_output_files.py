"""Output files: written whole, never over a device, a FIFO or a link, private when
they hold identities (``painreg.outputs``).

Every device node and FIFO here is made under ``tmp_path`` (the tests run as
root, so ``os.mknod`` may make a character device with the numbers of the
null device); no test ever names a real device.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from painreg import outputs
from painreg.cli import main
from painreg.errors import UserError

#: Linux's null device is character device 1:3 (Documentation/admin-guide/devices.txt).
NULL_DEVICE = os.makedev(1, 3)


@pytest.fixture
def device(tmp_path: Path) -> Path:
    """A character device node like the null device, in the test's own folder."""
    path = tmp_path / "null"
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, NULL_DEVICE)
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path


def _still_the_device(path: Path) -> bool:
    st = path.lstat()
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == NULL_DEVICE


class _FifoReader:
    """Reads a FIFO to its end in a thread (a writer blocks until someone reads)."""

    def __init__(self, path: Path) -> None:
        self.data = b""
        self._thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self._thread.start()

    def _read(self, path: Path) -> None:
        with open(path, "rb") as fifo:
            self.data = fifo.read()

    def join(self) -> bytes:
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "nothing was written to the FIFO"
        return self.data


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


# --- the helper ----------------------------------------------------------------


def test_a_new_file_is_written_whole_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    target = tmp_path / "out" / "result.json"
    assert outputs.write_output(target, "{}\n") == target
    assert target.read_text() == "{}\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["result.json"]


def test_a_character_device_is_written_through_and_stays_a_device(device: Path) -> None:
    outputs.write_output(device, "written to the null device\n")
    assert _still_the_device(device)


def test_a_fifo_is_written_through_and_stays_a_fifo(fifo: Path) -> None:
    reader = _FifoReader(fifo)
    outputs.write_output(fifo, "through the pipe\n")
    assert reader.join() == b"through the pipe\n"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_dash_writes_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert outputs.write_output("-", "to stdout\n") is None
    assert capsys.readouterr().out == "to stdout\n"


def test_a_symbolic_link_is_refused_and_neither_it_nor_its_target_changes(
    tmp_path: Path,
) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    link = tmp_path / "out.json"
    link.symlink_to(target)
    with pytest.raises(UserError, match="symbolic link"):
        outputs.write_output(link, "{}")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "keep me"


def test_a_symbolic_link_to_a_device_is_written_through_and_kept(
    tmp_path: Path, device: Path
) -> None:
    link = tmp_path / "stdout"
    link.symlink_to(device)  # like /dev/stdout -> /proc/self/fd/1
    outputs.write_output(link, "x")
    assert link.is_symlink() and _still_the_device(device)


def test_a_folder_given_as_the_file_is_refused_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is a folder") as caught:
        outputs.write_output(tmp_path, "{}")
    assert "\n" not in str(caught.value)


def test_a_private_file_is_readable_by_its_owner_only_even_under_a_lax_umask(
    tmp_path: Path,
) -> None:
    old = os.umask(0)
    try:
        new = outputs.write_output(tmp_path / "new.csv", "id\n", private=True)
        existing = tmp_path / "existing.csv"
        existing.write_text("old")
        existing.chmod(0o644)
        outputs.write_output(existing, "id\n", private=True)
        plain = outputs.write_output(tmp_path / "plain.json", "{}", private=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
    assert stat.S_IMODE(plain.stat().st_mode) == 0o666


def test_a_private_write_to_a_device_leaves_the_devices_mode_alone(device: Path) -> None:
    before = stat.S_IMODE(device.lstat().st_mode)
    assert before != 0o600
    outputs.write_output(device, "x", private=True)
    assert stat.S_IMODE(device.lstat().st_mode) == before and _still_the_device(device)


def test_a_table_file_created_private_is_emptied_and_narrowed_but_a_device_is_left_alone(
    tmp_path: Path, device: Path
) -> None:
    table = tmp_path / "patients.csv"
    table.write_text("old rows")
    table.chmod(0o644)
    outputs.create_private(table)
    assert table.read_text() == "" and stat.S_IMODE(table.stat().st_mode) == 0o600
    before = device.lstat()
    outputs.create_private(device)
    assert _still_the_device(device) and device.lstat().st_mode == before.st_mode


def test_several_files_are_renamed_into_place_only_after_all_were_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.html").write_text("old a")
    real = outputs._stage

    def failing_second(target: Path, data: bytes, *, private: bool) -> Any:
        if target.name == "b.svg":
            raise OSError(28, "No space left on device", str(target))
        return real(target, data, private=private)

    monkeypatch.setattr(outputs, "_stage", failing_second)
    with pytest.raises(UserError, match="No space left"):
        outputs.write_outputs(tmp_path, [("a.html", "new a"), ("b.svg", "b")])
    assert (tmp_path / "a.html").read_text() == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html"]


# --- the commands ----------------------------------------------------------------


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("register")
    assert main(["synth", "registry", "--scale", "0.01", "--years", "2021-2021",
                 str(directory)]) == 0  # fmt: skip
    return directory


def _commands(register: Path, scratch: Path) -> dict[str, list[str]]:
    """Every command that writes one file, with ``OUT`` where the file name goes."""
    scores_in = scratch / "answers.csv"
    scores_in.write_text("id,hads_1\nr1,9\n")  # 9 is out of range: a report is written
    return {
        "report indicators": ["report", "indicators", "--data", str(register), "--year",
                              "2021", "--output", "OUT"],
        "regional waiting": ["regional", "waiting", "--register", str(register), "--year",
                             "2021", "--output", "OUT"],
        "fhir questionnaire": ["fhir", "questionnaire", "hads", "--output", "OUT"],
        "score": ["score", "hads", "--input", str(scores_in), "--skip-invalid",
                  "--output", "OUT"],
        "score --report": ["score", "hads", "--input", str(scores_in), "--skip-invalid",
                           "--output", str(scratch / "scores.csv"), "--report", "OUT"],
        "instruments text-template": ["instruments", "text-template", "hads", "--output", "OUT"],
    }  # fmt: skip


@pytest.mark.parametrize(
    "command",
    ["report indicators", "regional waiting", "fhir questionnaire", "score", "score --report",
     "instruments text-template"],
)  # fmt: skip
def test_every_file_writing_command_writes_through_a_device_node_and_leaves_it_one(
    command: str, register: Path, device: Path, tmp_path: Path
) -> None:
    argv = [str(device) if a == "OUT" else a for a in _commands(register, tmp_path)[command]]
    assert main(argv) == 0
    assert _still_the_device(device)


def test_the_annual_report_writes_through_a_device_node_in_its_folder(
    register: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "annual"
    folder.mkdir()
    node = folder / "arsrapport-2021.html"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, NULL_DEVICE)
    except PermissionError:
        pytest.skip("making a device node needs root")
    assert main(["report", "annual", "--data", str(register), "--year", "2021", "--no-pdf",
                 "--output", str(folder)]) == 0  # fmt: skip
    assert _still_the_device(node)


def test_a_command_given_a_symbolic_link_says_so_in_one_line_and_keeps_the_link(
    register: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "target.json"
    target.write_text("keep")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    argv = ["fhir", "questionnaire", "hads", "--output", str(link)]
    assert main(argv) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert link.is_symlink() and target.read_text() == "keep"


# --- files that hold identities ---------------------------------------------------


@pytest.fixture
def world(sec2_world: SimpleNamespace) -> SimpleNamespace:
    return sec2_world


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.django_db
def test_an_identified_export_writes_every_file_readable_by_its_owner_only(
    world: SimpleNamespace, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    assert main(["export", str(out)]) == 0
    files = sorted(out.iterdir())
    assert {p.name for p in files} >= {"patients.csv", "registrations.csv", "answers.csv"}
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}


@pytest.mark.django_db
def test_a_fhir_bundle_and_an_access_extract_are_readable_by_their_owner_only(
    world: SimpleNamespace, tmp_path: Path
) -> None:
    bundle, extract = tmp_path / "bundle.json", tmp_path / "extract.csv"
    argv = ["fhir", "export-responses", "--registration", str(world.registration.pk)]
    assert main([*argv, "--output", str(bundle)]) == 0
    assert "191212121212" in bundle.read_text()
    assert main(["access-extract", "19121212-1212", "--format", "csv", "--output",
                 str(extract)]) == 0  # fmt: skip
    assert extract.read_text().startswith("time,user,unit,kind,action,detail")
    assert (_mode(bundle), _mode(extract)) == (0o600, 0o600)


@pytest.mark.django_db
def test_the_identity_holding_commands_write_through_a_device_node(
    world: SimpleNamespace, device: Path
) -> None:
    argv = ["fhir", "export-responses", "--registration", str(world.registration.pk)]
    assert main([*argv, "--output", str(device)]) == 0
    assert main(["access-extract", "19121212-1212", "--output", str(device)]) == 0
    assert _still_the_device(device)
