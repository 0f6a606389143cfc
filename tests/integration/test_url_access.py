"""Every URL pattern of the project, requested by someone who must see nothing.

The test walks ``get_resolver().url_patterns`` recursively, so a view added
later is covered automatically. Path parameters are filled with objects of
unit A (Alice's), and the requests come from Bob (a verified registrar and
unit manager of unit B), from an anonymous visitor, and from Charlie, unit A's
manager, with only his password (no TOTP step); the users are the cast of
tests/integration/conftest.py. Each must get 403/404/405 or a redirect to a login step:
never a page of data. Both GET and POST are tried, and a POST must leave
unit A's data unchanged.

A pattern that is public by design must be listed in ``PUBLIC`` with the
reason; a new path parameter must get a value in ``_path_values`` (the test
fails on an unknown one, so nobody can add a view that escapes it).
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

#: Route prefixes public by design, with the reason (matched against the full route).
PUBLIC: dict[str, str] = {
    "konto/logga-in/": "the login page itself",
    "konto/tvafaktor/": "second login step: only after the password; shows no data",
    "konto/tvafaktor/aktivera/": "TOTP enrolment: only after the password; shows no data",
    "konto/logga-ut/": "logging out shows no data",
    "i18n/setlang/": "language switch, no data",
    "admin/login/": "the admin's login step (shows no data)",
    "admin/logout/": "logging out of the admin shows no data",
    "static/": "static files (CSS)",
    # Patients answer their questionnaire with a personal token (eprom app); the
    # token is the credential, so these pages are reached without a staff login.
    "enkat/<str:token>/": "patient questionnaire, reached with a personal token",
    "enkat/<str:token>/sida/<int:number>/": "patient questionnaire page (token)",
    "enkat/<str:token>/skicka/": "patient questionnaire review (token)",
    "enkat/<str:token>/klart/": "patient questionnaire receipt (token)",
    "enkat/<str:token>/paminnelser/": "patient stops reminders (token)",
    # The API's description: its schema and the page that shows it hold no data.
    "api/v1/openapi.json": "the API's OpenAPI schema (no data)",
    "api/v1/docs": "the API's documentation page (no data)",
    "fhir/metadata": "the FHIR CapabilityStatement (no data)",
    "enkat/<str:token>/e-legitimation/": "patient chooses e-ID for a link (token); to the broker",
    # Single sign-on and e-ID: the identity provider's signed answer is the credential
    # (tests/integration/accounts/test_oidc_views.py, tests/functional/test_*sign_on*/eid).
    "konto/sso/": "to the region's identity provider (404 when none is set up); no data",
    "konto/sso/tillbaka/": "identity provider callback: logs in only on a valid signed answer",
    "enkat/e-legitimation/tillbaka/": "e-ID broker callback: opens a link only on a valid answer",
    # The patient's own answers: only for the patient signed in with e-ID in this session
    # (anyone else gets a page asking to sign in: tests/integration/eprom/test_eid.py).
    "enkat/mina-svar/": "the patient's own answers (e-ID session)",
    "enkat/mina-svar/mina-svar.pdf": "the patient's own answers as PDF (e-ID session)",
    "enkat/mina-svar/logga-ut/": "the patient signs out (e-ID session)",
    "enkat/mina-svar/logga-in/": "the patient signs in with e-ID to read their answers; no data",
}

#: Route prefixes that take an API token, not the session: a staff login gets 401 there
#: (tests/security/test_api_access.py walks them with another unit's token).
_TOKEN_ROUTES = ("api/v1/", "fhir/")


def _walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, str | None]]:
    """(route, url name) of every pattern, recursively through includes."""
    out: list[tuple[str, str | None]] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            out += _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append((prefix + str(p.pattern), p.name))
    return out


_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


#: Keys of PUBLIC that cover everything below them (others must match exactly).
_PUBLIC_PREFIXES = ("static/",)


def _is_public(route: str) -> bool:
    plain = route.lstrip("^")
    return plain in PUBLIC or plain.startswith(_PUBLIC_PREFIXES)


@pytest.fixture
def targets(world: SimpleNamespace) -> SimpleNamespace:
    """The cast (tests/integration/conftest.py) with unit A's registration, answers and
    invitation to aim at; Bob also manages unit B, so pages only a unit manager may open
    are tried by someone whose role alone would let him in."""
    from painreg.eprom import actions as eprom_actions
    from painreg.registry import actions
    from painreg.registry.models import Registration

    actions.add_membership(user=None, member=world.bob, role="unit_manager", unit=world.unit_b)
    registration = actions.create_registration(
        user=world.alice,
        unit=world.unit_a,
        personnummer="19121212-1212",
        category="rehab",
        first_visit_date=dt.date(2025, 1, 20),
        rehab_start_date=dt.date(2025, 2, 3),
        main_diagnosis="M79.7",
    )
    occasion = registration.occasions.get(kind="initial")
    actions.save_answers(
        user=world.alice, occasion=occasion, answers={"hads_1": 1}, answered_on=dt.date(2025, 1, 20)
    )
    assert Registration.objects.count() == 1
    invitation, _token = eprom_actions.create_invitation(
        user=world.alice, occasion=registration.occasions.get(kind="end")
    )
    from painreg.api import tokens

    api_token, _secret = tokens.create_token(
        user=world.alice, owner=world.alice, scope="write", days=30
    )
    finding, query = _quality_targets(world)
    validation_round, valter = _validation_rounds(world, registration)
    return SimpleNamespace(
        **vars(world), registration=registration, invitation=invitation, api_token=api_token,
        finding=finding, query=query, validation_round=validation_round,
        sample=validation_round.samples.get(), valter=valter,
    )  # fmt: skip


def _quality_targets(world: SimpleNamespace) -> tuple[Any, Any]:
    """A data-quality finding of unit A (its initial occasion is answered and not signed
    off) and a query raised on it."""
    from painreg.quality import actions as quality_actions

    quality_actions.run_quality_check(username="test", today=dt.date(2026, 1, 1))
    finding = world.unit_a.quality_findings.get(rule="occasion_not_signed_off")
    query = quality_actions.raise_query(
        user=world.charlie, unit=world.unit_a, finding=finding, question="Klarmarkera?"
    )
    return finding, query


def _validation_rounds(world: SimpleNamespace, registration: Any) -> tuple[Any, Any]:
    """A drawn validation round of unit A holding the registration, with its validator
    Vera; and Valter, the validator of a round of unit B only (a validator elsewhere)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from painreg.registry.guard import writes_allowed
    from painreg.registry.models import Registration
    from painreg.verification import actions as verification

    with writes_allowed():  # finished and signed off in 2025: eligible for the sample
        Registration.objects.filter(pk=registration.pk).update(
            rehab_end_date=dt.date(2025, 4, 25), signed_off_at=timezone.now()
        )
    users = get_user_model().objects
    rounds = []
    for unit, validator in ((world.unit_a, "vera"), (world.unit_b, "valter")):
        round_ = verification.create_round(
            user=world.erik, name=f"Validering {unit.code}", year_from=2025, year_to=2025,
            units=[unit], sample_size=5, groups=["category"], seed=1,
        )  # fmt: skip
        verification.draw_sample(user=world.erik, round_=round_)
        member = users.create_user(validator, password="correct-horse-battery-staple")
        verification.assign_validator(user=world.erik, round_=round_, member=member)
        rounds.append((round_, member))
    return rounds[0][0], rounds[1][1]


