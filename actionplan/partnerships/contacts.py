"""Contact details recognised inside free text (staff notes that quote a proposer).

Used when personal data is purged: what can be recognised is replaced, the rest of the note is
kept for the record. Recognised: e-mail addresses (also with a full-width ＠) and Japanese
telephone numbers (0… or +81…, 10 or 11 digits, written with or without hyphens, spaces or
brackets, in half- or full-width digits).
"""

from __future__ import annotations

import re
import unicodedata

REDACTED = "[削除済み]"

_EMAIL = re.compile(r"[\w.+%-]+\s?[@＠]\s?[\w-]+(?:[.．][\w-]+)+")
# Digits with the separators people write between them; checked for length afterwards.
_PHONE = re.compile(
    r"(?<![0-9０-９.+＋-])"
    # +81 (the country code), or a leading 0, bracketed with the area code: (06)6543-2109.
    r"(?:[+＋]\s?[8８][1１][\s(（)）‐‑–—―ー－-]*|(?:[(（](?=[0０]\d{0,4}[)）]))?[0０])"
    r"[\d(（)）\s‐‑–—―ー－-]{8,17}\d(?![0-9０-９])"
)


def _is_phone_number(text: str) -> bool:
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())
    if digits.startswith("81"):
        digits = "0" + digits[2:]
    return digits.startswith("0") and len(digits) in (10, 11)


def redact_contact_details(text: str) -> str:
    """The text with the e-mail addresses and telephone numbers it holds replaced."""
    text = _EMAIL.sub(REDACTED, text)
    return _PHONE.sub(
        lambda match: REDACTED if _is_phone_number(match.group()) else match.group(), text
    )
