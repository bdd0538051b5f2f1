"""People and files for the desk's tests. Proposals are made through the real actions."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from actionplan.partnerships import actions
from actionplan.plans.models import MemberGovernment, PlanVersion

# What a proposer types; the privacy tests look for these strings everywhere public.
CONTACT_NAME = "山田花子テスト"
EMAIL = "hanako.yamada.proposer@example.co.jp"
PHONE = "06-6543-2109"

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
# The start of a Windows executable (the "MZ" header) with a harmless body.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def private_folder(settings: Any, tmp_path: Path, db: None) -> Iterator[Path]:
    folder = tmp_path / "private-attachments"
    settings.PROPOSAL_ATTACHMENT_ROOT = folder
    settings.MEDIA_ROOT = tmp_path / "media"
    # The file sweep also looks at the evidence folder: never the developer's own.
    settings.PROGRESS_EVIDENCE_ROOT = tmp_path / "private-evidence"
    # The rate-limit counters live in the shared cache: start every test with none.
    cache.clear()
    # Messages of the actions are in the active language; a test of an action reads Japanese,
    # whatever language an earlier test's request left active.
    with translation.override("ja"):
        yield folder
    cache.clear()


def proposal_input(**changes: object) -> actions.ProposalInput:
    data = actions.ProposalInput(
        organization_name="株式会社テスト水素エネルギー",
        organization_kind="company",
        contact_name=CONTACT_NAME,
        email=EMAIL,
        phone=PHONE,
        theme_codes=["carbon_neutral"],
        title="水素と蓄電池を組み合わせた港湾の脱炭素化実証",
        summary="港湾地域で水素燃料電池と蓄電池を使った荷役機械の実証を提案します。",
        details="大阪湾岸での実証を想定しています。",
        member_governments=list(MemberGovernment.objects.filter(lg_code="270008")),
        consent=True,
    )
    for name, value in changes.items():
        setattr(data, name, value)
    return data


@pytest.fixture
def submitted(
    plan_version: PlanVersion, django_capture_on_commit_callbacks: Any
) -> actions.Submitted:
    # Committed: its attachment is moved into place and its receipt mail sent.
    with django_capture_on_commit_callbacks(execute=True):
        return actions.submit_proposal(
            proposal_input(), [upload("plan.pdf", PDF)], site_url="http://testserver/"
        )
