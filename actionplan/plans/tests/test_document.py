"""The document reader on the published plan and on small documents, one per quirk."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actionplan.plans.importer.document import PlanDocument, PlanFormatError, read_plan_document
from actionplan.plans.importer.themes import theme_code

from .documents import BUNDLED, UL, document, table, theme_section


@pytest.fixture(scope="module")
def plan() -> PlanDocument:
    return read_plan_document(BUNDLED.read_bytes())


def cell(
    plan: PlanDocument, code: str, fiscal_year: int, actor: str
) -> list[tuple[str, int | None, str]]:
    periods = {p.position: p.fiscal_year_start for p in plan.periods}
    for theme in plan.themes:
        if theme_code(theme.name) == code:
            return [
                (a.text, a.parent, a.group)
                for a in theme.actions
                if periods[a.period_position] == fiscal_year and a.actor == actor
            ]
    raise AssertionError(code)


# Counted by reading the PDF: (items, of which sub-items ▶) per theme, year and actor.
EXPECTED_CELLS = {
    ("life_science", "union"): ((2, 0), (2, 0), (2, 0)),
    ("life_science", "members"): ((5, 0), (5, 2), (8, 0)),
    ("carbon_neutral", "union"): ((2, 0), (3, 0), (2, 0)),
    ("carbon_neutral", "members"): ((5, 0), (5, 0), (7, 6)),
    ("air_mobility_maas", "union"): ((2, 0), (2, 0), (1, 0)),
    ("air_mobility_maas", "members"): ((6, 0), (5, 0), (7, 0)),
    ("startups", "union"): ((3, 2), (5, 2), (3, 0)),
    ("startups", "members"): ((8, 2), (7, 3), (8, 4)),
    ("sme_growth", "union"): ((5, 0), (3, 0), (3, 0)),
    ("sme_growth", "members"): ((7, 2), (6, 2), (5, 0)),
    ("diverse_talent", "union"): ((2, 0), (2, 0), (2, 0)),
    ("diverse_talent", "members"): ((10, 8), (7, 3), (8, 4)),
}


def test_it_reads_the_title_edition_and_vision(plan: PlanDocument) -> None:
    assert plan.title == "関西広域産業ビジョン アクションプラン"
    assert plan.edition == "2025年11月改訂版"
    assert (plan.published_year, plan.published_month) == (2025, 11)
    assert plan.publisher == "関西広域連合 広域産業振興局"
    assert plan.future_images == [
        "世界の中で輝き、日本の未来を牽引する関西",
        "産業を支える多様な人材が活躍する関西",
    ]
    assert plan.target_states == ["新産業の創出・確立", "産業転換と深化", "産業基盤の強化"]
    assert (plan.plan_start_fy, plan.plan_years) == (2024, 3)


def test_it_finds_the_six_themes_in_order_with_their_codes(plan: PlanDocument) -> None:
    assert [theme_code(t.name) for t in plan.themes] == [
        "life_science",
        "carbon_neutral",
        "air_mobility_maas",
        "startups",
        "sme_growth",
        "diverse_talent",
    ]
    assert plan.themes[2].name == "空飛ぶクルマ・MaaS"


def test_it_reads_desired_states_as_one_clean_paragraph(plan: PlanDocument) -> None:
    startups = plan.themes[3]
    # Bold residue (**) spanning a line break, and a heading (関西のありたい姿) left out.
    assert startups.desired_state == (
        "国内外の様々なリソースの集積を可能とする日本有数の研究開発型スタートアップの拠点として"
        "地位を確立し、関西全域のエコシステムとして発展しています。"
    )
    talent = plan.themes[5]
    assert talent.desired_state.endswith("多様な人材が活躍しています。")
    assert talent.desired_state_notes == [
        "ダイバーシティ経営：多様な人材を活かし、その能力が最大限発揮できる機会を提供することで、"
        "イノベーションを生み出し、価値創造につなげている経営"
    ]


def test_it_reads_three_periods_and_corrects_the_misspelt_label(plan: PlanDocument) -> None:
    assert [(p.fiscal_year_start, p.fiscal_year_end, p.label) for p in plan.periods] == [
        (2024, 2024, "万博前"),
        (2025, 2025, "現状・万博開催"),
        (2026, None, "万博後"),
    ]


def test_it_reads_eighteen_year_headlines_without_stray_spaces(plan: PlanDocument) -> None:
    headlines = [h.text for t in plan.themes for h in t.year_themes]
    assert len(headlines) == 18
    assert "空飛ぶクルマのデモ飛行、MaaS実証" in headlines
    assert "空飛ぶクルマの運航開始と関西での運航エリアの拡大、関西広域でのMaaS展開" in headlines


@pytest.mark.parametrize(("code", "actor"), sorted(EXPECTED_CELLS))
def test_every_cell_has_the_items_a_reader_sees(plan: PlanDocument, code: str, actor: str) -> None:
    for fiscal_year, (items, subs) in zip(
        (2024, 2025, 2026), EXPECTED_CELLS[(code, actor)], strict=True
    ):
        found = cell(plan, code, fiscal_year, actor)
        assert (len(found), sum(1 for _, parent, _ in found if parent)) == (items, subs), (
            code,
            fiscal_year,
            actor,
            found,
        )


def test_it_keeps_latin_spaces_and_items_that_begin_with_latin(plan: PlanDocument) -> None:
    sme = [text for text, _, _ in cell(plan, "sme_growth", 2024, "members")]
    assert "Beyond 5G 関連素材開発等の支援体制強化に向けた公設試の機能拡充" in sme
    life = [text for text, _, _ in cell(plan, "life_science", 2026, "members")]
    assert life[-2:] == [
        "医療・ヘルスケアの国際見本市「WHX Osaka」（Japan Health後継イベント）での情報発信",
        "CDMO（再生医療等製品等の開発・製造受託機関）の強化に向けた支援",
    ]
    life_2025 = [text for text, _, _ in cell(plan, "life_science", 2025, "members")]
    assert "未来医療国際拠点「Nakanoshima Qross」における「my iPS細胞」の開発製造" in life_2025


def test_sub_items_belong_to_the_item_before_them(plan: PlanDocument) -> None:
    items = cell(plan, "startups", 2026, "members")
    parent_text = items[2][0]
    assert parent_text.endswith("ヒト、モノ、投資等を含めた環境整備")
    subs = [text for text, parent, _ in items if parent == 3]
    assert subs == [
        "起業家マインド醸成、人材発掘",
        "国内外ネットワーク構築",
        "プロジェクト創出、研究開発",
        "市場開拓 等",
    ]
    assert items[-1][0].startswith("けいはんな学研都市やうめきた") and items[-1][1] is None


def test_groups_and_bullets_with_stray_bold_spaces(plan: PlanDocument) -> None:
    items = cell(plan, "air_mobility_maas", 2025, "members")
    assert items[:3] == [
        ("万博会場内外でのデモ飛行の実現", None, "空飛ぶクルマ"),
        ("大阪でのビジネス化準備や、観光分野でのビジネスモデル構築等を支援", None, "空飛ぶクルマ"),
        ("観光ルート開発に向けた調査・実証", None, "空飛ぶクルマ"),
    ]
    assert items[3][2] == "MaaS"
    union = cell(plan, "air_mobility_maas", 2024, "union")
    assert union[1] == (
        "ビジネス情報紙「from NOW ON KANSAI」で、域内の関連サービスを紹介",
        None,
        "MaaS",
    )
    members = [text for text, _, _ in cell(plan, "air_mobility_maas", 2024, "members")]
    # A 中黒 inside an item is not a bullet.
    assert "運航を支える拠点の整備構想策定支援・離着陸場等拠点整備支援" in members


def test_bullets_inside_ul_lists_with_nested_sub_items(plan: PlanDocument) -> None:
    items = cell(plan, "diverse_talent", 2024, "members")
    assert items[0] == ("就業環境の整備", None, "")
    assert items[6] == ("外国人材の受け入れ", None, "")
    assert all(parent == 7 for _, parent, _ in items[7:])


def test_it_reads_developments_with_dates_groups_notes_and_figures(plan: PlanDocument) -> None:
    counts = [len(t.milestones) for t in plan.themes]
    assert counts == [4, 5, 4, 3, 4, 3]
    first = plan.themes[0].milestones[0]
    assert (first.year, first.month, first.day) == (2024, 6, None)
    assert "「Nakanoshima Qross (中之島クロス)」が開業" in first.text
    undated = plan.themes[0].milestones[2]
    assert undated.year is None
    air = plan.themes[2].milestones
    assert [m.group for m in air] == ["空飛ぶクルマ", "空飛ぶクルマ", "MaaS", "MaaS"]
    assert air[0].text == "万博会場内外でのデモ飛行の実施"
    assert air[3].notes and air[3].notes[0].startswith("※一定の区域")
    startup = plan.themes[3].milestones[0]
    assert startup.figure is not None
    assert (startup.figure.label, startup.figure.value, startup.figure.as_of_year) == (
        "域内大学発ベンチャー数",
        Decimal(981),
        2024,
    )
    assert "経済産業省" in startup.figure.source
    assert startup.text.startswith("バイオ・ライフサイエンス")


def test_it_reads_twelve_partnerships_with_dates_at_their_precision(plan: PlanDocument) -> None:
    partnerships = plan.partnerships
    assert len(partnerships) == 12
    by_theme: dict[str, int] = {}
    for p in partnerships:
        by_theme[theme_code(p.theme_name)] = by_theme.get(theme_code(p.theme_name), 0) + 1
    assert set(by_theme.values()) == {2} and len(by_theme) == 6
    tottori = partnerships[-1]
    assert (tottori.year, tottori.month, tottori.day) == (2023, 4, None)
    tokushima = next(p for p in partnerships if p.governments == ["徳島県"])
    assert tokushima.date_label == "構想策定時期"
    soracle = next(p for p in partnerships if "Soracle" in p.title)
    assert soracle.governments == ["大阪府", "大阪市"]
    assert [n for n, _ in soracle.items] == [1, 2, 3, 4]
    # The source printed above an agreement's heading belongs to that agreement.
    wakayama = next(p for p in partnerships if p.governments == ["和歌山県"])
    assert wakayama.source_name == "和歌山県HP"
    assert soracle.source_name == "大阪府HP"
    shiga = next(p for p in partnerships if p.governments == ["滋賀県"])
    assert (
        shiga.title
        == "働き方改革の推進に関する連携協定(滋賀県・滋賀県社会保険労務士会・滋賀労働局)"
    )


# --- small documents, one per quirk ---------------------------------------------------------


def read(text: str) -> PlanDocument:
    return read_plan_document(text.encode("utf-8"))


def members_items(text: str, column: int = 0) -> list[tuple[str, int | None, str]]:
    doc = read(text)
    return [
        (a.text, a.parent, a.group)
        for a in doc.themes[0].actions
        if a.actor == "members" and a.period_position == column + 1
    ]


def doc_with_members_cell(cell_text: str) -> str:
    body = table(members=(cell_text, f"{UL} 取組B ", f"{UL} 取組C "))
    return document([theme_section("ライフサイエンス", body=body), theme_section("スタートアップ")])


def test_space_separated_items_in_a_list_without_li() -> None:
    text = doc_with_members_cell(f"{UL} 第一の取組 第二の取組（注記、補足） 第三の取組 ")
    assert [t for t, _, _ in members_items(text)] == [
        "第一の取組",
        "第二の取組（注記、補足）",
        "第三の取組",
    ]


def test_nested_unclosed_lists_give_sub_items() -> None:
    text = doc_with_members_cell(f"{UL} 親の取組 {UL} ▶子その一 ▶ 子その二 次の親 ")
    assert members_items(text) == [
        ("親の取組", None, ""),
        ("子その一", 1, ""),
        ("子その二", 1, ""),
        ("次の親", None, ""),
    ]


def test_group_headings_with_bullets_and_stray_spaces() -> None:
    text = doc_with_members_cell(
        "【第一群】 ・太字の 後の 空白 ・ 箇条の後の空白 【第二群】 ・最後"
    )
    assert members_items(text) == [
        ("太字の後の空白", None, "第一群"),
        ("箇条の後の空白", None, "第一群"),
        ("最後", None, "第二群"),
    ]


def test_latin_phrases_keep_their_spaces_and_trailing_qualifier_joins() -> None:
    text = doc_with_members_cell(
        f"{UL} 情報紙「from NOW ON KANSAI」の発行 Beyond 5G 関連の支援 市場開拓 等 DX推進 "
    )
    assert [t for t, _, _ in members_items(text)] == [
        "情報紙「from NOW ON KANSAI」の発行",
        "Beyond 5G 関連の支援",
        "市場開拓 等",
        "DX推進",
    ]


def test_proper_li_lists_are_read_too() -> None:
    text = doc_with_members_cell("<ul><li>一つ目</li><li>二つ目<ul><li>子</li></ul></li></ul>")
    assert members_items(text) == [("一つ目", None, ""), ("二つ目", None, ""), ("子", 2, "")]


@pytest.mark.parametrize(
    "header",
    [
        "年度\t2024 <<万博前>>\t2025 <<現状・万博開催>>\t2026～ <<万博後>>",
        "年度\t2024 ≪万博前≫\t2025 ≪現状・博開催≫\t2026～ ≪万博後≫",
        "年度\t**2024 ＜万博前＞**\t2025 ＜現状・万博開催＞\t2026～ ＜万博後＞",
    ],
)
def test_year_label_spellings_are_read_and_corrected(header: str) -> None:
    text = document(
        [
            theme_section("ライフサイエンス", body=table(header=header)),
            theme_section("スタートアップ"),
            theme_section("中小企業の成長"),
        ],
        theme_names=("ライフサイエンス", "スタートアップ", "中小企業の成長"),
    )
    doc = read(text)
    assert [p.label for p in doc.periods] == ["万博前", "現状・万博開催", "万博後"]
    assert doc.periods[2].fiscal_year_end is None


def test_markdown_residue_is_removed_from_headings_and_bullets() -> None:
    text = document(
        [
            theme_section(
                "ライフサイエンス", developments="- 【群】**\n- ・**太字の**動き\n - ・字下げの動き"
            ),
            theme_section("スタートアップ"),
        ]
    )
    doc = read(text)
    assert [(m.group, m.text) for m in doc.themes[0].milestones] == [
        ("群", "太字の動き"),
        ("群", "字下げの動き"),
    ]


# --- bad input --------------------------------------------------------------------------------


def error_of(data: bytes) -> PlanFormatError:
    with pytest.raises(PlanFormatError) as info:
        read_plan_document(data)
    return info.value


def test_an_empty_file_is_refused() -> None:
    assert "empty" in str(error_of(b"  \n\n"))


def test_a_binary_file_is_refused() -> None:
    assert "binary" in str(error_of(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR"))


def test_undecodable_bytes_are_refused_with_the_line() -> None:
    error = error_of("一行目\n二行目\n".encode() + b"\xff\xfe\xfa\xfb\x80\n")
    assert error.line == 3
    assert "UTF-8 up to this line" in error.message


def test_bytes_that_are_neither_utf8_nor_shift_jis_are_refused() -> None:
    assert "neither UTF-8 nor Shift_JIS" in str(error_of(b"title\n\x85\xff\xff\n"))


def test_a_shift_jis_document_is_decoded() -> None:
    # Shift_JIS has no ▶: an office's file marks the goals with ・ instead.
    text = document().replace("▶", "・")
    doc = read_plan_document(text.encode("cp932"))
    assert doc.encoding == "cp932"
    assert doc.checksum == read(text).checksum
    assert doc.themes[0].actions[0].text == "連合の取組A"


def test_a_file_cut_off_in_a_table_stops_at_the_row() -> None:
    text = document()
    cut = text[: text.rindex("構成府県市 (主な取組)") + len("構成府県市 (主な取組)\t<ul> 取組")]
    error = error_of(cut.encode())
    assert "expected 3 cells" in error.message
    assert cut.splitlines()[error.line - 1].startswith("構成府県市")


def test_a_file_cut_off_before_a_theme_names_the_missing_theme() -> None:
    text = document()
    cut = text[: text.index("\nスタートアップ\n\n\n")]
    message = error_of(cut.encode()).message
    assert "スタートアップ" in message
    assert f"the file ends at line {cut.count(chr(10)) + 1}" in message


def test_a_row_with_missing_cells_names_its_line() -> None:
    body = table().replace("\t見出しC", "")
    text = document([theme_section("ライフサイエンス", body=body), theme_section("スタートアップ")])
    error = error_of(text.encode())
    assert error.message == "expected 3 cells after 'テーマ' (one per fiscal year), found 2"
    assert text.splitlines()[error.line - 1].startswith("テーマ")


def test_a_theme_without_a_table_is_refused() -> None:
    text = document([theme_section("ライフサイエンス", body=""), theme_section("スタートアップ")])
    error = error_of(text.encode())
    assert "expected an action table" in error.message
    assert text.splitlines()[error.line - 1] == "ライフサイエンス"


def test_an_agreement_without_content_items_is_refused() -> None:
    text = document()
    cut = text[: text.index("連携内容")]
    assert "連携内容" in error_of(cut.encode()).message


def test_an_unknown_row_label_is_refused() -> None:
    body = table().replace("関西広域連合\t", "その他\t")
    text = document([theme_section("ライフサイエンス", body=body), theme_section("スタートアップ")])
    assert "found 'その他'" in error_of(text.encode()).message


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("〈", "〉"),
        ("（", "）"),
        ("＜", "＞"),
        ("《", "》"),
        ("【", "】"),
        ("[", "]"),
        ("<<", ">>"),
        ("≪", "≫"),
        ("(", ")"),
        ("〔", "〕"),
        ("「", "」"),
    ],
)
def test_year_labels_may_use_any_pair_of_brackets(opening: str, closing: str) -> None:
    header = (
        f"年度\t2024 {opening}万博前{closing}\t2025 {opening}現状・万博開催{closing}"
        f"\t2026～ {opening}万博後{closing}"
    )
    body = table(header=header)
    doc = read(
        document([theme_section("ライフサイエンス", body=body), theme_section("スタートアップ")])
    )
    assert [p.label for p in doc.periods] == ["万博前", "現状・万博開催", "万博後"]


@pytest.mark.parametrize(
    "cell", ["2024 〈万博前", "2024 万博前〉", "2024 〈万博〈前〉", "2024 万博前"]
)
def test_a_year_label_without_a_pair_of_brackets_is_refused(cell: str) -> None:
    body = table(header=f"年度\t{cell}\t2025 〈現状・万博開催〉\t2026～ 〈万博後〉")
    text = document([theme_section("ライフサイエンス", body=body), theme_section("スタートアップ")])
    assert (
        f"expected a fiscal year such as '2024 〈万博前〉', found '{cell}'"
        in error_of(text.encode()).message
    )
