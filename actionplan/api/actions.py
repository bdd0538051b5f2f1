"""Writes of the api app: creating and revoking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from actionplan.accounts.permissions import is_bureau, require

from .models import ApiToken

TOKEN_MARK = "ap_"  # noqa: S105 - a visible marker, not a secret
PREFIX_LENGTH = 11  # "ap_" and 8 characters of the secret: enough to tell tokens apart
# Writing last_used on every request would turn each read into a write; a minute is precise
# enough for "is this token still in use?".
LAST_USED_RESOLUTION = timedelta(minutes=1)

AnyUser = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    plaintext: str  # shown once to the person who created it, never stored


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_api_token(actor: AnyUser | None, owner: User, name: str) -> NewToken:
    """Create a token for ``owner``. ``actor`` None means the command line (shell access)."""
    if actor is not None:
        require(is_bureau(actor), "only bureau staff may create API tokens")
    name = name.strip()
    if not name:
        raise ValueError("name: a token needs a name")
    if not owner.is_active:
        raise ValueError(f"owner: {owner} is not an active user")
    plaintext = TOKEN_MARK + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            owner=owner,
            name=name[:100],
            prefix=plaintext[:PREFIX_LENGTH],
            token_hash=hash_token(plaintext),
        )
    return NewToken(token=token, plaintext=plaintext)


def revoke_api_token(actor: AnyUser | None, token: ApiToken) -> ApiToken:
    """Revoke a token; revoking twice keeps the first date."""
    if actor is not None:
        require(is_bureau(actor), "only bureau staff may revoke API tokens")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def authenticate_token(plaintext: str) -> ApiToken | None:
    """The active token with this value, or None; notes when it was used."""
    if not plaintext.startswith(TOKEN_MARK):
        return None
    token = (
        ApiToken.objects.select_related("owner")
        .filter(token_hash=hash_token(plaintext), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.owner.is_active:
        return None
    now = timezone.now()
    if token.last_used is None or now - token.last_used > LAST_USED_RESOLUTION:
        # A plain UPDATE: no history row for routine use, and no race with a revocation.
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
    return token
