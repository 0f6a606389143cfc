"""The 21 regions as data (``data/regions.csv``: SCB county code, name, healthcare region).

Loaded by migration ``0002_regions`` so every database has them. The pure
cores keep their own copies of the codes (``interop.schema.REGION_CODES``,
``regional.regions.REGIONS``: they may not import Django); a test checks that
all of them list the same 21 codes.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

REGIONS_CSV = Path(__file__).with_name("data") / "regions.csv"


def region_rows() -> list[dict[str, str]]:
    with REGIONS_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_regions(region_model: Any) -> int:
    """Create or update every region; returns how many rows were written."""
    rows = region_rows()
    for row in rows:
        region_model.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "healthcare_region": row["healthcare_region"]},
        )
    return len(rows)
