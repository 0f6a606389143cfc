"""The dashboard's sick-leave panel on the live register (SQLite, and PostgreSQL with
``-m django_db``): the extract named by its covered period, the hand-computed figures of
``tests/unit/analytics/sick_leave_fixture`` (each patient six times), the publishing rules."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from tests.unit.analytics import sick_leave_fixture as fx

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    from painreg.accounts.testing import login_verified

    client = Client()
    login_verified(client, user)
    return client


def _panel(client: Client, code: str, **query: str) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    from painreg.registry.models import Unit

    url = reverse("dashboard:unit", args=[Unit.objects.get(code=code).pk])
    response = client.get(url + "?" + urlencode(query))
    assert response.status_code == 200
    html = response.content.decode()
    if 'id="sick_leave"' not in html:
        return ""
    start = html.index('id="sick_leave"')
    return html[start : html.index("</section>", start)]


def _row(html: str, caption: str, label: str) -> list[str]:
    import re

    table = html[html.index(f"<caption>{caption}</caption>") :]
    table = table[: table.index("</table>")]
    row = table[table.index(f'<th scope="row">{label}</th>') :]
    row = row[: row.index("</tr>")]
    return re.findall(r"<td>([^<]*)</td>", row)


def test_no_extract_no_panel(world: SimpleNamespace, tmp_path: Path) -> None:
    from painreg.interop.load import import_register

    directory = fx.write(tmp_path, count=6)
    for name in ("sick_leave.csv", "sick_leave_coverage.csv"):
        (directory / name).unlink()
    import_register(directory, username="test")
    assert _panel(_client(world.erik), "S1", fran="2020", till="2020") == ""


def test_the_panel_shows_the_extract_and_the_figures(
    world: SimpleNamespace, tmp_path: Path
) -> None:
    from painreg.interop.load import import_register

    import_register(fx.write(tmp_path, count=6), username="test")
    html = _panel(_client(world.erik), "S1", fran="2020", till="2020")
    assert "uttag som täcker 2019-01-01–2022-06-30" in html
    assert "sjuklöneperiod" in html
    unit = "Smärtenhet 1, 2020"
    assert _row(html, unit, "Året före första besöket") == ["12", "25,0", "25,0", "100\u00a0%"]
    assert _row(html, unit, "Första året efter avslut") == ["12", "6,3", "6,3", "50\u00a0%"]
    nation = "Riket, samma vårdnivå, 2020"
    assert _row(html, nation, "Första året efter avslut") == ["18", "14,2", "12,5", "67\u00a0%"]
    # 2021: S1 has six completed rehabs (r7); their after windows run past the extract
    html = _panel(_client(world.erik), "S1", fran="2021", till="2021")
    assert _row(html, "Smärtenhet 1, 2021", "Andra året efter avslut") == ["0", "–", "–", "–"]
