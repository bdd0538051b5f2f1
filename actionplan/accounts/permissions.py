"""The permission rules every write checks. Views, API endpoints and actions ask these."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from actionplan.plans.models import MemberGovernment

from .models import Profile, Role

AnyUser = AbstractBaseUser | AnonymousUser


class PermissionDenied(Exception):  # noqa: N818 - the word the field uses
    """A write refused because of who asked; the message says what they may not do."""


def role_of(user: AnyUser) -> str | None:
    if not user.is_authenticated or not user.is_active:
        return None
    profile = Profile.objects.filter(user_id=user.pk).only("role").first()
    return profile.role if profile else None


def is_bureau(user: AnyUser) -> bool:
    """Bureau admins and staff: they keep the plan and see everything."""
    return role_of(user) in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF)


def is_bureau_admin(user: AnyUser) -> bool:
    return role_of(user) == Role.BUREAU_ADMIN


def can_read_internal(user: AnyUser) -> bool:
    """Everyone with a role reads internal pages; reviewers read and comment only."""
    return role_of(user) is not None


def government_of(user: AnyUser) -> MemberGovernment | None:
    if not user.is_authenticated:
        return None
    profile = Profile.objects.filter(user_id=user.pk).select_related("member_government").first()
    return profile.member_government if profile else None


def can_act_for(user: AnyUser, government: MemberGovernment | None) -> bool:
    """Bureau staff act for anyone (government None = the Union itself); an editor only for
    their own government."""
    if is_bureau(user):
        return True
    if role_of(user) != Role.MEMBER_EDITOR or government is None:
        return False
    mine = government_of(user)
    return mine is not None and mine.pk == government.pk


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)
