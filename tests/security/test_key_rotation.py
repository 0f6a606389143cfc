"""Rotating PAINREG_SECRET_KEY with the old key in PAINREG_SECRET_KEY_FALLBACKS keeps
every open questionnaire link working: the patient's link, the staff page's link
and the reminders' link stay the same token (docs/operations.md, "Rotating the keys").
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(sec2_world: SimpleNamespace, settings: Any) -> tuple[Any, str]:
    from painreg.eprom import actions

    settings.SECRET_KEY = "the-old-secret-key-" + "x" * 40
    occasion = sec2_world.registration.occasions.get(kind="end")
    return actions.create_invitation(user=sec2_world.alice, occasion=occasion)


def test_after_a_rotation_with_the_old_key_as_fallback_the_link_is_rebuilt_unchanged(
    invitation: tuple[Any, str], settings: Any, client: Any
) -> None:
    from painreg.eprom import actions

    obj, token = invitation
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-new-secret-key-" + "y" * 40
    assert actions.token_of(obj) == token  # what the staff page and reminders send
    assert client.get(f"/enkat/{token}/").status_code == 200


def test_a_new_link_after_the_rotation_is_made_with_the_new_key(
    invitation: tuple[Any, str], settings: Any
) -> None:
    from painreg.eprom import tokens

    old = settings.SECRET_KEY
    settings.SECRET_KEY_FALLBACKS = [old]
    settings.SECRET_KEY = new = "the-new-secret-key-" + "y" * 40
    nonce = tokens.new_nonce()
    assert tokens.token_for(nonce) == tokens._token(nonce, new) != tokens._token(nonce, old)


def test_the_fallback_keys_are_read_from_the_environment(monkeypatch: Any) -> None:
    import importlib

    import painreg.settings as painreg_settings

    monkeypatch.setenv("PAINREG_SECRET_KEY_FALLBACKS", " old-one , older-one ,")
    try:
        reloaded = importlib.reload(painreg_settings)
        assert reloaded.SECRET_KEY_FALLBACKS == ["old-one", "older-one"]
    finally:
        monkeypatch.delenv("PAINREG_SECRET_KEY_FALLBACKS")
        importlib.reload(painreg_settings)
