"""The live numbers pages: a unit against the nation, regional planning.

A Django app with no models of its own: it reads the registry database
through Ibis (the adapter in :mod:`painreg.dashboard.adapter`) and renders with
:mod:`painreg.reports`.
"""
