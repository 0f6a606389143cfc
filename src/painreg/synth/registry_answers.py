"""Answers of the synthetic register: one joint latent model for every instrument.

Decision: each registration draws five correlated latent traits, general
severity, anxiety, depression, pain, and *change* (how much the
rehabilitation helps), plus a unit effect on severity and on change. Every
item of every instrument in the catalogue (:mod:`painreg.instruments`) is a
noisy, quantised reading of the trait its instrument loads on, before
(``initial``) and after (``end``, ``followup_1y``) the change. Non-response
at ``end`` rises with baseline anxiety and pain and falls with change, which
reproduces the report's dropout analysis (report, "Bortfallsanalys":
non-responders more anxious, 50% vs 44%, and in more severe pain, 63% vs
56%).

The figures the report states (response at end, improved on the global
questions, EQ-VAS improved/worsened) are hit by *calibration*: the
thresholds are solved once from a large Monte Carlo sample of the same model,
among the responders, so the selection by non-response is accounted for and
the figures hold at any scale. The calibration sample uses a fixed internal
seed: the model is the same for every ``--seed``.

Item ids and allowed codes come only from the catalogue, so a new instrument
definition gets synthetic answers without a change here (it loads on general
severity unless :data:`INSTRUMENT_MODELS` says otherwise).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

from painreg.synth import registry_shape as shape

if TYPE_CHECKING:
    from painreg.instruments.model import Item

#: Latent traits, in the order of :data:`CORRELATION`.
TRAITS = ("severity", "anxiety", "depression", "pain", "change")
CORRELATION = np.array(
    [
        [1.00, 0.60, 0.65, 0.55, 0.15],
        [0.60, 1.00, 0.60, 0.35, 0.00],
        [0.65, 0.60, 1.00, 0.35, 0.05],
        [0.55, 0.35, 0.35, 1.00, 0.05],
        [0.15, 0.00, 0.05, 0.05, 1.00],
    ]
)
UNIT_SEVERITY_SD = 0.20
UNIT_CHANGE_SD = 0.40
#: Primary-care patients are less affected at baseline (report, Del 1 and
#: figures 13-14, 19-20), except in anxiety: "Andel patienter som rapporterar
#: kliniska tecken på ångest skiljer sig inte mellan enheterna" (report,
#: after figure 13). One shift per trait of :data:`TRAITS` but change.
PRIMARY_SEVERITY_SHIFT = (-0.35, 0.0, -0.25, -0.35)

#: Non-response at end: logit coefficients on baseline anxiety, pain, change.
RESPONSE_COEF = {"anxiety": -0.28, "pain": -0.30, "change": 0.30}

OCCASION_CHANGE = {"initial": 0.0, "end": 1.0, "followup_1y": 0.85}


@dataclass(frozen=True)
class InstrumentModel:
    """How one instrument reads the latent traits.

    ``badness`` is the mean position (0 = best, 1 = worst) at baseline in
    specialist care; ``spread`` the person-level SD on that scale;
    ``improvement`` the mean move towards 0 at end, ``improvement_sd`` its
    person-level SD (correlated with the change trait); ``higher_is_worse``
    the direction of the raw codes (reversed items flip it).
    """

    trait: str = "severity"
    badness: float = 0.5
    spread: float = 0.18
    improvement: float = 0.06
    improvement_sd: float = 0.10
    higher_is_worse: bool = True
    occasions: tuple[str, ...] = ("initial", "end", "followup_1y")
    care_levels: tuple[str, ...] = ("specialist", "primary")
    item_noise: float = 0.14
    #: ``badness`` of the items that read another trait than ``trait``
    #: (HADS: the anxiety items), as (trait, badness) pairs.
    trait_badness: tuple[tuple[str, float], ...] = ()


#: Instruments whose reading differs from the default. Baselines are ours,
#: chosen so HADS, PCS and WAI bands look like the report's figures 13-14 and
#: 19-21 (many in "probable anxiety/depression", most with "poor" work
#: ability) and the change categories land near the report's: HADS anxiety
#: improved or unchanged positive 60% MMRsv / 56% MMRpv (after figure 10),
#: depression "nästan tre fjärdedelar" in both (after figure 11); PCS: 19-23%
#: improve by >= 15.1 points (figures 15-16); WAI MMRpv 22% improved, 16%
#: unchanged positive, 51% unchanged negative, 10% worse (figure 17's
#: "Total" bar) and about a quarter improved (after figure 17). Physical
#: activity: "ingen tid alls" 40% before and 21% after MMRsv (report,
#: "Förändringar i fysisk aktivitet").
INSTRUMENT_MODELS: dict[str, InstrumentModel] = {
    "hads": InstrumentModel(
        trait="depression",
        badness=0.40,
        spread=0.19,
        improvement=0.09,
        improvement_sd=0.13,
        trait_badness=(("anxiety", 0.49),),
    ),
    "pcs": InstrumentModel(
        trait="anxiety", badness=0.47, spread=0.21, improvement=0.125, improvement_sd=0.21
    ),
    "tsk": InstrumentModel(trait="pain", badness=0.50, spread=0.15, improvement=0.06),
    "isi": InstrumentModel(trait="severity", badness=0.58, spread=0.2, improvement=0.07),
    "cpaq": InstrumentModel(badness=0.55, higher_is_worse=False, improvement=0.08),
    "cpaq8": InstrumentModel(badness=0.55, higher_is_worse=False, improvement=0.08),
    "lisat11": InstrumentModel(badness=0.55, higher_is_worse=False, improvement=0.05),
    "wai": InstrumentModel(
        badness=0.54,
        spread=0.30,
        higher_is_worse=False,
        improvement=0.04,
        improvement_sd=0.10,
        item_noise=0.07,
    ),
    "activity": InstrumentModel(
        badness=0.80, spread=0.2, higher_is_worse=False, improvement=0.13, improvement_sd=0.15
    ),
    "rand36": InstrumentModel(badness=0.6, higher_is_worse=False, improvement=0.08),
    "eq5d3l": InstrumentModel(trait="pain", badness=0.55, improvement=0.08),
    "eq5d5l": InstrumentModel(trait="pain", badness=0.5, improvement=0.08),
    "mpi": InstrumentModel(trait="pain", badness=0.55, improvement=0.06),
    "nprs": InstrumentModel(trait="pain", badness=0.68, spread=0.15, improvement=0.08),
    "pain_intensity": InstrumentModel(trait="pain", badness=0.68, spread=0.15, improvement=0.08),
    "background": InstrumentModel(occasions=("initial",), improvement=0.0),
    "satisfaction": InstrumentModel(
        trait="change", badness=0.3, higher_is_worse=False, occasions=("end", "followup_1y")
    ),
}

#: Global change questions (items ``<key>_1``): answered at end (and one year),
#: calibrated; handling of pain is asked in primary care only (DOMAIN.md).
GLOBAL_INSTRUMENTS = {
    "global_life": ("specialist", "primary"),
    "global_pain": ("specialist", "primary"),
    "global_painhandling": ("primary",),
}
#: How strongly each global question reads the change trait (the rest is noise).
GLOBAL_LOADING = {"global_life": 0.85, "global_pain": 0.65, "global_painhandling": 0.8}
VAS_LOADING = 0.6
VAS_BASELINE = {"specialist": (38.0, 18.0), "primary": (45.0, 18.0)}

#: EQ-5D version by year: units moved to 5L in 2020 (ours).
EQ5D_5L_FROM = 2020


#: Short forms the register does not use (it uses the 20-item CPAQ).
NOT_GENERATED = frozenset({"cpaq8"})


def _skip_versions(ids: list[str]) -> set[str]:
    """Instruments not generated: short forms, and other scorings of the same items."""
    from painreg.instruments.model import get_instrument

    return {i for i in ids if i in NOT_GENERATED or get_instrument(i).options.get("same_items_as")}


@dataclass(frozen=True)
class ItemPlan:
    """Arrays describing one instrument's items, for vectorised generation.

    ``codes[j, :sizes[j]]`` are item j's allowed codes ordered best first, so a
    position on the 0 (best) .. 1 (worst) scale maps to a code by index.
    """

    instrument: str
    item_ids: np.ndarray  # (k,) str
    offset: int  # index of the first item in :func:`all_item_ids`
    codes: np.ndarray  # (k, max codes) float, padded
    sizes: np.ndarray  # (k,) int
    required: np.ndarray  # (k,) bool
    item_trait: np.ndarray  # (k,) index into TRAITS
    item_badness: np.ndarray  # (k,) baseline position of each item (model.trait_badness)
    vas: np.ndarray  # (k,) bool: EQ-VAS items, generated on their own scale
    global_key: tuple[str | None, ...]  # global change question of each item, if any
    model: InstrumentModel


def _item_trait(instrument: str, item_id: str, default: str) -> str:
    """HADS: odd items read anxiety, even items depression (Zigmond & Snaith 1983)."""
    if instrument == "hads":
        return "anxiety" if int(item_id.rsplit("_", 1)[1]) % 2 else "depression"
    return default


def _codes_best_first(item: Item, model: InstrumentModel) -> np.ndarray:
    """The item's allowed codes, best answer first."""
    values = item.values
    if values is None:
        step = 1.0 if item.integer else (item.max - item.min) / 100
        values = tuple(np.arange(item.min, item.max + step / 2, step))
    codes = np.array(sorted(values), dtype=float)
    if item.recode and codes.size > 1:
        # A recode to a 0-100 "health" scale (RAND-36) tells the direction of each item.
        worse_when_high = item.recode.get(codes[0], 0) > item.recode.get(codes[-1], 0)
    else:
        worse_when_high = model.higher_is_worse != item.reversed
    return codes if worse_when_high else codes[::-1]


