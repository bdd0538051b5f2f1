from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command

from actionplan.plans.models import Action
from actionplan.progress.models import ReportingCycle


def test_send_reminders_mails_missing_bodies(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    out = io.StringIO()
    call_command("send-reminders".replace("-", "_"), stdout=out)
    assert "sent 2 reminder mail(s) for 1 open cycle(s)" in out.getvalue()
    assert ["osaka@example.jp"] in [m.to for m in mail.outbox]


def test_send_reminders_refuses_an_unknown_year(cycle: ReportingCycle) -> None:
    with pytest.raises(CommandError, match="no open reporting cycle for fiscal year 1999"):
        call_command("send_reminders", year=1999)
