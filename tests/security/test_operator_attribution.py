"""Commands name their operator from the operating system; a name given is recorded as claimed.

An audit trail whose user is free text typed on the command line proves
nothing: the login name is what the machine vouches for. ``--as NAME`` (and
the older ``--user`` / ``--requested-by``) adds who the operator says they
act for, marked as claimed, never instead of the login name.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from painreg.cli import main
from painreg.cli.operator import login_name, operator_name

LOGIN = pwd.getpwuid(os.geteuid()).pw_name


def test_without_a_claim_the_operator_is_the_login_name() -> None:
    assert operator_name() == f"cli:{LOGIN}"
    assert operator_name(role="report") == f"cli:{LOGIN}:report"


def test_the_login_name_cannot_be_set_from_the_environment(monkeypatch) -> None:
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "chief_physician")
    assert login_name() == LOGIN


@pytest.mark.django_db
def test_an_export_records_the_login_name_and_the_claimed_name_beside_it(
    tmp_path: Path,
) -> None:
    from painreg.audit.models import AccessLog

    assert main(["export", str(tmp_path / "out"), "--as", "Bertil\x07 Berg"]) == 0
    entry = AccessLog.objects.filter(action="export").latest("pk")
    assert entry.username == f'cli:{LOGIN} (as "Bertil Berg", claimed)'


@pytest.mark.django_db
def test_the_older_spelling_is_a_claim_too(tmp_path: Path) -> None:
    from painreg.audit.models import AccessLog

    assert main(["export", str(tmp_path / "out"), "--user", "erik"]) == 0
    entry = AccessLog.objects.filter(action="export").latest("pk")
    assert entry.username == f'cli:{LOGIN} (as "erik", claimed)'
