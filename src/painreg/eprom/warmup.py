"""Fill a web server process's caches before its first patient request.

Every gunicorn worker builds the same per-process caches on first use: the
URL configuration and the view modules, the instrument catalogue and its
item index, the questionnaire's text packs, the compiled patient templates
(Django's cached template loader) and the scoring code. Built lazily, that
work falls inside the first requests each worker serves (the first page,
the first submit), which a patient feels as a stall and a load
test as a latency spike (docs/eprom.md, "Load"). ``painreg.wsgi`` calls
:func:`warm` once per process, at start.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

PATIENT_TEMPLATES = (
    "eprom/identity.html",
    "eprom/page.html",
    "eprom/review.html",
    "eprom/message.html",
)


def warm() -> None:
    """Build the caches; a failure is logged, never fatal (the first request would
    build them anyway)."""
    try:
        _warm()
    except Exception:  # warming is an optimisation only
        logger.exception("warming the patient pages' caches failed")


def _warm() -> None:
    from django.template.loader import get_template
    from django.urls import get_resolver

    from painreg import instruments
    from painreg.eprom import questionnaire, uitext
    from painreg.registry import actions  # noqa: F401 - the submit's code path
    from painreg.registry.form_config import CARE_LEVELS, OCCASION_KINDS, form_instruments

    get_resolver().url_patterns  # noqa: B018 - imports every URL module and view
    for name in PATIENT_TEMPLATES:
        get_template(name)
    uitext.packs()
    forms = {
        tuple(form_instruments(level, kind)) for level in CARE_LEVELS for kind in OCCASION_KINDS
    }
    for form in forms:
        for page in questionnaire.pages(list(form)):
            for language in ("sv", "en"):
                for item_id in page.items:
                    instruments.item_text(item_id, language)
                    instruments.option_labels(item_id, language)
        for instrument_id in form:  # the scoring code of every instrument (numpy)
            items = [
                instruments.find_item(i) for i in instruments.get_instrument(instrument_id).item_ids
            ]
            instruments.score(
                instrument_id, {i.id: i.values[0] if i.values else i.min for i in items}
            )
