"""Demo data: units of both care levels, a user for every role, some patients
with registrations and answers to the whole configured form of each occasion
(``registry.form_config``, so they can be signed off). Deterministic (seeded), written through the
actions like any other data, so the demo's audit trail is real too.

Personnummer of demo patients: the first is Skatteverket's public test
number 19121212-1212; the others are made up (random dates, Luhn-valid) and
exist only in the demo database.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from painreg.registry import form_config

#: One password for every demo user (printed by ``painreg demo``).
DEMO_PASSWORD = "smarta-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    where: str


UNITS = [
    # code, name, region, care level
    ("DEMO-STH-SV", "Smärtrehab Stockholm (demo)", "01", "specialist"),
    ("DEMO-SOL-PV", "Vårdcentral Solna (demo)", "01", "primary"),
    ("DEMO-GBG-SV", "Smärtcentrum Göteborg (demo)", "14", "specialist"),
    ("DEMO-OSD-PV", "Hälsocentral Östersund (demo)", "23", "primary"),
]

USERS = [
    # username, first name, role, unit codes / region
    ("registrerare", "Rut", "registrar", ["DEMO-STH-SV", "DEMO-SOL-PV"]),
    ("behandlare", "Bo", "clinician", ["DEMO-STH-SV"]),
    ("enhetschef", "Eva", "unit_manager", ["DEMO-STH-SV"]),
    ("gbg", "Greta", "registrar", ["DEMO-GBG-SV"]),
    ("ostersund", "Olle", "registrar", ["DEMO-OSD-PV"]),
    ("analytiker", "Anna", "regional_analyst", ["01"]),
    ("koordinator", "Karl", "national_coordinator", []),
    # Source-data validation: the demo's validation round of the two Stockholm units.
    ("validerare", "Vera", "validator", ["DEMO-STH-SV", "DEMO-SOL-PV"]),
]

#: The demo's validation round: units, sample size per unit, seed.
VALIDATION_UNITS = ("DEMO-STH-SV", "DEMO-SOL-PV")


#: Instruments answered at each occasion of the demo registrations.
def _luhn(nine: str) -> int:
    from painreg.tidy.personnummer import luhn_check_digit

    return luhn_check_digit(nine)


def demo_personnummer(rng: random.Random, n: int) -> list[str]:
    numbers = ["19121212-1212"]
    while len(numbers) < n:
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 50))
        serial = f"{rng.randrange(1000):03d}"
        nine = f"{born:%y%m%d}{serial}"
        text = f"{born:%Y%m%d}-{serial}{_luhn(nine)}"
        if text not in numbers:
            numbers.append(text)
    return numbers


def _answers(rng: random.Random, instruments_: list[str]) -> dict[str, float]:
    from painreg import instruments

    out: dict[str, float] = {}
    for instrument_id in instruments_:
        for item in instruments.get_instrument(instrument_id).items:
            if item.values is not None:
                out[item.id] = rng.choice(item.values)
            else:
                out[item.id] = float(rng.randint(int(item.min), int(item.max)))
    return out


def is_empty() -> bool:
    from painreg.registry.models import Unit

    return not Unit.objects.exists()


def load_demo(*, seed: int = 2026, today: dt.date | None = None) -> list[DemoLogin]:
    """Create the demo data (call on an empty database); returns the logins to print."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from painreg.registry import actions
    from painreg.registry.models import Region

    today = today or dt.date.today()
    rng = random.Random(seed)
    units = {
        code: actions.create_unit(user=None, code=code, name=name, region=region, care_level=level)
        for code, name, region, level in UNITS
    }
    User = get_user_model()
    logins: list[DemoLogin] = []
    staff: dict[str, Any] = {}
    # One hash for the shared demo password: hashing is deliberately slow (PBKDF2).
    password_hash = make_password(DEMO_PASSWORD)
    for username, first_name, role, scopes in USERS:
        user = User.objects.create(username=username, password=password_hash, first_name=first_name)
        staff[username] = user
        if role == "validator":
            where = ", ".join(units[c].name for c in scopes)  # given with the demo's round
        elif role == "national_coordinator":
            actions.add_membership(user=None, member=user, role=role)
            where = "nationellt"
        elif role == "regional_analyst":
            for code in scopes:
                actions.add_membership(
                    user=None, member=user, role=role, region=Region.objects.get(code=code)
                )
            where = ", ".join(Region.objects.get(code=c).name for c in scopes)
        else:
            for code in scopes:
                actions.add_membership(user=None, member=user, role=role, unit=units[code])
            where = ", ".join(units[c].name for c in scopes)
        logins.append(DemoLogin(username, role, where))
    _provision_demo_totp(staff.values())

    entry_user = {
        "DEMO-STH-SV": staff["registrerare"],
        "DEMO-SOL-PV": staff["registrerare"],
        "DEMO-GBG-SV": staff["gbg"],
        "DEMO-OSD-PV": staff["ostersund"],
    }
    numbers = demo_personnummer(rng, 16)
    unit_codes = list(units)
    for year in (today.year - 1, today.year):
        for code in unit_codes:
            actions.set_unit_year_total(
                user=None, unit=units[code], year=year, total=rng.randint(20, 60)
            )
    diagnoses = ["M79.7", "M54.5", "R52.2", "M54.2", "M79.6", "R52.1"]
    for i, number in enumerate(numbers):
        code = unit_codes[i % len(unit_codes)]
        unit, user = units[code], entry_user[code]
        first_visit = today - dt.timedelta(days=rng.randint(60, 400))
        finished = i % 3 != 0  # every third rehab is still ongoing
        # The last two are new patients (one per care level) whose initial
        # questionnaire is theirs to answer: `painreg demo` prints a link.
        waiting = i >= len(numbers) - 2
        values: dict[str, Any] = {
            "category": "assessment" if i % 5 == 4 else "rehab",
            "referral_date": first_visit - dt.timedelta(days=rng.randint(10, 60)),
            "first_visit_date": first_visit,
            "main_diagnosis": rng.choice(diagnoses),
            "education": rng.choice(["compulsory", "upper_secondary", "university"]),
        }
        if waiting:
            values["first_visit_date"] = today
        elif values["category"] == "rehab":
            start = first_visit + dt.timedelta(days=rng.randint(7, 30))
            values["rehab_start_date"] = start
            values["programme"] = rng.sample(["cbt", "act", "on_site"], 2)
            values["work_measures"] = rng.sample(
                ["rehab_plan", "rtw_action_plan", "ergonomic", "workplace_visit"], 2
            )
            end = start + dt.timedelta(days=rng.randint(42, 70))
            if finished and end <= today:
                values["rehab_end_date"] = end
        registration = actions.create_registration(
            user=user, unit=unit, personnummer=number, **values
        )
        if waiting:
            continue
        initial = registration.occasions.get(kind="initial")
        actions.save_answers(
            user=user,
            occasion=initial,
            answers=_answers(rng, form_config.form_instruments(unit.care_level, "initial")),
            answered_on=first_visit,
        )
        actions.sign_off_occasion(user=user, occasion=initial)
        end_date = values.get("rehab_end_date")
        if end_date is not None:
            end_occasion = registration.occasions.get(kind="end")
            actions.save_answers(
                user=user,
                occasion=end_occasion,
                answers=_answers(rng, form_config.form_instruments(unit.care_level, "end")),
                answered_on=end_date,
            )
            actions.sign_off_occasion(user=user, occasion=end_occasion)
        if values["category"] == "assessment" or end_date is not None:
            if i % 4 != 1:  # leave a few for the demo user to sign off
                actions.sign_off_registration(user=user, registration=registration)
    _validation_round(units, staff["validerare"], today=today, seed=seed)
    return logins


