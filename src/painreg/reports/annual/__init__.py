"""The national annual report (and one unit's report): HTML, PDF and Excel appendices.

Decisions:

- Everything shown is computed by :mod:`painreg.analytics.indicators` (raw
  counts) and published here under DOMAIN.md's publishing rules through
  :mod:`painreg.reports.publishing` and :mod:`painreg.reports.render`: groups
  below 5 not shown, proportions greyed below 10 ("otillräckligt underlag"),
  count tables suppressed, every unit proportion with a 95% Wilson interval
  and a funnel plot against the national value of the same care level and
  year instead of a ranking.
- The two care levels are reported side by side, never pooled.
- The report covers every figure of the 2021 report (docs/annual-report.md maps
  each to its section; the text itself carries no figure numbers); the Excel
  appendix per care level has one sheet per indicator and one row per unit.
- Every unit's own report is :mod:`.unit` (a list of section builders).
- Output is rendered completely in memory, then written (no half-written
  report directory).

The package is split by job: :mod:`.report` builds, renders and writes;
:mod:`.sections` orders one care level's sections; :mod:`.figures` and
:mod:`.tables` make them; :mod:`.appendix` writes the Excel appendix;
:mod:`.labels` and :mod:`.model` are shared by all of them.
"""

from __future__ import annotations

from painreg.reports.annual.labels import MPI_NOT_CLASSIFIED
from painreg.reports.annual.model import Report, UnknownUnit
from painreg.reports.annual.report import (
    build_report,
    render_html,
    write_report,
    write_unit_reports,
)

__all__ = [
    "MPI_NOT_CLASSIFIED",
    "Report",
    "UnknownUnit",
    "build_report",
    "render_html",
    "write_report",
    "write_unit_reports",
]
