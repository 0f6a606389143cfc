"""The patient pages' own words, as text packs: one YAML file per language.

Design decision: the questionnaire's interface texts are a small pack per
language (``data/ui/<lang>.yaml``, plus any ``<lang>.yaml`` in the directory
``PAINREG_EPROM_TEXT_DIR``) with a ``direction`` (``ltr``/``rtl``), so adding a
language, right-to-left ones included, is adding a file; the item texts come
from the instrument library's text packs. Every pack must have every key of
the Swedish one (checked on load).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

DEFAULT = "sv"


@dataclass(frozen=True)
class UiPack:
    language: str
    name: str
    direction: str
    texts: dict[str, str]

    def t(self, key: str, **values: object) -> str:
        text = self.texts[key]
        return text.format(**values) if values else text


def _parse(text: str, origin: str) -> UiPack:
    data = yaml.safe_load(text)
    direction = data.get("direction", "ltr")
    if direction not in ("ltr", "rtl"):
        raise ValueError(f"{origin}: direction must be ltr or rtl")
    return UiPack(
        language=str(data["language"]),
        name=str(data["name"]),
        direction=direction,
        texts={str(k): str(v) for k, v in data["texts"].items()},
    )


@functools.cache
def _shipped() -> dict[str, UiPack]:
    folder = resources.files("painreg.eprom") / "data" / "ui"
    packs = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".yaml"):
            pack = _parse(entry.read_text(encoding="utf-8"), entry.name)
            packs[pack.language] = pack
    return packs


def packs() -> dict[str, UiPack]:
    """Every language pack: shipped ones, then extra ones from PAINREG_EPROM_TEXT_DIR."""
    found = dict(_shipped())
    extra = os.environ.get("PAINREG_EPROM_TEXT_DIR")
    if extra and Path(extra).is_dir():
        for path in sorted(Path(extra).glob("*.yaml")):
            pack = _parse(path.read_text(encoding="utf-8"), str(path))
            found[pack.language] = pack
    reference = set(found[DEFAULT].texts)
    for pack in found.values():
        missing = reference - set(pack.texts)
        if missing:
            raise ValueError(f"ui text pack {pack.language}: missing {sorted(missing)}")
    return found


def get(language: str | None) -> UiPack:
    available = packs()
    return available.get(language or DEFAULT) or available[DEFAULT]
