"""`painreg serve` and `painreg demo`: refusals are one clear line, never a traceback."""

from __future__ import annotations

import re
from typing import Any

import pytest

from painreg import cli
from painreg import settings as painreg_settings

pytestmark = pytest.mark.django_db


def test_serve_refuses_production_without_a_secret_key(monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.setattr(painreg_settings, "PRODUCTION", True)
    monkeypatch.setattr(painreg_settings, "SECRET_KEY", painreg_settings._DEV_KEY)

    def no_exec(*args: Any) -> None:
        raise AssertionError("gunicorn must not start")

    monkeypatch.setattr("os.execv", no_exec)
    assert cli.main(["serve"]) == 2
    assert "PAINREG_SECRET_KEY" in capsys.readouterr().err


def test_serve_runs_gunicorn_with_threaded_workers(monkeypatch: Any) -> None:
    """The configuration the patient-page load benchmark measures (docs/eprom.md, Load)."""
    monkeypatch.setattr(painreg_settings, "PRODUCTION", False)
    started: list[list[str]] = []
    monkeypatch.setattr("os.execv", lambda path, argv: started.append(argv))
    cli.main(["serve", "--workers", "3", "--threads", "4"])
    argv = started[0]
    assert "painreg.wsgi:application" in argv
    assert argv[argv.index("--worker-class") + 1] == "gthread"
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--threads") + 1] == "4"


def test_demo_refuses_a_port_in_use(capsys: Any) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert cli.main(["demo", "--port", str(port)]) == 2
    assert "already in use" in capsys.readouterr().err


def test_demo_refuses_an_impossible_port(capsys: Any) -> None:
    assert cli.main(["demo", "--port", "70000"]) == 2
    assert "not a port number" in capsys.readouterr().err


def test_access_extract_names_an_unknown_unit(capsys: Any) -> None:
    assert cli.main(["access-extract", "19121212-1212", "--unit", "NOPE"]) == 2
    assert "no unit with code 'NOPE'" in capsys.readouterr().err


def test_access_extract_says_when_the_patient_is_not_in_the_register(capsys: Any) -> None:
    assert cli.main(["access-extract", "19121212-1212"]) == 2
    assert "no patient with personnummer 19121212-1212" in capsys.readouterr().err


def test_demo_sets_up_and_prints_the_logins_without_serving(
    monkeypatch: Any, capsys: Any, settings: Any, client: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("PAINREG_DEMO", "0")  # restored afterwards; the command sets it
    assert cli.main(["demo", "--no-serve", "--port", "8123", "--synthetic-scale", "0.02"]) == 0
    out = capsys.readouterr().out
    # The synthetic national register is there for the dashboard to compare with.
    from painreg.registry.models import Registration, Unit

    assert Unit.objects.exclude(code__startswith="DEMO-").count() > 30
    assert Registration.objects.exclude(unit__code__startswith="DEMO-").count() > 100
    assert "painreg demo: http://127.0.0.1:8123/" in out
    assert "registrerare" in out and "koordinator" in out and "smarta-demo-2026" in out
    # The printed patient link opens with the printed date of birth.
    match = re.search(r"Patient questionnaire: http://127.0.0.1:8123(/enkat/\S+/) "
                      r"\(date of birth (\d{4}-\d\d-\d\d)\)", out)  # fmt: skip
    assert match, out
    response = client.post(match.group(1), {"identity": match.group(2)})
    assert response.status_code == 302 and "/sida/1/" in response.url
    # The data-quality check ran, and found the demo's old data.
    from painreg.quality.models import Finding, Query

    assert "Data quality: http://127.0.0.1:8123/kvalitet/" in out
    demo_findings = set(
        Finding.objects.filter(unit__code__startswith="DEMO-").values_list("rule", "unit__code")
    )
    assert {
        ("ongoing_too_long", "DEMO-STH-SV"),
        ("occasion_not_signed_off", "DEMO-STH-SV"),
        ("overlapping_rehab", "DEMO-STH-SV"),
        ("overlapping_rehab", "DEMO-GBG-SV"),
    } <= demo_findings
    assert Query.objects.filter(unit__code="DEMO-STH-SV", status="open").count() == 1
    # A second run finds the data and does not load it again.
    assert cli.main(["demo", "--no-serve"]) == 0
    assert "not loaded again" in capsys.readouterr().out
