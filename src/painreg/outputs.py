"""Every file a `painreg` command writes goes through here.

Design: a regular file (or a name that does not exist yet) is written to a
temporary file in the same folder and renamed over the target, so a reader
never sees half a file and a failed run leaves the old one. That rename
must not happen to what is not a regular file: ``--output /dev/null`` would
replace the device node with a regular file (as root, for every other
program on the machine). So:

* ``-`` (or no path) writes to standard output;
* a character device or a FIFO is opened and written through, also through
  a symbolic link to one (``/dev/stdout``, ``/dev/fd/3``);
* any other symbolic link is refused, never silently replaced by a file
  (write to the file it points at, or remove the link);
* a folder, a socket or a block device is refused.

``private=True`` creates the file readable and writable by its owner only
(mode 0600): identified exports, access-log extracts, FHIR bundles, any file
that holds identities. A device or FIFO keeps its own mode.

Files meant for people (CSV a person opens in a spreadsheet program) pass
their text through :func:`spreadsheet_text` (:func:`csv_text` does it for
every cell): a cell that starts like a formula is written as text. The
interchange tables are machine files and stay lossless (docs/interchange.md).

A leaf module like :mod:`painreg.errors` (standard library only), so the
pure renderers in ``reports`` and the cores may use it too.
"""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from painreg.errors import UserError

__all__ = [
    "STDOUT",
    "create_private",
    "csv_text",
    "spreadsheet_text",
    "write_output",
    "write_outputs",
]

#: What a spreadsheet program reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A plain number (a negative one starts with "-" and is still a number, not a formula).
_PLAIN_NUMBER = re.compile(r"[-+]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][-+]?[0-9]+)?")


def spreadsheet_text(value: object) -> object:
    """``value`` as a spreadsheet shows it as text: a leading ``'`` before text that
    starts like a formula (``= + - @``, tab or carriage return), as OWASP advises.

    Anything else, numbers and text that is a plain number (``-1.5``) included,
    is returned as it is.

    >>> spreadsheet_text("=SUM(A1:A9)")
    "'=SUM(A1:A9)"
    >>> spreadsheet_text("-1.5"), spreadsheet_text("Smärtrehab A")
    ('-1.5', 'Smärtrehab A')
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_text(rows: Iterable[Sequence[object]], *, lineterminator: str = "\r\n") -> str:
    """CSV for people: every cell through :func:`spreadsheet_text`."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator=lineterminator)
    for row in rows:
        writer.writerow([spreadsheet_text(cell) for cell in row])
    return text.getvalue()


#: The conventional name of standard output on the command line.
STDOUT = "-"

PRIVATE_MODE = 0o600
_DEFAULT_MODE = 0o666  # narrowed by the umask, as open() would


def write_output(
    path: Path | str | None, content: str | bytes, *, private: bool = False
) -> Path | None:
    """Write ``content`` to ``path`` (``None`` or ``-``: standard output).

    Returns the path written, or ``None`` for standard output. Raises
    :class:`UserError` (one line, naming the path) when it cannot be written.
    """
    if path is None or str(path) == STDOUT:
        if isinstance(content, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(content)
        return None
    return write_outputs(Path(path).parent, [(Path(path).name, content)], private=private)[0]


def write_outputs(
    directory: Path | str,
    files: Sequence[tuple[str, str | bytes]],
    *,
    private: bool = False,
) -> list[Path]:
    """Write each ``(name, content)`` into ``directory`` (created if missing), all or
    nothing for the regular files: every one is written in full before the first
    is renamed into place."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the folder {directory}: {exc.strerror}") from None
    staged: list[_Staged] = []
    try:
        for name, content in files:
            data = content.encode("utf-8") if isinstance(content, str) else content
            staged.append(_stage(directory / name, data, private=private))
        for item in staged:
            item.commit()
    except OSError as exc:
        raise UserError(f"cannot write {exc.filename or directory}: {exc.strerror}") from None
    finally:
        for item in staged:
            item.discard()
    return [item.target for item in staged]


def create_private(path: Path | str) -> Path:
    """An empty regular file at ``path``, mode 0600, for a writer that opens files by
    name (Arrow's CSV and Parquet writers): an existing file is emptied and its mode
    narrowed before anything is written into it."""
    path = Path(path)
    kind = _kind(path)
    if kind == "stream":
        return path  # a device or FIFO: written through, its mode untouched
    if kind != "file":
        _refuse(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)
    finally:
        os.close(fd)
    return path


# --- internals ---------------------------------------------------------------

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _kind(path: Path) -> str:
    """file (regular or absent) | stream (character device, FIFO, or a link to one) |
    link | folder | other."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return "file"
    if stat.S_ISLNK(mode):
        try:
            target = path.stat().st_mode
        except OSError:
            return "link"
        return "stream" if stat.S_ISCHR(target) or stat.S_ISFIFO(target) else "link"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "stream"
    if stat.S_ISDIR(mode):
        return "folder"
    return "other"


def _refuse(path: Path) -> None:
    kind = _kind(path)
    if kind == "link":
        raise UserError(
            f"{path}: is a symbolic link (to {os.readlink(path)}); name the file itself, "
            "remove the link, or give - for standard output"
        )
    if kind == "folder":
        raise UserError(f"{path}: is a folder; give a file name")
    raise UserError(f"{path}: is not a regular file, a device or a FIFO; give a file name")


@dataclass
class _Staged:
    target: Path
    data: bytes
    temporary: Path | None = None  # None: written through at commit

    def commit(self) -> None:
        if self.temporary is None:
            # A character device or FIFO: no truncation or rename, its mode untouched.
            with open(self.target, "wb") as stream:
                stream.write(self.data)
            return
        os.replace(self.temporary, self.target)
        self.temporary = None

    def discard(self) -> None:
        if self.temporary is not None:
            self.temporary.unlink(missing_ok=True)
            self.temporary = None


def _stage(target: Path, data: bytes, *, private: bool) -> _Staged:
    kind = _kind(target)
    if kind == "stream":
        return _Staged(target, data)
    if kind != "file":
        _refuse(target)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
    fd = os.open(temporary, flags, PRIVATE_MODE if private else _DEFAULT_MODE)
    staged = _Staged(target, data, temporary)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        staged.discard()
        raise
    return staged
