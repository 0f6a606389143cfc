"""The report commands' --mpi-parameters: the registry holder's MPI-S key and centroids.

The MPI-S item key and profile parameters are licensed and not published
(docs/scoring.md): the parameters below are made up for the test, only to
check that a holder's file reaches the classification (figure 22) and that a
wrong file is refused with the file, the entry and the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from painreg.cli import build_parser, main

#: Made-up parameters (not the MPI-S key): three scales of a few items each.
PARAMETERS = {
    "item_key": {
        "pain_severity": ["mpi_1", "mpi_2", "mpi_3"],
        "interference": ["mpi_4", "mpi_5", "mpi_6", "mpi_7"],
        "life_control": {"items": ["mpi_8", "mpi_9"], "reversed": ["mpi_9"]},
    },
    "profile_centroids": {
        "dysfunctional": {"pain_severity": 4.5, "interference": 4.5, "life_control": 2.0},
        "interpersonally_distressed": {
            "pain_severity": 3.5, "interference": 3.5, "life_control": 3.0
        },
        "adaptive_coper": {"pain_severity": 2.0, "interference": 2.0, "life_control": 4.5},
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def register_dir(synthetic_register: Callable[..., Path]) -> Path:
    return synthetic_register(0.05, (2021, 2021), "parquet")


def _load(argv: list[str]):  # type: ignore[no-untyped-def]
    from painreg.cli.report import load

    return load(build_parser().parse_args(argv))


def test_the_holders_parameters_classify_mpi_profiles(register_dir: Path, tmp_path: Path) -> None:
    from painreg.analytics.compute import compute_indicators

    params = tmp_path / "mpi.json"
    params.write_text(json.dumps(PARAMETERS))
    argv = ["report", "indicators", "--data", str(register_dir), "--year", "2021",
            "--output", str(tmp_path / "x.json")]  # fmt: skip
    keys = ("mpi_adaptive_coper_initial", "mpi_adaptive_coper_end")
    without = compute_indicators(_load(argv), 2021, keys=keys, regions=False)
    with_params = compute_indicators(
        _load([*argv, "--mpi-parameters", str(params)]), 2021, keys=keys, regions=False
    )
    national = without["care_levels"]["specialist"]["national"]
    assert national["mpi_adaptive_coper_initial"]["denominator"] == 0  # nothing guessed
    national = with_params["care_levels"]["specialist"]["national"]
    for key in keys:
        rate = national[key]
        assert rate["denominator"] > 50
        assert 0 < rate["numerator"] < rate["denominator"]
    # Rehabilitation moves patients towards the adaptive copers' centroid.
    initial, end = (national[k]["numerator"] / national[k]["denominator"] for k in keys)
    assert end > initial


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"profile_centroids": {"coper": {"pain_severity": 1}}, "item_key": {}},
         "'coper' is not an MPI profile"),
        ({"profile_centroids": {"adaptive_coper": {"pain": 1}}, "item_key": {}},
         "'pain' is not an MPI scale"),
        ({"profile_centroids": {"adaptive_coper": {"pain_severity": "low"}}, "item_key": {}},
         "'low' is not a number"),
        ({**PARAMETERS, "item_key": {"pain_severity": ["mpi_1", "hads_1"]}},
         "item_key.pain_severity: not MPI items: hads_1"),
        ({"profile_centroids": PARAMETERS["profile_centroids"]}, "needs 'item_key'"),
        ({"item_key": {}}, "needs a mapping 'profile_centroids'"),
    ],
)  # fmt: skip
def test_a_wrong_parameters_file_is_refused_with_the_reason(
    register_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content: dict,
    message: str,
) -> None:
    monkeypatch.delenv("PAINREG_MPI_KEY", raising=False)
    params = tmp_path / "mpi.yaml"
    params.write_text(json.dumps(content))
    out = tmp_path / "x.json"
    code = main(["report", "indicators", "--data", str(register_dir), "--year", "2021",
                 "--output", str(out), "--mpi-parameters", str(params)])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert f"--mpi-parameters {params}" in err and message in err
    assert "Traceback" not in err and not out.exists()


def test_an_unreadable_parameters_file_is_named(
    register_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", "indicators", "--data", str(register_dir), "--year", "2021",
                 "--output", str(tmp_path / "x.json"),
                 "--mpi-parameters", str(tmp_path / "missing.yaml")])  # fmt: skip
    assert code == 2
    assert "missing.yaml: cannot read" in capsys.readouterr().err