def _path_values(targets: SimpleNamespace) -> dict[str, Any]:
    """A value of unit A for every path parameter name used in the project."""
    reg = targets.registration
    return {
        "registration_id": reg.pk,
        "patient_id": reg.patient_id,
        "unit_id": targets.unit_a.pk,
        "kind": "initial",
        "instrument": "hads",
        "key": "response_rate_end",  # a dashboard measure's funnel plot
        "decision": "delete",
        "membership_id": targets.alice.memberships.get().pk,
        "invitation_id": targets.invitation.pk,
        "token_id": targets.api_token.pk,  # Alice's API token (revoke)
        "finding_id": targets.finding.pk,
        "query_id": targets.query.pk,
        "round_id": targets.validation_round.pk,  # a validation round of unit A
        "sample_id": targets.sample.pk,  # its sampled registration
        "user_id": targets.alice.pk,  # a login of unit A's staff (unlock, reset two-factor)
        # django.contrib.admin's own parameters
        "object_id": targets.unit_a.pk,
        "id": targets.alice.pk,
        "app_label": "registry",
        "content_type_id": 1,
        "url": "registry/unit/",
        "path": "painreg/painreg.css",
        "year": 2025,  # the unit report (PDF) of a year
    }


def _fill(route: str, values: dict[str, Any]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group("name")
        assert name in values, (
            f"path parameter <{name}> of {route!r} has no test value: add one to "
            "_path_values in tests/integration/test_url_access.py"
        )
        return str(values[name])

    path = _PARAM.sub(sub, route)
    # Regex routes (admin): strip anchors and fill named groups.
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values.get(m.group(1), "x")), path)
    return "/" + path.lstrip("^").rstrip("$").replace("\\Z", "")


