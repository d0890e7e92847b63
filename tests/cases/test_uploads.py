"""Scans reach the disk only when the case commits: a refused application leaves no file behind."""

import hashlib

import pytest

from tests.cases.test_lifecycle import apply
from yibao.cases.models import CaseFile
from yibao.cases.services import InvalidApplication, Upload

pytestmark = pytest.mark.django_db

SCAN = b"%PDF-1.4\n% a scan only this test uploads\n" + b"0" * 4096


def stored_files(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file())


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_refused_application_leaves_no_file_on_disk(reimbursement, person, media,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidApplication, match="不是 PDF"):
        # The first scan is good and checked first; the second is refused, so the case is not created.
        apply(reimbursement, person, uploads={0: [Upload("票据.pdf", SCAN)], 1: [Upload("病毒.pdf", b"MZ\x90")]})

    assert stored_files(media) == []
    assert not CaseFile.objects.exists()


def test_a_committed_application_stores_its_scans_once(reimbursement, person, media,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = apply(reimbursement, person, uploads={0: [Upload("票据.pdf", SCAN)], 1: [Upload("又一份.pdf", SCAN)]})

    digest = hashlib.sha256(SCAN).hexdigest()
    assert stored_files(media) == [f"{digest}.pdf"]
    assert CaseFile.objects.filter(material__case=case).count() == 2