def _global_key(item_id: str) -> str | None:
    key = item_id.rsplit("_", 1)[0]
    return key if key in GLOBAL_INSTRUMENTS else None


@functools.cache
def item_plans() -> tuple[ItemPlan, ...]:
    """One plan per generated instrument, in catalogue order."""
    from painreg.instruments.model import get_instrument, instrument_ids

    ids = instrument_ids()
    skipped = _skip_versions(ids)
    plans = []
    offset = 0
    for instrument_id in ids:
        if instrument_id in skipped:
            continue
        inst = get_instrument(instrument_id)
        keys = tuple(_global_key(i) for i in inst.item_ids)
        if any(keys):
            model = InstrumentModel(trait="change", badness=0.3, occasions=("end", "followup_1y"))
        else:
            model = INSTRUMENT_MODELS.get(instrument_id, InstrumentModel())
        codes = [_codes_best_first(item, model) for item in inst.items]
        traits = [_item_trait(instrument_id, i, model.trait) for i in inst.item_ids]
        width = max(c.size for c in codes)
        padded = np.zeros((len(codes), width))
        for j, c in enumerate(codes):
            padded[j, : c.size] = c
        plans.append(
            ItemPlan(
                instrument=instrument_id,
                item_ids=np.array(inst.item_ids),
                offset=offset,
                codes=padded,
                sizes=np.array([c.size for c in codes]),
                required=np.array([item.required for item in inst.items]),
                item_trait=np.array([TRAITS.index(t) for t in traits]),
                item_badness=np.array(
                    [dict(model.trait_badness).get(t, model.badness) for t in traits]
                ),
                vas=np.array([i.endswith("_vas") for i in inst.item_ids]),
                global_key=keys,
                model=model,
            )
        )
        offset += len(inst.items)
    return tuple(plans)


