"""Writing a plan back out in the published document's text form.

Used to generate editions for tests and benchmarks (a revision is "read, change, write"), and
to check the reader: reading what this writes must give back the same plan.
"""

from __future__ import annotations

from .document import MEMBERS, UNION, Action, Milestone, Partnership, PlanDocument, Theme

UL = '<ul style="list-style-type: none">'


def _cell(actions: list[Action]) -> str:
    """One table cell: 【group】 headings, ・ bullets, ▶ sub-items after a nested list."""
    parts: list[str] = [UL]
    group = ""
    for action in actions:
        if action.group != group:
            group = action.group
            parts.append(f"【{group}】")
        if action.parent is None:
            parts.append(f"・{action.text}")
        else:
            previous = actions[actions.index(action) - 1]
            if previous.parent is None:
                parts.append(UL)
            parts.append(f"▶{action.text}")
    return " ".join(parts) + " "


def _table(doc: PlanDocument, theme: Theme) -> list[str]:
    header = ["年度"]
    for p in doc.periods:
        tilde = "～" if p.fiscal_year_end is None else ""
        header.append(f"{p.fiscal_year_start}{tilde} 〈{p.label}〉")
    headlines = {h.period_position: h.text for h in theme.year_themes}
    rows = ["\t".join(header), "テーマ\t" + "\t".join(headlines[p.position] for p in doc.periods)]
    for actor, label in ((UNION, "関西広域連合"), (MEMBERS, "構成府県市 (主な取組)")):
        cells = []
        for p in doc.periods:
            items = [
                a for a in theme.actions if a.actor == actor and a.period_position == p.position
            ]
            cells.append(_cell(sorted(items, key=lambda a: a.position)))
        rows.append(label + "\t" + "\t".join(cells))
    return rows


def _milestone(ms: Milestone) -> list[str]:
    lines = [f"- ・{ms.text}"]
    if ms.figure is not None:
        f = ms.figure
        as_of = f"【{f.as_of_year}年】" if f.as_of_year else ""
        source = f"（出典：{f.source}）" if f.source else ""
        lines.append(f"{f.label}：{f.value}{f.unit}{as_of}{source}")
    lines += [f"- {note}" for note in ms.notes]
    return lines


def _partnership(p: Partnership) -> list[str]:
    day = f"{p.day}日" if p.day else ""
    lines = [
        f"【{'、'.join(p.governments)}】",
        "",
        p.title,
        "",
        f"({p.date_label}：{p.year}年{p.month}月{day})",
        "",
    ]
    if p.source_name:
        lines += [f"({p.source_name})", ""]
    lines += ["OUTLINE", ""]
    for paragraph in p.outline:
        lines += [paragraph, ""]
    lines += ["連携内容", ""]
    lines += [f"- ({number}) {text}" for number, text in p.items]
    return [*lines, ""]


def render_document(doc: PlanDocument) -> str:
    lines = [
        "",
        doc.title,
        "",
        doc.edition,
        "",
        doc.publisher,
        "",
        "アクションプランについて",
        "",
    ]
    lines += [line for text in doc.introduction for line in (text, "")]
    lines += [
        "2040年度で実現をめざす「将来像」",
        "",
    ]
    lines += [f"「{text}」" for text in doc.future_images]
    lines += ["", "具体的なめざす姿", ""]
    lines += [f"- ▶ {text}" for text in doc.target_states]
    lines += [
        "",
        "アクションプラン",
        "",
        f"({doc.plan_start_fy}年度から{doc.plan_years}年間)で、",
        "",
        "【取組項目】",
        "",
    ]
    lines += [f"- ・ {theme.name}" for theme in doc.themes]
    lines.append("")
    for theme in doc.themes:
        lines += ["", theme.heading or theme.name, "", "", theme.desired_state, ""]
        lines += [f"*{note}" for note in theme.desired_state_notes]
        lines += ["", "Action ありたい姿の実現に向けた取組", ""]
        if doc.period_note:
            lines += [doc.period_note, ""]
        lines += _table(doc, theme)
        lines += ["", "", "万博等を契機とした関西の動き", ""]
        group = ""
        for ms in theme.milestones:
            if ms.group != group:
                group = ms.group
                lines.append(f"- 【{group}】")
            lines += _milestone(ms)
        lines.append("")
    by_theme: dict[str, list[Partnership]] = {}
    for p in doc.partnerships:
        by_theme.setdefault(p.theme_name, []).append(p)
    if by_theme:
        names = "/".join(by_theme)
        lines += [f"【Appendix】 将来像の実現に向けた公民連携の取組例（{names}）", ""]
        lines += [*doc.appendix_note, ""]
        for name, partnerships in by_theme.items():
            lines += [name, ""]
            for p in partnerships:
                lines += _partnership(p)
    return "\n".join(lines) + "\n"
