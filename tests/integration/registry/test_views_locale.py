"""The compiled translations (.mo) match their sources (.po): a drift test.

Regenerate after changing strings (from ``src/painreg``; apps with their own
``locale`` directory, like eprom and verification, keep their own catalogues)::

    django-admin makemessages -l sv -l en --ignore '*/migrations/*' \
        --ignore 'eprom/*' --ignore 'verification/*'
    msgfmt --check-format -o locale/sv/LC_MESSAGES/django.mo locale/sv/LC_MESSAGES/django.po
    msgfmt --check-format -o locale/en/LC_MESSAGES/django.mo locale/en/LC_MESSAGES/django.po

and the same in ``eprom/``, ``api/``, ``quality/`` and ``verification/`` for their
catalogues (edited by hand: few strings).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import painreg

LOCALE = Path(painreg.__file__).parent / "locale"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
@pytest.mark.parametrize(
    "locale",
    [
        LOCALE,
        LOCALE.parent / "eprom" / "locale",
        LOCALE.parent / "api" / "locale",
        LOCALE.parent / "quality" / "locale",
        LOCALE.parent / "verification" / "locale",
    ],
    ids=["project", "eprom", "api", "quality", "verification"],
)
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_compiled_catalogue_matches_its_source(
    locale: Path, language: str, tmp_path: Path
) -> None:
    po = locale / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)
    assert fresh.read_bytes() == mo.read_bytes(), f"regenerate {mo} (see this module's docstring)"


def test_swedish_is_the_default_language() -> None:
    from django.conf import settings

    assert settings.LANGUAGE_CODE == "sv"
    assert [code for code, _ in settings.LANGUAGES] == ["sv", "en"]
