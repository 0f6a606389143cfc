"""Deletion tombstones: what lets a deletion on request survive a restored backup.

A patient deleted on request (patientdatalagen 7 kap. 6 §) comes back when a
backup taken before the deletion is restored. Each complete deletion
therefore leaves a tombstone: a keyed hash of the patient's identifier
(HMAC-SHA256 keyed with Django's secret key, as ``salted_hmac`` derives it),
nothing readable, written to the deletions file (``PAINREG_DELETIONS_FILE``,
kept outside the database and its backups) and into the deletion's audit
event. ``painreg reapply-deletions`` reads the file after a restore and deletes
every patient whose identifier matches again (docs/operations.md). The
secret key's fallbacks (``PAINREG_SECRET_KEY_FALLBACKS``) are tried too, so a
rotated key still matches older tombstones.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from painreg.errors import UserError

SALT = "painreg.registry.deletion-tombstone"


def identifier(patient: Any) -> str | None:
    """The identifier a tombstone hashes: the personnummer, or ``ext:`` and an external id."""
    if patient.personnummer:
        return patient.personnummer
    if patient.external_id:
        return f"ext:{patient.external_id}"
    return None


def _digests(value: str) -> list[str]:
    from django.conf import settings
    from django.utils.crypto import salted_hmac

    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        salted_hmac(SALT, value, secret=secret, algorithm="sha256").hexdigest()
        for secret in secrets
    ]


def digest(value: str) -> str:
    """The tombstone of an identifier, with the current secret key."""
    return _digests(value)[0]


def deleted_at(value: str, tombstones: dict[str, dt.datetime]) -> dt.datetime | None:
    """When an identifier was deleted (its tombstone, made with the current key or a
    fallback), or None."""
    found = [tombstones[d] for d in _digests(value) if d in tombstones]
    return max(found) if found else None


def deletions_file() -> Path:
    from django.conf import settings

    return Path(settings.PAINREG_DELETIONS_FILE)


def append(tombstone: str, path: Path | None = None) -> None:
    """Add a tombstone to the deletions file (created readable by its owner only), durably.

    A tombstone already there (a deletion applied again after a restore) is not
    written twice.
    """
    path = path or deletions_file()
    if path.exists() and tombstone in read(path):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), "tombstone": tombstone})
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read(path: Path | None = None) -> dict[str, dt.datetime]:
    """Every tombstone in the deletions file, with when it was written.

    A missing file is an error: after a restore, a deletions file that is not
    where the setting says must not pass for "nobody was deleted".
    """
    path = path or deletions_file()
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise UserError(
            f"no deletions file at {path}: set PAINREG_DELETIONS_FILE to where it is kept "
            "(if nobody has been deleted on request yet, create it empty)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the deletions file {path}: {exc}") from None
    out: dict[str, dt.datetime] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            out[str(entry["tombstone"])] = dt.datetime.fromisoformat(entry["at"])
        except (ValueError, KeyError, TypeError):
            raise UserError(f"{path}, line {number}: not a tombstone line") from None
    return out