@functools.cache
def all_item_ids() -> tuple[str, ...]:
    """Item ids of every generated instrument, in plan order (the answers' dictionary)."""
    return tuple(i for p in item_plans() for i in p.item_ids.tolist())


# --------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class Calibration:
    """Solved constants of the model for one care level."""

    response_intercept: float
    global_cuts: dict[str, np.ndarray]  # 6 cut points on the standardised latent
    vas_mean: float
    vas_sd: float


def _latent_sample(rng: np.random.Generator, n: int) -> np.ndarray:
    chol = np.linalg.cholesky(CORRELATION)
    return rng.standard_normal((n, len(TRAITS))) @ chol.T


def change_total(latent_change: np.ndarray, unit_change: np.ndarray) -> np.ndarray:
    """The change trait with the unit effect, standardised to SD 1."""
    return (latent_change + unit_change) / np.sqrt(1 + UNIT_CHANGE_SD**2)


def response_logit(latent: np.ndarray, unit_change: np.ndarray, intercept: float) -> np.ndarray:
    return (
        intercept
        + RESPONSE_COEF["anxiety"] * latent[:, 1]
        + RESPONSE_COEF["pain"] * latent[:, 3]
        + RESPONSE_COEF["change"] * change_total(latent[:, 4], unit_change)
    )


