"""The interchange import's answers and scores writer (Django side).

Bulk loading bypasses the per-row actions (``registry.actions``) by design,
so it does what they would do in bulk: it stores the scores
:func:`painreg.instruments.score_answers` computes for every occasion that
received answers, and sets the occasions' status.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from painreg.interop.bulk import BulkLoader, chunks, writes
from painreg.interop.results import Progress
from painreg.tidy import schema
from painreg.tidy.validation import ValidationOutcome

#: Occasions scored per chunk (~0.7 M answers at the synthetic register's shape).
SCORE_CHUNK = 5_000


class AnswerWriter(BulkLoader):
    """Loads the answers file, then stores scores and statuses of the occasions it touched."""

    directory: Path
    report: ValidationOutcome
    progress: Progress
    #: Registration id (as in the files) -> database key, and the ids present before the import.
    reg_pk: dict[str, int]
    preexisting: set[str]

    def _answers(self) -> np.ndarray:
        """Load answers; returns the occasion pks that received answers from the file."""
        from painreg.registry.models import Answer, Occasion

        if schema.table_path(self.directory, "answers") is None:
            return np.array([], dtype=np.int64)
        public = pa.array(list(self.reg_pk), pa.string())
        pks = np.fromiter(self.reg_pk.values(), dtype=np.int64, count=len(self.reg_pk))
        max_pk = int(pks.max()) if pks.size else 0
        lookup = np.full((max_pk + 1, len(schema.OCCASIONS)), -1, dtype=np.int64)
        kinds = {k: i for i, k in enumerate(schema.OCCASIONS)}
        for occ_pk, reg_pk, kind in Occasion.objects.values_list("pk", "registration_id", "kind"):
            lookup[reg_pk, kinds[kind]] = occ_pk
        total = self.report.rows.get("answers", 0)
        done = added = 0
        touched: list[np.ndarray] = []
        with self._bulk_load(Answer, total) as empty:
            needs_conflict_check = bool(self.preexisting) and not empty
            for batch in schema.iter_table(self.directory, "answers", batch_size=500_000):
                added, done = self._answer_batch(
                    batch, public, pks, lookup, needs_conflict_check, touched, added, done, total
                )
        self._count("answers", added, done - added)
        if added == 0:
            return np.array([], dtype=np.int64)
        return np.unique(np.concatenate(touched)) if touched else np.array([], dtype=np.int64)

    def _answer_batch(
        self,
        batch: pa.Table,
        public: pa.Array,
        pks: np.ndarray,
        lookup: np.ndarray,
        needs_conflict_check: bool,
        touched: list[np.ndarray],
        added: int,
        done: int,
        total: int,
    ) -> tuple[int, int]:
        from painreg.registry.models import Answer

        idx = np.asarray(
            pc.index_in(batch.column("registration_id"), value_set=public).to_numpy(
                zero_copy_only=False
            ),
            dtype=np.int64,
        )
        occ_code = np.asarray(
            pc.index_in(
                batch.column("occasion"), value_set=pa.array(list(schema.OCCASIONS))
            ).to_numpy(zero_copy_only=False),
            dtype=np.int64,
        )
        occasion = lookup[pks[idx], occ_code]
        source = pc.fill_null(batch.column("source"), "import")
        table = pa.table(
            {
                "occasion_id": pa.array(occasion),
                "item": batch.column("item"),
                "value": batch.column("value"),
                "answered_on": batch.column("answered_on"),
                "source": source,
            }
        )
        added += self._insert(
            Answer, table.column_names, table, ignore_conflicts=needs_conflict_check
        )
        touched.append(np.unique(occasion))
        done += batch.num_rows
        self.progress("loading answers", done, total)
        return added, done

    def _scores_and_statuses(self, occasions: np.ndarray) -> None:
        """Store the scores of every occasion that received answers, and its status.

        The answers are read back from the database (an occasion of an
        incremental import may hold answers from before) in chunks of
        ``SCORE_CHUNK`` occasions: bounded memory. On PostgreSQL the next
        chunk is read by a second thread while this one is scored, so the
        server and Python work at the same time (two chunks in memory).
        """
        from painreg.registry.models import Score

        if occasions.size == 0:
            return
        catalogue = _ItemCatalogue()
        scored_rows = 0
        chunks = [
            occasions[start : start + SCORE_CHUNK]
            for start in range(0, occasions.size, SCORE_CHUNK)
        ]

        # django.db.connection is per thread: the reader thread is given this
        # thread's psycopg connection (thread-safe; same transaction).
        self.connection.ensure_connection()
        raw = self.connection.connection if self.postgres else None

        def read(chunk: np.ndarray) -> pa.Table:
            answers = self._stored_answers(int(chunk[0]), int(chunk[-1]), raw)
            return answers.filter(pc.is_in(answers.column("occasion_id"), pa.array(chunk)))

        with (
            self._bulk_load(Score, occasions.size * 20) as empty,
            ThreadPoolExecutor(max_workers=1) as reader,
        ):
            replace = bool(self.preexisting) and not empty
            pending: Future | None = reader.submit(read, chunks[0]) if self.postgres else None
            done = 0
            for i, chunk in enumerate(chunks):
                if pending is None:
                    answers = read(chunk)
                else:
                    answers = pending.result()
                    if i + 1 < len(chunks):
                        pending = reader.submit(read, chunks[i + 1])
                if replace:
                    self._delete_scores(chunk)
                scored_rows += self._store_scores(answers)
                self._set_statuses(answers, catalogue)
                done += chunk.size
                self.progress("scoring occasions", done, occasions.size)
        self.result.added["scores"] = scored_rows

    def _stored_answers(self, lo: int, hi: int, raw: Any = None) -> pa.Table:
        """``occasion_id, item, value`` of the stored answers of occasions ``lo`` to ``hi``."""
        from painreg.registry.models import Answer

        sql = (
            f"SELECT occasion_id, item, value FROM {self._table(Answer)} "
            f"WHERE occasion_id >= {int(lo)} AND occasion_id <= {int(hi)}"
        )
        types = {"occasion_id": pa.int64(), "item": pa.string(), "value": pa.float64()}
        if self.postgres:
            # Three arrays in one row: psycopg parses them in C (a row per
            # answer, as tuples or as COPY messages, costs far more in Python).
            # ``raw`` is the psycopg connection: this runs in a reader thread.
            with raw.cursor() as cursor:
                cursor.execute(
                    "SELECT array_agg(occasion_id), array_agg(item), array_agg(value) "
                    f"FROM ({sql}) AS chunk"
                )
                columns = cursor.fetchone()
            if columns[0] is None:
                columns = [[], [], []]
        else:
            with self.connection.cursor() as cursor:
                cursor.execute(sql)
                rows = cursor.fetchall()
                columns = list(zip(*rows, strict=True)) if rows else [[], [], []]
        return pa.table(
            {n: pa.array(c, t) for (n, t), c in zip(types.items(), columns, strict=True)}
        )

    def _delete_scores(self, chunk: np.ndarray) -> None:
        from painreg.registry.models import Score

        with writes():
            for part in chunks(chunk.tolist(), 900):
                Score.objects.filter(occasion_id__in=part).delete()

    def _store_scores(self, answers: pa.Table) -> int:
        from painreg.instruments import score_answers
        from painreg.registry.models import Score

        if answers.num_rows == 0:
            return 0
        # score_answers groups by (registration_id, occasion); the occasion pk
        # is unique on its own, so it stands in for both.
        frame = answers.rename_columns(["registration_id", "item", "value"]).to_pandas()
        frame["occasion"] = "x"
        scores = score_answers(frame)
        scores = scores[scores["value"].notna()]
        table = pa.table(
            {
                "occasion_id": pa.array(scores["registration_id"].astype("int64").to_numpy()),
                "instrument": pa.array(scores["instrument"].astype(str).to_numpy()),
                "score": pa.array(scores["score"].astype(str).to_numpy()),
                "value": pa.array(scores["value"].astype("float64").to_numpy()),
            }
        )
        return self._insert(Score, table.column_names, table)

    def _set_statuses(self, answers: pa.Table, catalogue: _ItemCatalogue) -> None:
        """Store :func:`answered_statuses`; signed-off occasions keep theirs."""
        from painreg.registry.models import Occasion

        if answers.num_rows == 0:
            return
        occasion_ids, complete = answered_statuses(answers, catalogue)
        for status, mask in (("answered", complete), ("partial", ~complete)):
            ids = occasion_ids[mask].tolist()
            if not ids:
                continue
            if self.postgres:
                with self.connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {self._table(Occasion)} SET status = %s "
                        "WHERE id = ANY(%s) AND signed_off_at IS NULL",
                        [status, ids],
                    )
                continue
            with writes():
                for part in chunks(ids, 900):
                    Occasion.objects.filter(pk__in=part, signed_off_at=None).update(status=status)


def answered_statuses(
    answers: pa.Table, catalogue: _ItemCatalogue | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`painreg.tidy.rules.occasion_status` of occasions with answers and no
    sign-off, vectorised: the occasion ids, and for each whether it is "answered"
    (True) or "partial" (False). ``answers``: ``occasion_id`` and ``item``, each
    item once per occasion; nothing is marked not administered in an import.
    ``catalogue``: the import's, so instruments are coded once per import.
    """
    if catalogue is None:
        catalogue = _ItemCatalogue()
    occasion_ids, occasion = np.unique(
        answers.column("occasion_id").to_numpy(), return_inverse=True
    )
    encoded = pc.dictionary_encode(answers.column("item")).combine_chunks()
    instrument, required = catalogue.codes(encoded.dictionary.to_pylist())
    codes = encoded.indices.to_numpy()
    n = catalogue.size
    key = occasion * n + instrument[codes]
    answered = np.bincount(key, weights=required[codes], minlength=occasion_ids.size * n)
    present = np.bincount(key, minlength=occasion_ids.size * n) > 0
    lacking = present & (answered < np.tile(catalogue.required_total, occasion_ids.size))
    return occasion_ids, ~lacking.reshape(occasion_ids.size, n).any(axis=1)


class _ItemCatalogue:
    """Instrument code and required flag of item ids, for vectorised statuses."""

    def __init__(self) -> None:
        self.instruments: dict[str, int] = {}
        self.items: dict[str, tuple[int, bool]] = {}
        self.totals: list[int] = []

    @property
    def size(self) -> int:
        return max(len(self.instruments), 1)

    @property
    def required_total(self) -> np.ndarray:
        """Required items of each instrument, by instrument code."""
        return np.array(self.totals or [0], dtype=np.float64)

    def codes(self, item_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        from painreg.instruments.model import find_item, get_instrument

        for item_id in item_ids:
            if item_id in self.items:
                continue
            item = find_item(item_id)
            if item.instrument not in self.instruments:
                self.instruments[item.instrument] = len(self.instruments)
                self.totals.append(sum(i.required for i in get_instrument(item.instrument).items))
            self.items[item_id] = (self.instruments[item.instrument], bool(item.required))
        pairs = [self.items[i] for i in item_ids]
        return (
            np.array([p[0] for p in pairs], dtype=np.int64),
            np.array([p[1] for p in pairs], dtype=np.float64),
        )
