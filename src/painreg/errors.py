"""Errors meant for a person at the command line or in a page.

A `UserError` is caught by the `painreg` command and printed as one line
(what went wrong and what to do), exit code 2, never a traceback. Raise it
for bad input, missing files and refused operations; let programming errors
propagate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class UserError(Exception):
    """An error the user can act on; its message is shown as it is."""

    exit_code = 2


def read_yaml(path: Path | str, what: str, error: type[Exception] = UserError) -> Any:
    """A YAML (or JSON) file's data; ``error`` names the file and what is wrong with it.

    ``what`` names the file's role in the message ("cannot read the
    assumptions"); an unreadable file and one that is not YAML both raise
    ``error``, never a traceback.
    """
    import yaml

    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        # The parser's message spans lines; the command line shows one.
        raise error(f"{path}: not valid YAML or JSON ({' '.join(str(exc).split())})") from None
