"""Repeated identical log records are written once per interval, then counted.

During an outage every request fails the same way; writing each traceback filled 22 MB in ten
seconds and buried everything else. ``RepeatFilter`` (on the console handler) lets the first
record of a kind through with its traceback, drops identical ones for ``INTERVAL`` seconds, and
then lets the next one through with "(N identical records suppressed in the last S s)" appended.
Records are identical when they come from the same logger at the same level with the same
message template and the same exception type and text — the request path (an argument of the
template) does not make them different.
"""

from __future__ import annotations

import logging
import threading
import time

INTERVAL = 10.0
# A bound on the kinds remembered, so that varied errors cannot grow the table without end.
MAX_KINDS = 1000


class RepeatFilter(logging.Filter):
    def __init__(self, name: str = "", interval: float = INTERVAL) -> None:
        super().__init__(name)
        self.interval = interval
        self._seen: dict[tuple[object, ...], tuple[float, int]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def kind(record: logging.LogRecord) -> tuple[object, ...]:
        exc = record.exc_info[1] if record.exc_info else None
        return (
            record.name,
            record.levelno,
            str(record.msg),
            type(exc).__name__ if exc else None,
            str(exc) if exc else None,
        )

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = self.kind(record)
        now = time.monotonic()
        with self._lock:
            first, suppressed = self._seen.get(key, (None, 0))
            if first is not None and now - first < self.interval:
                self._seen[key] = (first, suppressed + 1)
                return False
            if len(self._seen) >= MAX_KINDS:
                self._seen.clear()
            self._seen[key] = (now, 0)
        if suppressed and first is not None:
            seconds = now - first
            record.msg = (
                f"{record.msg} ({suppressed} identical records suppressed in {seconds:.0f} s)"
            )
        return True
