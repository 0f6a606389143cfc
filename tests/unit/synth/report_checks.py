"""National figures of a synthetic register, computed with plain pandas per DOMAIN.md.

Independent of the analytics package on purpose: the synthetic register is
checked against the report by the counting rules as written, not by the code
under test elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
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
    _add_category_changes(directory, completed, figures)
    totals = tables["unit_year_totals"]
    totals = totals[totals["year"] == year]
    sv = rehab[rehab["care_level"] == "specialist"]
    registered = sv[sv["unit_id"].isin(totals["unit_id"])].shape[0]
    figures["coverage_sv"] = registered / totals["rehab_patients_total"].sum()
    return figures


#: Bands of the change categories (upper bounds, inclusive) and the bands
#: counted as "unchanged positive" (HADS manual: 0-7 / 8-10 / 11-21; WAI:
#: poor 0-5, moderate 6-7, good 8-9, excellent 10; report, "Förändringar i
#: ångest..." and "...arbetsförmåga").
_HADS_BANDS, _WAI_BANDS = (7, 10, 21), (5, 7, 9, 10)


def _band(values: pd.Series, bounds: tuple[int, ...]) -> pd.Series:
    return pd.Series(np.searchsorted(np.array(bounds), values.to_numpy()), index=values.index)


def _changes(before: pd.Series, after: pd.Series, lower_is_better: bool, positive: set[int]):
    both = pd.concat({"b": before, "a": after}, axis=1).dropna()
    up = both["a"] > both["b"]
    improved = ~up & (both["a"] != both["b"]) if lower_is_better else up
    same = both["a"] == both["b"]
    return {
        "improved": improved.mean(),
        "unchanged_positive": (same & both["b"].isin(positive)).mean(),
        "unchanged_negative": (same & ~both["b"].isin(positive)).mean(),
        "worsened": (~same & ~improved).mean(),
    }


def _add_category_changes(directory: Path, completed: pd.DataFrame, figures: dict) -> None:
    """HADS, WAI and physical-activity figures per care level, from complete forms only."""
    hads = [f"hads_{i}" for i in range(1, 15)]
    ans = answers(directory, [*hads, "wai_1", "activity_1"])
    ans = ans[ans["registration_id"].isin(completed["registration_id"])]
    ans = ans[ans["occasion"].isin(["initial", "end"])]
    wide = ans.pivot_table(index=["registration_id", "occasion"], columns="item", values="value")
    level = completed.set_index("registration_id")["care_level"]
    anxiety = wide[hads[0::2]].sum(axis=1, min_count=7)
    depression = wide[hads[1::2]].sum(axis=1, min_count=7)
    for level_name, short in (("specialist", "sv"), ("primary", "pv")):
        ids = level[level == level_name].index

        def at(series: pd.Series, occasion: str, ids=ids) -> pd.Series:
            s = series.xs(occasion, level="occasion")
            return s[s.index.isin(ids)].dropna()

        for name, scale in (("anxiety", anxiety), ("depression", depression)):
            bands = _band(scale.dropna(), _HADS_BANDS)
            change = _changes(at(bands, "initial"), at(bands, "end"), True, {0})
            for key, value in change.items():
                figures[f"hads_{name}_{key}_{short}"] = value
        wai = _band(wide["wai_1"].dropna(), _WAI_BANDS)
        for key, value in _changes(at(wai, "initial"), at(wai, "end"), False, {2, 3}).items():
            figures[f"wai_{key}_{short}"] = value
        activity = wide["activity_1"]
        both = pd.concat({"b": at(activity, "initial"), "a": at(activity, "end")}, axis=1).dropna()
        figures[f"inactive_initial_{short}"] = (both["b"] == 0).mean()
        figures[f"inactive_end_{short}"] = (both["a"] == 0).mean()
