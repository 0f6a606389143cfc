"""Golden files: the published outputs stay byte-equal while the code underneath moves.

The indicators JSON, the annual report's HTML and an interchange export are
compared byte for byte with files kept in ``tests/golden/files/``. A change
that means to alter an output regenerates them on purpose::

    PAINREG_UPDATE_GOLDEN=1 pytest tests/golden

and the diff of the golden files is then part of the review. Large files are
kept as their SHA-256 (``*.sha256``) so the repository stays small; the rest
in full, so a failure shows a readable diff.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from painreg.cli import main

GOLDEN = Path(__file__).with_name("files")
UPDATE = os.environ.get("PAINREG_UPDATE_GOLDEN") == "1"
#: Files larger than this are kept as their digest only.
FULL_LIMIT = 600_000


def _check(name: str, data: bytes) -> None:
    full, digest = GOLDEN / name, GOLDEN / f"{name}.sha256"
    sha = hashlib.sha256(data).hexdigest()
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        full.unlink(missing_ok=True)
        digest.unlink(missing_ok=True)
        if len(data) > FULL_LIMIT:
            digest.write_text(sha + "\n")
        else:
            full.write_bytes(data)
        return
    if full.exists():
        assert data == full.read_bytes(), f"{name} differs from its golden file"
    else:
        assert digest.exists(), f"no golden file for {name}: run with PAINREG_UPDATE_GOLDEN=1"
        assert sha == digest.read_text().strip(), f"{name} differs from its golden digest"


@pytest.fixture(scope="module")
def synthetic(synthetic_register) -> Path:  # type: ignore[no-untyped-def]
    return synthetic_register(0.03, (2020, 2021), "parquet")


def test_the_indicators_json_is_byte_equal_to_its_golden_file(synthetic: Path, tmp_path: Path):
    out = tmp_path / "indicators.json"
    assert main(["report", "indicators", "--data", str(synthetic), "--year", "2021",
                 "--output", str(out)]) == 0  # fmt: skip
    _check("indicators-2021.json", out.read_bytes())


#: The charts' text is measured with the font the system gives for their font
#: family: Liberation Sans (Debian's fonts-liberation, which .ci/run installs
#: with chromium). Another font gives other widths in the SVG.
CHART_FONT = Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")


@pytest.mark.skipif(not CHART_FONT.exists(), reason="needs fonts-liberation (apt-get install)")
def test_the_annual_report_html_is_byte_equal_to_its_golden_file(synthetic: Path, tmp_path: Path):
    out = tmp_path / "annual"
    assert main(["report", "annual", "--data", str(synthetic), "--year", "2021", "--no-pdf",
                 "--output", str(out)]) == 0  # fmt: skip
    _check("arsrapport-2021.html", (out / "arsrapport-2021.html").read_bytes())


@pytest.mark.django_db
def test_an_interchange_export_is_byte_equal_to_its_golden_files(
    synthetic_register, tmp_path: Path
) -> None:
    from painreg.interop.export import export_register
    from painreg.interop.load import import_register

    import_register(synthetic_register(0.01, (2021, 2021)), username="test")
    export_register(tmp_path / "out", username="test")
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names, "the export wrote no files"
    for name in names:
        _check(f"export-{name}", (tmp_path / "out" / name).read_bytes())
