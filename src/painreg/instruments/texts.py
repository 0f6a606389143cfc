"""Item texts: text packs kept apart from the definitions.

Design decision (DOMAIN.md, "Licensed instrument texts"): scoring ships for
every instrument, wording only where its owner allows (RAND-36 with RAND's
credit line, the pain intensity scale, the register's own questions). Texts of
licensed instruments come from a *text pack* the registry holder loads under
their licence (``painreg instruments load-texts PACK``); until then
:func:`item_text` returns a clearly marked placeholder, never an invented
wording.

A text pack is one YAML file (format in docs/scoring.md)::

    pack: hads-sv            # free name
    instrument: hads
    version: 1               # definition version the texts belong to
    language: sv
    licence: "..."           # who licensed it to whom
    credit: "..."            # line shown under the questionnaire (optional)
    placeholder: false
    items:
      hads_1:
        text: "Jag känner mig spänd eller nervös"
        options: {3: "För det mesta", 2: "Ofta", 1: "Då och då", 0: "Inte alls"}

Shipped packs live in ``painreg/instruments/textpacks``; loaded packs in the
directory ``PAINREG_TEXT_PACK_DIR`` (default ``var/textpacks``), where a
loaded pack overrides a shipped one for the same instrument and language.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from painreg.instruments.model import InstrumentError, find_item, get_instrument
from painreg.outputs import write_output

PACK_KEYS_REQUIRED = frozenset({"pack", "instrument", "version", "language", "licence", "items"})
PACK_KEYS_OPTIONAL = frozenset({"credit", "placeholder", "title", "instructions"})
LANGUAGES = ("sv", "en")

PLACEHOLDER_MARK = "[TEXT NOT LICENSED]"


@dataclass(frozen=True)
class TextPack:
    """A validated text pack: texts and option labels for one instrument and language."""

    pack: str
    instrument: str
    version: int
    language: str
    licence: str
    credit: str
    placeholder: bool
    items: Mapping[str, Mapping[str, Any]]
    title: str = ""
    instructions: str = ""


def text_pack_dir() -> Path:
    """Where loaded packs are stored: PAINREG_TEXT_PACK_DIR or ./var/textpacks."""
    return Path(os.environ.get("PAINREG_TEXT_PACK_DIR", "var/textpacks"))


def parse_pack(text: str, origin: str) -> TextPack:
    """Parse and validate a pack against the catalogue; InstrumentError names the problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{origin}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise InstrumentError(f"{origin}: a text pack is a YAML mapping")
    missing = PACK_KEYS_REQUIRED - set(data)
    unknown = set(data) - PACK_KEYS_REQUIRED - PACK_KEYS_OPTIONAL
    if missing or unknown:
        raise InstrumentError(
            f"{origin}: missing key(s) {sorted(missing)}, unknown key(s) {sorted(unknown)}"
        )
    instrument = get_instrument(str(data["instrument"]), int(data["version"]))
    if data["language"] not in LANGUAGES:
        raise InstrumentError(f"{origin}: language must be one of {', '.join(LANGUAGES)}")
    items = data["items"] or {}
    if not isinstance(items, dict):
        raise InstrumentError(f"{origin}: items must map item ids to texts")
    for item_id, entry in items.items():
        if item_id not in instrument.item_ids:
            raise InstrumentError(f"{origin}: {item_id} is not an item of {instrument.id}")
        if not isinstance(entry, dict) or not str(entry.get("text", "")).strip():
            raise InstrumentError(f"{origin}: {item_id} needs a non-empty text")
        options = entry.get("options") or {}
        item = instrument.item(item_id)
        for code in options:
            if item.values is not None and float(code) not in item.values:
                raise InstrumentError(
                    f"{origin}: {item_id} option {code} is not a coded value "
                    f"({item.describe_range()})"
                )
    absent = [i for i in instrument.item_ids if i not in items]
    if absent and not data.get("placeholder", False):
        raise InstrumentError(f"{origin}: no text for {', '.join(absent)}")
    return TextPack(
        pack=str(data["pack"]),
        instrument=instrument.id,
        version=instrument.version,
        language=str(data["language"]),
        licence=str(data["licence"]).strip(),
        credit=str(data.get("credit") or "").strip(),
        placeholder=bool(data.get("placeholder", False)),
        items={k: dict(v) for k, v in items.items()},
        title=str(data.get("title") or ""),
        instructions=str(data.get("instructions") or ""),
    )


@functools.cache
def _shipped() -> dict[tuple[str, str], TextPack]:
    packs: dict[tuple[str, str], TextPack] = {}
    folder = resources.files("painreg.instruments") / "textpacks"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            pack = parse_pack(entry.read_text(encoding="utf-8"), entry.name)
            packs[(pack.instrument, pack.language)] = pack
    return packs


