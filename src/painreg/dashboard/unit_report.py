"""The unit's own report (PDF) from the web, on the live register.

The same report as ``painreg report unit`` (:mod:`painreg.reports.annual.unit`),
computed from the live database through the dashboard's views of the
interchange shape (:func:`painreg.dashboard.counts.live_register`). It holds
published, aggregated numbers only (no patient is shown), so it is not in any
patient's access extract; who may fetch it is the dashboard's rule
(:func:`painreg.registry.access.dashboard_units_for`). A built PDF is kept
while the register is unchanged (:mod:`painreg.dashboard.cache`).
"""

from __future__ import annotations

from typing import Any

from painreg.dashboard import cache, counts


def unit_report_pdf(unit_code: str, year: int, connection: Any | None = None) -> bytes:
    """The PDF of ``unit_code``'s report for ``year``."""
    from django.conf import settings

    if connection is None:
        from django.db import connection as default

        connection = default

    def build() -> bytes:
        from painreg.reports.annual.report import unit_report_files
        from painreg.reports.annual.unit import unit_report_data

        data = unit_report_data(counts.live_register(connection), year)
        ((_name, pdf),) = unit_report_files(data, unit_code, html=False)
        return pdf

    if not getattr(settings, "PAINREG_DASHBOARD_CACHE", True):
        return build()
    fingerprint = cache.register_fingerprint(connection)
    key = (connection.alias, connection.vendor, fingerprint, "unit-report", unit_code, year)
    return cache.cached(key, build)