def load_quality_examples(*, seed: int = 2026, today: dt.date | None = None) -> None:
    """Old data that today's data-quality rules find (docs/registry.md, "Data quality").

    A patient whose rehab at the Stockholm unit started two and a half years
    ago with no end date (ongoing too long) and whose initial form was entered
    and never signed off; the same patient's rehab at the Gothenburg unit
    overlaps it. Entered through the actions like the rest of the demo.
    """
    from painreg.registry import actions
    from painreg.registry.models import Unit

    today = today or dt.date.today()
    number = demo_personnummer(random.Random(seed + 1), 1)[0]
    start = today - dt.timedelta(days=912)
    staff = {"DEMO-STH-SV": "registrerare", "DEMO-GBG-SV": "gbg"}
    from django.contrib.auth import get_user_model

    users = {code: get_user_model().objects.get(username=name) for code, name in staff.items()}
    old = actions.create_registration(
        user=users["DEMO-STH-SV"],
        unit=Unit.objects.get(code="DEMO-STH-SV"),
        personnummer=number,
        category="rehab",
        first_visit_date=start,
        rehab_start_date=start + dt.timedelta(days=14),
        main_diagnosis="M79.7",
    )
    actions.save_answers(
        user=users["DEMO-STH-SV"],
        occasion=old.occasions.get(kind="initial"),
        answers={"nprs_1": 7},
        answered_on=start,
    )
    actions.create_registration(
        user=users["DEMO-GBG-SV"],
        unit=Unit.objects.get(code="DEMO-GBG-SV"),
        personnummer=number,
        category="rehab",
        first_visit_date=start + dt.timedelta(days=60),
        rehab_start_date=start + dt.timedelta(days=70),
        rehab_end_date=start + dt.timedelta(days=130),
        main_diagnosis="M54.5",
    )


