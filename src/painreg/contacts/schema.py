"""The canonical shape of a contact extract and the tables that come with it.

Contacts and sick-leave certificates; and, each optional, prescriptions,
listings (the health centre a patient is listed at, with the named regular
physician and care contact) and referrals between units.

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

PRESCRIPTION_REQUIRED: tuple[str, ...] = ("patient_id", "unit_id", "prescribed_on", "atc")
PRESCRIPTION_OPTIONAL: tuple[str, ...] = ("ddd", "caregiver_id", "profession")

LISTING_REQUIRED: tuple[str, ...] = ("patient_id", "unit_id", "listed_from")
LISTING_OPTIONAL: tuple[str, ...] = ("listed_to", "regular_physician_id", "regular_contact_id")

REFERRAL_REQUIRED: tuple[str, ...] = ("patient_id", "from_unit_id", "to_unit_id", "sent_on")
REFERRAL_OPTIONAL: tuple[str, ...] = ("accepted_on", "first_visit_on", "returned", "reason_code")

#: Every column name of every input table (the mapping file may map local headers to these).
ALL_COLUMNS: frozenset[str] = frozenset(
    CONTACT_COLUMNS
    + CERTIFICATE_COLUMNS
    + PRESCRIPTION_REQUIRED
    + PRESCRIPTION_OPTIONAL
    + LISTING_REQUIRED
    + LISTING_OPTIONAL
    + REFERRAL_REQUIRED
    + REFERRAL_OPTIONAL
)

#: Addictive-drug groups by ATC prefix (DOMAIN.md "Prescriptions and named
#: contacts in primary care"); ``--drug-groups FILE`` replaces them.
DEFAULT_DRUG_GROUPS: dict[str, tuple[str, ...]] = {
    "opioids": ("N02A",),
    "benzodiazepines": ("N05BA", "N05CD"),
    "z_drugs": ("N05CF",),
    "gabapentinoids": ("N03AX12", "N03AX16"),
}

#: The care guarantee (vårdgarantin): a first visit within this many days of the referral.
CARE_GUARANTEE_DAYS = 90

#: Pain care levels 1-4 (DOMAIN.md "Care levels 1-4").
CARE_LEVELS: tuple[int, ...] = (1, 2, 3, 4)
OWNERS: tuple[str, ...] = ("public", "private")
