"""No contact detail of any proposal is public: not in pages, the API, open data, search or logs."""

from __future__ import annotations

import datetime
import json
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from actionplan.partnerships import actions
from actionplan.partnerships.models import AgreementDraft, Proposal
from actionplan.plans.models import MemberGovernment, PlanVersion
from actionplan.portal.tests.test_crawl import crawl

from .conftest import CONTACT_NAME, EMAIL, PHONE, proposal_input

SECRETS = (CONTACT_NAME, EMAIL, PHONE, EMAIL.split("@")[0])


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@pytest.fixture
def proposals(plan_version: PlanVersion, bureau_staff: User) -> dict[str, Proposal]:
    """One proposal in each kind of end: agreed (now in the public registry), declined, open."""
    osaka = MemberGovernment.objects.get(lg_code="270008")
    agreed = actions.submit_proposal(proposal_input(title="水素港湾の公民連携")).proposal
    actions.screen_proposal(bureau_staff, agreed)
    actions.refer_proposal(bureau_staff, agreed, governments=[osaka])
    actions.start_discussion(bureau_staff, agreed)
    actions.agree_proposal(bureau_staff, agreed, signed_on=datetime.date(2026, 4, 1))
    actions.publish_agreement(bureau_staff, AgreementDraft.objects.get(proposal=agreed))
    declined = actions.submit_proposal(proposal_input(title="見送る提案")).proposal
    actions.decline_proposal(bureau_staff, declined, "対象外")
    received = actions.submit_proposal(proposal_input(title="受付中の提案")).proposal
    agreed.refresh_from_db()
    return {"agreed": agreed, "declined": declined, "received": received}


def test_no_public_page_shows_contact_details(
    client: Client, proposals: dict[str, Proposal]
) -> None:
    agreed = proposals["agreed"]
    assert agreed.partnership is not None
    starts = ["/", "/en/", "/organizations/", "/en/organizations/", "/proposals/new/"]
    seen, _assets, _css = crawl(client, starts)
    # The crawl reached the registry, where the agreed proposal's partnership is public.
    assert seen.get("/organizations/") == 200
    assert seen.get(f"/partnerships/{agreed.partnership.pk}/") == 200
    assert len(seen) > 100
    for url, status in seen.items():
        if status != 200:
            continue
        response = client.get(url)
        body = (
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
            if response.streaming
            else response.content
        )
        assert not leaks(body.decode("utf-8", "replace")), url


def test_the_search_index_holds_no_contact_details(proposals: dict[str, Proposal]) -> None:
    from actionplan.search.models import SearchDocument

    call_command("reindex")
    documents = SearchDocument.objects.all()
    assert documents.filter(title_ja="水素港湾の公民連携").exists()  # the agreed partnership
    for document in documents.values():
        assert not leaks(json.dumps(document, ensure_ascii=False, default=str)), document["key"]


def _items(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        for value in payload.values():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                return value
    return []


def test_no_api_response_shows_contact_details(
    client: Client, proposals: dict[str, Proposal]
) -> None:
    agreed = proposals["agreed"]
    assert agreed.partnership is not None and agreed.organization is not None
    known = {
        "partnership_id": [agreed.partnership.pk],
        "organization_id": [agreed.organization.pk],
    }
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    fetched = 0
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        params = re.findall(r"{(\w+)}", path)
        urls = [path]
        if params:
            parent = path[: path.index("{")].rstrip("/")
            items = _items(json.loads(client.get(f"{parent}?limit=100").content))
            name = params[0]
            values = [item.get(name, item.get("id")) for item in items] + known.get(name, [])
            urls = [path.replace("{" + name + "}", str(v)) for v in values if v is not None]
            urls = [u for u in urls if "{" not in u]
        if path.endswith("/search"):
            for secret in SECRETS:
                found = json.loads(client.get(f"{path}?q={quote(secret)}").content)
                assert _items(found) == [], secret
            continue
        for url in urls:
            response = client.get(url)
            if response.status_code == 200:
                fetched += 1
                assert not leaks(response.content.decode()), url
    assert fetched > 20


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_no_export_shows_contact_details(
    proposals: dict[str, Proposal], tmp_path: Path, fmt: str
) -> None:
    call_command("export", "--format", fmt, "--output", str(tmp_path))
    files = [f for f in tmp_path.rglob("*") if f.is_file()]
    assert files
    assert any(f.name.startswith("partnerships") for f in files)
    for file in files:
        assert not leaks(file.read_text(encoding="utf-8", errors="replace")), file.name


def test_submitting_logs_no_contact_details(
    client: Client, plan_version: PlanVersion, caplog: pytest.LogCaptureFixture
) -> None:
    from .test_views import form_data

    with caplog.at_level(logging.DEBUG):
        client.post("/proposals/new/", form_data())
        client.post("/proposals/new/", form_data(email="not-an-email", phone=PHONE))
    assert Proposal.objects.count() == 1
    assert not leaks(caplog.text)


def test_error_reports_hide_the_posted_form(plan_version: PlanVersion) -> None:
    from django.test import RequestFactory
    from django.views.debug import SafeExceptionReporterFilter

    from actionplan.partnerships.views import proposal_new

    from .test_views import form_data

    # An invalid form, so the view answers without needing the messages middleware.
    request = RequestFactory().post("/proposals/new/", form_data(title=""))
    # The decorator marks the request as the view runs; an error report then masks the values.
    assert proposal_new(request).status_code == 400
    cleaned = SafeExceptionReporterFilter().get_post_parameters(request)
    assert cleaned["email"] != EMAIL and cleaned["contact_name"] != CONTACT_NAME
    assert cleaned["phone"] != PHONE


def test_purge_command(proposals: dict[str, Proposal]) -> None:
    import io

    out = io.StringIO()
    call_command("purge_personal_data", "--older-than-days", "0", stdout=out)
    assert "removed contact details from 2 closed proposal(s)" in out.getvalue()
    proposals["declined"].refresh_from_db()
    proposals["received"].refresh_from_db()
    assert proposals["declined"].email == ""
    assert proposals["received"].email == EMAIL
