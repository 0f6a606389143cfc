"""The interchange format and the domain primitives, in pure Python.

Everything that reads or writes the register's tidy tables shares these:
the table schema and its readers and writers (:mod:`~painreg.tidy.schema`),
the import validator (:mod:`~painreg.tidy.validation`), the generated
reference (:mod:`~painreg.tidy.reference`), personnummer
(:mod:`~painreg.tidy.personnummer`), the pain diagnoses
(:mod:`~painreg.tidy.diagnoses`), every code list with its labels
(:mod:`~painreg.tidy.vocabulary`) and the business rules stated once
(:mod:`~painreg.tidy.rules`). No Django: the Django apps, the analytics
and the generators import them from here.
"""
