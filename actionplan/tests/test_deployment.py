"""The production set-up: static files collected with the hashed-name manifest storage."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings

from actionplan.portal.tests.test_error_pages import nginx_error_pages

MANIFEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def test_collectstatic_succeeds_with_the_production_storage(tmp_path: Path) -> None:
    # The manifest storage follows every url() and source map reference in the CSS and fails on
    # one that points to a file that is not shipped.
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=MANIFEST_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text(encoding="utf-8"))
    paths = manifest["paths"]
    assert "portal/portal.css" in paths
    hashed = tmp_path / paths["portal/portal.css"]
    assert hashed.is_file() and (tmp_path / (paths["portal/portal.css"] + ".gz")).is_file()
    # nginx answers its own errors with these pages under their own names (no manifest there).
    for _, files in nginx_error_pages().values():
        for name in files.values():
            assert (tmp_path / name).is_file(), name
