"""Population by region, sex and single year of age (Statistics Sweden, BE0101).

Source: SCB's population statistics (Statistikdatabasen, subject area BE0101,
e.g. table BE0101N1 "Folkmängden efter region, civilstånd, ålder och kön. År"
(31 December) or BE0101A "Folkmängden per månad efter region, ålder och kön"
(the SKR 2020 report used 1 November 2020). The data are published under
CC0. They cannot be fetched at run time (the machines that run reports may be
offline); ``docs/regional.md`` says how to export the table and where to put
the file.

Two layouts are read, detected from the header:

* tidy: ``year, region_code, sex, age, population``;
* SCB's PxWeb CSV export ("Kommaavgränsad/Semikolonavgränsad med rubrikrad"),
  Swedish or English: dimension columns ``region`` (``"01 Stockholms län"``),
  ``ålder``/``age`` (``"16 år"``, ``"100+ år"``), ``kön``/``sex``
  (``män``/``kvinnor``) and one value column per period (``"2020"``,
  ``"Folkmängd 2020"`` or ``"2020M11"``). Any other dimension (civilstånd) is
  summed over, or its total category is used when the export includes one.
  Exports come as UTF-8 or Windows-1252; both are read.

The age band is a parameter; by default the SKR reports' band: 16-65 years
before 2017, 16-67 from 2017 (SKR villkor 3 report 2020, footnote 2 of
tables 7 and 8), both ends included.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from painreg.errors import UserError
from painreg.regional.regions import NATIONAL_CODE, REGIONS, normalise_region_code

SEX_CODES = {
    "män": "M", "man": "M", "men": "M", "male": "M", "m": "M", "1": "M",
    "kvinnor": "F", "kvinna": "F", "women": "F", "female": "F", "f": "F", "k": "F", "2": "F",
    "totalt": "T", "total": "T", "1+2": "T", "båda könen": "T", "both sexes": "T",
}  # fmt: skip
TOTAL_WORDS = ("totalt", "total", "samtliga", "tot", "all")
_PERIOD = re.compile(r"(?:^|\D)(\d{4})(?:M(\d{2}))?\s*$")


@dataclass(frozen=True)
class AgeBand:
    """Ages ``low``..``high`` inclusive."""

    low: int
    high: int

    def __str__(self) -> str:
        return f"{self.low}-{self.high}"

    @classmethod
    def parse(cls, text: str) -> AgeBand:
        match = re.fullmatch(r"\s*(\d{1,3})\s*-\s*(\d{1,3})\s*", text)
        if not match or int(match.group(1)) > int(match.group(2)):
            raise UserError(f"age band {text!r}: write it as LOW-HIGH, e.g. 16-67")
        return cls(int(match.group(1)), int(match.group(2)))


def default_age_band(year: int) -> AgeBand:
    """16-65 before 2017, 16-67 from 2017 (SKR 2020 report, tables 7-8 footnote)."""
    return AgeBand(16, 65) if year < 2017 else AgeBand(16, 67)


@dataclass
class Population:
    """Counts by (year, region code) -> {(sex 'M'|'F', age): persons}; age 100 means 100+."""

    counts: dict[tuple[int, str], dict[tuple[str, int], int]] = field(default_factory=dict)
    source: str = ""
    #: What the figures are, when they are not SCB's as exported (the ``note``
    #: column of a tidy file): shown wherever the population is used.
    note: str = ""

    @property
    def description(self) -> str:
        """How pages name the population: its note, else its file."""
        return self.note or self.source

    @property
    def years(self) -> list[int]:
        return sorted({y for y, _ in self.counts})

    def in_band(self, year: int, region: str, band: AgeBand, sex: str | None = None) -> int | None:
        """Persons of the band (and sex) in the region; national from all 21 regions.

        ``None`` when the file has no figures for that year and region: a rate
        is then not computed rather than computed from a wrong denominator.
        """
        cells = self.counts.get((year, region))
        if cells is None and region == NATIONAL_CODE:
            parts = [self.in_band(year, code, band, sex) for code in REGIONS]
            return None if any(p is None for p in parts) else sum(parts)  # type: ignore[misc]
        if cells is None:
            return None
        return sum(
            n
            for (s, age), n in cells.items()
            if band.low <= age <= band.high and (sex is None or s == sex)
        )


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")  # SCB's PxWeb exports in Windows-1252 by default


def _parse_age(text: str) -> int | None:
    """``"16 år"`` -> 16, ``"100+ år"`` -> 100; None for a total row."""
    value = text.strip().lower()
    match = re.match(r"(\d{1,3})\s*\+?", value)
    if match:
        return int(match.group(1))
    if any(value.startswith(word) for word in TOTAL_WORDS):
        return None
    raise ValueError(f"{text!r} is not an age")


def _parse_int(text: str) -> int | None:
    value = text.strip().replace(" ", "").replace("\u00a0", "")
    if value in ("", "..", ".", "-"):
        return None
    if not value.isdigit():
        raise ValueError(f"{text!r} is not a count of persons")
    return int(value)


def read_population(path: Path | str) -> Population:
    """Read a population file in either layout (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such population file; see docs/regional.md")
    text = _decode(path)
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise UserError(f"{path.name}: the file is empty") from None
    rows = list(reader)
    lower = [h.lower() for h in header]
    if {"year", "region_code", "sex", "age", "population"} <= set(lower):
        return _read_tidy(path, lower, rows)
    return _read_pxweb(path, header, rows)


def _add(pop: Population, year: int, code: str, sex: str, age: int, n: int) -> None:
    cells = pop.counts.setdefault((year, code), {})
    cells[(sex, age)] = cells.get((sex, age), 0) + n


def _read_tidy(path: Path, header: list[str], rows: list[list[str]]) -> Population:
    pop = Population(source=str(path))
    index = {
        name: header.index(name) for name in ("year", "region_code", "sex", "age", "population")
    }
    note_i = header.index("note") if "note" in header else None
    errors: list[str] = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if note_i is not None and not pop.note and len(row) > note_i:
            pop.note = row[note_i].strip()
        try:
            year = int(row[index["year"]])
            code = normalise_region_code(row[index["region_code"]])
            if code is None:
                raise ValueError(
                    f"column region_code: {row[index['region_code']]!r} is not an SCB county code"
                )
            sex = SEX_CODES.get(row[index["sex"]].strip().lower())
            if sex not in ("M", "F"):
                raise ValueError(f"column sex: {row[index['sex']]!r} is not M or F")
            age = _parse_age(row[index["age"]])
            n = _parse_int(row[index["population"]])
        except (ValueError, IndexError) as exc:
            errors.append(f"{path.name} row {number}: {exc}")
            continue
        if age is not None and n is not None:
            _add(pop, year, code, sex, age, n)
    _raise(errors)
    return pop


def _read_pxweb(path: Path, header: list[str], rows: list[list[str]]) -> Population:
    lower = [h.lower() for h in header]

    def find(*names: str) -> int:
        for i, h in enumerate(lower):
            if h in names:
                return i
        raise UserError(
            f"{path.name}: no {names[0]!r} column; expected SCB's export with region, "
            "ålder and kön as columns and one column per year (see docs/regional.md)"
        )

    region_i, age_i, sex_i = (
        find("region"),
        find("ålder", "age", "alder"),
        find("kön", "sex", "kon"),
    )
    periods: dict[int, int] = {}  # column -> year
    for i, h in enumerate(header):
        match = _PERIOD.search(h)
        if i not in (region_i, age_i, sex_i) and match:
            periods[i] = int(match.group(1))
    if not periods:
        raise UserError(f"{path.name}: no year column (e.g. '2020' or '2020M11') in the header")
    if len(set(periods.values())) != len(periods):
        raise UserError(
            f"{path.name}: more than one column for the same year; export one period per year"
        )
    other = [i for i in range(len(header)) if i not in (region_i, age_i, sex_i, *periods)]
    # Another dimension (civilstånd): use its total category if present, else sum over it.
    use_total = {
        i: any(r[i].strip().lower().startswith(TOTAL_WORDS) for r in rows if len(r) > i)
        for i in other
    }
    pop = Population(source=str(path))
    errors: list[str] = []
    sexes_seen: set[str] = set()
    parsed: list[tuple[int, str, str, int, int]] = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            errors.append(
                f"{path.name} row {number}: {len(row)} fields, the header has {len(header)}"
            )
            continue
        if any(use_total[i] != row[i].strip().lower().startswith(TOTAL_WORDS) for i in other):
            continue
        code = normalise_region_code(row[region_i])
        if code is None:
            continue  # municipalities or other areas in the same export are not regions
        sex = SEX_CODES.get(row[sex_i].strip().lower())
        if sex is None:
            errors.append(
                f"{path.name} row {number}, column {header[sex_i]}: {row[sex_i]!r} is not a sex"
            )
            continue
        try:
            age = _parse_age(row[age_i])
        except ValueError as exc:
            errors.append(f"{path.name} row {number}, column {header[age_i]}: {exc}")
            continue
        if age is None:
            continue
        for i, year in periods.items():
            try:
                n = _parse_int(row[i])
            except ValueError as exc:
                errors.append(f"{path.name} row {number}, column {header[i]}: {exc}")
                continue
            if n is not None:
                sexes_seen.add(sex)
                parsed.append((year, code, sex, age, n))
    _raise(errors)
    # Totals over sex are used only when the export has no men/women rows.
    keep = {"M", "F"} if sexes_seen & {"M", "F"} else {"T"}
    for year, code, sex, age, n in parsed:
        if sex in keep:
            _add(pop, year, code, sex, age, n)
    return pop


def _raise(errors: list[str]) -> None:
    if errors:
        more = f"; and {len(errors) - 10} more" if len(errors) > 10 else ""
        raise UserError("; ".join(errors[:10]) + more)


# ----------------------------------------------------------------------------- writing

TIDY_HEADER = ("year", "region_code", "sex", "age", "population")


def tidy_csv(pop: Population, note: str = "") -> str:
    """The population as the tidy CSV (``note`` in a last column of every row, if given)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*TIDY_HEADER, "note"] if note else TIDY_HEADER)
    for (year, code), cells in sorted(pop.counts.items()):
        for (sex, age), n in sorted(cells.items()):
            row = [year, code, sex, age, n]
            writer.writerow([*row, note] if note else row)
    return out.getvalue()


def summary(pop: Population) -> list[str]:
    """One line per year: regions and persons (all ages), to check a load by eye."""
    lines = []
    for year in pop.years:
        regions = sorted(code for y, code in pop.counts if y == year)
        total = sum(sum(pop.counts[(year, code)].values()) for code in regions)
        persons = f"{total:,}".replace(",", " ")
        lines.append(f"{year}: {len(regions)} regions, {persons} persons")
    return lines


#: SCB's population of Sweden on 31 December (Statistiknyhet "Befolkningsstatistik
#: helåret 2020", 2021-02-22, and the tables "Folkmängd i landskapen den 31 december"
#: 2018-2020). Used only to scale the illustrative population.
SCB_NATIONAL_TOTALS = {2018: 10_230_185, 2019: 10_327_589, 2020: 10_379_295}

#: Approximate share (%) of the population per county, rounded: only for the
#: illustrative population, never for a published rate.
_ILLUSTRATIVE_COUNTY_SHARES = {
    "01": 23.3, "03": 3.7, "04": 2.9, "05": 4.5, "06": 3.5, "07": 1.9, "08": 2.4,
    "09": 0.6, "10": 1.5, "12": 13.4, "13": 3.2, "14": 16.7, "17": 2.7, "18": 2.9,
    "19": 2.7, "20": 2.8, "21": 2.8, "22": 2.4, "23": 1.3, "24": 2.6, "25": 2.4,
}  # fmt: skip

ILLUSTRATIVE_NOTE = (
    "Illustrativ befolkning för demonstration (syntetisk fördelning på län, kön och ålder, "
    "skalad till SCB:s folkmängd i riket): inte SCB:s siffror, inga verkliga tal per 1000"
)


def illustrative_population(years: list[int]) -> Population:
    """A synthetic population by county, sex and single year of age, clearly not SCB's.

    The national total of each year is SCB's (the nearest year of
    :data:`SCB_NATIONAL_TOTALS`), split over the counties by rounded shares and
    over ages by a smooth profile (flat to 60, then declining, 100+ small), half
    women; it lets the demo show every page as it will look with a real file.
    """
    weights = [1.0 if age <= 60 else max(0.02, 1.0 - (age - 60) / 38) for age in range(101)]
    total_weight = sum(weights)
    total_share = sum(_ILLUSTRATIVE_COUNTY_SHARES.values())
    pop = Population(source="illustrative", note=ILLUSTRATIVE_NOTE)
    for year in years:
        nearest = min(SCB_NATIONAL_TOTALS, key=lambda y: (abs(y - year), y))
        national = SCB_NATIONAL_TOTALS[nearest]
        for code, share in _ILLUSTRATIVE_COUNTY_SHARES.items():
            county = national * share / total_share
            for age, w in enumerate(weights):
                for sex in ("F", "M"):
                    _add(pop, year, code, sex, age, round(county * w / total_weight / 2))
    return pop
