"""The Swedish labels of the annual report: care levels, categories, reasons,
education, activity, work measures, healthcare regions, and the indicators
drawn over the years."""

from __future__ import annotations

LEVEL_LABEL = {"specialist": "MMRsv (specialistvård)", "primary": "MMRpv (primärvård)"}
LEVEL_SHORT = {"specialist": "MMRsv", "primary": "MMRpv"}
CATEGORY_SV = {
    "improved": "Förbättrad",
    "unchanged_positive": "Oförändrat positiv",
    "unchanged_negative": "Oförändrat negativ",
    "unchanged": "Oförändrad",
    "worsened": "Försämrad",
}
REASON_SV = {
    "own_decision": "Eget beslut",
    "other_medical": "Annan medicinsk kontakt",
    "other": "Annat",
}
EDUCATION_SV = {
    "compulsory": "Grundskola",
    "upper_secondary": "Gymnasium",
    "university": "Universitet/högskola",
    "other": "Annan",
    "unknown": "Uppgift saknas",
}
OCCASION_SV = {"initial": "initialt", "end": "avslut", "followup_1y": "1 år"}
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
WORK_SV = {
    "rehab_plan": "Rehabiliteringsplan",
    "rtw_action_plan": "Handlingsplan för återgång",
    "ergonomic": "Ergonomiska åtgärder",
    "planned_meetings": "Planerade möten",
    "workplace_visit": "Arbetsplatsbesök",
}
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

HEALTHCARE_REGION_SV = {
    "stockholm_gotland": "Stockholm-Gotland",
    "mellansverige": "Mellansverige",
    "sydostra": "Sydöstra",
    "sodra": "Södra",
    "vastra": "Västra",
    "norra": "Norra",
}
