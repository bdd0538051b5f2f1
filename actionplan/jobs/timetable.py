"""The schedule's times, read before Django is set up (settings check ``SCHEDULE`` with
``parse_schedule``): no Django imports here. What runs them is actionplan/jobs/schedule.py."""

from __future__ import annotations

from dataclasses import dataclass

from croniter import croniter


@dataclass(frozen=True)
class Scheduled:
    name: str  # the command, as written on the command line
    cron: str  # minute hour day month weekday, in TIME_ZONE
    args: tuple[str, ...] = ()


# The default schedule. SCHEDULE overrides a time ("send-reminders=0 9 * * 1") or turns a job
# off ("purge-personal-data=off").
DEFAULT_SCHEDULE = (
    # Mails whose retry is due, and any a crash left behind; jobs lost with their process.
    Scheduled("flush-outbox", "*/5 * * * *"),
    Scheduled("expire-jobs", "*/5 * * * *"),
    # Submissions gathered for bureau staff whose window ended (after a lost job).
    Scheduled("send-submissions", "*/5 * * * *"),
    # Each person's daily digest and overdue proposals, on working days.
    Scheduled("send-digest", "0 8 * * 1-5"),
    # Progress reminders to the bodies with missing reports in an open cycle, every Monday.
    Scheduled("send-reminders", "0 9 * * 1"),
    # Contact details of proposals closed long ago; files no record points to.
    Scheduled("purge-personal-data", "30 3 * * *"),
    Scheduled("sweep-files", "45 3 * * *"),
)
NAMES = frozenset(job.name for job in DEFAULT_SCHEDULE)


def parse_schedule(raw: str) -> dict[str, str]:
    """``SCHEDULE``: ``name=cron expression`` or ``name=off`` items separated by ``;``. Raises
    ValueError naming the item that is wrong."""
    overrides: dict[str, str] = {}
    for item in raw.split(";"):
        if not item.strip():
            continue
        name, equals, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or name not in NAMES:
            raise ValueError(
                f"{item.strip()!r}: expected NAME=CRON or NAME=off, NAME one of "
                + ", ".join(sorted(NAMES))
            )
        if value != "off" and not croniter.is_valid(value):
            raise ValueError(f"{item.strip()!r}: {value!r} is not a cron expression")
        overrides[name] = value
    return overrides
