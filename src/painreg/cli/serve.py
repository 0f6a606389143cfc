"""`painreg demo`, `painreg serve` and `painreg access-extract`.

``demo`` is the newcomer's one command (ARCHITECTURE.md): non-interactive, it
migrates the configured database (embedded SQLite by default), loads the
demo data when the database is empty, prints the URL and the demo logins and
serves on 127.0.0.1 with Django's development server (enough for one person
trying the app; it also serves the static files). ``serve`` is production:
gunicorn, refusing to start without a secret key.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from painreg.cli.operator import add_claim_argument, operator_name
from painreg.errors import UserError
from painreg.outputs import csv_text, write_output


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo",
        help="set up and serve the demo (migrate, demo data, web server)",
        description="Migrate the database (embedded SQLite unless DATABASE_URL is set), load "
        "demo data if it is empty, print the URL and the demo logins, and serve the web app "
        "on 127.0.0.1. Non-interactive; stop with Ctrl-C.",
    )
    demo.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
    demo.add_argument(
        "--no-serve", action="store_true", help="set up and print the logins, then exit"
    )
    demo.add_argument(
        "--synthetic-scale",
        type=float,
        default=DEMO_SYNTHETIC_SCALE,
        metavar="X",
        help="also load a synthetic national register of this scale (2020-2021) so the "
        f"dashboard and reports have a nation to compare with; 0 for none "
        f"(default {DEMO_SYNTHETIC_SCALE})",
    )
    demo.set_defaults(handler=run_demo)

    serve = subparsers.add_parser(
        "serve",
        help="serve the web app in production (gunicorn)",
        description="Serve the web app with gunicorn. Needs PAINREG_SECRET_KEY; see "
        "docs/operations.md for the settings, the database and static files.",
    )
    serve.add_argument(
        "--bind", default="127.0.0.1:8000", help="address:port (default %(default)s)"
    )
    serve.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    serve.add_argument(
        "--threads",
        type=int,
        default=4,
        help="threads per worker (gunicorn's gthread worker; default 4): a request waiting "
        "for the database does not hold a whole process (docs/eprom.md, Load)",
    )
    serve.add_argument(
        "--migrate", action="store_true", help="apply database migrations before serving"
    )
    serve.set_defaults(handler=run_serve)

    extract = subparsers.add_parser(
        "access-extract",
        help="a patient's access extract (loggutdrag): who viewed or changed their data",
        description="Print every logged view and change of one patient's data, oldest first. "
        "The extract is itself written to the access log.",
    )
    extract.add_argument("personnummer", help="YYYYMMDD-NNNN, YYYYMMDDNNNN or YYMMDD-NNNN")
    extract.add_argument("--unit", metavar="CODE", help="only this unit's entries (unit code)")
    extract.add_argument(
        "--format", choices=["table", "csv"], default="table", help="output format"
    )
    extract.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="file to write, readable by its owner only (default: standard output)",
    )
    add_claim_argument(extract, "--requested-by")
    extract.set_defaults(handler=run_access_extract)

    reapply = subparsers.add_parser(
        "reapply-deletions",
        help="after restoring a backup: delete again the patients deleted on request",
        description="Read the deletions file (PAINREG_DELETIONS_FILE) and delete again every "
        "patient whose identifier has a tombstone there: run it after every restore of the "
        "database from a backup (docs/operations.md). Deleting again is audited; running it "
        "twice deletes nothing more.",
    )
    reapply.add_argument(
        "--file", type=Path, metavar="FILE", help="the deletions file (default: the setting)"
    )
    reapply.set_defaults(handler=run_reapply_deletions)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painreg.settings")
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    if not settings.configured or not _apps_ready():
        try:
            django.setup()
        except ImproperlyConfigured as exc:  # a refused setting, e.g. a weak key
            raise UserError(str(exc)) from None
    if "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        name = str(settings.DATABASES["default"]["NAME"])
        if name != ":memory:" and not name.startswith("file:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)


def _apps_ready() -> bool:
    from django.apps import apps

    return apps.ready


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


#: Scale of the synthetic register the demo loads (about 1,000 registrations).
DEMO_SYNTHETIC_SCALE = 0.1


def run_demo(args: argparse.Namespace) -> int:
    if not 0 <= args.synthetic_scale <= 1:
        raise UserError(f"--synthetic-scale {args.synthetic_scale}: use a number from 0 to 1")
    if not 1 <= args.port <= 65535:
        raise UserError(f"--port {args.port} is not a port number; use 1-65535")
    if not args.no_serve and not _port_free(args.port):
        raise UserError(f"port {args.port} is already in use; stop what runs there or use --port N")
    # Demo mode: plain http on this machine, demo logins (settings.DEMO).
    os.environ["PAINREG_DEMO"] = "1"
    if not os.environ.get("PAINREG_REGIONAL_DATA"):
        os.environ["PAINREG_REGIONAL_DATA"] = str(_demo_regional_data())
    setup_django()
    from django.core.management import call_command

    from painreg.cli import demo

    print("Preparing the database (migrations)...", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    if demo.is_empty():
        print("Loading demo data...", flush=True)
        demo.load_demo()
        demo.load_quality_examples()
        if args.synthetic_scale > 0:
            print(
                f"Loading a synthetic national register (scale {args.synthetic_scale})...",
                flush=True,
            )
            demo.load_synthetic_register(scale=args.synthetic_scale)
        print("Running the data-quality rules...", flush=True)
        run = demo.run_quality_check()
        print(f"Data quality: {run.found} findings; one query raised to the Stockholm unit.")
    else:
        print("The database already has data; demo data not loaded again.")
    url = f"http://127.0.0.1:{args.port}/"
    _print_logins(url)
    if args.no_serve:
        return 0
    sys.stdout.flush()
    call_command(
        "runserver",
        f"127.0.0.1:{args.port}",
        use_reloader=False,
        use_threading=True,
        insecure_serving=True,  # static files, with DEBUG off
        skip_checks=True,
    )
    return 0


def _demo_regional_data() -> Path:
    """The demo's regional data: SKR's published 2020 counts and an illustrative population.

    Written under the var folder (once); the population is synthetic and says so on
    every page that uses it (docs/regional.md).
    """
    import shutil
    from importlib import resources

    from painreg.outputs import write_output
    from painreg.regional.population import illustrative_population, tidy_csv

    folder = Path(os.environ.get("PAINREG_VAR_DIR", Path.cwd() / "var")) / "demo-regional"
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "population.csv").is_file():
        population = illustrative_population(list(range(2018, 2023)))
        write_output(folder / "population.csv", tidy_csv(population, population.note))
    if not (folder / "treatments.csv").is_file():
        example = resources.files("painreg.regional").joinpath("examples/skr-2020/treatments.csv")
        with resources.as_file(example) as source:
            shutil.copyfile(source, folder / "treatments.csv")
    return folder


def _print_logins(url: str) -> None:
    from painreg.cli import demo
    from painreg.registry.models import Role

    print()
    print(f"painreg demo: {url}")
    print(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    labels = dict(Role.choices)
    unit_names = {code: name for code, name, _region, _level in demo.UNITS}
    for username, _first, role, scopes in demo.USERS:
        where = ", ".join(unit_names.get(s, f"region {s}") for s in scopes) or "nationellt"
        print(f"  {username:<13} {labels[role]:<22} {where}")
    hint = demo.login_hint()
    if hint:
        print(hint)
    # A patient's view too: a questionnaire link of a demo patient, with the
    # date of birth that opens it (the eprom app's demo helper).
    from painreg.cli.demo_link import demo_link_line

    line = demo_link_line(url)
    if line:
        print(line)
    print(
        f"Data quality: {url}kvalitet/  (koordinator: every unit; enhetschef: the unit's "
        "findings; registrerare: the unit's queries)"
    )
    print(f"Coordinator's admin: {url}admin/  (user koordinator)")
    print(f"Source-data validation: {url}validering/  (users koordinator and validerare)")
    print("Stop with Ctrl-C.")
    print()


def run_serve(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import call_command

    from painreg import settings as painreg_settings

    try:
        painreg_settings.check_production_settings()
    except ImproperlyConfigured as exc:
        raise UserError(str(exc)) from None
    if args.migrate:
        call_command("migrate", interactive=False, verbosity=1)
    if not settings.DEBUG:
        print(f"serving static files is the proxy's job: collect them to {settings.STATIC_ROOT}")
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "painreg.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--access-logfile",
        "-",
    ]
    sys.stdout.flush()
    os.execv(sys.executable, argv)
    return 0  # pragma: no cover


def run_access_extract(args: argparse.Namespace) -> int:
    setup_django()
    import io

    from django.utils import timezone

    from painreg.registry import access
    from painreg.registry.models import Unit
    from painreg.tidy import personnummer as pnr

    unit = None
    if args.unit:
        unit = Unit.objects.filter(code=args.unit).first()
        if unit is None:
            raise UserError(f"no unit with code {args.unit!r}; see the admin for unit codes")
    requested_by = operator_name(args)
    try:
        rows = access.access_extract(args.personnummer, requested_by=requested_by, unit=unit)
    except pnr.PersonnummerError as exc:
        raise UserError(f"{args.personnummer}: {exc}") from None
    except LookupError as exc:
        raise UserError(f"{exc}; check the number") from None
    header = ["time", "user", "unit", "kind", "action", "detail"]
    table = [
        [
            f"{timezone.localtime(r.at):%Y-%m-%d %H:%M:%S}",
            r.username,
            r.unit,
            r.kind,
            r.action,
            r.detail,
        ]
        for r in rows
    ]
    if args.format == "csv":
        # Reasons and details are typed by staff: formula-like cells are written as text.
        write_output(args.output, csv_text([header, *table], lineterminator="\n"), private=True)
        return 0
    from rich.console import Console
    from rich.table import Table

    out = Table(title=f"Loggutdrag {pnr.parse(args.personnummer).formatted}")
    for name in header:
        out.add_column(name)
    for row in table:
        out.add_row(*row)
    if args.output is None:
        Console().print(out)
        return 0
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(out)
    write_output(args.output, console.file.getvalue(), private=True)
    return 0


def run_reapply_deletions(args: argparse.Namespace) -> int:
    setup_django()
    from painreg.registry import actions, tombstones

    path = args.file or tombstones.deletions_file()
    deleted = actions.reapply_deletions(path=path)
    print(f"{path}: {len(tombstones.read(path))} tombstone(s); {deleted} patient(s) deleted again")
    return 0
