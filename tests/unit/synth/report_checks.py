"""National figures of a synthetic register, computed with plain pandas per DOMAIN.md.

Independent of the analytics package on purpose: the synthetic register is
checked against the report by the counting rules as written, not by the code
under test elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq


def load(directory: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("units", "unit_year_totals", "patients", "registrations"):
        path = directory / f"{name}.parquet"
        out[name] = (
            pq.read_table(path).to_pandas()
            if path.exists()
            else pd.read_csv(
                directory / f"{name}.csv", dtype={"region_code": str, "patient_id": str}
            )
        )
    return out


def answers(directory: Path, items: list[str]) -> pd.DataFrame:
    path = directory / "answers.parquet"
    return pq.read_table(path, filters=[("item", "in", items)]).to_pandas()


def registrations_of_year(tables: dict[str, pd.DataFrame], year: int) -> pd.DataFrame:
    """Signed-off registrations belonging to ``year`` (rehab: end date; assessment: first visit)."""
    reg = tables["registrations"].merge(tables["units"][["unit_id", "care_level", "region_code"]])
    reg = reg[reg["signed_off"]]
    end_year = pd.to_datetime(reg["rehab_end_date"]).dt.year
    visit_year = pd.to_datetime(reg["first_visit_date"]).dt.year
    belongs = ((reg["category"] == "rehab") & (end_year == year)) | (
        (reg["category"] == "assessment") & (visit_year == year)
    )
    return reg[belongs]


def national_figures(directory: Path, year: int = 2021) -> dict[str, float]:
    tables = load(directory)
    reg = registrations_of_year(tables, year)
    reg = reg.merge(tables["patients"], on="patient_id")
    reg["age"] = pd.to_datetime(reg["first_visit_date"]).dt.year - reg["birth_year"]
    rehab = reg[reg["category"] == "rehab"]
    completed = rehab[~rehab["discontinued"].astype(bool)]
    figures: dict[str, float] = {}
    for level, short in (("specialist", "sv"), ("primary", "pv")):
        r = rehab[rehab["care_level"] == level]
        c = completed[completed["care_level"] == level]
        figures[f"completed_rehab_{short}"] = len(c)
        figures[f"assessment_{short}"] = int(
            ((reg["category"] == "assessment") & (reg["care_level"] == level)).sum()
        )
        for reason in ("own_decision", "other_medical", "other"):
            figures[f"discontinued_{reason}_{short}"] = int(
                (r["discontinuation_reason"] == reason).sum()
            )
        figures[f"discontinued_share_{short}"] = r["discontinued"].astype(bool).mean()
        figures[f"men_share_{short}"] = (c["sex"] == "M").mean()
        figures[f"age_26_65_{short}"] = c["age"].between(26, 65).mean()
    ids = completed["registration_id"].tolist()
    ans = answers(directory, ["global_life_1", "global_pain_1", "eq5d5l_vas", "eq5d3l_vas"])
    ans = ans[ans["registration_id"].isin(ids)]
    lvl = completed.set_index("registration_id")["care_level"]
    responded = set(ans.loc[ans["occasion"] == "end", "registration_id"])
    for level, short in (("specialist", "sv"), ("primary", "pv")):
        c_ids = lvl[lvl == level].index
        figures[f"response_end_{short}"] = pd.Series(c_ids).isin(responded).mean()
        end = ans[(ans["occasion"] == "end") & ans["registration_id"].isin(c_ids)]
        for item, name in (("global_life_1", "life"), ("global_pain_1", "pain")):
            v = end.loc[end["item"] == item, "value"]
            figures[f"{name}_improved_{short}"] = v.between(1, 3).mean()
        vas = ans[ans["item"].str.endswith("_vas") & ans["registration_id"].isin(c_ids)]
        wide = vas.pivot_table(index="registration_id", columns="occasion", values="value")
        wide = wide.dropna(subset=["initial", "end"])
        delta = wide["end"] - wide["initial"]
        figures[f"vas_improved_{short}"] = (delta >= 10).mean()
        figures[f"vas_worsened_{short}"] = (delta <= -10).mean()
    totals = tables["unit_year_totals"]
    totals = totals[totals["year"] == year]
    sv = rehab[rehab["care_level"] == "specialist"]
    registered = sv[sv["unit_id"].isin(totals["unit_id"])].shape[0]
    figures["coverage_sv"] = registered / totals["rehab_patients_total"].sum()
    return figures