def run_quality_check() -> Any:
    """Run the data-quality rules over the demo register, and raise one query as the
    coordinator on the ongoing registration's finding, so the pages have one to answer."""
    from django.contrib.auth import get_user_model

    from painreg.quality import actions
    from painreg.quality.models import Finding

    run = actions.run_quality_check(username="demo")
    finding = Finding.objects.filter(
        rule="ongoing_too_long", unit__code="DEMO-STH-SV", resolved_at=None
    ).first()
    if finding is not None and not finding.queries.exists():
        actions.raise_query(
            user=get_user_model().objects.get(username="koordinator"),
            unit=finding.unit,
            finding=finding,
            question="Rehabiliteringen har inget avslutsdatum. Har den avslutats eller avbrutits?",
        )
    return run


def _validation_round(units: dict[str, Any], validator: Any, *, today: dt.date, seed: int) -> None:
    """A drawn source-data validation round of the Stockholm units with Vera as its
    validator, the first sampled registration already validated (one item entered as
    the neighbouring option, the error the register's 2021 validation found), so
    the coordinator has results to read and the validator the rest to enter."""
    from painreg.analytics import validation
    from painreg.verification import actions, results

    round_ = actions.create_round(
        user=None,
        name="Källdatavalidering (demo)",
        year_from=today.year - 1,
        year_to=today.year,
        units=[units[code] for code in VALIDATION_UNITS],
        sample_size=3,
        groups=list(validation.GROUPS),
        items=["hads_1", "hads_2"],
        seed=seed,
        username="koordinator",
    )
    actions.draw_sample(user=None, round_=round_, username="koordinator")
    actions.assign_validator(user=None, round_=round_, member=validator)
    sample = round_.samples.order_by("number").first()
    if sample is None:
        return
    entries: dict[str, tuple[str | None, bool]] = {}
    for variable in sample.variables:
        value = results.registered_value(sample.registration, variable)
        entries[variable] = (value, value is None)
    for variable, (value, _missing) in entries.items():
        if variable.startswith("item.") and value is not None:
            neighbour = str(int(float(value)) + (1 if float(value) < 2 else -1))
            entries[variable] = (neighbour, False)
            break
    actions.record_values(user=None, sample=sample, entries=entries)


def load_synthetic_register(*, scale: float, years: tuple[int, int] = (2020, 2021)) -> None:
    """Add a small synthetic national register (``painreg synth registry``) through
    the one import path (``painreg import``), so the demo's dashboard and reports
    have other units and a nation to compare with, with a synthetic sick-leave
    extract from Försäkringskassan (return to work). Deterministic (the synth's
    default seed); imported by the national coordinator's demo account.
    """
    import tempfile

    from painreg.interop.load import import_register
    from painreg.synth.registry import DEFAULT_SEED, generate
    from painreg.synth.sick_leave import generate_extract

    with tempfile.TemporaryDirectory(prefix="painreg-demo-") as tmp:
        generate(tmp, scale=scale, years=years, format="parquet")
        generate_extract(tmp, seed=DEFAULT_SEED, years=years, format="parquet")
        import_register(tmp, username="koordinator")


def _provision_demo_totp(users: Any) -> None:
    """Give demo users the published demo TOTP key (the accounts app's design)."""
    try:
        from painreg.accounts.otp import DEMO_TOTP_KEY_HEX, ensure_totp_device
    except ImportError:  # the accounts app is not installed
        return
    for user in users:
        ensure_totp_device(user, key_hex=DEMO_TOTP_KEY_HEX)


def login_hint() -> str:
    try:
        from painreg.accounts.otp import demo_login_hint
    except ImportError:
        return ""
    return demo_login_hint()
