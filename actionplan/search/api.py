"""GET /api/v1/search: the portal's search as JSON, with the facet filters."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from actionplan.api.errors import error_response
from actionplan.api.params import MAX_OFFSET, FiscalYear

from .queries import MAX_LIMIT, MAX_QUERY_LENGTH, SearchError, search

router = Router(tags=["search"])


class HitOut(Schema):
    kind: str
    id: int
    key: str
    theme: str
    fiscal_year: int | None
    actor: str
    member_governments: list[str]
    title: str
    title_en: str
    text: str
    text_en: str
    snippet: str
    snippet_en: str
    url: str
    score: float


class SearchOut(Schema):
    query: str
    total: int
    limit: int
    offset: int
    hits: list[HitOut]
    facets: dict[str, dict[str, int]]


KindName = Literal["action", "year_theme", "theme", "milestone", "partnership", "hub"]


class SearchParams(Schema):
    q: str = Field("", max_length=MAX_QUERY_LENGTH)
    kind: list[KindName] | None = None
    theme: str | None = None
    fiscal_year: FiscalYear | None = None
    actor: Literal["union", "members"] | None = None
    lg_code: str | None = None
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get(
    "",
    response={200: SearchOut},
    summary="Search the plan, partnerships and hubs",
    description=(
        "Full-text search in Japanese and English over the current plan version's actions, year "
        "headlines, themes (desired states) and milestones, and over partnerships and hubs. "
        f"Every word of `q` (at most {MAX_QUERY_LENGTH} characters) must match. `kind` "
        "(repeatable: action, year_theme, theme, milestone, "
        "partnership, hub), `theme` (code), `fiscal_year`, `actor` (union, members) and "
        f"`lg_code` narrow the results. `limit` is 1 to {MAX_LIMIT}. The snippet is HTML-escaped "
        "with the matched words in `<mark>`."
    ),
)
def search_endpoint(request: HttpRequest, params: Query[SearchParams]) -> HttpResponse | SearchOut:
    try:
        results = search(
            params.q,
            kinds=[str(k) for k in params.kind] if params.kind else None,
            theme=params.theme,
            fiscal_year=params.fiscal_year,
            actor=params.actor,
            lg_code=params.lg_code,
            limit=params.limit,
            offset=params.offset,
        )
    except SearchError as exc:
        return error_response(422, "invalid", f"{exc.field}: {exc}", exc.field)
    return SearchOut(
        query=results.query,
        total=results.total,
        limit=params.limit,
        offset=params.offset,
        hits=[
            HitOut(
                kind=h.kind,
                id=h.id,
                key=h.key,
                theme=h.theme_code,
                fiscal_year=h.fiscal_year,
                actor=h.actor,
                member_governments=h.lg_codes,
                title=h.title,
                title_en=h.title_en,
                text=h.text,
                text_en=h.text_en,
                snippet=h.snippet_html,
                snippet_en=h.snippet_en_html,
                url=h.url_path,
                score=h.score,
            )
            for h in results.hits
        ],
        facets=results.facets,
    )
