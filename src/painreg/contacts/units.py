"""Reference files beside an extract: units (names, regions, care levels) and drug groups.

``--units FILE`` names the health centres and clinics an extract mentions,
including those outside the register, and gives each its pain care level
(DOMAIN.md "Care levels 1-4") and owner; ``--drug-groups FILE`` replaces
the default addictive-drug groups. Both are small: read whole, checked
whole, refused whole with every problem named.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from painreg.contacts.schema import CARE_LEVELS, DEFAULT_DRUG_GROUPS, OWNERS
from painreg.errors import UserError, read_yaml

#: Where the csv reader puts the fields of a row longer than the header.
_EXTRA = "\x00extra"
UNIT_COLUMNS = ("unit_id", "name", "region_code", "pain_care_level", "owner")
#: At most this many problems are listed in the error (all are counted).
LIST_PROBLEMS = 20


def read_units(path: str | Path) -> dict[str, dict[str, Any]]:
    """``unit_id -> {name, region_code, pain_care_level, owner}`` of a CSV reference file."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"units file {path} not found")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
            fh.seek(0)
            delimiter = ";" if first.count(";") > first.count(",") else ","
            reader = csv.DictReader(fh, delimiter=delimiter, restkey=_EXTRA)
            headers = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in ("unit_id", "name") if c not in headers]
            if missing:
                raise UserError(
                    f"{path}: missing column(s) {', '.join(missing)}; the file has "
                    f"{', '.join(headers) or 'no header'}"
                )
            rows = [
                {k.strip(): v if k == _EXTRA else (v or "").strip() for k, v in r.items()}
                for r in reader
            ]
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; save it as UTF-8 CSV") from None
    units: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for number, row in enumerate(rows, start=2):
        uid = row.get("unit_id", "")
        where = f"{path.name} row {number}"
        if row.get(_EXTRA):
            problems.append(
                f"{where}: more fields than the header has columns (put a name that holds "
                f"the delimiter {delimiter!r} in double quotes)"
            )
            continue
        if not uid:
            problems.append(f"{where}, column unit_id: missing")
            continue
        if uid in units:
            problems.append(f"{where}, column unit_id: {uid!r} appears twice")
            continue
        level_text = row.get("pain_care_level", "")
        level = None
        if level_text:
            if level_text not in {str(v) for v in CARE_LEVELS}:
                problems.append(
                    f"{where}, column pain_care_level: {level_text!r} is not 1, 2, 3 or 4"
                )
            else:
                level = int(level_text)
        owner = row.get("owner", "") or None
        if owner is not None and owner not in OWNERS:
            problems.append(f"{where}, column owner: {owner!r} is not public or private")
        units[uid] = {
            "name": row.get("name") or uid,
            "region_code": row.get("region_code") or None,
            "pain_care_level": level,
            "owner": owner,
        }
    if problems:
        listed = "; ".join(problems[:LIST_PROBLEMS])
        more = (
            f" (and {len(problems) - LIST_PROBLEMS} more)" if len(problems) > LIST_PROBLEMS else ""
        )
        raise UserError(f"{path}: {len(problems)} problem(s), nothing read: {listed}{more}")
    return units


_ATC_PREFIX = re.compile(r"^[A-Z][0-9]{2}[A-Z0-9]{0,4}$")


def read_drug_groups(path: str | Path | None) -> dict[str, tuple[str, ...]]:
    """Group name -> ATC prefixes from YAML ``name: [prefix, ...]``; the defaults when no file."""
    if path is None:
        return dict(DEFAULT_DRUG_GROUPS)
    data = read_yaml(path, "the drug-groups file")
    if not isinstance(data, dict) or not data:
        raise UserError(f"{path}: write one group per line, 'name: [ATC prefix, ...]'")
    groups: dict[str, tuple[str, ...]] = {}
    for name, prefixes in data.items():
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name == "any":
            raise UserError(
                f"{path}: group name {name!r}: use lower-case letters, digits and _ "
                "(and not 'any', which is every group together)"
            )
        if isinstance(prefixes, str):
            prefixes = [prefixes]
        if not isinstance(prefixes, list) or not prefixes:
            raise UserError(f"{path}: group {name!r}: give a list of ATC prefixes")
        clean = []
        for p in prefixes:
            code = str(p).upper().replace(".", "").replace(" ", "")
            if not _ATC_PREFIX.match(code):
                raise UserError(
                    f"{path}: group {name!r}: {p!r} is not an ATC code prefix (e.g. N02A)"
                )
            clean.append(code)
        groups[name] = tuple(clean)
    return groups
