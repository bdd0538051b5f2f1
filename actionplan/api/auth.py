"""Authentication for write endpoints: ``auth=token_auth`` on a ninja operation.

The operation then finds the token's owner in ``request.auth`` (and ``request.user``) and
checks what they may do with ``accounts.permissions`` — the same rules as the web pages.
A missing, unknown or revoked token answers 401 in the API's error shape.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from ninja.security import HttpBearer

from .actions import authenticate_token


class TokenAuth(HttpBearer):
    openapi_description = "An API token created by bureau staff: `Authorization: Bearer ap_…`."

    def authenticate(self, request: HttpRequest, token: str) -> AbstractBaseUser | None:
        api_token = authenticate_token(token)
        if api_token is None:
            return None
        owner = api_token.owner
        # Permission checks and simple-history read request.user.
        request.user = owner
        return owner


token_auth = TokenAuth()
