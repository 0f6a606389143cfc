"""The models' choices and the region table are the vocabulary's, in both languages."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from painreg.registry import models as registry_models
from painreg.tidy import vocabulary

CHOICES: dict[type[models.TextChoices], vocabulary.CodeList] = {
    registry_models.HealthcareRegion: vocabulary.HEALTHCARE_REGIONS,
    registry_models.CareLevel: vocabulary.CARE_LEVELS,
    registry_models.Sex: vocabulary.SEXES,
    registry_models.Category: vocabulary.REGISTRATION_CATEGORIES,
    registry_models.DiscontinuationReason: vocabulary.DISCONTINUATION_REASONS,
    registry_models.Education: vocabulary.EDUCATION,
    registry_models.WorkMeasure: vocabulary.WORK_MEASURES,
    registry_models.ProgrammeFeature: vocabulary.PROGRAMMES,
    registry_models.OccasionKind: vocabulary.OCCASIONS,
    registry_models.OccasionStatus: vocabulary.OCCASION_STATUSES,
    registry_models.AnswerSource: vocabulary.ANSWER_SOURCES,
}


@pytest.mark.parametrize("language", vocabulary.LANGUAGES)
def test_every_models_choices_are_a_vocabulary_list_in_the_active_language(language: str) -> None:
    with translation.override(language):
        for choices, codes in CHOICES.items():
            assert [(v, str(label)) for v, label in choices.choices] == list(
                codes.labels(language).items()
            ), choices.__name__


def test_the_choices_keep_their_member_names() -> None:
    assert registry_models.Category.REHAB == "rehab"
    assert registry_models.OccasionKind.FOLLOWUP_1Y == "followup_1y"
    assert registry_models.OccasionStatus.SIGNED_OFF.label == "klarmarkerad"


def test_the_region_codes_the_database_accepts_are_the_vocabularys() -> None:
    assert registry_models.REGION_CODES == vocabulary.REGION_CODES


@pytest.mark.django_db
def test_the_migration_loads_every_region_of_the_vocabulary() -> None:
    rows = list(registry_models.Region.objects.values_list("code", "name", "healthcare_region"))
    assert rows == [
        (r.value, r.label(), vocabulary.HEALTHCARE_REGION_OF[r.value]) for r in vocabulary.REGIONS
    ]
