"""The DCAT catalogue of the open data in JSON-LD, as a CKAN DCAT harvester reads it
(ckanext-dcat's RDF parser): one dcat:Catalog, one dcat:Dataset per plan edition published, one
dcat:Distribution per file with its media type and download URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings

from actionplan.plans import models as m

from .package import CC_BY_URL, EXCEL_NOTE_EN, EXCEL_NOTE_JA, PDL_URL, excel_name
from .publish import ZIP_NAME, Publication
from .schema import TABLES

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "adms": "http://www.w3.org/ns/adms#",
}
MEDIA_TYPES = {
    ".csv": ("text/csv", "CSV"),
    ".json": ("application/json", "JSON"),
    ".zip": ("application/zip", "ZIP"),
}


def _text(ja: str, en: str) -> list[dict[str, str]]:
    values = [{"@value": ja, "@language": "ja"}]
    if en:
        values.append({"@value": en, "@language": "en"})
    return values


def _date(value: str) -> dict[str, str]:
    return {"@value": value, "@type": "xsd:dateTime"}


def publisher(version: m.PlanVersion, home: str) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": f"{home}#publisher",
        "@type": "foaf:Organization",
        "foaf:name": _text(version.plan.publisher_ja or "関西広域連合", version.plan.publisher_en),
    }
    code: str = settings.PUBLISHER_LG_CODE
    if code:
        # 全国地方公共団体コード, the identifier Japanese catalogues use for a public body.
        node["dct:identifier"] = code
        node["adms:identifier"] = {
            "@type": "adms:Identifier",
            "skos:notation": code,
            "dct:creator": "総務省 全国地方公共団体コード",
        }
    return node


def catalog(
    publication: Publication, version: m.PlanVersion, url: Callable[[str], str], home: str
) -> dict[str, Any]:
    """``url(name)`` gives the absolute download URL of a published file."""
    modified = publication.modified.isoformat()
    issued = version.imported_at.isoformat()
    licenses = [{"@id": PDL_URL}, {"@id": CC_BY_URL}]

    def distribution(name: str, title_ja: str, title_en: str, note: str = "") -> dict[str, Any]:
        suffix = name[name.rfind(".") :]
        media_type, fmt = MEDIA_TYPES[suffix]
        node: dict[str, Any] = {
            "@id": url(name),
            "@type": "dcat:Distribution",
            "dct:title": _text(title_ja, title_en),
            "dcat:downloadURL": {"@id": url(name)},
            "dcat:accessURL": {"@id": url(name)},
            "dcat:mediaType": media_type,
            "dct:format": fmt,
            "dct:license": {"@id": PDL_URL},
            "dct:issued": _date(issued),
            "dct:modified": _date(modified),
        }
        if note:
            node["dct:description"] = note
        return node

    distributions = [distribution(ZIP_NAME, "全ファイル（ZIP）", "All files (ZIP)")]
    for table in TABLES:
        distributions.append(
            distribution(table.filename, f"{table.title_ja}（CSV）", f"{table.title_en} (CSV)")
        )
        distributions.append(
            distribution(
                excel_name(table),
                f"{table.title_ja}（Excel用CSV、BOM付き）",
                f"{table.title_en} (CSV for Excel, with BOM)",
                EXCEL_NOTE_EN,
            )
        )
        distributions.append(
            distribution(
                f"{table.name}.json", f"{table.title_ja}（JSON）", f"{table.title_en} (JSON)"
            )
        )
    distributions.append(
        distribution("data_dictionary.csv", "データ定義書", "Data dictionary (CSV)")
    )
    distributions.append(
        distribution("datapackage.json", "データパッケージ記述", "Frictionless Data Package")
    )

    dataset = {
        "@id": f"{home}#dataset-v{version.number}",
        "@type": "dcat:Dataset",
        "dct:identifier": f"{version.plan.slug}-v{version.number}",
        "dct:title": _text(version.plan.title_ja, version.plan.title_en),
        "dct:description": _text(
            f"{version.plan.title_ja}（{version.edition_ja}）の取組、年度テーマ、関西の動き、"
            f"公民連携協定、拠点、構成府県市。{EXCEL_NOTE_JA}",
            f"{version.plan.title_en} ({version.edition_en}): actions, year headlines, "
            f"developments, partnership agreements, hubs and member governments. "
            f"{EXCEL_NOTE_EN} {version.translation_notice}".strip(),
        ),
        "dct:publisher": {"@id": f"{home}#publisher"},
        "dct:issued": _date(issued),
        "dct:modified": _date(modified),
        "dct:license": licenses,
        "dct:rights": (
            "公共データ利用規約（第1.0版）(PDL1.0) に基づき利用できます。"
            "PDL1.0 はクリエイティブ・コモンズ 表示 4.0 国際 (CC BY 4.0) と互換性があります。"
        ),
        "dct:language": ["ja", "en"],
        "dcat:keyword": ["関西広域連合", "産業振興", "アクションプラン", "Kansai", "action plan"],
        "dcat:landingPage": {"@id": home},
        "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": "関西広域連合"},
        "dcat:distribution": distributions,
    }
    return {
        "@context": {**CONTEXT, "skos": "http://www.w3.org/2004/02/skos/core#"},
        "@graph": [
            {
                "@id": f"{home}#catalog",
                "@type": "dcat:Catalog",
                "dct:title": _text("アクションプラン オープンデータ", "Action plan open data"),
                "dct:description": _text(
                    f"{version.plan.title_ja}のオープンデータ",
                    f"Open data of the {version.plan.title_en}",
                ),
                "dct:publisher": {"@id": f"{home}#publisher"},
                "dct:issued": _date(issued),
                "dct:modified": _date(modified),
                "dct:license": {"@id": PDL_URL},
                "dct:language": ["ja", "en"],
                "foaf:homepage": {"@id": home},
                "dcat:dataset": [{"@id": dataset["@id"]}],
            },
            publisher(version, home),
            dataset,
        ],
    }
