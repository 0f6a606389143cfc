"""The demo's patient link: created once, shown again on the next start."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_demo_link_is_created_once_and_works(client, registration):
    from painreg.cli import demo_link as demo
    from painreg.eprom.models import Invitation

    line = demo.demo_link_line("http://127.0.0.1:8000/")
    assert line == demo.demo_link_line("http://127.0.0.1:8000")
    assert Invitation.objects.count() == 1
    path = line.split("http://127.0.0.1:8000")[1].split(" ")[0]
    response = client.post(path, {"identity": "1912-12-12"})
    assert response.status_code == 302 and "/sida/1/" in response.url
