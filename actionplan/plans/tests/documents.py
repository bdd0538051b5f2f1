"""Small plan documents written for the tests: the same structure as the published plan, with
each quirk of the PDF extraction placed where a test can look at it."""

from __future__ import annotations

from actionplan.resources import BUNDLED_PLAN

BUNDLED = BUNDLED_PLAN

HEADER = "年度\t2024 〈万博前〉\t2025 〈現状・万博開催〉\t2026～ 〈万博後〉"
UL = '<ul style="list-style-type: none">'


def table(
    headlines: tuple[str, str, str] = ("見出しA", "見出しB", "見出しC"),
    union: tuple[str, str, str] = (
        f"{UL} 連合の取組A ",
        f"{UL} 連合の取組B ",
        f"{UL} 連合の取組C ",
    ),
    members: tuple[str, str, str] = (
        f"{UL} 府県市の取組A ",
        f"{UL} 府県市の取組B ",
        f"{UL} 府県市の取組C ",
    ),
    header: str = HEADER,
) -> str:
    return "\n".join(
        [
            header,
            "テーマ\t" + "\t".join(headlines),
            "関西広域連合\t" + "\t".join(union),
            "構成府県市 (主な取組)\t" + "\t".join(members),
        ]
    )


def theme_section(
    name: str,
    desired: str = "域内で新しい産業が育っています。",
    body: str | None = None,
    developments: str = "- 2024年6月、拠点が開業",
) -> str:
    body = table() if body is None else body
    return f"""
{name}



{desired}

Action ありたい姿の実現に向けた取組

※「2026～〈万博後〉」は、検討段階の取組を含む

{body}



万博等を契機とした
関西の動き

{developments}
"""


AGREEMENT = """
【大阪府】

大阪府と株式会社テストとの連携協定

(締結時期：2025年9月10日)



(大阪府HP)

OUTLINE

大阪府と株式会社テストは、連携協定を締結しました。

連携内容

- (1) 情報発信に関すること
- (2) その他、この協定の目的に資すること
"""


def document(
    sections: list[str] | None = None,
    theme_names: tuple[str, ...] = ("ライフサイエンス", "スタートアップ"),
    appendix: str | None = None,
    edition: str = "2025年11月改訂版",
) -> str:
    if sections is None:
        sections = [theme_section(name) for name in theme_names]
    bullets = "\n".join(f"- ・ {name}" for name in theme_names)
    if appendix is None:
        appendix = (
            f"【Appendix】 将来像の実現に向けた公民連携の取組例（{theme_names[0]}）\n\n"
            f"(広域産業振興局HP)\n\n公民連携の提案を募集しています。\n\n{theme_names[0]}\n"
            + AGREEMENT
        )
    return f"""

関西広域産業ビジョン アクションプラン

{edition}

関西広域連合 広域産業振興局

アクションプランについて

2040年度で実現をめざす「将来像」

「世界の中で輝き、日本の未来を牽引する関西」
「産業を支える多様な人材が活躍する関西」

具体的なめざす姿

- ▶ 新産業の創出・確立
- ▶ 産業基盤の強化

アクションプラン

2025年大阪・関西万博の前後
(2024年度から3年間)で、

【取組項目】

{bullets}

{"".join(sections)}
{appendix}"""


def encode(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)
