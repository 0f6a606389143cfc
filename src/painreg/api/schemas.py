"""The JSON shapes of API v1 (they make the OpenAPI schema at /api/v1/openapi.json)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class UnitOut(Schema):
    id: int
    code: str = Field(description="The unit's code: the unit_id of the interchange tables")
    name: str
    region: str = Field(description="SCB county code of the unit's region")
    care_level: str
    hsa_id: str | None = None
    roles: list[str] = Field(description="The token owner's roles in the unit")


class OccasionSummary(Schema):
    kind: str = Field(description="initial | end | followup_1y")
    status: str
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    signed_off_at: dt.datetime | None = None
    not_administered: dict[str, str] = Field(
        description="Instrument id -> why it was not administered"
    )


class Issue(Schema):
    field: str
    code: str
    message: str


class RegistrationSummary(Schema):
    """A registration without the patient's identity (lists)."""

    id: int = Field(description="The database id (registration_id in paths)")
    registration_id: str = Field(description="The interchange registration_id")
    unit_id: int
    unit_code: str
    category: str
    referral_date: dt.date | None = None
    first_visit_date: dt.date | None = None
    rehab_start_date: dt.date | None = None
    rehab_end_date: dt.date | None = None
    discontinued: bool
    signed_off_at: dt.datetime | None = None
    updated_at: dt.datetime


class RegistrationOut(RegistrationSummary):
    """One registration with the patient's identity (each read is in the access log)."""

    patient_id: int
    personnummer: str | None = Field(None, description="12 digits; null for an external id")
    external_id: str | None = None
    opted_out: bool
    discontinuation_reason: str
    main_diagnosis: str
    secondary_diagnoses: list[str]
    education: str
    work_measures: list[str]
    programme: list[str]
    occasions: list[OccasionSummary]
    warnings: list[Issue]


class RegistrationFields(Schema):
    """The fields of the registration form (validated exactly as the web form)."""

    category: str = Field(description="assessment | rehab")
    referral_date: dt.date | None = None
    first_visit_date: dt.date | None = None
    rehab_start_date: dt.date | None = None
    rehab_end_date: dt.date | None = None
    discontinued: bool = False
    discontinuation_reason: str = ""
    main_diagnosis: str = Field("", max_length=8)
    secondary_diagnoses: list[str] = Field(default_factory=list, max_length=20)
    education: str = ""
    work_measures: list[str] = Field(default_factory=list, max_length=20)
    programme: list[str] = Field(default_factory=list, max_length=20)


class RegistrationCreate(RegistrationFields):
    personnummer: str = Field(max_length=20, description="YYYYMMDD-NNNN or YYMMDD-NNNN")
    unit_id: int | None = Field(
        None, description="The unit; may be left out when the token has one unit"
    )


class RegistrationUpdate(RegistrationFields):
    reason: str = Field("", max_length=500, description="Required once it is signed off")


class PatientSearch(Schema):
    personnummer: str = Field(max_length=20)


class AnswerOut(Schema):
    item: str
    value: float
    answered_on: dt.date
    source: str


class ScoreOut(Schema):
    instrument: str
    score: str
    value: float


class OccasionOut(OccasionSummary):
    registration_id: int
    answers: list[AnswerOut]
    scores: list[ScoreOut]
    signoff_problems: list[Issue]


class AnswersIn(Schema):
    """All items of one instrument: an item left out or null is not answered."""

    answered_on: dt.date
    answers: dict[str, float | None] = Field(
        description="Item id -> coded value (as on the paper form)"
    )
    reason: str = Field("", max_length=500, description="Required once it is signed off")


class AnswersSaved(Schema):
    occasion: OccasionOut
    warnings: list[Issue]


class NotAdministeredIn(Schema):
    reason: str | None = Field(
        None, max_length=300, description="Why it was not administered; null removes the mark"
    )


class ReasonIn(Schema):
    reason: str = Field(max_length=500)


class InvitationCreate(Schema):
    valid_days: int = 30
    language: str = "sv"
    email: str = ""
    phone: str = ""


class InvitationOut(Schema):
    id: int
    registration_id: int
    occasion: str
    status: str = Field(description="open | submitted | revoked")
    state: str = Field(description="The occasion's answering state (as on the ePROM page)")
    instruments: list[str]
    created_at: dt.datetime
    valid_until: dt.datetime
    opened_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    locked: bool
    link: str | None = Field(None, description="The patient's link while it takes answers")


class ShareOut(Schema):
    label: str
    numerator: int | None = Field(None, description="null where the publishing rule hides it")
    denominator: int | None = None
    share: float | None = None
    low: float | None = None
    high: float | None = None
    status: str = Field(description="hidden | grey | ok (the publishing rule)")
    own: bool


class MeasureOut(Schema):
    key: str
    title: str
    what: str
    unit: ShareOut
    national: ShareOut
    others: list[ShareOut]


class IndicatorsOut(Schema):
    unit_id: int
    unit_code: str
    year_from: int
    year_to: int
    selection: str
    own: bool = Field(description="The caller may see the unit's patients (counts unsuppressed)")
    measures: list[MeasureOut]