def global_latent(change: np.ndarray, noise: np.ndarray, loading: float) -> np.ndarray:
    return loading * change + np.sqrt(1 - loading**2) * noise


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: np.ndarray) -> np.ndarray:
    order = np.argsort(x)
    cum = np.cumsum(w[order])
    cum /= cum[-1]
    return np.interp(q, cum, x[order])


@functools.cache
def calibration(
    care_level: str, unit_effects: tuple[float, ...] = (), unit_weights: tuple[float, ...] = ()
) -> Calibration:
    """Solve response intercept, global cut points and EQ-VAS change for a care level.

    ``unit_effects`` (with ``unit_weights``, the units' volumes) are the
    change effects the register actually drew: with a handful of units their
    spread differs from the model's, and the national figures must hold for
    the units there are. Without them the model's normal distribution is used.
    """
    rng = np.random.default_rng(20211231)  # fixed: the model, not the sample, is calibrated
    n = 400_000
    latent = _latent_sample(rng, n)
    if unit_effects:
        p = np.asarray(unit_weights, dtype=float)
        unit_change = rng.choice(np.asarray(unit_effects), size=n, p=p / p.sum())
    else:
        unit_change = rng.normal(0, UNIT_CHANGE_SD, n)
    target = shape.END_RESPONSE[care_level]
    lo, hi = -5.0, 8.0
    for _ in range(50):  # bisection on the mean response probability
        mid = (lo + hi) / 2
        if expit(response_logit(latent, unit_change, mid)).mean() < target:
            lo = mid
        else:
            hi = mid
    intercept = (lo + hi) / 2
    weight = expit(response_logit(latent, unit_change, intercept))
    change = change_total(latent[:, 4], unit_change)
    cuts: dict[str, np.ndarray] = {}
    for name, loading in GLOBAL_LOADING.items():
        dist = shape.GLOBAL_DISTRIBUTION.get((name, care_level))
        if dist is None:
            continue
        g = global_latent(change, rng.standard_normal(n), loading)
        # Higher latent = more improvement = lower code; cut from the top.
        upper = 1 - np.cumsum(dist)[:-1]
        cuts[name] = _weighted_quantile(g, weight, upper)
    w = global_latent(change, rng.standard_normal(n), VAS_LOADING)
    improved, worsened = shape.EQ_VAS_CHANGE[care_level]
    q_imp, q_wor = _weighted_quantile(w, weight, np.array([1 - improved, worsened]))
    # delta = mean + sd * w. VAS answers are whole numbers, so a change of at
    # least 10 points is a continuous change of at least 9.5 (and -9.5).
    vas_sd = 19.0 / (q_imp - q_wor)
    vas_mean = 9.5 - q_imp * vas_sd
    return Calibration(intercept, cuts, float(vas_mean), float(vas_sd))


def global_codes(latent: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """1 (much better) .. 7 (much worse) from the latent and the descending cut points."""
    return 1 + (latent[:, None] < cuts[None, :]).sum(axis=1)
