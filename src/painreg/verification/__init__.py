"""Source-data validation (källdatavalidering): validation rounds, their samples, the
validators' blind entry and the results (DOMAIN.md, "Source-data validation").

``models`` (round, sampled registration, recorded value), ``actions`` (every
write, audited), ``access`` (the validator's scope: their rounds' sampled
registrations), ``results`` (the round's checks for the pure computations in
:mod:`painreg.analytics.validation` and the report in
:mod:`painreg.reports.validation_report`), ``views``.
"""
