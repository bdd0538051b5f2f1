"""Template helpers of the public portal: the page in the other language, bilingual fields."""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as url_tag
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse, translate_url
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, override, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from actionplan.web.visitor import is_signed_in

register = template.Library()


def is_english() -> bool:
    return (get_language() or "ja").startswith("en")


@register.simple_tag
def list_separator() -> str:
    """What goes between the names of a list in the page's language: 「、」 in Japanese, ", " in
    English (`{% if not forloop.last %}{% list_separator %}{% endif %}`)."""
    return ", " if is_english() else "、"


# Pages outside the language-prefixed URLs (the API's documentation at /api/v1/docs) take their
# language from ?lang=, else answer in Japanese: a link to one from a page in another language
# asks for that language.
LANGUAGE_QUERY_VIEWS = frozenset({"api:openapi-view"})


def language_query(view_name: str, language: str | None = None) -> str:
    """ "?lang=en" for a link from an English page to a page of LANGUAGE_QUERY_VIEWS, else ""."""
    code = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()
    if view_name in LANGUAGE_QUERY_VIEWS and code != settings.LANGUAGE_CODE:
        return f"?lang={code}"
    return ""


@register.simple_tag(takes_context=True)
def language_url(context: dict[str, Any], language: str) -> str:
    """The same page in `language`: a stable URL per language (/… for ja, /en/… for en)."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return "/" if language == "ja" else f"/{language}/"
    # Asked three times by every page (two alternates and the switch): resolved once.
    urls: dict[str, str] = request.__dict__.setdefault("_language_urls", {})
    if language not in urls:
        urls[language] = _translated_url(request, language)
    return urls[language]


def _translated_url(request: HttpRequest, language: str) -> str:
    """`translate_url` of the request's own URL, without resolving its path a second time: the
    view Django resolved (`resolver_match`) is reversed in `language`: 17 instead of 51 µs per
    language, two per page (medians of 2,000)."""
    full_path = request.get_full_path()
    match = getattr(request, "resolver_match", None)
    if match is None or not match.url_name:
        return translate_url(full_path, language)
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    with override(language):
        try:
            path = reverse(name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            return full_path
    query = urlsplit(full_path).query
    return f"{path}?{query}" if query else path


@register.filter
def loc(obj: Any, field: str) -> SafeString | str:
    """`obj.<field>_en` on English pages (falling back to Japanese, marked lang="ja")."""
    japanese = str(getattr(obj, f"{field}_ja", "") or "")
    if not is_english():
        return japanese
    english = str(getattr(obj, f"{field}_en", "") or "")
    if english:
        return english
    return format_html('<span lang="ja">{}</span>', japanese) if japanese else ""


@register.filter
def ja(text: Any) -> SafeString | str:
    """Japanese text: marked lang="ja" when it appears inside an English page."""
    value = "" if text is None else str(text)
    if not value or not is_english():
        return value
    return format_html('<span lang="ja">{}</span>', value)


@register.filter
def en(text: Any) -> SafeString | str:
    """English text: marked lang="en" when it appears inside a Japanese page."""
    value = "" if text is None else str(text)
    if not value or is_english():
        return value
    return format_html('<span lang="en">{}</span>', value)


@register.filter
def fiscal_year(period: Any) -> str:
    """A Period as 令和7年度（2025年度） / FY2025 (with ～ / onwards when open-ended)."""
    from actionplan.plans.fiscal import fiscal_year_label

    if isinstance(period, int):
        return fiscal_year_label(period, "en" if is_english() else "ja")
    return fiscal_year_label(
        period.fiscal_year_start,
        "en" if is_english() else "ja",
        open_ended=period.fiscal_year_end is None,
    )


_MONTHS = (
    "January February March April May June July August September October November December"
).split()


@register.filter
def partial_date(obj: Any) -> str:
    """A date known to the year, month or day: 2024年6月 / June 2024."""
    year, month, day = obj.date_year, obj.date_month, obj.date_day
    if year is None:
        return ""
    if is_english():
        if month is None:
            return str(year)
        return f"{day} {_MONTHS[month - 1]} {year}" if day else f"{_MONTHS[month - 1]} {year}"
    text = f"{year}年"
    if month is not None:
        text += f"{month}月"
        if day:
            text += f"{day}日"
    return text


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


def has_japanese(text: str) -> bool:
    return any(
        "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef"
        for c in text
    )


@register.simple_tag
def text_lang(text: str) -> SafeString:
    """A lang attribute for text whose language differs from the page's (search snippets)."""
    japanese = has_japanese(text)
    if is_english() and japanese:
        return mark_safe('lang="ja"')  # noqa: S308 - a constant
    if not is_english() and not japanese and text.strip():
        return mark_safe('lang="en"')  # noqa: S308 - a constant
    return mark_safe("")  # noqa: S308 - a constant


