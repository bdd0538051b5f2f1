"""The introduction under 「アクションプランについて」 is read, kept and written back."""

from __future__ import annotations

from actionplan.plans.importer.document import read_plan_document
from actionplan.plans.importer.writer import render_document
from actionplan.plans.tests.documents import document, encode

INTRODUCTION = (
    "2024年3月に改訂したビジョンの実現に向け、取組をまとめました。",
    "併せて、構成府県市の取組についても掲載しています。",
)


def _with_introduction() -> str:
    text = document()
    heading = "アクションプランについて\n"
    return text.replace(heading, heading + "\n" + "\n\n".join(INTRODUCTION) + "\n\n見出し\n", 1)


def test_it_reads_the_sentences_under_the_heading_up_to_the_next_heading() -> None:
    doc = read_plan_document(encode(_with_introduction()))
    assert doc.introduction == list(INTRODUCTION)


def test_a_document_without_an_introduction_has_none() -> None:
    assert read_plan_document(encode(document())).introduction == []


def test_the_introduction_survives_writing_the_document_back() -> None:
    doc = read_plan_document(encode(_with_introduction()))
    assert read_plan_document(encode(render_document(doc))).introduction == list(INTRODUCTION)
