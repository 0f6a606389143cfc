"""The web server's start-up warming of the patient pages' caches."""

from __future__ import annotations

import logging


def test_warming_builds_the_caches_without_an_error(caplog):
    from painreg.eprom import warmup
    from painreg.instruments import model

    with caplog.at_level(logging.ERROR, logger="painreg.eprom.warmup"):
        warmup.warm()
    assert not caplog.records  # a failure would only be logged; there is none
    assert model._item_index.cache_info().currsize == 1


def test_a_failure_while_warming_is_logged_not_raised(caplog, monkeypatch):
    from painreg.eprom import warmup

    def broken() -> None:
        raise RuntimeError("no catalogue")

    monkeypatch.setattr(warmup, "_warm", broken)
    with caplog.at_level(logging.ERROR, logger="painreg.eprom.warmup"):
        warmup.warm()
    assert "warming the patient pages' caches failed" in caplog.text
