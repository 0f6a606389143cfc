"""The register's forms: which instruments are asked at each occasion, per care level.

Design decision: one configuration, read by one loader, for everything that
needs to know an occasion's form: the occasion's sign-off check and the
staff entry page (``registry``) and the patient's questionnaire
(``eprom.questionnaire``). It lives in the registry (the lower layer: ePROM
depends on the registry, never the reverse) as data,
``registry/data/forms.yaml``; the lists follow the register's forms as the
2021 annual report describes them (docs/eprom.md).

Pure Python over the instrument library (no Django), so the FHIR import and
the web pages share it.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

from painreg import instruments
from painreg.tidy import vocabulary

CARE_LEVELS = vocabulary.CARE_LEVELS.values
OCCASION_KINDS = vocabulary.OCCASIONS.values


@functools.cache
def _config() -> dict[str, Any]:
    text = (resources.files("painreg.registry") / "data" / "forms.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for level in CARE_LEVELS:
        for kind in OCCASION_KINDS:
            for instrument_id in data["forms"][level][kind]:
                instruments.get_instrument(instrument_id)  # unknown id: fail at load
    return data


def page_size() -> int:
    """At most this many items on one page of the patient's questionnaire."""
    return int(_config()["page_size"])


def form_instruments(care_level: str, occasion_kind: str) -> list[str]:
    """The instruments of the form for ``care_level`` at ``occasion_kind``, in order.

    Raises :class:`painreg.instruments.InstrumentError` when none is configured.
    """
    try:
        return list(_config()["forms"][care_level][occasion_kind])
    except KeyError:
        raise instruments.InstrumentError(
            f"no form configured for care level {care_level!r} and occasion {occasion_kind!r}"
        ) from None
