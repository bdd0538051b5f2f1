"""The public pages. Japanese at /…, English at /en/…; every read goes through queries."""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from actionplan.api.params import MAX_OFFSET
from actionplan.faults.params import fiscal_year_param, int_param
from actionplan.plans import models as m
from actionplan.plans.fiscal import fiscal_year_label
from actionplan.plans.queries import current_version
from actionplan.web.caching import cached_page

from . import charts, queries, searchhelp
from .accessibility import load_results
from .maplabels import place_labels
from .templatetags.portal import language_query

logger = logging.getLogger(__name__)


def _english() -> bool:
    return (get_language() or "ja").startswith("en")


def _version_or_404() -> m.PlanVersion:
    version = queries.current_version()
    if version is None:
        raise Http404("no plan has been imported yet")
    return version


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    def build() -> HttpResponse:
        version = current_version()
        context: dict[str, Any] = {"version": version}
        if version is not None:
            context.update(
                vision=list(version.vision.order_by("kind", "position")),
                summaries=queries.theme_summaries(version),
                milestones=queries.milestones_by_date(version, limit=6),
                # The plan's own examples, in its order: the appendix's introduction quoted
                # on the page announces them ("以下のような公民連携の取組").
                partnerships=list(queries.plan_partnership_examples(version)),
                chart=charts.actions_chart(version, english=_english()),
            )
        return render(request, "portal/home.html", context)

    return cached_page(request, "home", build)


@require_safe
def themes(request: HttpRequest) -> HttpResponse:
    def build() -> HttpResponse:
        version = _version_or_404()
        context = {"version": version, "summaries": queries.theme_summaries(version)}
        return render(request, "portal/themes.html", context)

    return cached_page(request, "themes", build)


@require_safe
def theme(request: HttpRequest, code: str) -> HttpResponse:
    def build() -> HttpResponse:
        version = _version_or_404()
        page = queries.theme_page(version, code)
        if page is None:
            raise Http404("no such theme")
        return render(
            request,
            "portal/theme.html",
            {
                "version": version,
                "theme": page.theme,
                "table": page.table,
                "milestones": page.milestones,
                "milestone_count": page.milestone_count,
                "partnerships": page.partnerships,
                "hubs": page.hubs,
                "indicators": _theme_indicators(page.theme),
            },
        )

    return cached_page(request, f"theme:{code}", build)


@require_safe
def theme_cell(request: HttpRequest, code: str, fiscal_year: int, actor: str) -> HttpResponse:
    """Every item of one cell of a theme's table, a page at a time."""
    version = _version_or_404()
    theme = queries.theme_by_code(version, code)
    period = version.periods.filter(fiscal_year_start=fiscal_year).first()
    if theme is None or period is None or actor not in m.Actor.values:
        raise Http404("no such cell")
    paginator = Paginator(queries.cell_actions(theme, period, actor), queries.CELL_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "portal/theme_cell.html",
        {
            "version": version,
            "theme": theme,
            "period": period,
            "actor_label": m.Actor(actor).label,
            "page": page,
            "cell": queries.cell_page(theme, period, actor, list(page.object_list)),
        },
    )


def _public_progress(action: m.Action) -> Any:
    """The action's accepted reports and public indicator values (a PublicProgress), or None
    while the progress app is not part of the site."""
    if not apps.is_installed("actionplan.progress"):
        return None
    try:
        from actionplan.progress.queries import public_progress
    except ImportError:
        return None
    return public_progress(action)


def _theme_indicators(theme: m.Theme) -> Any:
    """The public values of the theme's indicators and of its actions' (an IndicatorTable,
    with charts against the targets), or None while the progress app is not part of the
    site."""
    if not apps.is_installed("actionplan.progress"):
        return None
    try:
        from actionplan.progress.queries import indicator_table, indicators_of_theme
    except ImportError:
        return None
    return indicator_table(indicators_of_theme(theme))


@require_safe
def action(request: HttpRequest, action_id: int) -> HttpResponse:
    def build() -> HttpResponse:
        page = queries.action_page(action_id)
        if page is None:
            raise Http404("no such action")
        return render(
            request,
            "portal/action.html",
            {
                "version": page.version,
                "current": page.current,
                "action": page.action,
                "theme": page.theme,
                "governments": page.governments,
                "children": page.children,
                "progress": _public_progress(page.action),
                "removed_in": page.removed_in,
                "related": page.related,
            },
        )

    return cached_page(request, f"action:{action_id}", build)


@require_safe
def developments(request: HttpRequest) -> HttpResponse:
    version = _version_or_404()
    return render(
        request,
        "portal/developments.html",
        {"version": version, "milestones": queries.milestones_by_date(version)},
    )


