"""The register's API: versioned JSON (``/api/v1/``, django-ninja, OpenAPI 3) and FHIR R4
(``/fhir/``), both on API tokens (:mod:`painreg.api.tokens`), plus the token page.

A layer above ``interop``: it serves the same reads (``registry.access``),
writes (``registry.actions``, ``eprom.actions``), FHIR conversion
(``interop.fhir``), indicators (``dashboard``) and export (``interop.export``)
as the web pages and the commands. docs/api.md describes it.
"""
