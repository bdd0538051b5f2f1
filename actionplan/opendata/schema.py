"""The open data set: every table, its columns, their types and meanings, in one place.

The export, the data dictionary and (later) the Data Package descriptor are all generated from
these definitions, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet

from actionplan.plans import models as m

Value = str | int | Decimal | bool | None


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Frictionless field types: string, integer, number, boolean, date
    description_ja: str
    description_en: str
    get: Callable[[Any], Value]
    required: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    title_ja: str
    title_en: str
    columns: tuple[Column, ...]
    rows: Callable[[m.PlanVersion], Iterable[Any]]
    primary_key: str = ""

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


def _codes(governments: Iterable[m.MemberGovernment]) -> str:
    return ";".join(sorted(g.lg_code for g in governments))


def _precision(year: int | None, month: int | None, day: int | None) -> str:
    if year is None:
        return ""
    return "year" if month is None else "month" if day is None else "day"


# --- row queries -------------------------------------------------------------------------------


def _actions(version: m.PlanVersion) -> QuerySet[m.Action]:
    return (
        m.Action.objects.filter(version=version)
        .select_related("theme", "period", "version", "parent")
        .prefetch_related("member_governments")
        .order_by("theme__position", "period__position", "actor", "position")
    )


def _year_themes(version: m.PlanVersion) -> QuerySet[m.YearTheme]:
    return m.YearTheme.objects.filter(version=version).select_related("theme", "period", "version")


def _themes(version: m.PlanVersion) -> QuerySet[m.Theme]:
    return m.Theme.objects.filter(version=version).select_related("version")


def _milestones(version: m.PlanVersion) -> QuerySet[m.Milestone]:
    return m.Milestone.objects.filter(version=version).select_related("theme", "version")


def _in_export(version: m.PlanVersion, path: str = "") -> Q:
    """The partnerships of this edition's appendix, and those recorded by the bureau since
    (no edition): the registry holds both, and the export publishes both."""
    return Q(**{f"{path}version": version}) | Q(**{f"{path}version__isnull": True})


def _partnerships(version: m.PlanVersion) -> QuerySet[m.Partnership]:
    return (
        m.Partnership.objects.filter(_in_export(version))
        .select_related("version")
        .prefetch_related(
            "member_governments",
            "partners",
            Prefetch("items", queryset=m.PartnershipItem.objects.order_by("number")),
        )
        # The plan's own agreements first, in the plan's order; then the registry's.
        .order_by(F("version_id").asc(nulls_last=True), "position", "id")
    )


def _partnership_items(version: m.PlanVersion) -> QuerySet[m.PartnershipItem]:
    return (
        m.PartnershipItem.objects.filter(_in_export(version, "partnership__"))
        .select_related("partnership")
        .order_by(
            F("partnership__version_id").asc(nulls_last=True),
            "partnership__position",
            "partnership_id",
            "number",
        )
    )


def _organizations(version: m.PlanVersion) -> QuerySet[m.Organization]:
    return (
        m.Organization.objects.filter(_in_export(version, "partnerships__"))
        .distinct()
        .order_by("id")
    )


def _hubs(version: m.PlanVersion) -> QuerySet[m.Hub]:
    return m.Hub.objects.order_by("id")


def _governments(version: m.PlanVersion) -> QuerySet[m.MemberGovernment]:
    return m.MemberGovernment.objects.order_by("position", "lg_code")


def _version_number(row: Any) -> int:
    return int(row.version.number)


C = Column

TABLES: tuple[Table, ...] = (
    Table(
        "themes",
        "取組項目",
        "Themes",
        (
            C(
                "theme_code",
                "string",
                "取組項目の固定コード",
                "stable theme code",
                lambda t: t.code,
                True,
            ),
            C(
                "plan_version",
                "integer",
                "計画の版番号",
                "plan version number",
                _version_number,
                True,
            ),
            C(
                "position",
                "integer",
                "計画内の順番",
                "order in the plan",
                lambda t: t.position,
                True,
            ),
            C("name_ja", "string", "名称", "name in Japanese", lambda t: t.name_ja, True),
            C(
                "name_en",
                "string",
                "名称（英訳・非公式）",
                "name in English (unofficial translation)",
                lambda t: t.name_en,
            ),
            C(
                "desired_state_ja",
                "string",
                "ありたい姿",
                "desired state in Japanese",
                lambda t: t.desired_state_ja,
                True,
            ),
            C(
                "desired_state_en",
                "string",
                "ありたい姿（英訳・非公式）",
                "desired state in English (unofficial translation)",
                lambda t: t.desired_state_en,
            ),
            C(
                "source_line",
                "integer",
                "原文の行番号",
                "line in the source document",
                lambda t: t.source_line,
                True,
            ),
        ),
        _themes,
        "theme_code",
    ),
    Table(
        "actions",
        "取組（アクション）",
        "Actions",
        (
            C(
                "action_id",
                "integer",
                "取組ID（この版の中で一意）",
                "action id (unique in this export)",
                lambda a: a.pk,
                True,
            ),
            C(
                "action_key",
                "string",
                "版をまたいで変わらない識別子",
                "identifier that stays the same across plan versions",
                lambda a: a.key,
                True,
            ),
            C(
                "plan_version",
                "integer",
                "計画の版番号",
                "plan version number",
                _version_number,
                True,
            ),
            C(
                "theme_code",
                "string",
                "取組項目の固定コード",
                "stable theme code",
                lambda a: a.theme.code,
                True,
            ),
            C(
                "theme_name_ja",
                "string",
                "取組項目名",
                "theme name in Japanese",
                lambda a: a.theme.name_ja,
                True,
            ),
            C(
                "fiscal_year_start",
                "integer",
                "年度（開始、西暦）",
                "first fiscal year (April–March)",
                lambda a: a.period.fiscal_year_start,
                True,
            ),
            C(
                "fiscal_year_end",
                "integer",
                "年度（終了、西暦。空欄は期限なし）",
                "last fiscal year; empty for an open-ended period",
                lambda a: a.period.fiscal_year_end,
            ),
            C(
                "period_label",
                "string",
                "期間の呼称",
                "period label in Japanese",
                lambda a: a.period.label_ja,
            ),
            C(
                "period_label_en",
                "string",
                "期間の呼称（英訳）",
                "period label in English",
                lambda a: a.period.label_en,
            ),
            C(
                "actor",
                "string",
                "実施主体（union=関西広域連合、members=構成府県市）",
                "who acts: union (the Union itself) or members (member governments)",
                lambda a: a.actor,
                True,
            ),
            C(
                "group",
                "string",
                "小見出し（【 】）",
                "group heading in the cell",
                lambda a: a.group_ja,
            ),
            C(
                "group_en",
                "string",
                "小見出し（英訳）",
                "group heading in English",
                lambda a: a.group_en,
            ),
            C(
                "parent_action_id",
                "integer",
                "親の取組ID（▶の小項目のみ）",
                "action_id of the item this sub-item belongs to",
                lambda a: a.parent_id,
            ),
            C(
                "position",
                "integer",
                "セル内の順番",
                "order in its table cell",
                lambda a: a.position,
                True,
            ),
            C("text_ja", "string", "取組の本文", "text in Japanese", lambda a: a.text_ja, True),
            C(
                "text_en",
                "string",
                "英訳（非公式）",
                "text in English (unofficial translation)",
                lambda a: a.text_en,
            ),
            C(
                "member_lg_codes",
                "string",
                "担当構成府県市の地方公共団体コード（;区切り）",
                "local government codes of the member governments that carry it (;-separated)",
                lambda a: _codes(a.member_governments.all()),
            ),
            C(
                "source_line",
                "integer",
                "原文の行番号",
                "line in the source document",
                lambda a: a.source_line,
                True,
            ),
        ),
        _actions,
        "action_id",
    ),
    Table(
        "year_themes",
        "年度テーマ",
        "Year headlines",
        (
            C("year_theme_id", "integer", "ID", "id", lambda y: y.pk, True),
            C(
                "plan_version",
                "integer",
                "計画の版番号",
                "plan version number",
                _version_number,
                True,
            ),
            C(
                "theme_code",
                "string",
                "取組項目の固定コード",
                "stable theme code",
                lambda y: y.theme.code,
                True,
            ),
            C(
                "theme_name_ja",
                "string",
                "取組項目名",
                "theme name in Japanese",
                lambda y: y.theme.name_ja,
                True,
            ),
            C(
                "fiscal_year_start",
                "integer",
                "年度（開始、西暦）",
                "first fiscal year",
                lambda y: y.period.fiscal_year_start,
                True,
            ),
            C(
                "fiscal_year_end",
                "integer",
                "年度（終了、空欄は期限なし）",
                "last fiscal year; empty when open-ended",
                lambda y: y.period.fiscal_year_end,
            ),
            C("period_label", "string", "期間の呼称", "period label", lambda y: y.period.label_ja),
            C("text_ja", "string", "テーマ", "headline in Japanese", lambda y: y.text_ja, True),
            C(
                "text_en",
                "string",
                "テーマ（英訳・非公式）",
                "headline in English (unofficial)",
                lambda y: y.text_en,
            ),
            C(
                "source_line",
                "integer",
                "原文の行番号",
                "line in the source document",
                lambda y: y.source_line,
                True,
            ),
        ),
        _year_themes,
        "year_theme_id",
    ),
    Table(
        "milestones",
        "関西の動き",
        "Developments",
        (
            C("milestone_id", "integer", "ID", "id", lambda d: d.pk, True),
            C(
                "milestone_key",
                "string",
                "版をまたいで変わらない識別子",
                "stable identifier",
                lambda d: d.key,
                True,
            ),
            C(
                "plan_version",
                "integer",
                "計画の版番号",
                "plan version number",
                _version_number,
                True,
            ),
            C(
                "theme_code",
                "string",
                "取組項目の固定コード",
                "stable theme code",
                lambda d: d.theme.code,
                True,
            ),
            C(
                "position",
                "integer",
                "取組項目内の順番",
                "order within the theme",
                lambda d: d.position,
                True,
            ),
            C("group", "string", "小見出し", "group heading", lambda d: d.group_ja),
            C(
                "date",
                "string",
                "時期（ISO 8601、年・年月・年月日のいずれかの精度）",
                "date in ISO 8601 at the precision given (YYYY, YYYY-MM or YYYY-MM-DD)",
                lambda d: d.date_iso,
            ),
            C(
                "date_precision",
                "string",
                "時期の精度（year / month / day、空欄は時期なし）",
                "precision of the date: year, month or day; empty when undated",
                lambda d: d.date_precision,
            ),
            C("text_ja", "string", "本文", "text in Japanese", lambda d: d.text_ja, True),
            C(
                "text_en",
                "string",
                "英訳（非公式）",
                "text in English (unofficial)",
                lambda d: d.text_en,
            ),
            C("note_ja", "string", "注記", "note", lambda d: d.note_ja),
            C("note_en", "string", "注記（英訳）", "note in English", lambda d: d.note_en),
            C(
                "figure_label_ja",
                "string",
                "数値の項目名",
                "name of the figure",
                lambda d: d.figure_label_ja,
            ),
            C(
                "figure_label_en",
                "string",
                "数値の項目名（英訳）",
                "name of the figure in English",
                lambda d: d.figure_label_en,
            ),
            C(
                "figure_value",
                "number",
                "数値（単位なし）",
                "the figure, without unit",
                lambda d: d.figure_value,
            ),
            C("figure_unit", "string", "単位", "unit of the figure", lambda d: d.figure_unit),
            C(
                "figure_as_of_year",
                "integer",
                "数値の時点（年）",
                "year the figure refers to",
                lambda d: d.figure_as_of_year,
            ),
            C(
                "figure_source_ja",
                "string",
                "出典",
                "source of the figure",
                lambda d: d.figure_source_ja,
            ),
            C(
                "figure_source_en",
                "string",
                "出典（英訳）",
                "source of the figure in English",
                lambda d: d.figure_source_en,
            ),
            C(
                "source_line",
                "integer",
                "原文の行番号",
                "line in the source document",
                lambda d: d.source_line,
                True,
            ),
        ),
        _milestones,
        "milestone_id",
    ),
    Table(
        "partnerships",
        "公民連携協定",
        "Partnership agreements",
        (
            C("partnership_id", "integer", "ID", "id", lambda p: p.pk, True),
            C(
                "partnership_key",
                "string",
                "版をまたいで変わらない識別子",
                "stable identifier",
                lambda p: p.key,
                True,
            ),
            C(
                "plan_version",
                "integer",
                "計画の版番号（事務局が登録した協定は空欄）",
                "plan version number (empty for an agreement recorded by the bureau)",
                lambda p: p.version.number if p.version else None,
            ),
            C(
                "origin",
                "string",
                "出所（plan=計画の付録に掲載、registry=計画の公表後に事務局が登録）",
                "where it comes from: plan (the plan's appendix) or registry (recorded by the "
                "bureau after the plan was published, e.g. an agreed proposal)",
                lambda p: "plan" if p.version_id else "registry",
                True,
            ),
            C(
                "theme_code",
                "string",
                "取組項目の固定コード（事務局が登録した協定では空欄のこともある）",
                "stable theme code (may be empty for an agreement recorded by the bureau)",
                lambda p: p.theme_code,
            ),
            C("title_ja", "string", "名称", "title in Japanese", lambda p: p.title_ja, True),
            C(
                "title_en",
                "string",
                "名称（英訳・非公式）",
                "title in English (unofficial)",
                lambda p: p.title_en,
            ),
            C(
                "date",
                "string",
                "締結日等（ISO 8601、年月または年月日）",
                "date at the precision given (YYYY-MM or YYYY-MM-DD)",
                lambda p: p.date_iso,
                True,
            ),
            C(
                "date_precision",
                "string",
                "日付の精度（month / day）",
                "precision: month or day",
                lambda p: _precision(p.date_year, p.date_month, p.date_day),
                True,
            ),
            C(
                "date_kind",
                "string",
                "日付の種類（signed=締結、adopted=構想等の策定）",
                "what the date is: signed, adopted (a strategy's adoption) or other",
                lambda p: p.date_kind,
                True,
            ),
            C(
                "date_label_ja",
                "string",
                "日付の見出し（原文）",
                "date label as printed",
                lambda p: p.date_label_ja,
            ),
            C(
                "member_lg_codes",
                "string",
                "構成府県市の地方公共団体コード（;区切り）",
                "local government codes of the member governments (;-separated)",
                lambda p: _codes(p.member_governments.all()),
            ),
            C(
                "partner_names_ja",
                "string",
                "連携先（;区切り）",
                "partners (;-separated)",
                lambda p: ";".join(o.name_ja for o in p.partners.all()),
            ),
            C(
                "partner_names_en",
                "string",
                "連携先（英語、;区切り）",
                "partners in English",
                lambda p: ";".join(o.name_en for o in p.partners.all()),
            ),
            C(
                "outline_ja",
                "string",
                "概要",
                "outline in Japanese",
                lambda p: p.outline_ja.replace("\n", ""),
                True,
            ),
            C(
                "outline_en",
                "string",
                "概要（英訳・非公式）",
                "outline in English (unofficial)",
                lambda p: p.outline_en.replace("\n", " "),
            ),
            C(
                "item_count",
                "integer",
                "連携内容の項目数（partnership_items.csv）",
                "number of content items (see partnership_items.csv)",
                lambda p: len(p.items.all()),
                True,
            ),
            C(
                "source_name_ja",
                "string",
                "出典として示されたウェブページ",
                "the web page named as the source",
                lambda p: p.source_name_ja,
            ),
            C(
                "source_line",
                "integer",
                "原文の行番号",
                "line in the source document",
                lambda p: p.source_line,
            ),
            # Added after the others: files read by column position keep their meaning.
            C(
                "source_url",
                "string",
                "協定の公式ページ（発表・公表ページ）のURL（未登録は空欄）",
                "address of the agreement's official page (its announcement); empty if none",
                lambda p: p.source_url,
            ),
        ),
        _partnerships,
        "partnership_id",
    ),
    Table(
        "partnership_items",
        "公民連携協定の連携内容",
        "Partnership content items",
        (
            C(
                "partnership_id",
                "integer",
                "協定ID",
                "partnership id",
                lambda i: i.partnership_id,
                True,
            ),
            C("number", "integer", "項目番号", "item number", lambda i: i.number, True),
            C("text_ja", "string", "連携内容", "text in Japanese", lambda i: i.text_ja, True),
            C(
                "text_en",
                "string",
                "英訳（非公式）",
                "text in English (unofficial)",
                lambda i: i.text_en,
            ),
        ),
        _partnership_items,
    ),
    Table(
        "organizations",
        "連携先団体",
        "Partner organizations",
        (
            C("organization_id", "integer", "ID", "id", lambda o: o.pk, True),
            C("name_ja", "string", "名称", "name in Japanese", lambda o: o.name_ja, True),
            C("name_en", "string", "名称（英語）", "name in English", lambda o: o.name_en),
            C("kind", "string", "種別", "kind of organization", lambda o: o.kind, True),
            C(
                "corporate_number",
                "string",
                "法人番号（13桁）",
                "corporate number (13 digits)",
                lambda o: o.corporate_number,
            ),
        ),
        _organizations,
        "organization_id",
    ),
    Table(
        "hubs",
        "拠点",
        "Hubs",
        (
            C("hub_id", "integer", "ID", "id", lambda h: h.pk, True),
            C("name_ja", "string", "名称", "name in Japanese", lambda h: h.name_ja, True),
            C("name_en", "string", "名称（英語）", "name in English", lambda h: h.name_en),
            C(
                "lat",
                "number",
                "緯度（世界測地系JGD2011、10進数）",
                "latitude (JGD2011, decimal)",
                lambda h: h.lat,
                True,
            ),
            C(
                "lon",
                "number",
                "経度（世界測地系JGD2011、10進数）",
                "longitude (JGD2011, decimal)",
                lambda h: h.lon,
                True,
            ),
            C(
                "location_precision",
                "string",
                "位置の精度",
                "precision of the location",
                lambda h: h.location_precision,
            ),
            C(
                "theme_codes",
                "string",
                "関係する取組項目（;区切り）",
                "related themes (;-separated)",
                lambda h: ";".join(h.theme_codes),
            ),
        ),
        _hubs,
        "hub_id",
    ),
    Table(
        "member_governments",
        "構成府県市",
        "Member governments",
        (
            C(
                "lg_code",
                "string",
                "全国地方公共団体コード（6桁、検査数字を含む）",
                "local government code (6 digits with check digit)",
                lambda g: g.lg_code,
                True,
            ),
            C("name_ja", "string", "名称", "name in Japanese", lambda g: g.name_ja, True),
            C("name_en", "string", "名称（英語）", "name in English", lambda g: g.name_en),
            C(
                "kind",
                "string",
                "種別（prefecture / designated_city）",
                "prefecture or designated city",
                lambda g: g.kind,
                True,
            ),
            C(
                "office_lat",
                "number",
                "庁舎の緯度（JGD2011）",
                "office latitude (JGD2011)",
                lambda g: g.office_lat,
            ),
            C(
                "office_lon",
                "number",
                "庁舎の経度（JGD2011）",
                "office longitude (JGD2011)",
                lambda g: g.office_lon,
            ),
        ),
        _governments,
        "lg_code",
    ),
)
