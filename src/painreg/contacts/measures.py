"""The follow-up measures of a contact extract, as Ibis expressions (docs/contacts.md).

One set of expressions, grouped by ``keys``: ``[]`` for the whole extract
(one health centre or a region) and ``["unit_id"]`` for every health centre
side by side (``--by-unit``). A patient is identified by ``keys +
[patient_id]``, so per unit the cohort is "patients with a matching
diagnosis contact at that unit" and their contacts are the ones at that
unit.

Everything is computed from the *cohort contacts*: the accepted, de-duplicated
contacts in the period of the patients who had a matching diagnosis contact
in it. That table is small in the realistic shape (the cohort is about 2% of
patients, as at the health centre) and materialised once (``stage``): the
extract is read pre-filtered twice (to find the cohort, then the cohort's
rows, :func:`scan_extract`), whatever the number of measures and periods;
validation reads it column by column (``screen.screen``).

Definitions (DOMAIN.md "Primary-care contact extracts"; docs/contacts.md):

- diagnosis match: some code of the contact starts with a ``--diagnosis``
  prefix, codes upper-cased without the dot (``codes.py``);
- contacts are ordered by date, then time (when the extract has one; a
  missing time sorts first), then caregiver id: the same order on every
  engine;
- continuity indices per patient over contacts with an identified caregiver
  (all causes, every contact type) in that order, for patients with at
  least ``min_visits`` such contacts; n = contacts, n_j = contacts with
  caregiver j, s = distinct caregivers:

  * UPC, usual provider of care (Breslau & Reeb 1975): max n_j / n;
  * COC (Bice & Boxerman 1977): (sum n_j^2 - n) / (n (n - 1));
  * SECON, sequential continuity (Steinwachs 1979): share of the n - 1
    consecutive pairs of contacts with the same caregiver;
  * MMCI, modified modified continuity index (Magill & Senf 1987):
    (1 - s / (n + 0.1)) / (1 - 1 / (n + 0.1)).

  Per profession the same, over that profession's contacts (min_visits
  counts that profession's contacts).
- sick-leave episodes: certificates of one patient at one unit whose
  diagnosis matches; a certificate starting at most ``gap_days`` days after
  the latest end so far (days strictly between) joins the episode; an
  episode counts for a period when it overlaps it; its length (end - start
  + 1 days, whole episode) is ``<90`` (1-89), ``90-365`` or ``>365``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from painreg.contacts.engine import records
from painreg.contacts.schema import PROFESSION_BITS, PROFESSIONS, SEXES

TOP_N = 10
#: Rows per input file a position (``_first``) can name: ``_fileno * ROW_LIMIT + _row``.
ROW_LIMIT = 1 << 40
LENGTH_CLASSES = ("<90", "90-365", ">365")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


@dataclass(frozen=True)
class Options:
    prefixes: tuple[str, ...]
    frequent_threshold: int = 10
    min_visits: int = 2
    gap_days: int = 5


def diagnosis_match(diagnoses, prefixes: tuple[str, ...]):
    """True where some code of the ``;``-wrapped list starts with a prefix."""
    import ibis

    return ibis.or_(*[diagnoses.contains(f";{p}") for p in prefixes])


@dataclass
class Cohort:
    """The cohort contacts of every period, coded (:func:`scan_extract`).

    ``contacts`` holds one row per distinct contact (exact duplicates merged)
    with integer codes: ``patient_id`` is the patient's rank among the
    cohort's normalised ids, and every other text column the code of its
    normalised value (``Screened.normal``, the value's rank among the
    column's values, so ordering by code orders by the text).
    ``labels`` turns the codes a result shows back into values.
    """

    contacts: Any
    #: The cohort: normalised patient id ``_pid`` and its code ``_p``.
    ids: Any
    #: The unit lookup: normalised unit id ``_n`` and its code ``_i``.
    units: Any
    #: column -> code -> normalised value, for the columns results show.
    labels: dict[str, dict[int, Any]]

    def code(self, column: str, value: Any) -> int:
        """The code of a normalised value (-1, which no row has, when no row has the value)."""
        for code, label in self.labels[column].items():
            if label == value:
                return code
        return -1


#: The coded columns whose values results show (decoded through ``Cohort.labels``).
LABELLED = ("sex", "unit_id", "profession")


def scan_extract(
    prepared,
    periods: list[Period],
    options: Options,
    unit: str | None = None,
    stage=lambda t: t,
    screened=None,
) -> Cohort:
    """The de-duplicated, coded cohort contacts of every period, reading only the cohort's rows.

    ``prepared`` is the checked extract (:func:`painreg.contacts.validate.prepare_contacts`)
    and ``screened`` what :func:`painreg.contacts.screen.screen` found in it
    (which rows are rejected, the distinct values of every column with their
    normalised values and codes; computed here when not given). A row's
    acceptance depends on that row only, so checking a pre-filtered part of
    the raw extract gives the same rows as filtering the checked one.

    1. The cohort of each period: the raw rows whose diagnosis list is one
       of the (accepted) raw lists whose normalised codes match a prefix,
       found among the column's distinct values; the engine applies the test
       in the scan.
    2. The cohort's contacts: the raw rows whose patient id is one of the
       cohort's (as written in the file: the normalised id, or a raw
       spelling with white space that normalises to it), joined to the
       patient's code, and, when the file has typed dates, whose date is in a
       period. Only those rows are normalised (by lookup: no text processing
       per row), the rejected ones left out by their position (not checked
       again), coded, and grouped by all their columns (exact duplicates
       merged: ``_copies`` rows, ``_first`` the position of the first copy,
       ``_fileno * ROW_LIMIT + _row``).

    ``stage(table) -> table`` materialises a table read more than once.
    Returns the :class:`Cohort`: its ``contacts`` have the canonical columns
    (coded), ``_dx`` (a diagnosis contact), ``_copies``, ``_first`` and
    ``_in<i>`` (the contact belongs to period ``i``'s cohort contacts). Use
    :func:`period_contacts` for one period's contacts.
    """
    import ibis

    from painreg.contacts.screen import screen

    if screened is None:
        screened = screen(prepared, stage)
    raw = prepared.raw
    lists = screened.normal["diagnoses"]
    matching = stage(
        lists.filter(~lists._bad & diagnosis_match(lists._n, options.prefixes)).select("_k", "_i")
    )
    dx = screened.normalise(
        raw.filter(raw.diagnoses.isin(matching._k)), ("patient_id", "contact_date", "unit_id")
    )
    dx = dx.filter(dx._accepted)
    if unit is not None:
        dx = dx.filter(dx.n_unit_id == unit)
    in_period = {f"_c{i}": dx.n_contact_date.between(p.start, p.end) for i, p in enumerate(periods)}
    found = (
        dx.filter(ibis.or_(*in_period.values()))
        .group_by(_pid=dx.n_patient_id)
        .aggregate(**{k: v.any() for k, v in in_period.items()})
    )
    cohort = stage(found.mutate(_p=ibis.dense_rank().over(ibis.window(order_by="_pid"))))

    # The raw spellings of the cohort's ids (the normalised id itself, or a
    # spelling normalisation changes), each with the patient's code: a
    # semi-join on the raw column, which the engine applies in the scan (a
    # join on normalised text would read every row), then the code joined to
    # the few rows left.
    flags = list(in_period)
    pid = raw.patient_id
    if pid.type().is_string():
        spelt = screened.normal["patient_id"]
        spelt = spelt.filter(spelt._k != spelt._n)
        spelt = spelt.inner_join(cohort, spelt._n == cohort._pid).select(
            "_p", *flags, _raw=spelt._k
        )
        ids = stage(cohort.select("_p", *flags, _raw=cohort._pid).union(spelt))
        rows = raw.filter(pid.isin(ids._raw))
        key = "patient_id"
    else:
        ids = cohort.select("_p", *flags, _raw=cohort._pid)
        rows = raw.filter(pid.cast("string").strip().isin(ids._raw))
        rows = rows.mutate(_key=rows.patient_id.cast("string").strip())
        key = "_key"
    if raw.contact_date.type().is_date():
        rows = rows.filter(ibis.or_(*[rows.contact_date.between(p.start, p.end) for p in periods]))
    t = screened.normalise(rows)
    t = t.inner_join(ids, t[key] == ids._raw)
    member = {
        f"_in{i}": (
            t[f"_c{i}"]
            & t.n_contact_date.between(p.start, p.end)
            & (ibis.literal(True) if unit is None else t.n_unit_id == unit)
        )
        for i, p in enumerate(periods)
    }
    t = t.filter(t._accepted & ibis.or_(*member.values()))
    # Codes as 32-bit integers: half the memory of the (wide) table of contacts.
    coded = {
        c: t[f"i_{c}"].cast("int32") if t[f"i_{c}"].type().is_integer() else t[f"i_{c}"]
        for c in prepared.columns
        if c != "patient_id"
    }
    keyed = t.select(
        patient_id=t._p.cast("int32"),
        **coded,
        _dx=t.i_diagnoses.isin(matching._i),
        **member,
        # The position as one integer (file rank, row): cheaper to carry than text.
        _pos=t._fileno * ROW_LIMIT + t._row,
    )
    # Exact duplicates merged. Whether a contact is a diagnosis contact, and
    # in which periods, follows from its columns; the diagnosis list and the
    # contact type are read by no measure, so they are not kept.
    contacts = stage(
        keyed.group_by(list(prepared.columns))
        .aggregate(
            _dx=ibis._._dx.any(),
            **{k: keyed[k].any() for k in member},
            _copies=ibis._.count(),
            _first=ibis._._pos.min(),
        )
        .drop("diagnoses", "contact_type")
    )
    labels = {}
    for column in LABELLED:
        values = screened.normal[column]
        values = values.filter(values._i.notnull()).select("_i", "_n").distinct()
        labels[column] = {int(r["_i"]): r["_n"] for r in records(values)}
    units = screened.normal["unit_id"].select("_n", "_i").distinct()
    return Cohort(contacts, cohort.select("_pid", "_p"), units, labels)


def cohort_episodes(certificates, cohort: Cohort, options: Options):
    """The sick-leave episodes (:func:`episodes`) of the cohort, coded as :class:`Cohort`.

    Episodes are formed on the certificates' own ids, then the patient and the
    unit coded; a unit with no contact in the extract has no code (null): its
    episodes count for the patient, never for a health centre.
    """
    ep = episodes(certificates, options)
    ids, units = cohort.ids, cohort.units
    ep = ep.inner_join(ids, ep.patient_id == ids._pid)
    ep = ep.left_join(units, ep.unit_id == units._n)
    return ep.select("_episode", "start_date", "end_date", patient_id=ep._p, unit_id=ep._i)


def period_contacts(contacts, index: int):
    """Period ``index``'s cohort contacts from :func:`scan_extract`."""
    t = contacts.filter(contacts[f"_in{index}"])
    return t.drop(*[c for c in t.columns if c.startswith("_in")])


def compute(
    contacts,
    keys: list[str],
    options: Options,
    cohort: Cohort,
    sick_leave=None,
    period=None,
    stage=lambda t: t,
):
    """Every measure per group of ``keys``: ``{group_tuple: measures_dict}``.

    ``sick_leave``: the cohort's sick-leave episodes (:func:`cohort_episodes`),
    or None when no certificates were given.

    ``contacts`` are coded (:class:`Cohort`); groups and results are decoded
    through ``cohort.labels``.
    """
    import ibis

    grouped = bool(keys)
    if not grouped:
        # Ibis groups by at least one column: the whole extract is one constant group.
        contacts = contacts.mutate(_scope=ibis.literal(0, "int64"))
        keys = ["_scope"]
    pk = [*keys, "patient_id"]
    professions = cohort.labels["profession"]
    # Per unit, the cohort is the patients with a diagnosis contact at that unit.
    cohort_keys = contacts.filter(contacts._dx).select(*pk).distinct()
    c = contacts.semi_join(cohort_keys, pk) if grouped else contacts
    dx = c.filter(c._dx)

    patients = stage(
        c.group_by(pk).aggregate(
            sex=c.sex.min(), birth_year=c.birth_year.min(), n_contacts=c.count()
        )
    )
    results: dict[tuple, dict[str, Any]] = {}

    def group(row: dict[str, Any]) -> dict[str, Any]:
        gkey = tuple(row[k] for k in keys)
        if gkey not in results:
            results[gkey] = _empty(options)
        return results[gkey]

    # Cohort size, sex, birth years, frequent attenders.
    sexes = {s: cohort.code("sex", s) for s in SEXES}
    summary = patients.group_by(keys).aggregate(
        patients=patients.count(),
        female=(patients.sex == sexes["F"]).cast("int64").sum(),
        male=(patients.sex == sexes["M"]).cast("int64").sum(),
        birth_year_min=patients.birth_year.min(),
        birth_year_max=patients.birth_year.max(),
        frequent=(patients.n_contacts > options.frequent_threshold).cast("int64").sum(),
    )
    for row in records(summary):
        m = group(row)
        m["patients"] = int(row["patients"])
        m["patients_by_sex"] = {"F": int(row["female"]), "M": int(row["male"])}
        m["birth_year_min"] = row["birth_year_min"]
        m["birth_year_max"] = row["birth_year_max"]
        m["frequent_attenders"] = int(row["frequent"])

    ranked = patients.mutate(
        _rank=ibis.row_number().over(
            ibis.window(group_by=keys, order_by=[ibis.desc("n_contacts"), "patient_id"])
        )
    )
    # row_number() counts from 0.
    top = ranked.filter(ranked._rank < TOP_N).select(*keys, "_rank", "n_contacts")
    for row in sorted(records(top), key=lambda r: r["_rank"]):
        group(row)["top_contacts"].append(int(row["n_contacts"]))

    # Professions that recorded the diagnosis, and caregivers per profession.
    per_prof = (
        dx.filter(dx.profession.notnull())
        .group_by([*pk, "profession"])
        .aggregate(caregivers=dx.caregiver_id.nunique())
    )
    by_prof = per_prof.group_by([*keys, "profession"]).aggregate(
        patients=per_prof.count(),
        multiple=(per_prof.caregivers >= 2).cast("int64").sum(),
    )
    for row in records(by_prof):
        m = group(row)
        name = professions[int(row["profession"])]
        m["diagnosed_by_profession"][name] = int(row["patients"])
        if row["multiple"]:
            m["multiple_caregivers_same_profession"][name] = int(row["multiple"])

    bits = {code: PROFESSION_BITS[name] for code, name in professions.items()}
    bit = per_prof.profession.substitute(bits, else_=ibis.literal(0, "int64"))
    sets = (
        per_prof.mutate(_bit=bit)
        .group_by(pk)
        .aggregate(
            mask=ibis._._bit.sum(), k=ibis._.count(), multiple=(ibis._.caregivers >= 2).any()
        )
    )
    dist = sets.group_by([*keys, "k"]).aggregate(
        patients=sets.count(), multiple=sets.multiple.cast("int64").sum()
    )
    for row in records(dist):
        m = group(row)
        m["professions_count_distribution"][str(int(row["k"]))] = int(row["patients"])
        m["multiple_caregivers_any_profession"] += int(row["multiple"])
    combos = sets.filter(sets.k >= 2).group_by([*keys, "mask"]).aggregate(patients=ibis._.count())
    for row in records(combos):
        names = [p for p in PROFESSIONS if int(row["mask"]) & PROFESSION_BITS[p]]
        group(row)["profession_combinations"].append(
            {"professions": sorted(names), "patients": int(row["patients"])}
        )

    # All diagnosis contacts with one and the same identified caregiver.
    caregivers = dx.group_by(pk).aggregate(
        n=dx.caregiver_id.nunique(), unknown=dx.caregiver_id.isnull().cast("int64").sum()
    )
    same = caregivers.group_by(keys).aggregate(
        same=((caregivers.n == 1) & (caregivers.unknown == 0)).cast("int64").sum()
    )
    for row in records(same):
        group(row)["single_profession_single_caregiver"] = int(row["same"])

    _continuity(c, pk, keys, options, group, professions)

    if sick_leave is not None:
        _sick_leave(sick_leave, patients, pk, keys, period, group, cohort.labels["sex"])

    for m in results.values():
        _finish(m, options, sick_leave is not None)
    if not grouped:
        return {(): results[(0,)]} if results else {}
    decode = [cohort.labels.get(k) for k in keys]
    return {
        tuple(d[v] if d else v for d, v in zip(decode, gkey, strict=True)): m
        for gkey, m in results.items()
    }


#: The continuity stratum of all professions (the others are profession codes, from 1).
ALL_PROFESSIONS = -1


def _continuity(c, pk, keys, options: Options, group, professions) -> None:
    import ibis

    known = c.filter(c.caregiver_id.notnull())
    # Windows partition by patient (a constant scope only costs the sort).
    patient = [k for k in pk if k != "_scope"]
    # Date, then time (a missing time first: codes start at 1), then caregiver.
    order = [known.contact_date, known.contact_time.fill_null(0), known.caregiver_id]

    def per_caregiver(contacts, partition, stratum):
        """Contacts and consecutive pairs with the same caregiver, per caregiver of a stratum."""
        caregiver = contacts.caregiver_id
        previous = caregiver.lag().over(ibis.window(group_by=partition, order_by=order))
        same = (previous.notnull() & (previous == caregiver)).cast("int64")
        return (
            contacts.select(*pk, "caregiver_id", stratum=stratum, _same=same)
            .group_by([*pk, "stratum", "caregiver_id"])
            .aggregate(nj=ibis._.count(), same=ibis._._same.sum())
        )

    # Each stratum its own window (one sort each): all the patient's contacts,
    # and each profession's.
    strata = per_caregiver(known, patient, ibis.literal(ALL_PROFESSIONS, "int64")).union(
        per_caregiver(
            known.filter(known.profession.notnull()),
            [*patient, "profession"],
            known.profession.cast("int64"),
        )
    )
    part = [*pk, "stratum"]
    per_patient = strata.group_by(part).aggregate(
        n=strata.nj.sum(),
        sum_sq=(strata.nj * strata.nj).sum(),
        top=strata.nj.max(),
        s=strata.count(),
        same=strata.same.sum(),
    )
    p = per_patient.filter(per_patient.n >= options.min_visits)
    n = p.n.cast("float64")
    scored = p.mutate(
        upc=p.top / n,
        coc=(p.sum_sq - p.n) / (n * (n - 1)),
        secon=p.same / (n - 1),
        mmci=(1 - p.s / (n + 0.1)) / (1 - 1 / (n + 0.1)),
    )
    means = scored.group_by([*keys, "stratum"]).aggregate(
        upc=scored.upc.mean(),
        coc=scored.coc.mean(),
        secon=scored.secon.mean(),
        mmci=scored.mmci.mean(),
        patients=scored.count(),
    )
    for row in records(means):
        values = {k: float(row[k]) for k in ("upc", "coc", "secon", "mmci")}
        values["patients"] = int(row["patients"])
        m = group(row)
        if int(row["stratum"]) == ALL_PROFESSIONS:
            m["continuity"].update(values)
        else:
            m["continuity"]["by_profession"][professions[int(row["stratum"])]] = values


def episodes(certificates, options: Options):
    """Sick-leave episodes (sjukfall) of matching certificates, per patient and unit."""
    import ibis

    cert = certificates.filter(
        ibis.or_(*[certificates.diagnosis.startswith(p) for p in options.prefixes])
    )
    part = ["patient_id", "unit_id"]
    order = ["start_date", "end_date"]
    prev_end = cert.end_date.max().over(ibis.window(group_by=part, order_by=order, rows=(None, -1)))
    cert = cert.mutate(_prev_end=prev_end)
    # Days strictly between the latest end so far and this start.
    gap = cert.start_date.delta(cert._prev_end, unit="day") - 1
    cert = cert.mutate(_new=ibis.ifelse(cert._prev_end.isnull() | (gap > options.gap_days), 1, 0))
    cert = cert.mutate(
        _episode=cert._new.sum().over(ibis.window(group_by=part, order_by=order, rows=(None, 0)))
    )
    return cert.group_by([*part, "_episode"]).aggregate(
        start_date=cert.start_date.min(), end_date=cert.end_date.max()
    )


def _sick_leave(ep, patients, pk, keys, period: Period, group, sex_of: dict[int, Any]):
    import ibis

    if "_scope" in keys:
        ep = ep.mutate(_scope=ibis.literal(0, "int64"))
    ep = ep.filter((ep.start_date <= period.end) & (ep.end_date >= period.start))
    ep = ep.semi_join(patients, pk)
    length = ep.end_date.delta(ep.start_date, unit="day") + 1
    ep = ep.mutate(
        length_class=ibis.cases(
            (length < 90, LENGTH_CLASSES[0]),
            (length <= 365, LENGTH_CLASSES[1]),
            else_=LENGTH_CLASSES[2],
        )
    )
    lengths = ep.group_by([*keys, "length_class"]).aggregate(episodes=ibis._.count())
    for row in records(lengths):
        group(row)["sick_leave"]["episodes_by_length"][row["length_class"]] = int(row["episodes"])
    who = patients.semi_join(ep, pk)
    by_sex = who.group_by([*keys, "sex"]).aggregate(patients=ibis._.count())
    for row in records(by_sex):
        m = group(row)["sick_leave"]
        m["by_sex"][sex_of[int(row["sex"])]] = int(row["patients"])
        m["patients"] += int(row["patients"])


def _empty(options: Options) -> dict[str, Any]:
    return {
        "patients": 0,
        "patients_by_sex": {s: 0 for s in SEXES},
        "birth_year_min": None,
        "birth_year_max": None,
        "diagnosed_by_profession": {},
        "professions_count_distribution": {},
        "profession_combinations": [],
        "single_profession_single_caregiver": 0,
        "multiple_caregivers_same_profession": {},
        "multiple_caregivers_any_profession": 0,
        "frequent_attenders": 0,
        "frequent_threshold": options.frequent_threshold,
        "top_contacts": [],
        "continuity": {
            "upc": None,
            "coc": None,
            "secon": None,
            "mmci": None,
            "patients": 0,
            "min_visits": options.min_visits,
            "by_profession": {},
        },
        "sick_leave": {
            "patients": 0,
            "by_sex": {s: 0 for s in SEXES},
            "episodes_by_length": dict.fromkeys(LENGTH_CLASSES, 0),
            "gap_days": options.gap_days,
        },
    }


def _finish(m: dict[str, Any], options: Options, with_sick_leave: bool) -> None:
    order = {p: i for i, p in enumerate(PROFESSIONS)}
    for key in ("diagnosed_by_profession", "multiple_caregivers_same_profession"):
        m[key] = dict(sorted(m[key].items(), key=lambda kv: order[kv[0]]))
    m["continuity"]["by_profession"] = dict(
        sorted(m["continuity"]["by_profession"].items(), key=lambda kv: order[kv[0]])
    )
    m["professions_count_distribution"] = dict(
        sorted(m["professions_count_distribution"].items(), key=lambda kv: int(kv[0]))
    )
    # DOMAIN.md: by patients (descending), then by the sorted profession names.
    m["profession_combinations"].sort(key=lambda c: (-c["patients"], c["professions"]))
    m["top_contacts"].sort(reverse=True)
    m["multiple_professions"] = sum(
        v for k, v in m["professions_count_distribution"].items() if int(k) >= 2
    )
    if not with_sick_leave:
        del m["sick_leave"]
