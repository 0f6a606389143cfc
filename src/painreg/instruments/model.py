"""The instrument registry: definitions as data files, loaded into frozen objects.

Design decision (the ibis habit, "one shape repeated"): every instrument is one
YAML file ``definitions/<id>.v<version>.yaml`` with the same top-level keys
(``id, version, name, source, licence, texts_may_ship, items, scores, change,
options``). Arithmetic that data cannot express (EQ-5D value sets, SF-36
bodily pain, PCS/MCS) lives in small scoring functions named by a score's
``kind`` (see :mod:`painreg.instruments.scoring`); every threshold and cut-off
is in the YAML, never in code.

Versions are kept side by side: a new ``hads.v2.yaml`` never removes
``hads.v1.yaml``, so stored answers of version 1 stay valid and scorable
(:func:`get_instrument` with ``version=1``).

Item ids are ``<instrument>_<n>`` (``hads_3``) except EQ-5D dimensions
(``eq5d5l_mo``) and the global change questions (``global_life_1``).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "Instrument",
    "InstrumentError",
    "Item",
    "ScoreDef",
    "find_item",
    "get_instrument",
    "instrument_ids",
]

#: Top-level keys every definition file has (checked on load).
DEFINITION_KEYS = frozenset(
    {
        "id",
        "version",
        "name",
        "description",
        "source",
        "licence",
        "texts_may_ship",
        "items",
        "scores",
        "change",
        "options",
    }
)

SCORE_TYPES = ("number", "category", "boolean")


class InstrumentError(ValueError):
    """An unknown instrument or item, or an answer value the catalogue does not allow.

    The message names the item (and the row id where known), e.g.
    ``"hads_3: 4 is outside 0-3"``.
    """


@dataclass(frozen=True)
class Item:
    """One question of an instrument, as the catalogue codes its answers.

    ``values`` is the tuple of allowed coded numbers, or ``None`` for a numeric
    range ``min``..``max`` (``integer`` says whether fractions are allowed).
    ``reversed`` items are scored as ``min + max - value`` by sum/mean scores.
    """

    id: str
    instrument: str
    values: tuple[float, ...] | None
    min: float
    max: float
    required: bool = True
    reversed: bool = False
    integer: bool = True
    recode: Mapping[float, float] | None = None

    @functools.cached_property
    def contiguous_integers(self) -> bool:
        """True when the allowed codes are every integer from min to max."""
        if self.values is None:
            return self.integer
        return all(float(v).is_integer() for v in self.values) and _is_contiguous(self.values)

    def describe_range(self) -> str:
        if self.values is not None and not _is_contiguous(self.values):
            return ", ".join(_fmt(v) for v in self.values)
        return f"{_fmt(self.min)}-{_fmt(self.max)}"


@dataclass(frozen=True)
class ScoreDef:
    """One score of an instrument: its name, output type and how it is computed."""

    name: str
    type: str  # "number" | "category" | "boolean"
    kind: str
    items: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    range: tuple[float, float] | None = None
    labels: tuple[str, ...] = ()  # category labels in order (best-to-worst as defined)


@dataclass(frozen=True)
class Instrument:
    """A versioned instrument definition (frozen; loaded from its YAML file)."""

    id: str
    name: Mapping[str, str]
    version: int
    items: tuple[Item, ...]
    score_names: tuple[str, ...]
    source: str
    licence: str
    texts_may_ship: bool
    description: str = ""
    scores: tuple[ScoreDef, ...] = ()
    change: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)

    # cached_property writes the instance __dict__ directly, so it works on a
    # frozen dataclass; lookups stay O(1) in the per-response path.
    @functools.cached_property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @functools.cached_property
    def _items_by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    @functools.cached_property
    def _scores_by_name(self) -> dict[str, ScoreDef]:
        return {score.name: score for score in self.scores}

    def item(self, item_id: str) -> Item:
        try:
            return self._items_by_id[item_id]
        except KeyError:
            raise InstrumentError(
                f"{item_id}: not an item of {self.id} (version {self.version})"
            ) from None

    def score_def(self, name: str) -> ScoreDef:
        if name in self._scores_by_name:
            return self._scores_by_name[name]
        raise InstrumentError(
            f"{self.id}: no score named {name!r} (scores: {', '.join(self.score_names)})"
        )


# --------------------------------------------------------------------------- loading


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _is_contiguous(values: tuple[float, ...]) -> bool:
    return all(b - a == 1 for a, b in itertools.pairwise(values))


_RANGE = re.compile(r"^(?P<prefix>[a-z0-9]+_)(?P<start>\d+)\.\.(?P<end>\d+)$")


def expand_ids(spec: Any) -> tuple[str, ...]:
    """``"hads_1..3"`` -> ``("hads_1", "hads_2", "hads_3")``; lists expand element-wise."""
    if spec is None:
        return ()
    if isinstance(spec, str):
        match = _RANGE.match(spec)
        if match is None:
            return (spec,)
        start, end = int(match["start"]), int(match["end"])
        return tuple(f"{match['prefix']}{n}" for n in range(start, end + 1))
    out: list[str] = []
    for element in spec:
        out.extend(expand_ids(element))
    return tuple(out)


def _load_items(instrument_id: str, groups: list[dict[str, Any]]) -> tuple[Item, ...]:
    items: list[Item] = []
    for group in groups:
        values = group.get("values")
        reversed_ids = set(expand_ids(group.get("reversed", ())))
        optional_ids = set(expand_ids(group.get("optional", ())))
        recode = group.get("recode")
        recode_map = {float(k): float(v) for k, v in recode.items()} if recode else None
        if values is not None:
            vals = tuple(float(v) for v in values)
            lo, hi = min(vals), max(vals)
        else:
            vals = None
            lo, hi = float(group["min"]), float(group["max"])
        group_ids = expand_ids(group["ids"])
        unknown = (reversed_ids | optional_ids) - set(group_ids)
        if unknown:
            raise InstrumentError(f"{instrument_id}: reversed/optional ids not in group: {unknown}")
        for item_id in group_ids:
            items.append(
                Item(
                    id=item_id,
                    instrument=instrument_id,
                    values=vals,
                    min=lo,
                    max=hi,
                    required=item_id not in optional_ids and group.get("required", True),
                    reversed=item_id in reversed_ids,
                    integer=bool(group.get("integer", True)),
                    recode=recode_map,
                )
            )
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise InstrumentError(f"{instrument_id}: item {item.id} defined twice")
        seen.add(item.id)
    return tuple(items)


def _load_scores(instrument_id: str, raw: list[dict[str, Any]]) -> tuple[ScoreDef, ...]:
    scores = []
    reserved = {"name", "type", "kind", "items", "description", "range", "bands", "labels"}
    for entry in raw:
        score_type = entry.get("type", "number")
        if score_type not in SCORE_TYPES:
            raise InstrumentError(f"{instrument_id}.{entry['name']}: unknown type {score_type}")
        bands = entry.get("bands") or ()
        params = {k: v for k, v in entry.items() if k not in reserved}
        if bands:
            params["bands"] = bands
        rng = entry.get("range")
        for band in bands:
            if not isinstance(band["label"], str):
                raise InstrumentError(
                    f"{instrument_id}.{entry['name']}: label {band['label']!r} must be a word "
                    f"(quote it in the YAML)"
                )
        scores.append(
            ScoreDef(
                name=entry["name"],
                type=score_type,
                kind=entry["kind"],
                items=expand_ids(entry.get("items")),
                params=params,
                description=entry.get("description", ""),
                range=(float(rng[0]), float(rng[1])) if rng else None,
                labels=tuple(b["label"] for b in bands) or tuple(entry.get("labels", ())),
            )
        )
    return tuple(scores)


def _parse(text: str, origin: str) -> Instrument:
    data = yaml.safe_load(text)
    missing = DEFINITION_KEYS - set(data)
    extra = set(data) - DEFINITION_KEYS
    if missing or extra:
        raise InstrumentError(
            f"{origin}: definition must have exactly the keys {sorted(DEFINITION_KEYS)}; "
            f"missing {sorted(missing)}, unexpected {sorted(extra)}"
        )
    instrument_id = data["id"]
    items = _load_items(instrument_id, data["items"])
    scores = _load_scores(instrument_id, data["scores"])
    return Instrument(
        id=instrument_id,
        name=dict(data["name"]),
        version=int(data["version"]),
        items=items,
        score_names=tuple(s.name for s in scores),
        source=data["source"].strip(),
        licence=data["licence"].strip(),
        texts_may_ship=bool(data["texts_may_ship"]),
        description=(data["description"] or "").strip(),
        scores=scores,
        change=data["change"] or {},
        options=data["options"] or {},
    )


_FILE = re.compile(r"^(?P<id>[a-z0-9]+)\.v(?P<version>\d+)\.yaml$")


@functools.cache
def _registry() -> dict[str, dict[int, Instrument]]:
    registry: dict[str, dict[int, Instrument]] = {}
    folder = resources.files("painreg.instruments") / "definitions"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        match = _FILE.match(entry.name)
        if match is None:
            continue
        instrument = _parse(entry.read_text(encoding="utf-8"), entry.name)
        if instrument.id != match["id"] or instrument.version != int(match["version"]):
            raise InstrumentError(f"{entry.name}: id/version in the file do not match its name")
        registry.setdefault(instrument.id, {})[instrument.version] = instrument
    return registry


@functools.cache
def _item_index() -> dict[str, Item]:
    index: dict[str, Item] = {}
    for versions in _registry().values():
        for version in sorted(versions):  # latest version wins for the same id
            for item in versions[version].items:
                index[item.id] = item
    return index


def instrument_ids() -> list[str]:
    """All instrument ids, sorted."""
    return sorted(_registry())


def get_instrument(instrument_id: str, version: int | None = None) -> Instrument:
    """The definition of ``instrument_id`` (latest version unless ``version`` is given)."""
    versions = _registry().get(instrument_id)
    if versions is None:
        raise InstrumentError(
            f"unknown instrument {instrument_id!r}; known: {', '.join(instrument_ids())}"
        )
    if version is None:
        return versions[max(versions)]
    if version not in versions:
        raise InstrumentError(
            f"{instrument_id}: no version {version} (versions: {sorted(versions)})"
        )
    return versions[version]


def find_item(item_id: str) -> Item:
    """The catalogue item with this id (of the latest definition that has it)."""
    try:
        return _item_index()[item_id]
    except KeyError:
        raise InstrumentError(f"{item_id}: unknown item id") from None
