"""The regional treatment tables of the SKR "villkor 3" reports (tables 2-8).

Source: SKR, *Insatser för psykisk ohälsa och långvarig smärta. Rapport
villkor 3, överenskommelsen inom sjukskrivning och rehabilitering 2020*
(2021), tables 2-8 and figures 1-3. :func:`build_tables` returns one plain
dictionary (the JSON written by ``painreg regional tables``); rendering lives
in :mod:`painreg.reports.regional_report`.

Decisions:

* Not reported (empty input) stays ``None`` everywhere, also in shares and
  rates; totals add the reported cells only and are ``None`` only when
  nothing was reported (DOMAIN.md, regional statistics).
* Per 1000 inhabitants = count / population in the age band × 1000 (the
  report's "antal individer per tusen invånare"), unrounded in JSON; one
  decimal when shown. The national rate divides the national count by the
  population of the whole country, as the report does (57 461 KBT/IPT / the
  16-67-year-olds of all 21 regions = 8,6 although two regions did not
  report).
* Sex and provider shares are of the reported men + women (private +
  public), as in tables 4 and 5.
* Extra compensation = rate × (employer contacts + employment-service
  contacts), each contact one patient (DOMAIN.md: 4 650 + 414 = 5 064 →
  15,2 Mkr). When the national sum exceeds the cap (50 Mkr, agreements
  2016-2020, report table 1) every region's amount is scaled down by the
  same factor, so the regions share the cap in proportion to their
  contacts.
* Change since the previous year: difference and relative change of every
  measure reported in both years; a measure missing in either year has no
  change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from painreg.errors import UserError
from painreg.regional.inputs import (
    AGGREGATES,
    CONTACTS,
    COUNT_COLUMNS,
    PAIN_TREATMENTS,
    PSYCH_TREATMENTS,
    SPLITS,
    TREATMENTS,
    Counts,
    TreatmentData,
    sum_reported,
)
from painreg.regional.population import AgeBand, Population, default_age_band
from painreg.regional.regions import NATIONAL_CODE, REGIONS, region_name

#: The agreements' extra compensation per patient with a contact and its national cap
#: (SKR 2020 report, table 1: "Tillägg 50 mkr för kontakt med arbetsgivare och
#: Arbetsförmedlingen" 2016-2020; 3 000 kr per patient, Sammanfattning).
COMPENSATION_AGREEMENTS: dict[int, tuple[float, float]] = {
    year: (3000.0, 50_000_000.0) for year in range(2016, 2021)
}

#: Measures whose change since the previous year is reported.
CHANGE_MEASURES: tuple[str, ...] = (
    *TREATMENTS,
    "kbt_ipt",
    "mmr_total",
    "psych_total",
    "pain_total",
    "total_treatments",
    *SPLITS,
    *CONTACTS,
    "kbt_ipt_per_1000",
    "mmr_per_1000",
)


@dataclass(frozen=True)
class TableOptions:
    """Parameters of the tables; ``None`` = the default for the year."""

    age_band: AgeBand | None = None
    compensation_rate: float | None = None
    compensation_cap: float | None = None

    def band(self, year: int) -> AgeBand:
        return self.age_band or default_age_band(year)

    def compensation(self, year: int) -> tuple[float, float] | None:
        rate, cap = COMPENSATION_AGREEMENTS.get(year, (None, None))
        rate = self.compensation_rate if self.compensation_rate is not None else rate
        cap = self.compensation_cap if self.compensation_cap is not None else cap
        if rate is None:
            return None
        return rate, (cap if cap is not None else float("inf"))


def share(part: int | None, whole: int | None) -> float | None:
    """part / whole, or None when either is not reported or whole is 0."""
    if part is None or whole is None or whole == 0:
        return None
    return part / whole


def per_1000(count: int | None, population: int | None) -> float | None:
    """count per 1000 inhabitants; None without a count or a population."""
    if count is None or not population:
        return None
    return count / population * 1000


def derived_counts(counts: Counts) -> dict[str, Any]:
    """Counts plus the aggregates and totals of one level (region or nation)."""
    level: dict[str, Any] = {c: counts.get(c) for c in COUNT_COLUMNS}
    for aggregate, parts in AGGREGATES.items():
        given = counts.get(aggregate)
        level[aggregate] = (
            given if given is not None else sum_reported(counts.get(p) for p in parts)
        )
    level["psych_total"] = sum_reported(
        [level["kbt_ipt"], *(level[c] for c in PSYCH_TREATMENTS if c not in ("kbt", "ipt"))]
    )
    level["pain_total"] = sum_reported(
        [level["mmr_total"], *(level[c] for c in PAIN_TREATMENTS if c not in ("mmr1", "mmr2"))]
    )
    level["total_treatments"] = sum_reported([level["psych_total"], level["pain_total"]])
    level["reported"] = any(counts.get(c) is not None for c in COUNT_COLUMNS)
    return level


def _national_counts(data: TreatmentData, year: int) -> Counts:
    """A nationally published figure (region 00) wins; otherwise the sum of the regions."""
    published = data.get(year, NATIONAL_CODE) or {}
    regions = [data.get(year, code) or {} for code in REGIONS]
    counts: Counts = {}
    for column in COUNT_COLUMNS:
        if published.get(column) is not None:
            counts[column] = published[column]
        elif column in AGGREGATES:
            # Sum each region's aggregate (given, or the sum of its parts).
            counts[column] = sum_reported(derived_counts(r)[column] for r in regions)
        else:
            counts[column] = sum_reported(r.get(column) for r in regions)
    return counts


def _level(
    code: str, counts: Counts, year: int, population: Population | None, options: TableOptions
) -> dict[str, Any]:
    level = {"code": code, "name": region_name(code), **derived_counts(counts)}
    band = options.band(year)
    inhabitants = population.in_band(year, code, band) if population else None
    level["age_band"] = str(band)
    level["population"] = inhabitants
    level["kbt_ipt_per_1000"] = per_1000(level["kbt_ipt"], inhabitants)
    level["mmr_per_1000"] = per_1000(level["mmr_total"], inhabitants)
    sexes = sum_reported([level["men"], level["women"]])
    providers = sum_reported([level["private"], level["public"]])
    level["men_share"] = share(level["men"], sexes)
    level["women_share"] = share(level["women"], sexes)
    level["private_share"] = share(level["private"], providers)
    level["public_share"] = share(level["public"], providers)
    level["contacts_total"] = sum_reported(level[c] for c in CONTACTS)
    return level


def _year_levels(
    data: TreatmentData, year: int, population: Population | None, options: TableOptions
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    national = _level(NATIONAL_CODE, _national_counts(data, year), year, population, options)
    regions = {
        code: _level(code, data.get(year, code) or {}, year, population, options)
        for code in REGIONS
    }
    return national, regions


def _compensation(
    year: int,
    national: dict[str, Any],
    regions: dict[str, dict[str, Any]],
    data: TreatmentData,
    options: TableOptions,
) -> dict[str, Any] | None:
    rule = options.compensation(year)
    if rule is None:
        return None
    rate, cap = rule
    total_contacts = national["contacts_total"]
    computed = None if total_contacts is None else rate * total_contacts
    payable = None if computed is None else min(computed, cap)
    factor = 1.0 if not computed else payable / computed  # type: ignore[operator]
    paid = data.paid.get(year)
    result: dict[str, Any] = {
        "rate_sek": rate,
        "cap_sek": None if cap == float("inf") else cap,
        "computed_sek": computed,
        "payable_sek": payable,
        "capped": computed is not None and computed > cap,
        "paid_sek": paid,
        "paid_minus_payable_sek": None if paid is None or payable is None else paid - payable,
        "regions": {},
    }
    for code, level in regions.items():
        contacts = level["contacts_total"]
        region_computed = None if contacts is None else rate * contacts
        region_paid = data.paid_by_region.get((year, code))
        result["regions"][code] = {
            "computed_sek": region_computed,
            "payable_sek": None if region_computed is None else region_computed * factor,
            "paid_sek": region_paid,
        }
    return result


#: The parts of each total; a total's change needs the same parts reported in both years.
TOTAL_PARTS: dict[str, tuple[str, ...]] = {
    "psych_total": ("kbt_ipt", "ikbt", "pdt", "emdr", "other_psych"),
    "pain_total": ("mmr_total", "behavioural", "active_training", "other_pain"),
}
TOTAL_PARTS["total_treatments"] = TOTAL_PARTS["psych_total"] + TOTAL_PARTS["pain_total"]


def _change(current: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """Change of each measure reported in both years.

    A total is compared only when the same parts were reported in both years:
    a total of fewer parts (2019 published as KBT/IPT and MMR only) would
    show a rise that is only a change in what was reported.
    """
    if previous is None:
        return {}
    change: dict[str, Any] = {}
    for measure in CHANGE_MEASURES:
        now, before = current.get(measure), previous.get(measure)
        if now is None or before is None:
            continue
        parts = TOTAL_PARTS.get(measure, ())
        if any((current[p] is None) != (previous[p] is None) for p in parts):
            continue
        change[measure] = {
            "previous": before,
            "difference": now - before,
            "relative": None if before == 0 else (now - before) / before,
        }
    return change


def build_series(
    data: TreatmentData, up_to: int, population: Population | None, options: TableOptions
) -> list[dict[str, Any]]:
    """Tables 7 and 8 and figures 1-3: KBT/IPT, I-KBT and MMR per year, region and nation."""
    rows: list[dict[str, Any]] = []
    for year in [y for y in data.years if y <= up_to]:
        national, regions = _year_levels(data, year, population, options)
        for level in (national, *regions.values()):
            rows.append(
                {
                    "year": year,
                    "region_code": level["code"],
                    "age_band": level["age_band"],
                    **{
                        k: level[k]
                        for k in (
                            "kbt_ipt",
                            "kbt_ipt_per_1000",
                            "ikbt",
                            "mmr_total",
                            "mmr_per_1000",
                        )
                    },
                }
            )
    return rows


def build_tables(
    data: TreatmentData,
    year: int,
    population: Population | None = None,
    options: TableOptions | None = None,
) -> dict[str, Any]:
    """Every table of the report for ``year``, as the JSON of ``painreg regional tables``.

    ``{"year", "age_band", "national": {...}, "regions": {"<SCB code>": {...}},
    "compensation": {...} | null, "series": [...], "not_reported": {...}}``.
    """
    options = options or TableOptions()
    if year not in data.years:
        have = ", ".join(str(y) for y in data.years) or "none"
        raise UserError(f"no treatment counts for {year} (years in the data: {have})")
    national, regions = _year_levels(data, year, population, options)
    if year - 1 in data.years:
        prev_national, prev_regions = _year_levels(data, year - 1, population, options)
    else:
        prev_national, prev_regions = None, {}
    national["change"] = _change(national, prev_national)
    for code, level in regions.items():
        level["change"] = _change(level, prev_regions.get(code))
    not_reported = {
        group: [code for code, level in regions.items() if all(level[c] is None for c in columns)]
        for group, columns in {
            "psych": PSYCH_TREATMENTS,
            "pain": PAIN_TREATMENTS,
            "sex": ("men", "women"),
            "provider": ("private", "public"),
            "contacts": CONTACTS,
        }.items()
    }
    return {
        "year": year,
        "age_band": str(options.band(year)),
        "population_source": population.description if population else None,
        "national": national,
        "regions": regions,
        "compensation": _compensation(year, national, regions, data, options),
        "not_reported": not_reported,
        "series": build_series(data, year, population, options),
    }
