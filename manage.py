#!/usr/bin/env python
"""Django's command-line utility (``painreg`` covers the everyday commands)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painreg.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A refused setting (a weak key, say) is one line, not a traceback.
        raise SystemExit(f"painreg: {exc}") from None


if __name__ == "__main__":
    main()
