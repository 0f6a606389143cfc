"""The patient's questionnaire: which instruments, split into pages, and page checks.

Design decisions:

* The form of an occasion (which instruments, in which order) is data:
  ``registry/data/forms.yaml`` per care level and occasion, read by
  ``registry.form_config`` (the registry's sign-off checks the same form).
  An invitation stores the instrument list it was created with, so editing
  the file never changes a questionnaire that a patient has half answered.
* A page is one instrument, or a run of at most ``page_size`` of its items
  (one screen on a phone; HADS becomes two pages). Pages are derived, never
  stored: the same list and page size always give the same pages.
* Every value is checked against the instrument catalogue
  (``instruments.validate_value``), the same check ``registry.actions`` makes
  when the answers are saved; required items (the catalogue's ``required``)
  must be answered before the patient moves on, optional ones may be skipped.

Pure Python over the instrument library: no Django here, so the FHIR import
and the web pages share exactly this code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from painreg import instruments

# Re-exported: the questionnaire's callers ask it for the form and page size.
from painreg.registry.form_config import CARE_LEVELS as CARE_LEVELS
from painreg.registry.form_config import OCCASION_KINDS as OCCASION_KINDS
from painreg.registry.form_config import form_instruments as form_instruments
from painreg.registry.form_config import page_size as page_size


@dataclass(frozen=True)
class Page:
    """One screen of the questionnaire: some items of one instrument."""

    number: int  # 1-based
    instrument: str
    items: tuple[str, ...]
    part: int  # 1-based part of the instrument
    parts: int  # how many pages the instrument has


@dataclass(frozen=True)
class PageError:
    """A problem with one answer, in both languages (shown next to the question)."""

    item: str
    code: str
    sv: str
    en: str

    def message(self, language: str) -> str:
        return self.sv if language == "sv" else self.en


def pages(instrument_ids: list[str], size: int | None = None) -> list[Page]:
    """Split the instruments into pages of at most ``size`` items, in order."""
    size = size or page_size()
    out: list[Page] = []
    for instrument_id in instrument_ids:
        items = instruments.get_instrument(instrument_id).item_ids
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        for part, chunk in enumerate(chunks, start=1):
            out.append(
                Page(
                    number=len(out) + 1,
                    instrument=instrument_id,
                    items=tuple(chunk),
                    part=part,
                    parts=len(chunks),
                )
            )
    return out


def form_items(instrument_ids: list[str]) -> list[str]:
    return [item for page in pages(instrument_ids) for item in page.items]


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def check_answers(
    items: list[str] | tuple[str, ...],
    raw: Mapping[str, Any],
    *,
    require: bool = True,
) -> tuple[dict[str, float | None], list[PageError]]:
    """Check the raw answers (form strings or numbers) to ``items``.

    Returns the clean values (``None`` = not answered) and the problems. A
    value the catalogue does not allow is always an error; a missing answer to
    a required item is an error only when ``require`` (moving forward or
    submitting, not going back).
    """
    clean: dict[str, float | None] = {}
    errors: list[PageError] = []
    for item_id in items:
        item = instruments.find_item(item_id)
        value = raw.get(item_id)
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        if value is None or value == "":
            clean[item_id] = None
            if require and item.required:
                errors.append(
                    PageError(
                        item_id,
                        "required",
                        "Svara på frågan för att gå vidare.",
                        "Answer this question to continue.",
                    )
                )
            continue
        try:
            clean[item_id] = float(instruments.validate_value(item_id, value))
        except (instruments.InstrumentError, ValueError, TypeError):
            clean[item_id] = None
            if item.values is not None:
                errors.append(
                    PageError(
                        item_id,
                        "value",
                        "Välj ett av svarsalternativen.",
                        "Choose one of the answers.",
                    )
                )
            else:
                low, high = _number_text(item.min), _number_text(item.max)
                whole = "ett heltal" if item.integer else "ett tal"
                errors.append(
                    PageError(
                        item_id,
                        "value",
                        f"Skriv {whole} från {low} till {high}.",
                        f"Enter a {'whole ' if item.integer else ''}number from {low} to {high}.",
                    )
                )
    return clean, errors


def missing_required(instrument_ids: list[str], answers: Mapping[str, Any]) -> list[Page]:
    """Pages that still have an unanswered required item (for the final check)."""
    out = []
    for page in pages(instrument_ids):
        for item_id in page.items:
            if instruments.find_item(item_id).required and answers.get(item_id) in (None, ""):
                out.append(page)
                break
    return out
