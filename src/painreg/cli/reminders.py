"""``painreg send-reminders``: send the invitations and reminders that are due.

Run it from cron (docs/eprom.md); it is idempotent, so running it twice, or
after a failed run, sends nothing twice.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "send-reminders",
        help="send due questionnaire invitations and reminders (idempotent; run from cron)",
    )
    parser.add_argument(
        "--date",
        type=dt.date.fromisoformat,
        help="treat this day (YYYY-MM-DD) as today (default: today)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="only count the messages that are due"
    )
    parser.set_defaults(handler=_send_reminders)


def _send_reminders(args: argparse.Namespace) -> int:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painreg.settings")
    django.setup()
    from painreg.eprom import reminders

    counts = reminders.send_due(args.date, dry_run=args.dry_run)
    summary = ", ".join(f"{key}: {value}" for key, value in sorted(counts.items())) or "nothing due"
    print(f"send-reminders: {summary}")
    return 1 if counts.get("failed") else 0