@register.simple_tag
def localized_path(path: str) -> str:
    """A portal path (as other apps give it, in Japanese form) for the current language."""
    if not is_english():
        return path
    with override("ja"):  # the path is in its Japanese (unprefixed) form
        return translate_url(path, "en")


@register.simple_tag
def hit_title(hit: Any) -> SafeString | str:
    if is_english():
        if getattr(hit, "title_en", ""):
            return str(hit.title_en)
        return format_html('<span lang="ja">{}</span>', hit.title)
    return str(hit.title)


@register.simple_tag
def hit_snippet(hit: Any) -> SafeString:
    """A search hit's snippet (HTML built and escaped by the search) in the page's language:
    English pages show the English text where it holds a match."""
    html: str = hit.snippet_en_html if is_english() else hit.snippet_html
    return mark_safe(html)  # noqa: S308 - escaped by the search


@register.simple_tag
def kind_label(kind: str) -> str:
    from actionplan.portal.views import KIND_LABELS

    return str(KIND_LABELS.get(kind, kind))


@register.simple_tag
def query_with(request: HttpRequest, **changes: Any) -> str:
    """The current query string with some parameters replaced."""
    query = request.GET.copy()
    for name, value in changes.items():
        query[name] = str(value)
    return query.urlencode()


# --- site navigation ----------------------------------------------------------------------------

# The header's menu: the parts a reader comes for.
HEADER_LINKS = (
    ("portal:home", _("ホーム")),
    ("portal:themes", pgettext_lazy("navigation", "取組項目")),
    ("portal:developments", _("関西の動き")),
    ("portal:partnerships", _("公民連携")),
    ("portal:governments", _("構成府県市")),
    ("portal:hubs", _("拠点マップ")),
    ("portal:search", _("検索")),
    ("portal:opendata", _("オープンデータ")),
)
# The footer's site map: every public part of the site, grouped.
FOOTER_SECTIONS = (
    (
        pgettext_lazy("navigation", "計画"),
        (
            ("portal:themes", pgettext_lazy("navigation", "取組項目")),
            ("portal:developments", _("関西の動き")),
            ("progress:annual_index", pgettext_lazy("navigation", "年次フォローアップ報告")),
        ),
    ),
    (
        _("公民連携"),
        (
            ("portal:partnerships", pgettext_lazy("navigation", "公民連携協定")),
            ("partnerships:organizations", pgettext_lazy("navigation", "連携先の団体")),
            ("partnerships:new", pgettext_lazy("navigation", "公民連携の提案")),
        ),
    ),
    (
        pgettext_lazy("navigation", "地域"),
        (
            ("portal:governments", _("構成府県市")),
            ("portal:hubs", _("拠点マップ")),
        ),
    ),
    (
        pgettext_lazy("navigation", "データ"),
        (
            ("portal:search", _("検索")),
            ("portal:opendata", _("オープンデータ")),
            ("api:openapi-view", pgettext_lazy("navigation", "APIの説明")),
        ),
    ),
    (
        pgettext_lazy("navigation", "このサイト"),
        (
            ("portal:about", _("このサイトについて")),
            ("portal:accessibility", _("ウェブアクセシビリティ方針")),
        ),
    ),
)


