"""Errors meant for a person at the command line or in a page.

A `UserError` is caught by the `painreg` command and printed as one line
(what went wrong and what to do), exit code 2, never a traceback. Raise it
for bad input, missing files and refused operations; let programming errors
propagate.
"""

from __future__ import annotations


class UserError(Exception):
    """An error the user can act on; its message is shown as it is."""

    exit_code = 2
