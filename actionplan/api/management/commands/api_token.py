"""`actionplan api-token create USER NAME | revoke PREFIX | list [USER]`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from actionplan.api.actions import create_api_token, revoke_api_token
from actionplan.api.models import ApiToken


class Command(BaseCommand):
    help = "Create, revoke or list API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="create a token for USER; prints it once")
        create.add_argument("username")
        create.add_argument("name")
        revoke = sub.add_parser("revoke", help="revoke the token with this prefix")
        revoke.add_argument("prefix")
        listing = sub.add_parser("list", help="list tokens (prefix, name, owner, state)")
        listing.add_argument("username", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "create":
            users = get_user_model().objects
            try:
                owner = users.get(username=options["username"])
            except users.model.DoesNotExist:
                raise CommandError(f"no user {options['username']!r}") from None
            try:
                new = create_api_token(None, owner, options["name"])
            except ValueError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(new.plaintext)
        elif verb == "revoke":
            tokens = list(ApiToken.objects.filter(prefix=options["prefix"]))
            if len(tokens) != 1:
                raise CommandError(f"{len(tokens)} tokens have the prefix {options['prefix']!r}")
            token = revoke_api_token(None, tokens[0])
            self.stdout.write(f"revoked {token.prefix} ({token.name}) at {token.revoked_at}")
        else:
            tokens_qs = ApiToken.objects.select_related("owner")
            if options["username"]:
                tokens_qs = tokens_qs.filter(owner__username=options["username"])
            for token in tokens_qs:
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
                self.stdout.write(f"{token.prefix}\t{token.name}\t{token.owner}\t{state}")
