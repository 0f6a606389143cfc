"""The unit dashboard in a real browser (headless Debian chromium).

A registrar of a unit of a small synthetic register logs in (password and
TOTP), opens "Statistik" from the menu, narrows the period and the patient
group, sees the funnel plots and tables, and downloads the Excel file.
Screenshots go to ``test-artifacts/`` (git-ignored) for review.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

PASSWORD = "correct-horse-battery-staple"

# Screenshots for review (git-ignored); the browser fixture creates the folder.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.functional,
    # serialized_rollback: the regions come from a data migration.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def registrar(synthetic_register: Any, django_user_model: Any, settings: Any) -> Any:
    from painreg.accounts import otp
    from painreg.interop.load import import_register
    from painreg.registry import actions
    from painreg.registry.models import Unit

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    import_register(synthetic_register(0.01, (2020, 2021)), username="test")
    unit = Unit.objects.filter(care_level="specialist").order_by("code").first()
    user = django_user_model.objects.create_user("alice", password=PASSWORD)
    actions.add_membership(user=None, member=user, role="registrar", unit=unit)
    return unit, otp.ensure_totp_device(user)


def test_a_registrar_compares_the_unit_and_downloads_excel(
    live_server: Any, browser_page: Any, registrar: Any
) -> None:
    from painreg.accounts import otp

    page = browser_page
    unit, device = registrar
    page.goto(live_server.url + "/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/tvafaktor/**")
    page.fill("#id_token", otp.current_token(device))
    page.click("main button[type=submit]")
    page.wait_for_selector("nav")

    page.click("nav a[href='/statistik/']")
    page.wait_for_selector(f"h1:has-text('Statistik – {unit.name}')")
    page.select_option("#dash-from", "2020")
    page.select_option("#dash-to", "2021")
    page.click("form[aria-label=Urval] button[type=submit]")
    page.wait_for_selector("[data-testid=selection]:has-text('2020–2021')")
    assert page.locator("#response_rate_end [data-testid=national-row]").count() == 1
    page.wait_for_function(
        "() => [...document.querySelectorAll('.dash-measure figure img')]"
        ".some(i => i.complete && i.naturalWidth > 0)"
    )  # funnel plots drawn (linked SVG images)
    labels_missing = page.evaluate(
        """() => [...document.querySelectorAll('main input, main select')]
            .filter(e => e.labels.length === 0).map(e => e.id)"""
    )
    assert labels_missing == []
    page.screenshot(path=str(ARTIFACTS / "dashboard-unit.png"), full_page=True)

    page.select_option("#dash-sex", "F")
    page.click("form[aria-label=Urval] button[type=submit]")
    page.wait_for_selector("[data-testid=selection]:has-text('Kvinnor')")

    with page.expect_download() as info:
        page.click("text=Ladda ner som Excel")
    download = info.value
    assert download.suggested_filename == f"statistik-{unit.code}-2020-2021.xlsx"
    assert Path(download.path()).read_bytes()[:2] == b"PK"
