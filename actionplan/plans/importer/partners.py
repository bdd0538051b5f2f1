"""Finding the signatories of an agreement in its title and outline.

The document names the parties in prose: 「AとBとの連携協定」, 「A、B及びCは、…締結しました」,
「4者(A、B、C、D)が連携し」, 「(A・B・C)」 under a title. These rules read those forms; the
member governments among the parties are set apart by the caller.
"""

from __future__ import annotations

import re
import unicodedata

from .text import clean_text

_ORG_SUFFIXES = (
    "株式会社",
    "大学",
    "財団",
    "研究所",
    "銀行",
    "労働局",
    "局",
    "会",
    "市",
    "町",
    "村",
    "県",
    "府",
    "機構",
    "センター",
    "協会",
    "組合",
    "法人",
)
_ORG_PREFIXES = ("株式会社", "(一財)", "(公財)", "(一社)", "(公社)", "(株)", "国立大学法人")
_LEGAL_FORMS = re.compile(r"株式会社|\(株\)|\((?:一財|公財|一社|公社)\)|一般財団法人|公益財団法人")
# "と" separates parties only after the end of a name (…県と, …社と, …IHIと) or before a legal form.
_SEPARATORS = re.compile(
    r"、|，|,|・|及び|および|並びに|(?<=[県府市町村社学会局所団行A-Za-z0-9])と|と(?=株式会社|\()"
)
_COUNT = re.compile(r"の?(?:\d+|[二三四五六七八九十])者$")
_COUNT_LIST = re.compile(r"(?:\d+|[二三四五六七八九十])者[(（]([^()（）]+)[)）]")
_TITLE_LIST = re.compile(r"[(（]([^()（）]+・[^()（）]+)[)）]")


def normalized_name(name: str) -> str:
    """The form used to recognise one organization under two spellings."""
    folded = unicodedata.normalize("NFKC", name)
    folded = _LEGAL_FORMS.sub("", folded)
    return re.sub(r"\s+", "", folded).casefold()


def _looks_like_org(name: str) -> bool:
    name = unicodedata.normalize("NFKC", name)
    if not name or len(name) > 40 or "。" in name:
        return False
    if name.startswith(_ORG_PREFIXES) or name.endswith(_ORG_SUFFIXES):
        return True
    # Short Latin-led names such as "JR西日本".
    return bool(re.match(r"^[A-Z]{2,}", name)) and len(name) <= 20


def _split(enumeration: str) -> list[str]:
    enumeration = _COUNT.sub("", enumeration.strip())
    return [clean_text(part) for part in _SEPARATORS.split(enumeration) if part.strip()]


def _all_org_like(parts: list[str]) -> bool:
    return bool(parts) and all(_looks_like_org(unicodedata.normalize("NFKC", p)) for p in parts)


def find_parties(title: str, outline: list[str], governments: list[str]) -> list[str]:
    """Names of all parties found, in order of appearance, duplicates removed."""
    candidates: list[str] = []
    # 「AとBとの…協定」: the parties before the first "との".
    if "との" in title:
        parts = _split(title.split("との", 1)[0])
        if _all_org_like(parts):
            candidates += parts
    for match in _TITLE_LIST.finditer(unicodedata.normalize("NFKC", title)):
        parts = _split(match.group(1))
        if _all_org_like(parts):
            candidates += parts
    text = unicodedata.normalize("NFKC", " ".join(outline))
    for match in _COUNT_LIST.finditer(text):
        candidates += [p for p in _split(match.group(1)) if _looks_like_org(p)]
    if outline:
        first = unicodedata.normalize("NFKC", outline[0])
        subject = first.split("は、", 1)[0] if "は、" in first else ""
        parts = _split(subject) if subject and "。" not in subject else []
        # A subject counts only when it names one of the agreement's governments, or says "N者".
        if parts and (any(g in parts for g in governments) or _COUNT.search(subject.strip())):
            candidates += [p for p in parts if _looks_like_org(p)]
    found: dict[str, str] = {}
    for name in candidates:
        key = normalized_name(name)
        # Keep the fullest spelling ("…デザイン株式会社" over "…デザイン").
        if key not in found or len(name) > len(found[key]):
            found[key] = name
    return list(found.values())


def organization_kind(name: str) -> str:
    name = unicodedata.normalize("NFKC", name)
    if "株式会社" in name or "(株)" in name or name.endswith("銀行"):
        return "company"
    if "財団" in name or name.startswith(("(一財)", "(公財)", "(一社)", "(公社)")):
        return "foundation"
    if name.endswith(("大学", "研究所", "機構")) or "大学" in name:
        return "university"
    if name.endswith(("市", "町", "村", "県", "府", "局")):
        return "government"
    if name.endswith(("会", "協会", "組合")):
        return "association"
    if re.match(r"^JR", name):
        return "company"
    return "other"
