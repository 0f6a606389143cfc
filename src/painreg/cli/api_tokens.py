"""``painreg api-tokens``: create, list and revoke API tokens (docs/api.md).

``create`` prints the token once, alone on its own line on standard output
(the details go to standard error), so a script can capture it with
``TOKEN=$(painreg api-tokens create ...)``; only its hash is stored.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from painreg.cli.operator import operator_name
from painreg.errors import UserError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("api-tokens", help="create, list and revoke API tokens")
    sub = parser.add_subparsers(dest="api_tokens_command", metavar="API_TOKENS_COMMAND")
    c = sub.add_parser("create", help="create a token for a user and print it once")
    c.add_argument("--user", required=True, metavar="USERNAME", help="the token acts as this user")
    c.add_argument(
        "--scope", required=True, choices=["read", "write"], help="read, or read and write"
    )
    c.add_argument("--unit", metavar="UNIT", help="unit code (default: every unit of the user)")
    c.add_argument("--days", required=True, type=int, metavar="N", help="valid for N days (1-366)")
    c.add_argument("--name", default="", help="what the token is for (shown in lists)")
    c.set_defaults(handler=_create)
    ls = sub.add_parser(
        "list",
        help="list tokens: prefix, user, scope, unit (* all), expiry, last use, state, name",
    )
    ls.add_argument("--user", metavar="USERNAME", help="only this user's")
    ls.set_defaults(handler=_list)
    r = sub.add_parser("revoke", help="revoke a token by the start of it (as listed)")
    r.add_argument("prefix", help="the token's first characters, e.g. painreg_AbC123")
    r.set_defaults(handler=_revoke)
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)


def _setup_django() -> None:
    from painreg.cli.serve import setup_django

    setup_django()


def _create(args: argparse.Namespace) -> int:
    _setup_django()
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    from painreg.api import tokens
    from painreg.registry.models import Unit

    owner = get_user_model().objects.filter(username=args.user).first()
    if owner is None:
        raise UserError(f"no user {args.user!r}")
    unit = None
    if args.unit:
        unit = Unit.objects.filter(code=args.unit).first()
        if unit is None:
            raise UserError(f"no unit with code {args.unit!r}")
    try:
        row, token = tokens.create_token(
            user=None,
            owner=owner,
            scope=args.scope,
            days=args.days,
            unit=unit,
            name=args.name,
            username=operator_name(),
        )
    except ValidationError as exc:
        raise UserError("; ".join(exc.messages)) from None
    scope = f"unit {unit.code}" if unit else "all the user's units"
    print(
        f"token {row.prefix}… for {owner.get_username()} ({row.scope}, {scope}) "
        f"valid until {row.expires_at:%Y-%m-%d %H:%M} UTC; shown once, copy it now:",
        file=sys.stderr,
    )
    print(token)
    return 0


def _list(args: argparse.Namespace) -> int:
    _setup_django()
    from painreg.api.models import ApiToken

    rows = ApiToken.objects.select_related("user", "unit").order_by("user__username", "-created_at")
    if args.user:
        rows = rows.filter(user__username=args.user)
    for row in rows:
        state = "revoked" if row.revoked_at else ("active" if row.active else "expired")
        last = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
        print(
            f"{row.prefix}…\t{row.user.get_username()}\t{row.scope}\t"
            f"{row.unit.code if row.unit else '*'}\t{row.expires_at:%Y-%m-%d}\t{last}\t{state}\t"
            f"{row.name}"
        )
    return 0


def _revoke(args: argparse.Namespace) -> int:
    _setup_django()
    from painreg.api import tokens
    from painreg.api.models import ApiToken

    rows = list(ApiToken.objects.filter(prefix__startswith=args.prefix.rstrip("…"))[:2])
    if len(args.prefix) < len(tokens.PREFIX) + 4 or len(rows) != 1:
        raise UserError(f"no single token starts with {args.prefix!r}; see painreg api-tokens list")
    tokens.revoke_token(user=None, token=rows[0], username=operator_name())
    print(f"revoked {rows[0].prefix}…", file=sys.stderr)
    return 0
