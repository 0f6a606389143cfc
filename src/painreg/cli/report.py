"""`painreg report`: the registry indicators as JSON, the annual report, one unit's report.

Each subcommand reads the register from interchange files (``--data DIR``);
``--from-db`` is accepted only where a database export exists (see
docs/annual-report.md). Heavy imports stay inside the handlers.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from painreg.cli.operator import operator_name
from painreg.contacts.engine import ENGINES
from painreg.errors import UserError
from painreg.outputs import write_output


def register(subparsers: Any) -> None:
    report = subparsers.add_parser("report", help="registry indicators and reports")
    sub = report.add_subparsers(dest="report_command", metavar="REPORT")

    def common(p: argparse.ArgumentParser) -> None:
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument("--data", type=Path, help="directory of interchange tables")
        source.add_argument(
            "--from-db",
            action="store_true",
            help="a fresh snapshot of the configured database (via the interop export)",
        )
        p.add_argument("--year", type=int, required=True, help="report year")
        p.add_argument(
            "--rescore",
            action="store_true",
            help="compute the scores from the answers even when the data carry a scores "
            "table (default: use stored scores after a spot check; see docs/annual-report.md)",
        )
        p.add_argument("--sex", choices=["F", "M"], help="only this sex")
        p.add_argument("--age-group", help="only this age group, e.g. 20-29 or 66+")
        p.add_argument(
            "--education",
            choices=["compulsory", "upper_secondary", "university", "other"],
            help="only this education level",
        )
        p.add_argument("--diagnosis", help="only main diagnoses with this ICD-10 prefix, e.g. M79")
        p.add_argument(
            "--programme", choices=["cbt", "act", "digital", "on_site"], help="only this programme"
        )
        p.add_argument(
            "--mpi-parameters",
            type=Path,
            metavar="FILE",
            help="the registry holder's MPI-S item key and profile centroids (YAML or JSON) "
            "to classify MPI profiles (figure 22; docs/scoring.md)",
        )

    p = sub.add_parser(
        "indicators",
        help="raw indicator counts per care level, nation and unit (JSON, not suppressed)",
    )
    common(p)
    p.add_argument("--output", type=Path, required=True, help="JSON file to write")
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="duckdb",
        help="where the indicators run, as for `contacts analyze` (default duckdb; "
        "pyspark: local Spark, or the cluster of PAINREG_SPARK_MASTER)",
    )
    p.set_defaults(handler=_indicators)

    p = sub.add_parser(
        "annual", help="the annual report: HTML, PDF and Excel appendices per care level"
    )
    common(p)
    p.add_argument("--output", type=Path, required=True, help="directory to write into")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF (faster)")
    _casemix_option(p)
    p.set_defaults(handler=_annual)

    p = sub.add_parser("unit", help="one unit's own report, the nation beside (HTML, PDF)")
    p.add_argument(
        "unit_code", metavar="UNIT_CODE", help="the unit's code (unit_id in the interchange files)"
    )
    common(p)
    p.add_argument("--output", type=Path, required=True, help="directory to write into")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF (faster)")
    _casemix_option(p)
    p.set_defaults(handler=_unit)

    p = sub.add_parser(
        "units",
        help="every unit's own report (one PDF per unit), the indicators computed once",
    )
    p.add_argument(
        "unit_codes", metavar="UNIT_CODE", nargs="*", help="the units (unit_id); or --all"
    )
    p.add_argument(
        "--all", action="store_true", help="every unit listed for the year at its care level"
    )
    common(p)
    p.add_argument("--output", type=Path, required=True, help="directory to write into")
    p.add_argument("--no-pdf", action="store_true", help="HTML instead of PDF (faster)")
    p.set_defaults(handler=_units)


def _casemix_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--casemix-outcome",
        default="global_life_situation",
        choices=[
            "global_life_situation", "global_pain_experience", "eqvas_change",
            "hads_anxiety_change", "hads_depression_change", "pcs_change", "wai_change",
        ],
        help="outcome (share improved) of the case-mix adjusted comparison",
    )  # fmt: skip


def _filters(args: argparse.Namespace) -> Any:
    from painreg.analytics.context import Filters, age_bounds

    if args.age_group:
        try:
            age_bounds(args.age_group)
        except ValueError as exc:
            raise UserError(f"--age-group: {exc}") from None
    return Filters(
        sex=args.sex,
        age_group=args.age_group,
        education=args.education,
        diagnosis=args.diagnosis,
        programme=args.programme,
    )


def load(args: argparse.Namespace) -> Any:
    """The register named by ``--data`` (or ``--from-db``), with scores computed."""
    from painreg.analytics.load import RegisterDataError, load_register

    rescore = getattr(args, "rescore", False)
    mpi = _mpi_options(getattr(args, "mpi_parameters", None))
    engine = getattr(args, "engine", "duckdb")
    if args.from_db:
        try:
            return _load_from_db(rescore, mpi, engine)
        except RegisterDataError as exc:
            raise UserError(f"--from-db: {exc}") from None
    if not args.data.is_dir():
        raise UserError(f"--data {args.data}: no such directory")
    try:
        return load_register(args.data, _connect(engine), rescore=rescore, mpi_options=mpi)
    except RegisterDataError as exc:
        raise UserError(f"--data {args.data}: {exc}") from None


def _mpi_options(path: Path | None) -> dict[str, Any] | None:
    from painreg.instruments import InstrumentError
    from painreg.instruments.scoring import mpi_parameters

    if path is None:
        return None
    try:
        return mpi_parameters(path)
    except InstrumentError as exc:
        raise UserError(f"--mpi-parameters {exc}") from None


def _connect(engine: str) -> Any:
    """The Ibis connection of ``--engine`` (None: the loader's own DuckDB)."""
    if engine == "duckdb":
        return None
    from painreg.contacts.engine import connect

    con = connect(engine)
    session = getattr(con, "_session", None)
    if session is not None and session.sparkContext.master.startswith("local"):
        # Local Spark: as many shuffle partitions as cores, not Spark's 200 (each
        # of the ~60 small indicator queries otherwise runs 200 tasks).
        session.conf.set(
            "spark.sql.shuffle.partitions", str(session.sparkContext.defaultParallelism)
        )
    return con


def _load_from_db(
    rescore: bool = False, mpi: dict[str, Any] | None = None, engine: str = "duckdb"
) -> Any:
    """A fresh snapshot through the interop export (stored scores included), read and removed.

    The export is written to the access log by the interop export itself.
    """
    import tempfile

    from painreg.analytics.load import load_register
    from painreg.cli.serve import setup_django

    setup_django()
    from painreg.interop.export import export_register

    with tempfile.TemporaryDirectory(prefix="painreg-report-") as tmp:
        export_register(tmp, format="parquet", username=operator_name(role="report"))
        return load_register(tmp, _connect(engine), rescore=rescore, cache=False, mpi_options=mpi)


def _indicators(args: argparse.Namespace) -> int:
    import json

    from painreg.analytics.compute import compute_indicators

    register_ = load(args)
    result = compute_indicators(register_, args.year, filters=_filters(args), json_only=True)
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    write_output(args.output, text)
    print(f"wrote {args.output}")
    return 0


def _annual(args: argparse.Namespace) -> int:
    from painreg.reports.annual import write_report

    register_ = load(args)
    for path in write_report(
        register_,
        args.year,
        args.output,
        filters=_filters(args),
        pdf=not args.no_pdf,
        casemix_outcome=args.casemix_outcome,
    ):
        print(f"wrote {path}")
    return 0


def _unit(args: argparse.Namespace) -> int:
    from painreg.reports.annual import UnknownUnit, write_report

    register_ = load(args)
    try:
        paths = write_report(
            register_,
            args.year,
            args.output,
            unit=args.unit_code,
            filters=_filters(args),
            pdf=not args.no_pdf,
            casemix_outcome=args.casemix_outcome,
        )
    except UnknownUnit as exc:
        raise UserError(str(exc)) from None
    for path in paths:
        print(f"wrote {path}")
    return 0


def _units(args: argparse.Namespace) -> int:
    from painreg.reports.annual import UnknownUnit, write_unit_reports

    if bool(args.all) == bool(args.unit_codes):
        raise UserError("name the units (UNIT_CODE ...) or give --all, not both")
    register_ = load(args)
    try:
        paths = write_unit_reports(
            register_,
            args.year,
            args.output,
            None if args.all else list(args.unit_codes),
            filters=_filters(args),
            pdf=not args.no_pdf,
        )
    except UnknownUnit as exc:
        raise UserError(str(exc)) from None
    for path in paths:
        print(f"wrote {path}")
    return 0
