"""painreg.contacts: follow-up of primary-care EHR contact extracts (docs/contacts.md).

Pure Python on Ibis, no Django: the same expressions run on DuckDB (default)
and on PySpark. Modules:

- :mod:`~painreg.contacts.schema`: canonical columns and the profession vocabulary;
- :mod:`~painreg.contacts.mapping`: local headers and values -> canonical (YAML;
  ``mapping_sv.yaml`` ships for common Swedish exports);
- :mod:`~painreg.contacts.codes`: ICD-10 / KSH97-P codes, compared without the dot;
- :mod:`~painreg.contacts.engine`: engines and reading files with row numbers;
- :mod:`~painreg.contacts.validate`: checks, rejected rows, duplicates;
- :mod:`~painreg.contacts.measures`: the measures as Ibis expressions;
- :mod:`~painreg.contacts.analysis`: the whole run (``analyze``, ``validate_files``);
- :mod:`~painreg.cli.contacts`: ``painreg contacts validate|analyze``.

User guide: ``docs/contacts.md``.
"""
