"""The planning page: only a regional analyst of the region sees it (docs/regional.md).

Users are the cast of tests/integration/conftest.py: alice, registrar at a
Stockholm unit; diana, regional analyst of Stockholm; fiona, regional analyst
of Västra Götaland; erik, national coordinator.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/region/planering/"


@pytest.fixture(autouse=True)
def rehab_queue(world: SimpleNamespace) -> None:
    """Alice's unit A (Stockholm): six rehab starts in 2024, 51 days after the first visit,
    and one patient still waiting on 31 December."""
    from painreg.registry import actions

    for i, (first, start) in enumerate(
        [(dt.date(2024, 1, 10 + i), dt.date(2024, 3, 1 + i)) for i in range(6)]
        + [(dt.date(2024, 11, 1), None)]
    ):
        actions.create_registration(
            user=world.alice,
            unit=world.unit_a,
            personnummer=_personnummer(f"1980010{i + 1}", 100 + i),
            category="rehab",
            first_visit_date=first,
            rehab_start_date=start,
            main_diagnosis="M79.7",
        )  # fmt: skip


def _personnummer(date: str, serial: int) -> str:
    """A valid test number: Luhn check digit over YYMMDDNNN (Skatteverket)."""
    digits = date[2:] + f"{serial:03d}"
    total = 0
    for i, char in enumerate(digits):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return f"{date}-{serial:03d}{(10 - total % 10) % 10}"


def _client(user: Any) -> Client:
    from painreg.accounts.testing import login_verified

    client = Client()
    login_verified(client, user)
    return client


def test_the_regional_analyst_sees_her_regions_planning_page(world: SimpleNamespace) -> None:
    response = _client(world.diana).get(URL, {"region": "01", "year": "2024"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Planeringsunderlag" in html
    assert '<th scope="row" class="name">A</th>' in html  # Alice's unit, by its code
    assert "19800101" not in html  # never a personnummer
    assert "<svg" in html  # charts


def test_it_refuses_an_analyst_of_another_region(world: SimpleNamespace) -> None:
    assert _client(world.fiona).get(URL, {"region": "01", "year": "2024"}).status_code == 404


@pytest.mark.parametrize("who", ["alice", "erik"])
def test_it_refuses_unit_staff_and_the_national_coordinator(
    world: SimpleNamespace, who: str
) -> None:
    assert _client(getattr(world, who)).get(URL, {"region": "01"}).status_code == 404


def test_it_sends_an_anonymous_visitor_to_the_login(world: SimpleNamespace) -> None:
    response = Client().get(URL, {"region": "01"})
    assert response.status_code == 302 and "/konto/" in response["Location"]


def test_it_counts_the_analysts_queue_and_waits(world: SimpleNamespace) -> None:
    """Six rehab starts in 2024 (first visit -> start 51 days each) and one waiting on 31 Dec."""
    from painreg.dashboard import planning_views
    from painreg.registry.models import Region

    region = Region.objects.get(code="01")
    register = planning_views._register_for(world.diana, region)
    from painreg.regional.waiting import waiting_report

    report = waiting_report(register, 2024, region="01")
    assert report["total"]["waits"]["first_visit_to_rehab_start"]["median_days"] == 51
    assert report["total"]["queue"]["waiting_for_rehab"] == 1
    assert report["total"]["expected_wait_months"] == pytest.approx(1 / 6 * 12)


def test_it_sets_need_against_delivered_from_the_configured_data(
    world: SimpleNamespace, settings: Any, tmp_path: Any
) -> None:
    """PAINREG_REGIONAL_DATA with population.csv and treatments.csv (docs/regional.md):
    1 040 inhabitants aged 16-67 × 0,20 × 0,35 × 0,10 = 7,3 a year; 52 MMR delivered."""
    rows = ["year,region_code,sex,age,population"]
    rows += [f"2024,01,{sex},{age},10" for sex in "MF" for age in range(101)]
    (tmp_path / "population.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "treatments.csv").write_text("year,region_code,mmr1,mmr2\n2024,01,50,2\n")
    settings.PAINREG_REGIONAL_DATA = str(tmp_path)
    html = _client(world.diana).get(URL, {"region": "01", "year": "2024"}).content.decode()
    assert "7 patienter per år" in html and "52" in html
    (tmp_path / "treatments.csv").write_text("year,region_code,mmr1\n2024,01,x\n")
    html = _client(world.diana).get(URL, {"region": "01", "year": "2024"}).content.decode()
    assert "kunde inte läsas" in html and "column mmr1" in html