def _snapshot() -> tuple[Any, ...]:
    from painreg.registry.models import (
        Answer,
        Membership,
        Occasion,
        Patient,
        Registration,
        UnitYearTotal,
    )

    return (
        list(Registration.objects.values()),
        list(Occasion.objects.values()),
        list(Answer.objects.values()),
        list(UnitYearTotal.objects.values()),
        list(Membership.objects.values()),
        list(Patient.objects.values()),
        *(list(model.objects.values()) for model in _other_app_models()),
    )


def _other_app_models() -> list[Any]:
    """Models of apps beside the registry whose rows a stranger must not change."""
    from django.apps import apps

    return [
        model
        for model in apps.get_models()
        # eprom, audit, and the login state of staff: TOTP devices, failed logins (axes)
        if model._meta.app_label
        in {"eprom", "audit", "otp_totp", "axes", "api", "quality", "verification"}
        # views may append to these (and so move their chains' heads)
        and model.__name__ not in {"AccessLog", "AuditEvent", "ChainHead"}
    ]


def _clients(targets: SimpleNamespace) -> dict[str, Client]:
    from painreg.accounts.testing import login_verified

    bob = Client()
    login_verified(bob, targets.bob)
    password_only = Client()
    password_only.force_login(targets.charlie)  # password step only: no TOTP device in session
    fiona = Client()  # regional analyst of another region (14; unit A is in 01)
    login_verified(fiona, targets.fiona)
    valter = Client()  # validator of a round of unit B
    login_verified(valter, targets.valter)
    return {
        "other unit": bob,
        "other region's analyst": fiona,
        "other round's validator": valter,
        "anonymous": Client(),
        "password only": password_only,
    }


def _markers(targets: SimpleNamespace) -> list[str]:
    """Text that would betray unit A's data in a page."""
    reg = targets.registration
    return [
        "19121212",
        targets.unit_a.name,
        f"/registreringar/{reg.pk}/",
        f"/patienter/{reg.patient_id}/",
    ]


def _acceptable(response: Any, route: str, targets: SimpleNamespace) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    if response.status_code == 401 and route.startswith(_TOKEN_ROUTES):
        return True
    if response.status_code in (200, 400) and not _PARAM.search(route):
        # A page without object parameters shows the requester's own unit
        # (Bob's start page; his own form refusing an empty POST): fine, as
        # long as nothing of unit A is in it.
        body = response.content.decode(errors="replace")
        return not any(marker in body for marker in _markers(targets))
    if response.status_code in (301, 302):
        location = response["Location"]
        return any(
            location.startswith(reverse(name))
            for name in ("accounts:login", "accounts:verify", "accounts:enrol")
        ) or location.startswith("/admin/login/")
    return False


def test_it_lists_url_patterns_to_check() -> None:
    routes = [route for route, _ in _walk(get_resolver().url_patterns)]
    assert any("registreringar/<int:registration_id>/" in r for r in routes)
    assert len(routes) > 15