def _reverse(name: str) -> str | None:
    """The URL of a page without arguments, None for an app this installation leaves out."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@functools.lru_cache(maxsize=4096)
def _reversed(
    view_name: str,
    args: tuple[int | str, ...],
    kwargs: tuple[tuple[str, int | str], ...],
    current_app: str | None,
    language: str,
    script_prefix: str,
    urlconf: str | None,
) -> str:
    """`reverse`, made once per process for each view, arguments and the state the URL
    depends on (language prefix, script prefix, URLconf): a pure function of the URLconf, like
    Django's own resolver caches. No data is kept, only URLs of the site's patterns; the
    arguments are codes and ids, so the entries stay bounded by the records linked."""
    return reverse(
        view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app
    )


@receiver(setting_changed)
def _forget_urls(*, setting: str, **_kwargs: Any) -> None:
    # As Django clears its resolver caches when ROOT_URLCONF changes (tests). Like Django's
    # reverse table, kept per language, so a changed LANGUAGE_CODE is not seen by either.
    if setting == "ROOT_URLCONF":
        for memo in (_reversed, _action_url_halves, _menu):
            memo.cache_clear()


# Values that are their own URL text and equal only to values giving the same text: a key of
# `_reversed` may hold them (True == 1, but "True" is not "1"; an Enum member of str may print
# otherwise than its value).
_KEYABLE = (int, str, SafeString)


class _MemoURLNode(URLNode):
    """`{% url %}` reversing through `_reversed`: some 16 links of an action page (breadcrumbs,
    theme, governments, related records) took 7 % of its time, in-process, when reversed on
    each request (6.87 against 6.35 ms, medians of six alternating blocks of 300). Other values
    (a model instance, a lazy string, a bool) are reversed on each render, as Django does; the
    output is Django's own tag's."""

    def render(self, context: template.Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        # As Django's tag: the request's current_app, else its resolved namespace.
        current_app = getattr(
            request,
            "current_app",
            getattr(getattr(request, "resolver_match", None), "namespace", None),
        )
        url = ""
        try:
            if type(view_name) in (str, SafeString) and all(
                type(value) in _KEYABLE for value in (*args, *kwargs.values())
            ):
                url = _reversed(
                    view_name,
                    tuple(args),
                    tuple(sorted(kwargs.items())),
                    current_app,
                    get_language() or "",
                    get_script_prefix(),
                    get_urlconf(),
                )
            else:
                url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return str(conditional_escape(url)) if context.autoescape else url


@register.tag("url")
def memo_url(parser: Any, token: Any) -> _MemoURLNode:
    """Django's `{% url %}` (same syntax, same output) for templates that load this library,
    reversing through `_reversed`."""
    node = url_tag(parser, token)
    return _MemoURLNode(node.view_name, node.args, node.kwargs, node.asvar)


# Any number the action URL's <int:> part may hold but no other part of it does.
_ACTION_ID_MARK = "987654321"


@functools.lru_cache(maxsize=64)
def _action_url_halves(language: str, script_prefix: str) -> tuple[str, str]:
    before, _mark, after = reverse("portal:action", args=[int(_ACTION_ID_MARK)]).partition(
        _ACTION_ID_MARK
    )
    return before, after


@register.filter
def action_url(action_id: int) -> str:
    """`{% url 'portal:action' id %}` reversed once per language: a theme page links some 40
    actions, and reversing each took a sixth of its rendering (in-process profile)."""
    before, after = _action_url_halves(get_language() or "", get_script_prefix())
    return f"{before}{int(action_id)}{after}"


@register.simple_tag
def related_reason(hit: Any) -> SafeString:
    """Why an action page lists a record as related: the words it shares, in the page's
    language (a Japanese word left on an English page is marked lang="ja"), and the theme when
    it is the same. A tag rather than an included template: the nine includes of an action
    page cost a fifth of its rendering."""
    english = is_english()
    found = hit.reason_words(english)
    if english:
        words = format_html_join(
            ", ", "{}", ((word if word.isascii() else ja(word),) for word in found)
        )
    else:
        words = format_html_join("、", "{}", ((word,) for word in found))
    sentence = gettext("関連の理由：共通する語「%(words)s」")
    reason = format_html(
        sentence.replace("{", "{{").replace("}", "}}").replace("%(words)s", "{}"), words
    )
    same = gettext("、同じ取組項目") if hit.same_theme else ""
    return format_html('<br><span class="muted">{}{}</span>', reason, same)


@register.simple_tag
def external_link(url: str, label: str) -> SafeString:
    """A link that leaves the site, saying so in words (not only by an icon) in the page's
    language; ``noopener`` so that the other site gets no handle on this page."""
    return format_html(
        '<a href="{}" rel="external noopener" class="external">{}'
        '<span class="external__note">{}</span></a>',
        url,
        label,
        _("（外部サイト）"),
    )


@register.inclusion_tag("portal/_official_sources.html")
def official_sources() -> dict[str, Any]:
    """The Union's page where the plan is published (its PDF) and the Union's own site."""
    return {"plan_url": settings.PLAN_SOURCE_URL, "union_url": settings.UNION_SITE_URL}


# The header menu and the footer's site map are on every page and the same for every request
# in a language but for which link is current. Each item's HTML is made once per process and
# language (the labels are translations and the URLs reversed names: constants, never data),
# so a request only picks the current one: escaping and translating some 20 lazy labels per
# request took 0.6 ms of the 1.2 ms that the page frame cost (in-process, median of 500
# renders). The HTML is the same byte for byte as the templates it replaces.
_MENU_ITEM = '<li><a href="{}"{}>{}</a></li>\n'
_CURRENT = mark_safe(' aria-current="page"')  # noqa: S308 - a constant


def _menu_links(menu: int) -> tuple[tuple[str, Any], ...]:
    """The links of a menu: -1 the header's, else that section of the footer's."""
    return HEADER_LINKS if menu < 0 else FOOTER_SECTIONS[menu][1]


@functools.lru_cache(maxsize=64)
def _menu(
    menu: int, language: str, script_prefix: str, indent: str
) -> tuple[tuple[str, bool, str, str], ...]:
    """(url, is home, item HTML, item HTML marked current) of each link of `menu` this site
    serves. Keyed by the menu's number: the labels are lazy and would be translated to hash."""
    items = []
    for name, label in _menu_links(menu):
        url = _reverse(name)
        if url is None:  # an app left out of this installation
            continue
        href = url + language_query(name, language)
        plain, current = (
            str(format_html(_MENU_ITEM, href, mark, label)) for mark in ("", _CURRENT)
        )
        items.append((url, name == "portal:home", plain + indent, current + indent))
    return tuple(items)


