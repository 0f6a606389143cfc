"""The API and FHIR routes, walked with another unit's token; tokens' limits.

Every route under ``/api/v1/`` and ``/fhir/`` (found by walking the URL
patterns, so a route added later is covered) is requested with Bob's write
token (unit B) and unit A's ids, by every method, with a body of the right
shape so the request reaches the view: never a 2xx with unit A's data, never
a change to unit A's data, never an access-log entry of unit A's patient.
Then: read tokens cannot write, revoked and expired tokens are refused, a
token scoped to one unit does not reach the owner's other unit, and the rate
limit holds across processes that share Redis (as gunicorn workers do).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

pytestmark = pytest.mark.django_db

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
PNR = "19121212-1212"


def _routes(patterns: list[Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            out += _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append(prefix + str(p.pattern))
    return out


def api_routes() -> list[str]:
    return [r for r in _routes(get_resolver().url_patterns) if r.startswith(("api/v1/", "fhir/"))]


@pytest.fixture
def targets(world: SimpleNamespace) -> SimpleNamespace:
    from painreg.api import tokens
    from painreg.eprom import actions as eprom_actions
    from painreg.registry import actions

    registration = actions.create_registration(
        user=world.alice,
        unit=world.unit_a,
        personnummer=PNR,
        category="rehab",
        first_visit_date=dt.date(2025, 1, 20),
        rehab_start_date=dt.date(2025, 2, 3),
        main_diagnosis="M79.7",
    )
    actions.save_answers(
        user=world.alice,
        occasion=registration.occasions.get(kind="initial"),
        answers={"hads_1": 1},
        answered_on=dt.date(2025, 1, 20),
    )
    invitation, _ = eprom_actions.create_invitation(
        user=world.alice, occasion=registration.occasions.get(kind="end")
    )
    _row, bob = tokens.create_token(user=None, owner=world.bob, scope="write", days=5, username="t")
    return SimpleNamespace(
        **vars(world), registration=registration, invitation=invitation, bob_token=bob
    )


def _values(t: SimpleNamespace) -> dict[str, Any]:
    return {
        "registration_id": t.registration.pk,
        "unit_id": t.unit_a.pk,
        "kind": "initial",
        "instrument": "hads",
        "invitation_id": t.invitation.pk,
        "token_id": 1,
    }


def _fill(route: str, values: dict[str, Any]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group("name")
        assert name in values, f"<{name}> of {route!r} has no test value: add it to _values"
        return str(values[name])

    return "/" + _PARAM.sub(sub, route)


def _body(route: str, t: SimpleNamespace) -> dict[str, Any]:
    """A body of the right shape for the route (so the view, not the schema, answers)."""
    if route.endswith("registrations/search"):
        return {"personnummer": PNR}
    if route.endswith("/answers/<instrument>"):
        return {"answered_on": "2025-01-20", "answers": {"hads_1": 2}}
    if route.endswith("not-administered/<instrument>"):
        return {"reason": "declined"}
    if route.endswith("/invitations"):
        return {"valid_days": 10}
    if route == "api/v1/registrations":
        return {
            "personnummer": PNR,
            "unit_id": t.unit_a.pk,
            "category": "assessment",
            "first_visit_date": "2025-03-01",
        }
    if route.endswith("QuestionnaireResponse"):
        from painreg.interop import fhir

        return fhir.response_resource(
            registration_id=t.registration.pk,
            occasion="initial",
            personnummer="191212121212",
            instrument_id="hads",
            answers={"hads_1": 3},
            answered_on=dt.date(2025, 1, 20),
        )
    return {"category": "rehab", "first_visit_date": "2025-01-20"}


def _snapshot() -> tuple[Any, ...]:
    from painreg.eprom.models import Invitation
    from painreg.registry.models import Answer, Occasion, Patient, Registration

    return (
        list(Registration.objects.values()),
        list(Occasion.objects.values()),
        list(Answer.objects.values()),
        list(Patient.objects.values()),
        list(Invitation.objects.values()),
    )


def _markers(t: SimpleNamespace) -> list[str]:
    return ["191212121212", "19121212-1212", t.unit_a.name, '"unit_code": "A"']


def test_another_units_token_gets_nothing_of_unit_a_on_any_api_route(
    targets: SimpleNamespace,
) -> None:
    from painreg.audit.models import AccessLog

    client = Client(HTTP_AUTHORIZATION=f"Bearer {targets.bob_token}")
    before = _snapshot()
    failures, checked = [], 0
    for route in api_routes():
        path = _fill(route, _values(targets))
        for method in ("get", "post", "put", "delete"):
            if route.endswith("_search"):
                response = client.post(path, {"subject:identifier": PNR.replace("-", "")})
            elif method in ("get", "delete"):
                query = {"registration": targets.registration.pk, "unit_id": targets.unit_a.pk}
                response = getattr(client, method)(path, query)
            else:
                response = getattr(client, method)(
                    path, _body(route, targets), content_type="application/json"
                )
            checked += 1
            body = response.content.decode(errors="replace")
            leaked = [m for m in _markers(targets) if m in body]
            if response.status_code >= 500 or (response.status_code < 300 and leaked):
                failures.append(f"{method.upper()} {path}: {response.status_code} {leaked}")
    assert not failures, "reachable with another unit's token:\n" + "\n".join(failures)
    assert _snapshot() == before, "a request with another unit's token changed unit A's data"
    assert not AccessLog.objects.filter(patient=targets.registration.patient, user=targets.bob)
    assert checked > 40


def test_the_walk_reaches_unit_a_with_alices_token(targets: SimpleNamespace) -> None:
    """The check above is meaningful: the same requests with Alice's token get the data."""
    from painreg.api import tokens

    _row, secret = tokens.create_token(
        user=None, owner=targets.alice, scope="read", days=5, username="t"
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    path = f"/api/v1/registrations/{targets.registration.pk}"
    response = client.get(path)
    assert response.status_code == 200
    assert response.json()["personnummer"] == "191212121212"


def test_a_read_token_cannot_write(targets: SimpleNamespace) -> None:
    from painreg.api import tokens

    _row, secret = tokens.create_token(
        user=None, owner=targets.alice, scope="read", days=5, username="t"
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    before = _snapshot()
    writes = 0
    for route in api_routes():
        if not route.startswith("api/v1/") or route.endswith(("openapi.json", "docs")):
            continue
        path = _fill(route, _values(targets))
        for method in ("post", "put"):
            if route.endswith("registrations/search"):
                continue  # a search reads
            response = getattr(client, method)(
                path, _body(route, targets), content_type="application/json"
            )
            assert response.status_code in (403, 404, 405), (method, path, response.status_code)
            writes += response.status_code == 403
    assert writes >= 7  # every write route refused the token itself
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").post(
        "/fhir/QuestionnaireResponse",
        _body("fhir/QuestionnaireResponse", targets),
        content_type="application/fhir+json",
    )
    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"
    assert _snapshot() == before


def test_revoked_expired_and_unknown_tokens_are_refused(targets: SimpleNamespace) -> None:
    from painreg.api import tokens
    from painreg.api.models import ApiToken

    row, secret = tokens.create_token(
        user=None, owner=targets.alice, scope="read", days=5, username="t"
    )
    url = "/api/v1/units"
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(url).status_code == 200
    tokens.revoke_token(user=None, token=row, username="t")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    row2, secret2 = tokens.create_token(
        user=None, owner=targets.alice, scope="read", days=5, username="t"
    )
    past = timezone.now() - dt.timedelta(days=1)
    ApiToken.objects.filter(pk=row2.pk).update(
        created_at=past - dt.timedelta(days=5), expires_at=past
    )
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret2}").get(url).status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer painreg_" + "x" * 43).get(url).status_code == 401
    assert Client().get(url).status_code == 401
    # A session is not a token: the staff login does not open the API.
    from painreg.accounts.testing import login_verified

    session = Client()
    login_verified(session, targets.alice)
    assert session.get(url).status_code == 401