def test_it_gives_no_data_of_another_unit_at_any_url(targets: SimpleNamespace) -> None:
    from painreg.accounts.otp import ensure_totp_device

    values = _path_values(targets)
    ensure_totp_device(targets.alice)  # a device a stranger's reset would remove
    _clients(targets)  # Bob's own device exists before the snapshot
    before = _snapshot()
    failures = []
    checked = 0
    for route, name in _walk(get_resolver().url_patterns):
        if _is_public(route):
            continue
        path = _fill(route, values)
        for who, client in _clients(targets).items():
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                checked += 1
                if not _acceptable(response, route, targets):
                    failures.append(
                        f"{method.upper()} {path} ({name}) as {who}: {response.status_code}"
                    )
    assert not failures, "reachable without access:\n" + "\n".join(failures)
    assert _snapshot() == before, "a request from outside unit A changed its data"
    from painreg.audit.models import AccessLog

    assert not AccessLog.objects.filter(
        user=targets.bob, patient=targets.registration.patient
    ).exists(), "a refused request was logged as a view of the patient"
    assert checked > 50


def test_it_allows_the_unit_member_so_the_check_above_is_meaningful(
    targets: SimpleNamespace,
) -> None:
    from painreg.accounts.testing import login_verified

    alice = Client()
    login_verified(alice, targets.alice)
    reg = targets.registration
    erik = Client()
    login_verified(erik, targets.erik)  # the national coordinator's own page
    assert erik.get(reverse("registry:audit_trail")).status_code == 200
    for path in (
        reverse("registry:registration_detail", args=[reg.pk]),
        reverse("registry:patient_detail", args=[reg.patient_id]),
        reverse("registry:occasion_entry", args=[reg.pk, "initial", "hads"]),
    ):
        assert alice.get(path).status_code == 200, path
        bob = _clients(targets)["other unit"]
        assert bob.get(path).status_code == 404, path


def test_it_allows_the_validator_and_the_coordinator_so_the_check_above_is_meaningful(
    targets: SimpleNamespace,
) -> None:
    from django.contrib.auth import get_user_model

    from painreg.accounts.testing import login_verified

    vera, erik = Client(), Client()
    login_verified(vera, get_user_model().objects.get(username="vera"))
    login_verified(erik, targets.erik)
    round_id, sample_id = targets.validation_round.pk, targets.sample.pk
    entry = reverse("verification:entry", args=[round_id, sample_id])
    assert vera.get(entry).status_code == 200
    assert "19121212" in vera.get(reverse("verification:samples", args=[round_id])).content.decode()
    # The coordinator sees the round and its results, never the identified pages.
    assert erik.get(reverse("verification:round", args=[round_id])).status_code == 200
    assert erik.get(reverse("verification:results", args=[round_id])).status_code == 200
    assert erik.get(entry).status_code == 404
    assert (
        "19121212" not in erik.get(reverse("verification:round", args=[round_id])).content.decode()
    )
    # The validator opens no unit page and no registration outside the sample.
    assert vera.get(
        reverse("registry:registration_detail", args=[targets.registration.pk])
    ).status_code in (403, 404)
    assert vera.get(reverse("verification:round", args=[round_id])).status_code == 404


def test_every_public_route_still_exists() -> None:
    """The allow-list names real routes: a renamed public page must be re-reviewed."""
    routes = [route for route, _ in _walk(get_resolver().url_patterns)]
    for key in PUBLIC:
        if not key.startswith(_PUBLIC_PREFIXES):
            assert key in routes, f"{key} is allow-listed but no longer exists"


def test_the_unit_report_pdf_is_for_the_units_staff_and_no_one_else(
    targets: SimpleNamespace,
) -> None:
    """The unit's own report from the web: a PDF for its member, 404 for another unit's."""
    from painreg.accounts.testing import login_verified

    alice = Client()
    login_verified(alice, targets.alice)
    path = reverse("dashboard:unit_report", args=[targets.unit_a.pk, 2025])
    response = alice.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert _clients(targets)["other unit"].get(path).status_code == 404
