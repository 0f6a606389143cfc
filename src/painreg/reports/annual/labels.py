"""The Swedish labels of the annual report: care levels, categories, reasons,
education, activity, work measures, healthcare regions, and the indicators
drawn over the years."""

from __future__ import annotations

from painreg.tidy import vocabulary

LEVEL_LABEL = {"specialist": "MMRsv (specialistvård)", "primary": "MMRpv (primärvård)"}
LEVEL_SHORT = {"specialist": "MMRsv", "primary": "MMRpv"}
CATEGORY_SV = vocabulary.CHANGE_CATEGORIES.headings()
REASON_SV = vocabulary.DISCONTINUATION_REASONS.headings()
EDUCATION_SV = {
    **vocabulary.EDUCATION.headings(),
    vocabulary.UNKNOWN.value: vocabulary.UNKNOWN.heading(),
}
# In running text, as "hads (initialt)".
OCCASION_SV = {k: v[:1].lower() + v[1:] for k, v in vocabulary.OCCASIONS.headings().items()}
TEST_SV = {"mann_whitney": "Mann–Whitney", "chi2": "χ²", "fisher": "Fisher", "none": "–"}
ACTIVITY_SV = {
    "none": "Ingen tid alls",
    "under_30": "< 30 min",
    "from_30_to_60": "30–60 min",
    "from_60_to_90": "60–90 min",
    "from_90_to_150": "90–150 min",
    "from_150_to_300": "150–300 min",
    "over_300": "> 300 min",
}
WAI_SV = {"poor": "Dålig", "moderate": "Måttlig", "good": "Bra", "excellent": "Utmärkt"}
WORK_SV = vocabulary.WORK_MEASURES.headings()
TREND_KEYS = (
    "completed_rehab",
    "assessments",
    "hads_anxiety_case_initial",
    "hads_depression_case_initial",
    "wai_category_initial",
    "wai_category_end",
    "work_measures",
    "selection_women",
    "selection_men",
    "satisfaction_end",
    "mental_wellbeing_end",
    "mpi_adaptive_coper_initial",
    "mpi_adaptive_coper_end",
)
#: Said instead of figure 22 when no MPI profile is classified (no classifier given).
MPI_NOT_CLASSIFIED = "MPI-profil ej klassificerad (klassificerare saknas)"

HEALTHCARE_REGION_SV = vocabulary.HEALTHCARE_REGIONS.headings()