def _menu_html(request: HttpRequest | None, menu: int, indent: str) -> str:
    """The menu's items, the one of the reader's part of the site marked current."""
    path = request.path if request is not None else ""
    items = _menu(menu, get_language() or "", get_script_prefix(), indent)
    return "".join(
        current if (path == url if home else path.startswith(url)) else plain
        for url, home, plain, current in items
    )


@register.simple_tag(takes_context=True)
def site_nav(context: dict[str, Any]) -> SafeString:
    return format_html(
        '<nav class="site-nav" aria-label="{}" data-site-nav>\n'
        '      <button type="button" class="site-nav__toggle" aria-expanded="true"'
        ' aria-controls="site-nav-list" hidden><span class="site-nav__icon" aria-hidden="true">'
        "</span>{}</button>\n"
        '      <ul id="site-nav-list">\n'
        "        {}\n"
        "      </ul>\n"
        "    </nav>\n",
        _("サイト内メニュー"),
        _("メニュー"),
        mark_safe(_menu_html(context.get("request"), -1, "        ")),  # noqa: S308
    )


@register.simple_tag(takes_context=True)
def site_map(context: dict[str, Any]) -> SafeString:
    request = context.get("request")
    sections = []
    for number, (title, _names) in enumerate(FOOTER_SECTIONS):
        items = _menu_html(request, number, "          ")
        if items:
            sections.append(
                format_html(
                    '<div class="site-map__section">\n'
                    '        <h2 class="site-map__title">{}</h2>\n'
                    "        <ul>\n"
                    "          {}\n"
                    "        </ul>\n"
                    "      </div>\n"
                    "      ",
                    title,
                    mark_safe(items),  # noqa: S308 - built by format_html in _menu
                )
            )
    return format_html(
        '<nav class="site-map" aria-label="{}">\n      {}\n    </nav>\n',
        _("サイトマップ"),
        mark_safe("".join(sections)),  # noqa: S308 - each built by format_html
    )


# --- faithful wording ---------------------------------------------------------------------------

# A development's text often opens with its own date ("2025年9月、…", "In September 2025, …"),
# which the page already shows beside it: drop that opening so the date is read once.
_JA_DATE_OPENING = re.compile(r"^(\d{4})年(?:(\d{1,2})月)?(?:(\d{1,2})日)?(?:頃|ごろ)?[、，,]\s*")
_EN_DATE_OPENING = re.compile(
    r"^(?:In |On )?(?:(\d{1,2}) )?(?:(" + "|".join(_MONTHS) + r") )?(\d{4}),\s*"
)


