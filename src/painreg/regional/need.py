"""Need against capacity: how many patients need MMR per year, and how many got it.

Decision: need is a product of shares applied to the population in the age
band, each share configurable and carrying its source (the default
assumptions, ``data/prevalence.yaml``, cite the documents behind them: the
national clinical knowledge support via Bra Liv Habo 2024, NRS's annual
report 2021 and the Jämtland Härjedalen audit 2021). The audit found that no
region had a needs analysis; this gives one that states its assumptions,
with a low and a high case, rather than a single authoritative number.
Delivered = the treatment statistics' MMR total for the region and year
and, when the register is given, the register's rehab volume (rehab
registrations of the year by the counting rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from painreg.errors import UserError, read_yaml

DEFAULT_ASSUMPTIONS = Path(__file__).with_name("data") / "prevalence.yaml"


@dataclass(frozen=True)
class Share:
    name: str
    value: float
    description: str
    source: str
    low: float | None = None
    high: float | None = None


def load_assumptions(
    path: Path | str | None = None, overrides: dict[str, float] | None = None
) -> list[Share]:
    """The shares of the need model, from YAML, with ``NAME=VALUE`` overrides."""
    path = Path(path) if path else DEFAULT_ASSUMPTIONS
    data = read_yaml(path, "the assumptions")
    shares: list[Share] = []
    for i, item in enumerate((data or {}).get("shares") or [], start=1):
        try:
            share = Share(
                name=str(item["name"]),
                value=float(item["value"]),
                description=str(item.get("description", "")),
                source=str(item.get("source", "")).strip(),
                low=None if item.get("low") is None else float(item["low"]),
                high=None if item.get("high") is None else float(item["high"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError(f"{path}: share {i} needs a name and a numeric value ({exc})") from exc
        shares.append(share)
    if not shares:
        raise UserError(f"{path}: no shares under 'shares:'; see docs/regional.md")
    for name, value in (overrides or {}).items():
        match = [s for s in shares if s.name == name]
        if not match:
            raise UserError(
                f"--share {name}: no such share; known: {', '.join(s.name for s in shares)}"
            )
        old = match[0]
        shares[shares.index(old)] = Share(
            old.name, value, old.description, "given on the command line", None, None
        )
    for share in shares:
        for value in (share.value, share.low, share.high):
            if value is not None and not 0 <= value <= 1:
                raise UserError(f"share {share.name}: {value} is not between 0 and 1")
    return shares


def parse_share_overrides(items: list[str] | None) -> dict[str, float]:
    result: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            result[name.strip()] = float(value.replace(",", "."))
        except ValueError:
            raise UserError(
                f"--share {item!r}: write NAME=VALUE, e.g. long_term_pain=0.25"
            ) from None
    return result


def need_per_year(population: int | None, shares: list[Share], case: str = "value") -> float | None:
    """Population × product of the shares (``case``: ``value``, ``low`` or ``high``).

    >>> s = [Share("a", 0.2, "", ""), Share("b", 0.35, "", ""), Share("c", 0.1, "", "")]
    >>> round(need_per_year(100_000, s), 6)
    700.0
    """
    if population is None:
        return None
    result = float(population)
    for share in shares:
        value = getattr(share, case)
        result *= share.value if value is None else value
    return result


def need_against_delivered(
    *,
    population: int | None,
    shares: list[Share],
    delivered_statistics: int | None,
    delivered_register: int | None,
) -> dict[str, Any]:
    """Need (with low and high case) against MMR delivered, as counts and per 1000."""

    def rate(count: float | None) -> float | None:
        return None if count is None or not population else count / population * 1000

    need = need_per_year(population, shares)
    return {
        "population": population,
        "shares": [s.__dict__ for s in shares],
        "need": need,
        "need_low": need_per_year(population, shares, "low"),
        "need_high": need_per_year(population, shares, "high"),
        "need_per_1000": rate(need),
        "delivered_statistics": delivered_statistics,
        "delivered_statistics_per_1000": rate(delivered_statistics),
        "delivered_register": delivered_register,
        "delivered_register_per_1000": rate(delivered_register),
        "met_share_statistics": None
        if not need or delivered_statistics is None
        else delivered_statistics / need,
        "met_share_register": None
        if not need or delivered_register is None
        else delivered_register / need,
    }