@require_safe
def partnerships(request: HttpRequest) -> HttpResponse:
    version = current_version()
    theme_code = request.GET.get("theme", "")
    lg_code = request.GET.get("government", "")
    year = fiscal_year_param(request)
    rows = queries.partnerships(version, theme_code=theme_code, lg_code=lg_code, year=year)
    return render(
        request,
        "portal/partnerships.html",
        {
            "version": version,
            "partnerships": list(rows),
            "themes": list(queries.themes(version)) if version else [],
            "theme_names": queries.theme_names(version) if version else {},
            "governments": list(queries.governments()),
            "years": queries.partnership_years(),
            "selected": {"theme": theme_code, "government": lg_code, "year": year},
        },
    )


@require_safe
def partnership(request: HttpRequest, partnership_id: int) -> HttpResponse:
    row = queries.partnership_detail(partnership_id)
    if row is None:
        raise Http404("no such partnership")
    return render(request, "portal/partnership.html", {"partnership": row})


@require_safe
def governments(request: HttpRequest) -> HttpResponse:
    version = current_version()
    counts = queries.action_counts_by_government(version) if version else {}
    rows = [(g, counts.get(g.pk, 0)) for g in queries.governments()]
    return render(request, "portal/governments.html", {"governments": rows})


@require_safe
def government(request: HttpRequest, lg_code: str) -> HttpResponse:
    row = m.MemberGovernment.objects.filter(lg_code=lg_code).first()
    if row is None:
        raise Http404("no such member government")
    version = current_version()
    return render(
        request,
        "portal/government.html",
        {
            "government": row,
            "version": version,
            "actions": list(queries.government_actions(row, version)) if version else [],
            "partnerships": list(queries.partnerships(version, lg_code=row.lg_code)),
        },
    )


@require_safe
def hubs(request: HttpRequest) -> HttpResponse:
    version = current_version()
    hub_rows = queries.hubs()
    government_rows = list(queries.governments())
    shapes = queries.map_shapes()
    projection = queries.map_projection()
    english = _english()
    marker_rows = queries.markers(government_rows, hub_rows, english=english)
    labels = place_labels(
        [(s.name_en if english else s.name_ja, s.label_x, s.label_y) for s in shapes],
        [(marker.x, marker.y) for marker in marker_rows],
        projection.width,
        projection.height,
    )
    return render(
        request,
        "portal/hubs.html",
        {
            "hubs": hub_rows,
            "governments": government_rows,
            "theme_names": queries.theme_names(version) if version else {},
            "shapes": shapes,
            "labels": labels,
            "projection": projection,
            "markers": marker_rows,
        },
    )


def _search_module() -> Any:
    """The search app's queries, or None on a site installed without it."""
    if not apps.is_installed("actionplan.search"):
        return None
    try:
        from actionplan.search import queries as search_queries
    except ImportError:
        return None
    return search_queries


