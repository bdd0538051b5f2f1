"""Importing documents into the database: what is stored, idempotence, revisions, failures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from actionplan.plans import models as m
from actionplan.plans.actions import (
    ReferenceDataError,
    import_plan_document,
    import_plan_file,
    lg_code_is_valid,
    load_reference_data,
)
from actionplan.plans.importer.document import PlanFormatError
from actionplan.plans.queries import actions_in_reading_order, diff_versions

from .documents import BUNDLED, document, theme_section

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model._default_manager.count()
        for model in apps.get_app_config("plans").get_models()
    }


def test_it_stores_the_bundled_plan_with_english() -> None:
    result = import_plan_file(BUNDLED)
    assert result.created
    version = result.version
    assert version.is_current and version.number == 1
    assert (version.plan_start_fy, version.plan_end_fy) == (2024, 2026)
    assert version.plan.title_ja == "関西広域産業ビジョン アクションプラン"
    assert version.plan.slug == "kansai-regional-industrial-vision-action-plan"
    assert version.themes.count() == 6
    assert version.year_themes.count() == 18
    assert version.actions.count() == 165
    assert version.milestones.count() == 23
    assert version.partnerships.count() == 12
    assert m.PartnershipItem.objects.count() == 41
    # Every translatable text has its unofficial English.
    assert not version.actions.filter(text_en="").exists()
    assert not version.milestones.filter(text_en="").exists()
    assert not version.partnerships.filter(title_en="").exists()
    assert "Unofficial" in version.translation_notice
    theme = version.themes.get(code="carbon_neutral")
    assert theme.name_en and theme.desired_state_en


def test_actions_keep_their_cell_group_and_parent() -> None:
    version = import_plan_file(BUNDLED).version
    sub = version.actions.get(text_ja="市場開拓 等")
    assert sub.parent is not None
    assert sub.parent.text_ja.endswith("ヒト、モノ、投資等を含めた環境整備")
    assert (sub.theme.code, sub.period.fiscal_year_start, sub.actor) == (
        "startups",
        2026,
        "members",
    )
    assert sub.source_line == 195
    demo = version.actions.get(text_ja="万博会場内外でのデモ飛行の実現")
    assert demo.group_ja == "空飛ぶクルマ" and demo.group_en
    first = actions_in_reading_order(version).first()
    assert first is not None and first.actor == "union" and first.theme.code == "life_science"


def test_partnerships_link_governments_partners_and_dates() -> None:
    version = import_plan_file(BUNDLED).version
    soracle = version.partnerships.get(title_ja__contains="Soracle")
    assert sorted(g.lg_code for g in soracle.member_governments.all()) == ["270008", "271004"]
    assert [o.name_ja for o in soracle.partners.all()] == ["株式会社Soracle"]
    assert soracle.date_iso == "2025-09-10"
    tottori = version.partnerships.get(member_governments__lg_code="310000")
    assert tottori.date_iso == "2023-04"
    tokushima = version.partnerships.get(member_governments__lg_code="360007")
    assert tokushima.date_kind == "adopted"
    kobe = version.partnerships.get(member_governments__lg_code="281000")
    # The title's short name and the outline's full name are one organization.
    assert [o.name_ja for o in kobe.partners.all()] == ["パーソルビジネスプロセスデザイン株式会社"]
    assert m.Organization.objects.get(name_ja="日本ゼオン株式会社").kind == "company"


def test_milestones_keep_partial_dates_and_figures() -> None:
    version = import_plan_file(BUNDLED).version
    qross = version.milestones.get(text_ja__contains="Nakanoshima Qross")
    assert (qross.date_iso, qross.date_precision) == ("2024-06", "month")
    figure = version.milestones.get(figure_label_ja="域内大学発ベンチャー数")
    assert (figure.figure_value, figure.figure_as_of_year) == (Decimal(981), 2024)
    assert figure.figure_source_en


def test_reimporting_the_same_document_changes_nothing() -> None:
    import_plan_file(BUNDLED)
    before = row_counts()
    again = import_plan_file(BUNDLED)
    assert not again.created and again.version.number == 1
    assert row_counts() == before


def test_the_same_text_in_shift_jis_is_the_same_version() -> None:
    text = document().replace("▶", "・")
    first = import_plan_document(text.encode("utf-8"), source_name="a.txt")
    second = import_plan_document(text.encode("cp932"), source_name="a-sjis.txt")
    assert second.version.pk == first.version.pk and not second.created


def test_a_revised_edition_becomes_a_new_current_version_that_keeps_keys() -> None:
    old = import_plan_file(BUNDLED).version
    osaka = m.MemberGovernment.objects.get(lg_code="270008")
    carried = old.actions.get(text_ja="社会受容性の向上")
    m.ActionAssignment.objects.create(action=carried, member_government=osaka)
    reworded = old.actions.get(text_ja="中小企業向けセミナーの実施")
    text = BUNDLED.read_text(encoding="utf-8")
    revised = (
        text.replace("2025年11月改訂版", "2026年5月改訂版")
        .replace("中小企業向けセミナーの実施", "中小企業向けセミナー・相談会の実施")
        .replace(" 他分野事務局との連携事業 ", " 他分野事務局との連携事業 万博レガシーの継承 ")
    )
    result = import_plan_document(revised.encode(), source_name="revised.txt")
    new = result.version
    assert result.created and new.number == 2 and new.is_current
    old.refresh_from_db()
    assert not old.is_current
    assert new.actions.count() == 166
    # Unchanged items keep their key; a reworded one inherits the key of the one it revises.
    assert new.actions.get(key=reworded.key).text_ja == "中小企業向けセミナー・相談会の実施"
    # Its old translation is not shown for the new words.
    assert new.actions.get(key=reworded.key).text_en == ""
    assert [g.lg_code for g in new.actions.get(key=carried.key).member_governments.all()] == [
        "270008"
    ]
    diff = diff_versions(old, new)
    assert (diff.count("added"), diff.count("changed"), diff.count("removed")) == (1, 1, 0)
    added = next(c for c in diff.changes if c.kind == "added")
    assert (added.new_text, added.theme_code, added.fiscal_year, added.actor) == (
        "万博レガシーの継承",
        "sme_growth",
        2024,
        "union",
    )


def test_every_imported_record_has_its_history() -> None:
    old = import_plan_file(BUNDLED).version
    action = old.actions.get(text_ja="社会受容性の向上")
    created = action.history.get()
    assert (created.history_type, created.text_ja, created.key) == ("+", action.text_ja, action.key)
    assert created.history_change_reason == "import of plan version 1"
    assert created.instance.parent_id == action.parent_id
    for model in (
        m.Theme,
        m.Period,
        m.YearTheme,
        m.Milestone,
        m.VisionStatement,
        m.PartnershipItem,
    ):
        assert model.history.filter(history_type="+").count() == model.objects.count()
    soracle = old.partnerships.get(title_ja__contains="Soracle")
    record = soracle.history.get()
    assert sorted(g.membergovernment.lg_code for g in record.member_governments.all()) == [
        "270008",
        "271004",
    ]
    assert [p.organization.name_ja for p in record.partners.all()] == ["株式会社Soracle"]
    assert m.Organization.history.count() == m.Organization.objects.count()
    osaka = m.MemberGovernment.objects.get(lg_code="270008")
    m.ActionAssignment.objects.create(action=action, member_government=osaka)
    text = BUNDLED.read_text(encoding="utf-8").replace("2025年11月改訂版", "2026年5月改訂版")
    new = import_plan_document(text.encode(), source_name="revised.txt").version
    # The superseded version and the carried-over assignment are recorded too.
    superseded = old.history.order_by("-history_id").first()
    assert superseded is not None and superseded.history_type == "~"
    assert not superseded.is_current
    carried = m.ActionAssignment.history.filter(action__version=new).get()
    assert carried.history_change_reason == "import of plan version 2"
    assert carried.member_government_id == osaka.pk


def test_a_broken_document_leaves_the_database_as_it_was() -> None:
    import_plan_file(BUNDLED)
    before = row_counts()
    text = BUNDLED.read_text(encoding="utf-8").replace("2025年11月改訂版", "2026年5月改訂版")
    broken = text.replace("【鳥取県】", "【鳥取市】")  # not a member government
    with pytest.raises(PlanFormatError) as info:
        import_plan_document(broken.encode(), source_name="broken.txt")
    assert "鳥取市" in info.value.message
    assert broken.splitlines()[info.value.line - 1] == "【鳥取市】"
    assert row_counts() == before


def test_the_import_command_reports_the_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(
        document([theme_section("ライフサイエンス", body=""), theme_section("スタートアップ")]),
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as info:
        call_command("import", str(bad))
    assert str(info.value).startswith(f"{bad}:")
    assert "nothing was imported" in str(info.value)
    assert m.PlanVersion.objects.count() == 0


def test_the_import_command_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import", str(BUNDLED))
    assert "imported version 1" in capsys.readouterr().out
    call_command("import", str(BUNDLED))
    assert "unchanged" in capsys.readouterr().out


def test_reference_data_loads_governments_and_hubs() -> None:
    counts = load_reference_data()
    assert counts == {"member governments": 12, "hubs": 11}
    kyoto = m.MemberGovernment.objects.get(lg_code="261009")
    assert (kyoto.name_ja, kyoto.kind) == ("京都市", "designated_city")
    hub = m.Hub.objects.get(name_en="Takasago Hydrogen Park")
    assert hub.theme_codes == ["carbon_neutral"]
    load_reference_data()
    assert m.MemberGovernment.objects.count() == 12


def test_bad_reference_data_names_the_row_and_column(tmp_path: Path) -> None:
    source = Path(BUNDLED).parents[1] / "reference"
    (tmp_path / "hubs.csv").write_text((source / "hubs.csv").read_text(encoding="utf-8"))
    rows = (source / "member-governments.csv").read_text(encoding="utf-8").splitlines()
    rows[3] = rows[3].replace("270008", "270009")
    (tmp_path / "member-governments.csv").write_text("\n".join(rows), encoding="utf-8")
    with pytest.raises(ReferenceDataError) as info:
        load_reference_data(tmp_path)
    assert (info.value.row, info.value.column) == (4, "lg_code")
    assert m.MemberGovernment.objects.count() == 0


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("270008", True),
        ("271403", True),
        ("281000", True),
        ("270009", False),
        ("27000", False),
        ("２７０００８", False),
    ],
)
def test_local_government_codes_are_checked(code: str, valid: bool) -> None:
    assert lg_code_is_valid(code) is valid
