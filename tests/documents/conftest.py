"""Hall personas: reuse the case engine's Jincheng agencies, clerks and applicant."""

import pytest

from tests.cases.conftest import *  # noqa: F401,F403


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    # Uploaded scans go to a throw-away folder, not the developer's media root.
    settings.MEDIA_ROOT = tmp_path / "media"
