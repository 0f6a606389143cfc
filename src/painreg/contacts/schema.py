"""The canonical shape of a contact extract and of sick-leave certificates.

Source: docs/contacts.md (input format) and DOMAIN.md (profession
vocabulary, *yrkeskategori*). Everything that reads an extract maps it onto
these names first (:mod:`painreg.contacts.mapping`), so the measures only
ever see canonical columns and values.
"""

from __future__ import annotations

from painreg.tidy import vocabulary

#: Canonical professions (DOMAIN.md), in the order reports list them.
PROFESSIONS: tuple[str, ...] = (
    "physician",
    "physiotherapist",
    "occupational_therapist",
    "nurse",
    "psychologist",
    "assistant_nurse",
    "counsellor",
    "rehab_coordinator",
    "other",
)

#: Swedish labels for rendered outputs (as the health centre's report names them).
PROFESSION_LABELS_SV: dict[str, str] = {
    "physician": "Läkare",
    "physiotherapist": "Fysioterapeut/sjukgymnast",
    "occupational_therapist": "Arbetsterapeut",
    "nurse": "Sjuksköterska",
    "psychologist": "Psykolog",
    "assistant_nurse": "Undersköterska",
    "counsellor": "Kurator",
    "rehab_coordinator": "Rehabkoordinator",
    "other": "Annan profession",
}

#: Each profession's bit in a patient's profession set. A set of professions
#: is then one integer (the sum of distinct bits), which groups and counts
#: the same way on every engine, unlike arrays.
PROFESSION_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(PROFESSIONS)}

CONTACT_TYPES: tuple[str, ...] = ("visit", "phone", "digital", "other")
SEXES: tuple[str, ...] = vocabulary.SEXES.values
EXTENTS: tuple[str, ...] = ("25", "50", "75", "100")

#: Contact columns: required ones must be present in the file (after header
#: mapping); optional ones may be absent and are then empty.
CONTACT_REQUIRED: tuple[str, ...] = (
    "patient_id",
    "sex",
    "birth_year",
    "contact_date",
    "unit_id",
    "caregiver_id",
    "profession",
    "diagnoses",
)
CONTACT_OPTIONAL: tuple[str, ...] = ("contact_type", "contact_time")
CONTACT_COLUMNS: tuple[str, ...] = CONTACT_REQUIRED + CONTACT_OPTIONAL

CERTIFICATE_REQUIRED: tuple[str, ...] = (
    "patient_id",
    "unit_id",
    "start_date",
    "end_date",
    "extent",
    "diagnosis",
)
CERTIFICATE_COLUMNS: tuple[str, ...] = CERTIFICATE_REQUIRED

#: Plausible birth years (a 4-digit year; the upper bound is checked against
#: the contact date: nobody has a contact before being born).
MIN_BIRTH_YEAR = 1880
