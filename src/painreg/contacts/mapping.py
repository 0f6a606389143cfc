"""Local headers and values -> canonical ones (the mapping file).

An EHR export names its columns and values in the local language and the
local system's words ("Yrkeskategori: Fysioterapeut/sjukgymnast"). A
mapping file (YAML) lists, per canonical column, the local names; the
package ships one for common Swedish exports (``mapping_sv.yaml``) and a
user's ``--mapping FILE`` is laid over it (the user's entries win).

Matching is exact after trimming spaces and folding case; nothing else is
inferred. A value the mapping does not know makes the row rejected, never
guessed: guessing a profession would silently move patients
between the measures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from painreg.contacts.schema import (
    ALL_COLUMNS,
    CONTACT_TYPES,
    PROFESSIONS,
    SEXES,
)
from painreg.errors import UserError, read_yaml

#: The canonical values of each mapped column (always accepted as themselves).
CANONICAL_VALUES: dict[str, tuple[str, ...]] = {
    "sex": SEXES,
    "profession": PROFESSIONS,
    "contact_type": CONTACT_TYPES,
}
_KNOWN_COLUMNS = ALL_COLUMNS


def fold(text: object) -> str:
    """The form in which headers and values are compared."""
    return str(text).strip().casefold()


@dataclass(frozen=True)
class Mapping:
    """Folded local header -> canonical column; per column, folded value -> canonical."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def rename(self, headers: list[str], required: tuple[str, ...], source: str) -> dict[str, str]:
        """Map a file's headers: returns ``{canonical: header_in_file}``.

        Raises a UserError naming the file when a required column is missing
        or two headers land on the same canonical column.
        """
        found: dict[str, str] = {}
        for header in headers:
            key = fold(header)
            canonical = key if key in _KNOWN_COLUMNS else self.columns.get(key)
            if canonical is None:
                continue  # extra columns are ignored
            if canonical in found:
                raise UserError(
                    f"{source}: columns {found[canonical]!r} and {header!r} both mean "
                    f"{canonical!r}; remove one or fix the mapping file"
                )
            found[canonical] = header
        missing = [c for c in required if c not in found]
        if missing:
            raise UserError(
                f"{source}: missing column(s) {', '.join(missing)}; the file has "
                f"{', '.join(headers)}. Rename them or add them to a --mapping file"
            )
        return found

    def value_map(self, column: str) -> dict[str, str]:
        """Folded local value -> canonical value for ``column`` (canonical values included)."""
        result = {fold(v): v for v in CANONICAL_VALUES.get(column, ())}
        result.update(self.values.get(column, {}))
        return result


def _parse(data: object, source: str) -> Mapping:
    if data is None:
        return Mapping()
    if not isinstance(data, dict) or not set(data) <= {"columns", "values"}:
        raise UserError(f"{source}: a mapping file has the keys 'columns' and 'values' only")
    columns: dict[str, str] = {}
    for local, canonical in (data.get("columns") or {}).items():
        if canonical not in _KNOWN_COLUMNS:
            raise UserError(f"{source}: columns: {local!r} maps to unknown column {canonical!r}")
        columns[fold(local)] = canonical
    values: dict[str, dict[str, str]] = {}
    for column, table in (data.get("values") or {}).items():
        allowed = CANONICAL_VALUES.get(column)
        if allowed is None:
            raise UserError(
                f"{source}: values: column {column!r} has no value mapping "
                f"(mapped columns: {', '.join(CANONICAL_VALUES)})"
            )
        for local, canonical in (table or {}).items():
            if str(canonical) not in allowed:
                raise UserError(
                    f"{source}: values: {column}: {local!r} maps to {canonical!r}, "
                    f"which is not one of {', '.join(allowed)}"
                )
            values.setdefault(column, {})[fold(local)] = str(canonical)
    return Mapping(columns, values)


def shipped_mapping() -> Mapping:
    """The mapping for common Swedish exports shipped with the package."""
    text = resources.files("painreg.contacts").joinpath("mapping_sv.yaml").read_text("utf-8")
    return _parse(yaml.safe_load(text), "mapping_sv.yaml")


def load_mapping(path: str | Path | None = None) -> Mapping:
    """The shipped mapping, with the user's file (if any) laid over it."""
    base = shipped_mapping()
    if path is None:
        return base
    user = _parse(read_yaml(path, "the mapping file"), str(path))
    values = {k: dict(v) for k, v in base.values.items()}
    for column, table in user.values.items():
        values.setdefault(column, {}).update(table)
    return Mapping({**base.columns, **user.columns}, values)
