"""The lock file holds every pin of pyproject.toml, so `make` installs what pyproject names."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        lines += extra
    pins = {}
    for line in lines:
        requirement = Requirement(line)
        if canonicalize_name(requirement.name) == "painreg":
            continue  # the dev extra pulls the spark extra
        [spec] = requirement.specifier
        pins[canonicalize_name(requirement.name)] = spec.version
    return pins


def _locked() -> dict[str, str]:
    locked = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            requirement = Requirement(line.rstrip(" \\"))
            [spec] = requirement.specifier
            locked[canonicalize_name(requirement.name)] = spec.version
    return locked


def test_every_pin_of_pyproject_is_locked_at_the_same_version():
    pins, locked = _pyproject_pins(), _locked()
    assert {name: locked.get(name) for name in pins} == pins, (
        "requirements.lock is out of date: run scripts/lock-dependencies"
    )


def test_the_lock_pins_the_dependencies_of_our_dependencies_too():
    locked = _locked()
    # sqlglot writes every indicator's SQL for Ibis; tinycss2 parses WeasyPrint's CSS.
    assert {"sqlglot", "tinycss2", "asgiref", "pydantic"} <= set(locked)
    assert len(locked) > 2 * len(_pyproject_pins())