def test_a_removed_membership_takes_effect_at_once(targets: SimpleNamespace) -> None:
    from painreg.api import tokens
    from painreg.registry import actions

    _row, secret = tokens.create_token(
        user=None, owner=targets.alice, scope="write", days=5, username="t"
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    path = f"/api/v1/registrations/{targets.registration.pk}"
    assert client.get(path).status_code == 200
    actions.remove_membership(user=None, membership=targets.alice.memberships.get())
    assert client.get(path).status_code == 404


def test_a_token_of_one_unit_does_not_reach_the_owners_other_unit(
    targets: SimpleNamespace,
) -> None:
    from painreg.api import tokens
    from painreg.registry import actions

    actions.add_membership(user=None, member=targets.alice, role="registrar", unit=targets.unit_b)
    _row, secret = tokens.create_token(
        user=None, owner=targets.alice, scope="read", days=5, unit=targets.unit_b, username="t"
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert [u["code"] for u in client.get("/api/v1/units").json()] == ["B"]
    assert client.get(f"/api/v1/registrations/{targets.registration.pk}").status_code == 404
    assert client.get(f"/api/v1/units/{targets.unit_a.pk}").status_code == 404


def test_the_rate_limit_answers_429_with_retry_after(
    targets: SimpleNamespace, settings: Any
) -> None:
    from django.core.cache import caches

    from painreg.api import tokens

    settings.PAINREG_API_RATE = (3, 60)
    caches["api"].clear()
    _row, secret = tokens.create_token(
        user=None, owner=targets.alice, scope="read", days=5, username="t"
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    codes = [client.get("/api/v1/units").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    response = client.get("/api/v1/units")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["detail"] == "Too many requests."
    fhir = client.get("/fhir/Questionnaire/hads")
    assert fhir.status_code == 429 and fhir.json()["resourceType"] == "OperationOutcome"


# --- the limit across processes (gunicorn workers) on Redis --------------------------

REDIS = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _worker(key: str, tries: int, queue: Any) -> None:
    """One process counting requests as a worker does (its own Redis connection)."""
    from painreg.api import throttle

    queue.put(sum(throttle.hit(key)[0] for _ in range(tries)))


@pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")
def test_the_limit_holds_across_processes_sharing_redis(settings: Any) -> None:
    import uuid

    from django.core.cache import caches

    settings.CACHES = {
        **settings.CACHES,
        "api": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS},
    }
    settings.PAINREG_API_RATE = (50, 3600)
    caches["api"].clear()
    key = f"test:{uuid.uuid4().hex}"
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_worker, args=(key, 40, queue)) for _ in range(4)]
    for w in workers:
        w.start()
    allowed = sum(queue.get(timeout=60) for _ in workers)
    for w in workers:
        w.join(timeout=60)
    # 160 requests from four processes: exactly the limit passes, not 50 per process.
    assert allowed == 50


def test_the_rate_settings_are_read_and_a_wrong_one_refuses_start_up() -> None:
    from .test_secrets import SETTINGS, STRONG, _one_line_refusal, _start

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'painreg.settings'; "
        "django.setup(); from django.conf import settings; "
        "print(settings.CACHES['api']['BACKEND'], settings.PAINREG_API_RATE)"
    )
    result = _start(
        code, PAINREG_SECRET_KEY=STRONG, PAINREG_CACHE_URL=REDIS, PAINREG_API_RATE="100/10"
    )
    assert result.stdout.split() == ["django.core.cache.backends.redis.RedisCache", "(100,", "10)"]
    refused = _start(SETTINGS, PAINREG_SECRET_KEY=STRONG, PAINREG_API_RATE="many")
    _one_line_refusal(refused, "PAINREG_API_RATE")