SEARCH_PAGE_SIZE = 20
KIND_LABELS = {
    "action": _("取組"),
    "year_theme": _("年度のテーマ"),
    "theme": _("取組項目"),
    "milestone": _("関西の動き"),
    "partnership": _("公民連携協定"),
    "hub": _("拠点"),
}
ACTOR_LABELS = dict(m.Actor.choices)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    module = _search_module()
    q = request.GET.get("q", "").strip()
    version = current_version()
    filters = {
        "kind": request.GET.get("kind", ""),
        "theme": request.GET.get("theme", ""),
        "year": request.GET.get("year", ""),
        "actor": request.GET.get("actor", ""),
        "government": request.GET.get("government", ""),
    }
    year = fiscal_year_param(request)
    page = int_param(request, "page", minimum=1, maximum=MAX_OFFSET // SEARCH_PAGE_SIZE) or 1
    context: dict[str, Any] = {
        "available": module is not None,
        "q": q,
        "filters": filters,
        "results": None,
        "error": "",
        "page": page,
        "q_max_length": getattr(module, "MAX_QUERY_LENGTH", None),
    }
    status = 200
    if module is not None and q:
        try:
            results = module.search(
                q,
                kinds=[filters["kind"]] if filters["kind"] else None,
                theme=filters["theme"] or None,
                fiscal_year=year,
                actor=filters["actor"] or None,
                lg_code=filters["government"] or None,
                limit=SEARCH_PAGE_SIZE,
                offset=(page - 1) * SEARCH_PAGE_SIZE,
            )
        except module.SearchError as error:
            context["error"] = str(error)
            status = 400
        else:
            context["results"] = results
            context["theme_names"] = queries.theme_names(version) if version else {}
            if results.total == 0:
                context["suggestions"] = searchhelp.suggestions(q, _counter(module))
            else:
                context["more_found"] = searchhelp.more_found(q, results.total, _counter(module))
            context["facets"] = _facets(results.facets, version)
            context["has_next"] = page * SEARCH_PAGE_SIZE < results.total
            context["start"] = (page - 1) * SEARCH_PAGE_SIZE + 1
    return render(request, "portal/search.html", context, status=status)


def _counter(module: Any) -> Any:
    """How many records a query finds (0 for a query the search refuses)."""

    def count(text: str) -> int:
        try:
            return int(module.search(text, limit=1).total)
        except module.SearchError:
            return 0

    return count


def _facets(
    facets: dict[str, dict[str, int]], version: m.PlanVersion | None
) -> list[dict[str, Any]]:
    """Facet counts as labelled options for the filter form."""
    english = _english()
    theme_rows = queries.theme_names(version) if version else {}
    governments = {g.lg_code: g for g in queries.governments()}

    def theme_label(code: str) -> str:
        t = theme_rows.get(code)
        return ((t.name_en or t.name_ja) if english else t.name_ja) if t else code

    def government_label(code: str) -> str:
        g = governments.get(code)
        return (g.name_en if english else g.name_ja) if g else code

    def year_label(year: str) -> str:
        return fiscal_year_label(int(year), "en" if english else "ja")

    spec = (
        ("kind", "kind", _("種類"), lambda v: str(KIND_LABELS.get(v, v))),
        ("theme", "theme", _("取組項目"), theme_label),
        ("fiscal_year", "year", _("年度"), year_label),
        ("actor", "actor", _("実施主体"), lambda v: str(ACTOR_LABELS.get(v, v))),
        ("member_government", "government", _("構成府県市"), government_label),
    )
    result = []
    for facet, param, label, name in spec:
        counts = facets.get(facet, {})
        options = [(value, name(value), count) for value, count in counts.items()]
        if facet == "fiscal_year":
            options.sort()
        result.append({"param": param, "label": label, "options": options})
    return result


def opendata_link(url_name: str, **kwargs: str) -> str:
    """The URL of an open-data download, or "" while the download is not served by this site."""
    try:
        return reverse(url_name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def api_docs_link() -> str:
    """The API's documentation in the page's language ("" while this site does not serve it)."""
    url = opendata_link("api:openapi-view")
    return url + language_query("api:openapi-view") if url else ""


@require_safe
def opendata(request: HttpRequest) -> HttpResponse:
    from actionplan.opendata.package import excel_name
    from actionplan.opendata.schema import TABLES

    tables = [
        {
            "table": t,
            "url": opendata_link("opendata:file", name=t.filename),
            "excel_url": opendata_link("opendata:file", name=excel_name(t)),
            "json_url": opendata_link("opendata:file", name=f"{t.name}.json"),
        }
        for t in TABLES
    ]
    names = ("zip", "datapackage", "catalog", "feed")
    downloads = {name: opendata_link(f"opendata:{name}") for name in names}
    downloads["dictionary"] = opendata_link("opendata:file", name="data_dictionary.csv")
    downloads["metadata"] = opendata_link("opendata:file", name="metadata.json")
    return render(
        request,
        "portal/opendata.html",
        {
            "tables": tables,
            "downloads": downloads,
            "any_download": any(downloads.values()),
            **(_opendata_state() if downloads["zip"] else {"updated": None, "preparing": False}),
            "api_docs": api_docs_link(),
        },
    )


def _opendata_state() -> dict[str, Any]:
    """When the published data last changed (``updated``), and whether the files are not there
    yet (``preparing``): their first build is running, or they cannot be built on the server
    now (``OPENDATA_ROOT`` unwritable, a full disk: the files' URLs answer 503). Neither before
    any plan is imported."""
    from actionplan.opendata.export import ExportError
    from actionplan.opendata.publish import Preparing, current_publication

    try:
        return {"updated": current_publication().modified, "preparing": False}
    except ExportError:  # no plan yet
        return {"updated": None, "preparing": False}
    except Preparing:
        return {"updated": None, "preparing": True}
    except OSError as error:
        logger.error("open data cannot be built in OPENDATA_ROOT: %s", type(error).__name__)
        return {"updated": None, "preparing": True}


# The keyboard checks of the e2e tests, by the name they are recorded under.
KEYBOARD_CHECKS = {
    "skip-link-and-focus": _("本文へ移動するリンクとフォーカスの表示"),
    "menu-disclosure": _("スマートフォン幅のメニューのキーボードでの開閉"),
}


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    results = load_results()
    for check in results["keyboard"]:
        check["label"] = KEYBOARD_CHECKS.get(check["check"], check["check"])
    runs = sorted(results["runs"], key=lambda r: (r["language"] != "ja", r["width"]))
    checks = runs + results["keyboard"]
    dates = sorted({c["checked_on"] for c in checks})
    return render(
        request,
        "portal/accessibility.html",
        {
            "axe": results["axe"],
            "runs": runs,
            "keyboard": results["keyboard"],
            "first_date": dates[0] if dates else None,
            "last_date": dates[-1] if dates else None,
            "violations": sum(r["violations"] for r in runs),
            "keyboard_failed": any(not k["passed"] for k in results["keyboard"]),
        },
    )


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/about.html", {"version": current_version()})