def _without_date_opening(obj: Any, text: str, english: bool) -> str:
    if obj.date_year is None:
        return text
    if english:
        match = _EN_DATE_OPENING.match(text)
        if match is None or int(match.group(3)) != obj.date_year:
            return text
        month = _MONTHS.index(match.group(2)) + 1 if match.group(2) else None
        if month is not None and month != obj.date_month:
            return text
        rest = text[match.end() :]
    else:
        match = _JA_DATE_OPENING.match(text)
        if match is None or int(match.group(1)) != obj.date_year:
            return text
        if match.group(2) and int(match.group(2)) != obj.date_month:
            return text
        rest = text[match.end() :]
    return rest[:1].upper() + rest[1:] if english else rest


@register.filter
def milestone_text(obj: Any) -> SafeString | str:
    """A development's text in the page's language, without an opening date that repeats the
    date shown beside it."""
    english = is_english()
    if english and obj.text_en:
        return _without_date_opening(obj, str(obj.text_en), english=True)
    text = _without_date_opening(obj, str(obj.text_ja), english=False)
    return format_html('<span lang="ja">{}</span>', text) if english else text


@register.filter
def excerpt(text: Any, length: int = 120) -> str:
    """At most `length` characters, cut at a word boundary where the text has spaces (English)
    so that no word is cut in the middle; Japanese text is cut after a character."""
    value = "" if text is None else str(text)
    if len(value) <= length:
        return value
    cut = value[: length - 1]
    space = cut.rfind(" ")
    if space > length // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:、。") + "…"


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("…", "").strip()


@register.simple_tag
def hit_heading(hit: Any) -> SafeString | str:
    """A hit's link text. Where the title is only the start of the record's own text (actions,
    developments), the highlighted text is the title, so that nothing is said twice."""
    if _title_is_text(hit):
        return hit_snippet(hit)
    return hit_title(hit)


@register.simple_tag
def hit_extract(hit: Any) -> SafeString | str:
    """The highlighted extract under a hit's title; empty when it would repeat the title."""
    return "" if _title_is_text(hit) else hit_snippet(hit)


def _title_is_text(hit: Any) -> bool:
    english = is_english() and bool(getattr(hit, "title_en", ""))
    title = _plain(str(hit.title_en if english else hit.title))
    text = " ".join(str(hit.text_en if english else hit.text).split())
    return bool(title) and text.startswith(title)


@register.simple_tag
def hit_meta(hit: Any, theme_names: dict[str, Any]) -> str:
    """Theme · fiscal year · actor of a hit, so that two hits of the same text can be told apart."""
    from actionplan.plans.fiscal import fiscal_year_label
    from actionplan.plans.models import Actor

    parts = []
    # A theme hit's title is the theme's name already.
    theme = theme_names.get(hit.theme_code) if hit.theme_code and hit.kind != "theme" else None
    if theme is not None:
        parts.append(theme.name_en or theme.name_ja if is_english() else theme.name_ja)
    if hit.fiscal_year:
        parts.append(fiscal_year_label(hit.fiscal_year, "en" if is_english() else "ja"))
    if hit.actor:
        parts.append(str(dict(Actor.choices).get(hit.actor, hit.actor)))
    return " · ".join(parts)


@register.filter
def loc_paragraphs(obj: Any, field: str) -> list[SafeString | str]:
    """A bilingual text field as its paragraphs (one a line), each in the page's language
    where a translation exists, else the Japanese marked lang="ja"."""
    japanese = str(getattr(obj, f"{field}_ja", "") or "")
    english = str(getattr(obj, f"{field}_en", "") or "") if is_english() else ""
    lines = [line.strip() for line in (english or japanese).split("\n") if line.strip()]
    if is_english() and not english:
        return [format_html('<span lang="ja">{}</span>', line) for line in lines]
    return list(lines)


@register.simple_tag
def field_with(bound_field: Any, autocomplete: str = "") -> SafeString:
    """A form field's widget with its `autocomplete` token and `aria-describedby` naming only
    what the page shows (its help text, its errors), so that no reference dangles."""
    attrs: dict[str, str] = {}
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_helptext")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    html: SafeString = bound_field.as_widget(attrs=attrs)
    return html


@register.simple_tag(takes_context=True)
def signed_in(context: template.Context) -> bool:
    """Whether the page's visitor is signed in (the header then offers the staff menu and
    sign-out)."""
    request = context.get("request")
    return request is not None and is_signed_in(request)
