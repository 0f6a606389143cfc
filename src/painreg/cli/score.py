"""`painreg score ...` and `painreg instruments ...`.

``painreg score INSTRUMENT`` reads interchange CSV (UTF-8, comma, dot decimal,
ARCHITECTURE.md) with a column ``id`` and one column per item id (empty cell =
missing) from ``--input`` or stdin, and writes CSV with ``id`` and one column
per score to ``--output`` or stdout. Invalid values stop the run with one line
naming the row id and item (exit 2), before anything is written; with
``--skip-invalid`` those rows get empty scores and every problem is reported
(stderr or ``--report FILE``).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from painreg.errors import UserError
from painreg.outputs import write_output


def register(subparsers: argparse._SubParsersAction) -> None:
    score = subparsers.add_parser(
        "score",
        help="score questionnaire answers from CSV",
        description=(
            "Score one instrument for many responses. Input CSV: a column `id` and one "
            "column per item id (e.g. hads_1 .. hads_14), empty cell = missing. Output "
            "CSV: `id` and one column per score. See docs/scoring.md and "
            "docs/instruments.md."
        ),
    )
    score.add_argument(
        "instrument", nargs="?", metavar="INSTRUMENT", help="instrument id, e.g. hads"
    )
    score.add_argument("--list", action="store_true", help="list the instruments and exit")
    score.add_argument(
        "--value-set",
        metavar="NAME",
        help="EQ-5D value set (eq5d3l: se-3l-2014 (default), uk-3l-1997; eq5d5l: "
        "se-5l-2020 (default), se-5l-2022, en-5l-2018)",
    )
    score.add_argument("--input", type=Path, metavar="FILE", help="input CSV (default: stdin)")
    score.add_argument("--output", type=Path, metavar="FILE", help="output CSV (default: stdout)")
    score.add_argument(
        "--skip-invalid",
        action="store_true",
        help="give rows with invalid values empty scores and report them, instead of stopping",
    )
    score.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="with --skip-invalid: write the report of invalid values here (default: stderr)",
    )
    score.set_defaults(handler=run_score)

    instruments = subparsers.add_parser(
        "instruments", help="the instrument catalogue and text packs"
    )
    sub = instruments.add_subparsers(dest="instruments_command", metavar="COMMAND", required=True)
    listing = sub.add_parser("list", help="list instruments with versions and scores")
    listing.set_defaults(handler=run_list)
    show = sub.add_parser("show", help="show one instrument: items, codes, scores, text pack")
    show.add_argument("instrument", metavar="INSTRUMENT")
    show.add_argument("--lang", default="sv", choices=("sv", "en"))
    show.set_defaults(handler=run_show)
    load = sub.add_parser(
        "load-texts",
        help="validate a licensed text pack and store it for the questionnaires",
        description=(
            "Validate a text pack (YAML, format in docs/scoring.md) against the catalogue and "
            "store it in PAINREG_TEXT_PACK_DIR (default var/textpacks). Nothing is stored if "
            "the pack is invalid."
        ),
    )
    load.add_argument("pack", type=Path, metavar="PACK", help="text pack file (.yaml)")
    load.set_defaults(handler=run_load_texts)
    template = sub.add_parser(
        "text-template",
        help="write a placeholder text pack for an instrument, to fill in with licensed texts",
    )
    template.add_argument("instrument", metavar="INSTRUMENT")
    template.add_argument("--lang", default="sv", choices=("sv", "en"))
    template.add_argument("--output", type=Path, metavar="FILE", help="default: stdout")
    template.set_defaults(handler=run_text_template)


def _instrument_or_error(instrument_id: str):  # type: ignore[no-untyped-def]
    from painreg.instruments import InstrumentError, get_instrument

    try:
        return get_instrument(instrument_id)
    except InstrumentError as exc:
        raise UserError(f"{exc}; see `painreg score --list`") from None


def run_list(args: argparse.Namespace) -> int:
    from painreg.instruments import get_instrument, instrument_ids

    for instrument_id in instrument_ids():
        instrument = get_instrument(instrument_id)
        print(
            f"{instrument.id:<13} v{instrument.version}  {instrument.name['en']}  "
            f"[{', '.join(instrument.score_names)}]"
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    from painreg.instruments import item_text
    from painreg.instruments.texts import text_pack

    instrument = _instrument_or_error(args.instrument)
    print(
        f"{instrument.id} v{instrument.version}: {instrument.name['en']} / {instrument.name['sv']}"
    )
    print(f"licence: {instrument.licence}")
    pack = text_pack(instrument.id, args.lang)
    if pack is None or pack.placeholder:
        state = "none loaded: placeholder texts" + (f" ({pack.pack})" if pack else "")
    else:
        state = pack.pack
    print(f"text pack ({args.lang}): {state}")
    for item in instrument.items:
        flags = "".join(
            [" reversed" if item.reversed else "", "" if item.required else " optional"]
        )
        print(
            f"  {item.id:<22} {item.describe_range():<18}{flags}  {item_text(item.id, args.lang)}"
        )
    print(f"scores: {', '.join(instrument.score_names)}")
    return 0


def run_load_texts(args: argparse.Namespace) -> int:
    from painreg.instruments import InstrumentError
    from painreg.instruments.texts import load_pack

    try:
        target = load_pack(args.pack)
    except InstrumentError as exc:
        raise UserError(f"text pack rejected: {exc}") from None
    print(f"stored {target}")
    return 0


def run_text_template(args: argparse.Namespace) -> int:
    from painreg.instruments.texts import placeholder_pack

    instrument = _instrument_or_error(args.instrument)
    text = placeholder_pack(instrument.id, args.lang)
    write_output(args.output, text)
    return 0


def run_score(args: argparse.Namespace) -> int:
    if args.list:
        return run_list(args)
    if not args.instrument:
        raise UserError("name an instrument, e.g. `painreg score hads`; `--list` lists them")
    import pandas as pd

    from painreg.instruments import InstrumentError, invalid_values, score_frame

    instrument = _instrument_or_error(args.instrument)
    if args.value_set and "value_sets" not in instrument.options:
        raise UserError(f"{instrument.id} has no value sets; --value-set is for eq5d3l/eq5d5l")
    table = _read_csv(args.input)
    if "id" not in table.columns:
        raise UserError("the input CSV needs a column `id` (one row per response)")
    options = {"value_set": args.value_set} if args.value_set else {}
    try:
        problems = invalid_values(instrument.id, table, id_column="id")
        if problems and not args.skip_invalid:
            first = problems[0].message()
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise UserError(f"{first}{more}; fix the input or use --skip-invalid")
        scores = score_frame(instrument.id, table, id_column="id", invalid="skip", **options)
    except InstrumentError as exc:
        raise UserError(str(exc)) from None
    result = pd.concat([table[["id"]], scores], axis=1)
    text = _to_csv(result, instrument)
    write_output(args.output, text)
    if problems:
        report = "".join(f"{p.message()}\n" for p in problems)
        header = f"{len(problems)} invalid value(s); those rows have empty scores:\n"
        if args.report:
            write_output(args.report, header + report)
        else:
            sys.stderr.write(header + report)
    return 0


def _read_csv(path: Path | None):  # type: ignore[no-untyped-def]
    import pandas as pd

    try:
        source = (
            io.StringIO(sys.stdin.read())
            if path is None
            else io.StringIO(path.read_text(encoding="utf-8-sig"))
        )
    except FileNotFoundError:
        raise UserError(f"no such file: {path}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path or 'stdin'} is not UTF-8 text") from None
    except OSError as exc:  # a folder, no permission, a device that fails
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        # Everything as text: numbers are checked per item so an error can name the cell.
        return pd.read_csv(source, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise UserError(f"{path or 'stdin'} is empty; expected a CSV header") from None
    except pd.errors.ParserError as exc:
        raise UserError(f"{path or 'stdin'} is not valid CSV: {exc}") from None


def _to_csv(frame, instrument) -> str:  # type: ignore[no-untyped-def]
    """Interchange CSV: empty = missing, booleans true/false, numbers unrounded.

    The ids are the input's text: one that starts like a formula is written as
    text (:func:`painreg.outputs.spreadsheet_text`), as the file is opened in a
    spreadsheet program.
    """
    from painreg.outputs import spreadsheet_text

    out = frame.copy()
    if "id" in out.columns:
        out["id"] = out["id"].map(spreadsheet_text)
    for definition in instrument.scores:
        column = out[definition.name]
        if definition.type == "boolean":
            out[definition.name] = column.map(
                lambda v: "" if v is None or v is _NA() else ("true" if v else "false")
            )
        elif definition.type == "number":
            out[definition.name] = column.map(_number_text)
    return out.to_csv(index=False, na_rep="", lineterminator="\n")


def _NA():  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.NA


def _number_text(value: float) -> str:
    if value != value:  # NaN
        return ""
    # Ten decimals: far beyond the 4 the interchange promises, and free of float
    # noise such as 0.49720000000000003 (the exact model value is 0.4972).
    value = round(float(value), 10)
    return str(int(value)) if value.is_integer() else repr(value)