def _loaded(instrument_id: str, language: str) -> TextPack | None:
    path = text_pack_dir() / f"{instrument_id}.{language}.yaml"
    if not path.is_file():
        return None
    return _parse_cached(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _parse_cached(path: str, mtime: int) -> TextPack:
    return parse_pack(Path(path).read_text(encoding="utf-8"), path)


def text_pack(instrument_id: str, language: str = "sv") -> TextPack | None:
    """The pack in use for an instrument and language: loaded, else shipped, else None."""
    return _loaded(instrument_id, language) or _shipped().get((instrument_id, language))


def shipped_packs() -> list[TextPack]:
    return list(_shipped().values())


def _entry(item_id: str, language: str) -> tuple[Mapping[str, Any] | None, TextPack | None]:
    item = find_item(item_id)
    candidates = [language]
    if get_instrument(item.instrument).texts_may_ship:
        # Free wordings: better the other shipped language than a placeholder
        # (RAND-36 ships in English; a Swedish translation is loaded as a pack).
        candidates += [lang for lang in LANGUAGES if lang != language]
    for candidate in candidates:
        pack = text_pack(item.instrument, candidate)
        if pack is not None and not pack.placeholder and item_id in pack.items:
            return pack.items[item_id], pack
    return None, None


def has_text(item_id: str, lang: str = "sv") -> bool:
    """Whether an item has a real (shipped or loaded) text, not a placeholder.

    >>> has_text("nprs_1", "en"), has_text("hads_1")
    (True, False)
    """
    entry, _ = _entry(item_id, lang)
    return entry is not None


def item_text(item_id: str, lang: str = "sv") -> str:
    """The question text of an item, or a clearly marked placeholder without a licence.

    >>> item_text("nprs_1", "en").startswith("On a scale")
    True
    >>> item_text("hads_1").startswith("[TEXT NOT LICENSED]")
    True
    """
    entry, _ = _entry(item_id, lang)
    if entry is not None:
        return str(entry["text"]).strip()
    item = find_item(item_id)
    return (
        f"{PLACEHOLDER_MARK} {item.instrument.upper()} {item_id}: the registry holder loads "
        f"the licensed text with `painreg instruments load-texts`"
    )


def option_labels(item_id: str, lang: str = "sv") -> dict[float, str]:
    """Labels of the coded answer options of an item ({} for a numeric range without labels).

    Without a licensed text the labels are the coded values themselves, marked
    as placeholders.
    """
    entry, _ = _entry(item_id, lang)
    item = find_item(item_id)
    if entry is not None and entry.get("options"):
        return {float(code): str(label) for code, label in entry["options"].items()}
    if item.values is None:
        return {}
    if entry is not None:
        return {v: _fmt(v) for v in item.values}
    return {v: f"{PLACEHOLDER_MARK} {_fmt(v)}" for v in item.values}


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def placeholder_pack(instrument_id: str, language: str = "sv") -> str:
    """A pack template for an instrument, every text clearly marked as a placeholder.

    The registry holder copies it, replaces the texts and option labels with the
    licensed wording, sets ``placeholder: false`` and loads it.
    """
    instrument = get_instrument(instrument_id)
    items: dict[str, Any] = {}
    for item in instrument.items:
        entry: dict[str, Any] = {"text": f"{PLACEHOLDER_MARK} {item.id}"}
        if item.values is not None:
            entry["options"] = {
                int(v) if float(v).is_integer() else v: f"{PLACEHOLDER_MARK} {_fmt(v)}"
                for v in item.values
            }
        items[item.id] = entry
    data = {
        "pack": f"{instrument.id}-{language}",
        "instrument": instrument.id,
        "version": instrument.version,
        "language": language,
        "licence": f"{PLACEHOLDER_MARK} state the licence under which these texts are used",
        "placeholder": True,
        "items": items,
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def load_pack(path: Path) -> Path:
    """Validate a pack file and store it where the registry holder configured."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentError(f"cannot read {path}: {exc.strerror}") from None
    pack = parse_pack(text, str(path))
    if pack.placeholder:
        raise InstrumentError(
            f"{path}: still marked `placeholder: true`; replace every text with the licensed "
            f"wording and set `placeholder: false`"
        )
    if PLACEHOLDER_MARK in text:
        raise InstrumentError(f"{path}: still contains {PLACEHOLDER_MARK} texts")
    target_dir = text_pack_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{pack.instrument}.{pack.language}.yaml"
    write_output(target, text)  # atomic: never a half-written pack
    return target
