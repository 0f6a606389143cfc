"""The dashboard's two caches: compiled SQL per expression, results per register state.

* **Compiled statements.** Compiling the indicator expressions to SQL (Ibis)
  costs more CPU than running them. The expressions hold their selection's
  values as parameters (:mod:`painreg.dashboard.adapter`), so their SQL
  depends only on the selection's shape and is compiled once per process.
* **Results**, per selection and per register *fingerprint* (the newest id of
  every registry and history table, one query of index look-ups): every
  committed change gives another fingerprint, so the dashboard stays real
  time; saves in this process also clear the results at once
  (:func:`clear_cache`, connected to the registry models' signals).

Both are plain dictionaries of this module, bounded, shared by the threads
of a process; nothing is stored on Ibis objects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

#: Compiled statements kept at most (a few dozen per selection shape and care level).
STATEMENTS_MAX = 4_000
#: Results kept at most (indicator results and built dashboards).
RESULTS_MAX = 256

_statements: dict[Hashable, Any] = {}
_statements_lock = threading.Lock()
_results: dict[Hashable, Any] = {}
_results_lock = threading.Lock()


def statement(key: Hashable, shared_key: Callable[[], Hashable], build: Callable[[], T]) -> T:
    """The compiled statement of ``key``, built once per process.

    ``key`` is what a thread has at hand (an expression over its own
    connection's tables); ``shared_key()`` the same for every thread (the
    expression without its connection), computed only when ``key`` is new.
    """
    with _statements_lock:
        found = _statements.get(key)
    if found is not None:
        return found
    shared = shared_key()
    with _statements_lock:
        found = _statements.get(shared)
    if found is None:
        found = build()
    with _statements_lock:
        if len(_statements) >= STATEMENTS_MAX:
            _statements.clear()
        _statements[shared] = _statements[key] = found
    return found


def compiled_count() -> int:
    """How many distinct statements have been compiled and are kept."""
    with _statements_lock:
        return len({id(s) for s in _statements.values()})


def clear_statements() -> None:
    with _statements_lock:
        _statements.clear()


#: Tables whose newest row id changes with every write the views can show:
#: bulk import only inserts (new ids); every other write goes through the
#: actions, which write a history row (django-simple-history).
_FINGERPRINT_TABLES = (
    ("registry_unit", "id"),
    ("registry_unityeartotal", "id"),
    ("registry_patient", "id"),
    ("registry_registration", "id"),
    ("registry_answer", "id"),
    ("registry_score", "id"),
    ("registry_historicalunit", "history_id"),
    ("registry_historicalunityeartotal", "history_id"),
    ("registry_historicalpatient", "history_id"),
    ("registry_historicalregistration", "history_id"),
    ("registry_historicaloccasion", "history_id"),
    ("registry_historicalanswer", "history_id"),
    ("registry_sickleaveextract", "id"),
)


def register_fingerprint(connection: Any) -> tuple[Any, ...]:
    """Newest ids of the register's tables: equal fingerprints, equal register.

    One query of index look-ups (``max`` of a primary key), cheap whatever
    the size of the register.
    """
    parts = ", ".join(f"(SELECT MAX({col}) FROM {table})" for table, col in _FINGERPRINT_TABLES)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        return tuple(cursor.fetchone())


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """The result kept under ``key``, computed by ``compute()`` when there is none."""
    with _results_lock:
        if key in _results:
            return _results[key]
    value = compute()
    with _results_lock:
        if len(_results) >= RESULTS_MAX:
            _results.pop(next(iter(_results)))
        _results[key] = value
    return value


def clear_cache(**_kwargs: Any) -> None:
    """Forget every cached result (connected to the registry models' save/delete)."""
    with _results_lock:
        _results.clear()
