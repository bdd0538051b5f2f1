from __future__ import annotations

from django import template
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from actionplan.accounts.permissions import is_bureau

register = template.Library()


@register.filter
def bureau(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether to show the bureau's links; the views check again."""
    return is_bureau(user)
