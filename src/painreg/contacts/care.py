"""Prescribing, named contacts and referrals beside the contact follow-up (docs/contacts.md).

Three optional inputs, validated like the contact extract
(:mod:`painreg.contacts.validate`), measured here as Ibis expressions so that
DuckDB and Spark run the same code. Definitions (DOMAIN.md "Prescriptions and
named contacts in primary care", "Care levels 1-4"):

- **Addictive-drug prescribing**: a prescription belongs to a group when its
  ATC code (upper-cased, without spaces or dots) starts with one of the
  group's prefixes; counts are distinct patients with at least one such
  prescription dated in the period; ``any`` is a patient with a prescription
  of any group. "Under 50": the period's start year minus the patient's
  birth year (the lowest birth year of the patient's rows in the contact
  extract) is at most 49; a patient absent from the contact extract has no
  age and is never counted as under 50.
- **Named contacts**: the listing covering the period's last day (dates
  inclusive, an empty end open; of two, the latest ``listed_from``, then the
  lower unit id). Continuity with the named physician: the patient's
  physician contacts in the period with that caregiver / all the patient's
  physician contacts (with an identified caregiver) in the period, averaged
  over listed cohort patients with a named physician and at least one
  physician contact.
- **Referrals**: those sent in the period (returned ones included); the wait
  to the first visit is counted also when the visit falls after the period;
  within the care guarantee is at most 90 days; percentiles interpolate
  linearly (numpy's default).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from painreg.contacts.engine import records
from painreg.contacts.measures import Cohort, Period
from painreg.contacts.schema import CARE_GUARANTEE_DAYS

#: Age limit of the prescribing follow-up: "under 50" is an age of at most this.
UNDER_50_MAX_AGE = 49


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _float(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if value != value else value  # NaN -> None


def group_flags(atc, groups: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """``{group: True where the ATC code starts with one of the group's prefixes}``."""
    import ibis

    return {
        name: ibis.or_(*[atc.startswith(p) for p in prefixes]) for name, prefixes in groups.items()
    }


def in_period(col, period: Period):
    return col.between(period.start, period.end)


def cohort_patients(cohort: Cohort, index: int):
    """Period ``index``'s cohort as normalised patient ids (``patient_id``)."""
    c = cohort.contacts
    coded = c.filter(c[f"_in{index}"] & c._dx).select(_p=c.patient_id.cast("int64")).distinct()
    ids = cohort.ids.mutate(_p=cohort.ids._p.cast("int64"))
    return coded.inner_join(ids, "_p").select(patient_id=ids._pid)


def patient_birth_years(screened, raw, patient_ids):
    """``patient_id``, ``birth_year`` (lowest) from the contact extract, for these patients only.

    ``raw``: the raw contact table; ``screened``: what screening found in it.
    """
    rows = raw.filter(raw.patient_id.cast("string").strip().isin(patient_ids.patient_id))
    t = screened.normalise(rows, ("patient_id", "birth_year"))
    t = t.filter(t._accepted)
    return t.group_by(patient_id=t.n_patient_id).aggregate(birth_year=t.n_birth_year.min())


def prescriptions(
    rx,
    period: Period,
    groups: Mapping[str, tuple[str, ...]],
    cohort,
    birth_years,
    listed=None,
) -> dict[str, Any]:
    """``prescriptions`` (and ``prescriptions_per_1000_listed``) of one period (docs/contacts.md).

    ``rx``: valid prescriptions; ``cohort``: the period's cohort (``patient_id``);
    ``birth_years``: :func:`patient_birth_years` of the prescribed patients;
    ``listed``: the listings of the period's last day (:func:`listed_on`) or None.
    """
    import ibis

    names = [*groups, "any"]
    t = rx.filter(in_period(rx.prescribed_on, period))
    flags = group_flags(t.atc, groups)
    t = t.mutate(**{f"g_{k}": v for k, v in flags.items()})
    t = t.filter(ibis.or_(*[t[f"g_{k}"] for k in groups]))
    t = t.mutate(g_any=ibis.literal(True))
    by_patient = t.group_by("patient_id").aggregate(**{f"g_{k}": t[f"g_{k}"].any() for k in names})
    ages = birth_years.mutate(
        _u50=(period.start.year - birth_years.birth_year) <= UNDER_50_MAX_AGE
    ).select("patient_id", "_u50")
    p = by_patient.inner_join(cohort, "patient_id").left_join(ages, "patient_id")
    p = p.mutate(_u50=p._u50.fill_null(False))
    row = records(
        p.aggregate(
            **{f"n_{k}": p[f"g_{k}"].cast("int64").sum() for k in names},
            **{f"u_{k}": (p[f"g_{k}"] & p._u50).cast("int64").sum() for k in names},
        )
    )[0]
    result: dict[str, Any] = {
        "cohort": {
            k: {"patients": _int(row[f"n_{k}"]), "patients_under_50": _int(row[f"u_{k}"])}
            for k in names
        }
    }

    young = ages.filter(ages._u50).select("patient_id")
    u = t.inner_join(young, "patient_id")
    per_unit = u.group_by(["unit_id", "patient_id"]).aggregate(
        **{f"g_{k}": u[f"g_{k}"].any() for k in names}
    )
    counts = per_unit.group_by("unit_id").aggregate(
        **{k: per_unit[f"g_{k}"].cast("int64").sum() for k in names}
    )
    by_unit = {
        r["unit_id"]: {k: _int(r[k]) for k in names} for r in records(counts.order_by("unit_id"))
    }
    result["under_50_by_unit"] = by_unit
    out = {"prescriptions": result}
    if listed is not None:
        listed_counts = {
            r["unit_id"]: _int(r["n"])
            for r in records(listed.group_by("unit_id").aggregate(n=listed.count()))
        }
        out["prescriptions_per_1000_listed"] = {
            uid: {
                **{k: (1000 * v / listed_counts[uid]) for k, v in counts_.items()},
                "listed": listed_counts[uid],
            }
            for uid, counts_ in by_unit.items()
            if listed_counts.get(uid)
        }
    return out


def listed_on(listings, day: date):
    """One listing per patient: the one covering ``day`` (latest start, then the lower unit id)."""
    import ibis

    t = listings.filter(
        (listings.listed_from <= day) & (listings.listed_to.isnull() | (listings.listed_to >= day))
    )
    rank = ibis.row_number().over(
        ibis.window(group_by="patient_id", order_by=[ibis.desc("listed_from"), "unit_id"])
    )
    t = t.mutate(_rank=rank)
    return t.filter(t._rank == 0).drop("_rank")


def named_contacts(
    listed,
    cohort,
    cohort_contacts,
    physician_code: int,
    caregiver_codes,
    by_unit: bool = False,
) -> dict[str, Any]:
    """The ``named_contacts`` object of one period (and, ``by_unit``, per listing unit).

    ``listed``: :func:`listed_on` the period's last day; ``cohort``: the period's
    cohort (``patient_id``); ``cohort_contacts``: the period's coded cohort
    contacts with the normalised id as ``_pid``; ``caregiver_codes``: the
    contact extract's caregiver ids (``_n`` normalised, ``_i`` code).
    """
    import ibis

    mine = listed.inner_join(cohort, "patient_id")
    codes = caregiver_codes.select(_named=caregiver_codes._n, _code=caregiver_codes._i)
    mine = mine.left_join(codes, mine.regular_physician_id == codes._named).drop("_named")
    c = cohort_contacts
    phys = c.filter((c.profession == physician_code) & c.caregiver_id.notnull())
    phys = phys.select("caregiver_id", patient_id=phys._pid)
    joined = phys.inner_join(mine.select("patient_id", "_code"), "patient_id")
    per_patient = joined.group_by("patient_id").aggregate(
        _n=joined.count(),
        _named_n=(joined.caregiver_id.cast("int64") == joined._code.cast("int64"))
        .fill_null(False)
        .cast("int64")
        .sum(),
    )
    named = mine.filter(mine.regular_physician_id.notnull()).select("patient_id", "unit_id")
    cont = per_patient.inner_join(named, "patient_id")
    cont = cont.mutate(_share=cont._named_n.cast("float64") / cont._n)

    def summary(keys: list[str]) -> dict[tuple, dict[str, Any]]:
        base = mine if keys else mine.mutate(_all=ibis.literal(0))
        ckeys = keys or ["_all"]
        counts = base.group_by(ckeys).aggregate(
            listed=base.count(),
            with_regular_physician=base.regular_physician_id.notnull().cast("int64").sum(),
            with_regular_contact=base.regular_contact_id.notnull().cast("int64").sum(),
        )
        cbase = cont if keys else cont.mutate(_all=ibis.literal(0))
        means = cbase.group_by(ckeys).aggregate(_mean=cbase._share.mean())
        out: dict[tuple, dict[str, Any]] = {}
        for r in records(counts):
            out[tuple(r[k] for k in ckeys)] = {
                "listed": _int(r["listed"]),
                "with_regular_physician": _int(r["with_regular_physician"]),
                "with_regular_contact": _int(r["with_regular_contact"]),
                "continuity_named_physician": None,
            }
        for r in records(means):
            key = tuple(r[k] for k in ckeys)
            if key in out:
                out[key]["continuity_named_physician"] = _float(r["_mean"])
        return out

    total = summary([]).get((0,)) or {
        "listed": 0,
        "with_regular_physician": 0,
        "with_regular_contact": 0,
        "continuity_named_physician": None,
    }
    result = {"named_contacts": total}
    if by_unit:
        result["named_contacts_by_unit"] = {
            k[0]: v for k, v in sorted(summary(["unit_id"]).items())
        }
    return result


def _wait_summary(t) -> Any:
    """Aggregations of the wait to the first visit over referrals ``t`` (with ``_wait``)."""
    seen = t._wait.notnull()
    return {
        "n": seen.cast("int64").sum(),
        "median": t._wait.cast("float64").quantile(0.5),
        "p90": t._wait.cast("float64").quantile(0.9),
        "within_90": (seen & (t._wait <= CARE_GUARANTEE_DAYS)).cast("int64").sum(),
        "sent": t.count(),
        "returned": t.returned.cast("int64").sum(),
        "accepted": t.accepted_on.notnull().cast("int64").sum(),
    }


def _wait_object(r: dict[str, Any]) -> dict[str, Any]:
    n = _int(r["n"])
    return {
        "median": _float(r["median"]) if n else None,
        "p90": _float(r["p90"]) if n else None,
        "within_90": _int(r["within_90"]),
        "n": n,
    }


def referrals(
    rx,
    period: Period,
    unit: str | None = None,
    levels: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The ``referrals`` object of one period, and ``referral_flows`` (docs/contacts.md).

    ``unit``: only referrals sent from or to this unit. ``levels``: unit id ->
    pain care level (1-4) from the units reference file, for the flow matrix.
    """
    import ibis

    t = rx.filter(in_period(rx.sent_on, period))
    if unit is not None:
        t = t.filter((t.from_unit_id == unit) | (t.to_unit_id == unit))
    t = t.mutate(
        _wait=ibis.ifelse(
            t.first_visit_on.notnull(),
            t.first_visit_on.delta(t.sent_on, unit="day"),
            ibis.null("int64"),
        ),
        _month=t.sent_on.strftime("%Y-%m"),
    )
    row = records(t.aggregate(**_wait_summary(t)))[0]
    result: dict[str, Any] = {
        "referrals": {
            "sent": _int(row["sent"]),
            "returned": _int(row["returned"]),
            "wait_days_to_first_visit": _wait_object(row),
        }
    }

    def grouped(keys: list[str]) -> list[dict[str, Any]]:
        rows = records(t.group_by(keys).aggregate(**_wait_summary(t)).order_by(keys))
        return [
            {
                **{k: r[k] for k in keys},
                "sent": _int(r["sent"]),
                "accepted": _int(r["accepted"]),
                "returned": _int(r["returned"]),
                "wait_days_to_first_visit": _wait_object(r),
            }
            for r in rows
        ]

    level_of = dict(levels or {})
    flows = grouped(["from_unit_id", "to_unit_id"])
    for f in flows:
        f["from_level"] = level_of.get(f["from_unit_id"])
        f["to_level"] = level_of.get(f["to_unit_id"])
    if level_of:
        lookup = ibis.memtable(
            {"_unit": list(level_of), "_level": [int(v) for v in level_of.values()]}
        )
        t = t.left_join(lookup, t.from_unit_id == lookup._unit).rename(from_level="_level")
        t = t.drop("_unit")
        t = t.left_join(lookup, t.to_unit_id == lookup._unit).rename(to_level="_level")
        t = t.drop("_unit")
    else:
        t = t.mutate(from_level=ibis.null("int64"), to_level=ibis.null("int64"))
    by_levels = grouped(["from_level", "to_level"])
    # Waiting list on the period's last day: sent by then, not returned, no first visit by then.
    end = period.end
    all_sent = (
        rx if unit is None else rx.filter((rx.from_unit_id == unit) | (rx.to_unit_id == unit))
    )
    queue = all_sent.filter(
        (all_sent.sent_on <= end)
        & ~all_sent.returned
        & (all_sent.first_visit_on.isnull() | (all_sent.first_visit_on > end))
    )
    queue_rows = records(
        queue.group_by("to_unit_id").aggregate(n=queue.count()).order_by("to_unit_id")
    )
    result["referral_flows"] = {
        "units": flows,
        "levels": by_levels,
        "by_to_unit": grouped(["to_unit_id"]),
        "by_month": grouped(["_month"]),
        "queue_on": end.isoformat(),
        "queue_by_to_unit": {r["to_unit_id"]: _int(r["n"]) for r in queue_rows},
    }
    for m in result["referral_flows"]["by_month"]:
        m["month"] = m.pop("_month")
    return result
