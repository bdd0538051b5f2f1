"""The bureau's contact as staff mails sign it (PROGRESS_CONTACT_NAME, …_EN, …_EMAIL).

Here rather than in one domain app, so that every app that mails staff (accounts' invitations,
progress's reminders) can sign the same way without importing the other.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _


def contact_lines(language: str = "ja") -> str:
    """The contact block closing a mail (call it under ``translation.override(language)``)."""
    name = settings.PROGRESS_CONTACT_NAME
    if language == "en" and settings.PROGRESS_CONTACT_NAME_EN:
        name = settings.PROGRESS_CONTACT_NAME_EN
    email = settings.PROGRESS_CONTACT_EMAIL
    lines = ["――", _("問い合わせ先：%(name)s") % {"name": name}]
    if email:
        lines.append(_("メール：%(email)s") % {"email": email})
    return "\n".join(line.rstrip() for line in lines) + "\n"
