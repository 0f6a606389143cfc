"""`painreg regional ...`: treatment tables, planning and waiting times per region.

``tables`` reproduces the SKR villkor 3 report's tables 2-8 from treatment
counts (and a population file, for rates); ``planning`` sets one region's
need for MMR against what was delivered, with waiting times and queues from
the register; ``waiting`` gives waiting times and queues for every region.
Heavy imports (Altair, XlsxWriter, pyarrow) stay inside the handlers.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from painreg.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "regional",
        help="regional treatment statistics, need and waiting times",
        description="Regional treatment statistics (SKR villkor 3 tables), need against capacity, "
        "waiting times and queues. Formats: docs/regional.md.",
    )
    sub = parser.add_subparsers(dest="regional_command", metavar="SUBCOMMAND", required=True)

    tables = sub.add_parser(
        "tables",
        help="tables 2-8 and figures of the SKR report for a year (HTML, Excel, JSON)",
        description="Counts per region and nation, per 1000 inhabitants, sex and provider split, "
        "contacts and extra compensation, change since the previous year.",
    )
    tables.add_argument("--year", type=int, required=True, help="the year of the tables")
    tables.add_argument(
        "--data",
        type=Path,
        required=True,
        help="folder with treatments.csv (and optionally compensation.csv, population.csv)",
    )
    tables.add_argument("--output", type=Path, required=True, help="folder to write the files to")
    _population_args(tables)
    tables.add_argument(
        "--compensation-rate",
        type=float,
        help="SEK per patient with a contact (default 3000 for 2016-2020, none otherwise)",
    )
    tables.add_argument(
        "--compensation-cap",
        type=float,
        help="national maximum in SEK (default 50000000 for 2016-2020)",
    )
    tables.set_defaults(handler=run_tables)

    planning = sub.add_parser(
        "planning",
        help="one region's need for MMR against delivered, waits and queue (HTML, charts)",
        description="Need from population and prevalence assumptions against MMR delivered; "
        "waiting times and queues from the register's interchange tables.",
    )
    planning.add_argument("--region", required=True, help="SCB county code, e.g. 23")
    planning.add_argument("--year", type=int, required=True)
    planning.add_argument(
        "--data", type=Path, help="folder with treatments.csv (and population.csv)"
    )
    planning.add_argument(
        "--register",
        type=Path,
        help="folder with the register's interchange "
        "tables (units, registrations) for waiting times and volumes",
    )
    _population_args(planning)
    planning.add_argument(
        "--assumptions",
        type=Path,
        help="YAML with the need shares (default: the shipped ones, see docs/regional.md)",
    )
    planning.add_argument(
        "--share",
        action="append",
        metavar="NAME=VALUE",
        help="override one share, e.g. long_term_pain=0.25 (repeatable)",
    )
    _waiting_args(planning)
    planning.add_argument(
        "--referrals",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="referrals between units (the contact follow-up's format, docs/contacts.md): "
        "flows between care levels, waits and queues of the region's units (needs --units)",
    )
    planning.add_argument(
        "--units",
        type=Path,
        metavar="FILE",
        help="units file (unit_id, name, region_code, pain_care_level, owner) for --referrals",
    )
    planning.add_argument(
        "--output", type=Path, required=True, help="folder to write the HTML, SVG and JSON to"
    )
    planning.set_defaults(handler=run_planning)

    waiting = sub.add_parser(
        "waiting",
        help="waiting times and queues per region and unit from the register (JSON)",
    )
    waiting.add_argument("--register", type=Path, required=True, help="interchange tables folder")
    waiting.add_argument("--year", type=int, required=True)
    waiting.add_argument("--region", help="only this SCB county code")
    _waiting_args(waiting)
    waiting.add_argument("--output", type=Path, required=True, help="JSON file to write")
    waiting.set_defaults(handler=run_waiting)

    population = sub.add_parser(
        "population",
        help="load SCB's population export into a data folder, or write an illustrative one",
        description="Rates per 1000 and the need model read population.csv in the --data "
        "folder. 'load' checks an SCB BE0101 export (docs/regional.md says which table "
        "and how) and writes it there; 'illustrative' writes a synthetic population, "
        "marked as such on every page, for a demonstration.",
    )
    pop_sub = population.add_subparsers(dest="population_command", metavar="ACTION", required=True)
    load = pop_sub.add_parser("load", help="check an SCB export and write DATA/population.csv")
    load.add_argument("export", type=Path, metavar="FILE", help="SCB's PxWeb CSV export")
    load.add_argument("--data", type=Path, required=True, help="the regional data folder")
    load.set_defaults(handler=run_population_load)
    demo = pop_sub.add_parser(
        "illustrative", help="write a synthetic, clearly labelled DATA/population.csv"
    )
    demo.add_argument("--data", type=Path, required=True, help="the regional data folder")
    demo.add_argument(
        "--years", default="2018-2021", help="years to write, FIRST-LAST (default 2018-2021)"
    )
    demo.set_defaults(handler=run_population_illustrative)


def _population_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--population",
        type=Path,
        help="SCB BE0101 population file (default: population.csv in --data if present)",
    )
    parser.add_argument(
        "--age-band", help="ages for rates, LOW-HIGH (default 16-65 before 2017, 16-67 from 2017)"
    )


def _waiting_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--queue-date",
        type=dt.date.fromisoformat,
        help="date of the queue, YYYY-MM-DD (default 31 December of the year)",
    )
    parser.add_argument(
        "--places",
        type=float,
        help="rehab places per year, for the expected wait "
        "(default: rehab starts in the 365 days before the queue date)",
    )
    parser.add_argument(
        "--signed-off-only",
        action="store_true",
        help="completed waits only from signed-off registrations",
    )


def _population(args: argparse.Namespace) -> Any:
    from painreg.regional.population import read_population

    path = args.population
    if path is None and getattr(args, "data", None) is not None:
        candidate = Path(args.data) / "population.csv"
        path = candidate if candidate.is_file() else None
    return read_population(path) if path is not None else None


def _options(args: argparse.Namespace) -> Any:
    from painreg.regional.population import AgeBand
    from painreg.regional.tables import TableOptions

    return TableOptions(
        age_band=AgeBand.parse(args.age_band) if args.age_band else None,
        compensation_rate=getattr(args, "compensation_rate", None),
        compensation_cap=getattr(args, "compensation_cap", None),
    )


def _safe_output(path: Path) -> Path:
    if path.exists() and not path.is_dir():
        raise UserError(f"{path}: exists and is not a folder; give --output a folder")
    return path


def run_tables(args: argparse.Namespace) -> int:
    from painreg.regional.inputs import load_treatment_data
    from painreg.regional.tables import build_tables
    from painreg.reports.regional_report import write_tables_report

    data = load_treatment_data(args.data)
    tables = build_tables(data, args.year, _population(args), _options(args))
    for path in write_tables_report(tables, _safe_output(args.output)):
        print(path)
    return 0


def _region(code: str) -> str:
    from painreg.regional.regions import normalise_region_code

    region = normalise_region_code(code, allow_national=False)
    if region is None:
        raise UserError(f"--region {code!r}: not an SCB county code (01, 03, ..., 25)")
    return region


def run_planning(args: argparse.Namespace) -> int:
    from painreg.regional.inputs import load_treatment_data
    from painreg.regional.need import load_assumptions, parse_share_overrides
    from painreg.regional.planning import build_planning
    from painreg.regional.waiting import load_units_and_registrations
    from painreg.reports.regional_report import write_planning_report

    region = _region(args.region)
    if args.data is None and args.register is None:
        raise UserError(
            "give --data (treatment statistics) or --register (interchange tables), or both"
        )
    shares = load_assumptions(args.assumptions, parse_share_overrides(args.share))
    planning = build_planning(
        region=region,
        year=args.year,
        data=load_treatment_data(args.data) if args.data else None,
        population=_population(args),
        register=load_units_and_registrations(args.register) if args.register else None,
        shares=shares,
        options=_options(args),
        queue_date=args.queue_date,
        places=args.places,
        signed_off_only=args.signed_off_only,
    )
    if args.referrals:
        planning["referrals"] = _planning_referrals(args, region)
    for path in write_planning_report(planning, _safe_output(args.output)):
        print(path)
    return 0


def _planning_referrals(args: argparse.Namespace, region: str) -> dict[str, Any]:
    from painreg.contacts.analysis import region_referrals
    from painreg.contacts.measures import Period
    from painreg.contacts.units import read_units

    if args.units is None:
        raise UserError("--referrals needs --units (which units are the region's, their levels)")
    units = read_units(args.units)
    result = region_referrals(
        args.referrals,
        period=Period(dt.date(args.year, 1, 1), dt.date(args.year, 12, 31)),
        units_reference=units,
        region=region,
    )
    result["unit_names"] = {uid: u["name"] for uid, u in units.items()}
    return result


def run_waiting(args: argparse.Namespace) -> int:
    from painreg.regional.regions import REGIONS
    from painreg.regional.waiting import load_units_and_registrations, waiting_report
    from painreg.reports.regional_report import write_json

    register = load_units_and_registrations(args.register)
    regions = (
        [_region(args.region)] if args.region else [c for c in REGIONS if register.units_of(c)]
    )
    result = {
        "year": args.year,
        "regions": {
            code: waiting_report(
                register,
                args.year,
                region=code,
                queue_date=args.queue_date,
                places_per_year=args.places,
                signed_off_only=args.signed_off_only,
            )
            for code in regions
        },
    }
    if args.output.is_dir():
        raise UserError(f"{args.output}: is a folder; give --output a JSON file name")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.output, result)
    print(args.output)
    return 0


def _write_population(pop: Any, folder: Path) -> int:
    from painreg.outputs import write_output
    from painreg.regional.population import summary, tidy_csv

    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: exists and is not a folder; give --data a folder")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "population.csv"
    write_output(target, tidy_csv(pop, pop.note))
    print(f"wrote {target}")
    for line in summary(pop):
        print(f"  {line}")
    return 0


def run_population_load(args: argparse.Namespace) -> int:
    from painreg.regional.population import read_population

    pop = read_population(args.export)
    if not pop.counts:
        raise UserError(f"{args.export}: no population figures found")
    return _write_population(pop, args.data)


def run_population_illustrative(args: argparse.Namespace) -> int:
    from painreg.regional.population import illustrative_population

    first, _, last = args.years.partition("-")
    try:
        years = list(range(int(first), int(last or first) + 1))
    except ValueError:
        raise UserError(f"--years {args.years!r}: write FIRST-LAST, e.g. 2018-2021") from None
    if not years or len(years) > 50:
        raise UserError(f"--years {args.years!r}: give between 1 and 50 years, FIRST-LAST")
    pop = illustrative_population(years)
    return _write_population(pop, args.data)
