"""`painreg report indicators --from-db` counts as the files the database was loaded from."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from painreg.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def synthetic(synthetic_register: Callable[..., Path]) -> Path:
    return synthetic_register(0.01, (2020, 2021))


def _wipe_register() -> None:
    from painreg.registry.guard import writes_allowed
    from painreg.registry.models import Patient, Registration, Unit, UnitYearTotal

    with writes_allowed():
        Registration.objects.all().delete()
        Patient.objects.all().delete()
    UnitYearTotal.objects.all().delete()
    Unit.objects.all().delete()


def test_indicators_from_the_database_equal_those_from_the_files(synthetic, tmp_path):
    from painreg.interop.load import import_register

    _wipe_register()
    import_register(synthetic, username="test")
    from_files, from_db = tmp_path / "files.json", tmp_path / "db.json"
    assert main(["report", "indicators", "--data", str(synthetic), "--year", "2021",
                 "--output", str(from_files)]) == 0  # fmt: skip
    assert main(["report", "indicators", "--from-db", "--year", "2021",
                 "--output", str(from_db)]) == 0  # fmt: skip
    assert json.loads(from_db.read_text()) == json.loads(from_files.read_text())
