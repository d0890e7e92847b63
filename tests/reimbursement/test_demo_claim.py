"""The demo's 零星报销 claim: filed once, complete, waiting for 受理 at 小店区."""

import pytest

from yibao.accounts.services import load_demo_accounts
from yibao.agencies.services import load_demo_agencies
from yibao.cases.models import Case, CaseMaterial
from yibao.enrollment.demo import load_demo_enrollment
from yibao.institutions.demo import load_demo_institutions
from yibao.reimbursement.demo import DEMO_BILL, load_demo_claims


@pytest.fixture
def demo_city(catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    load_demo_agencies(actor="demo")
    load_demo_accounts(actor="demo")
    load_demo_enrollment(actor="demo", city_persons=5, city_units=1)
    load_demo_institutions(actor="demo")


def test_the_demo_files_one_complete_claim_for_a_clerk_to_walk(demo_city):
    line = load_demo_claims(actor="demo")

    claims = [c for c in Case.objects.filter(applicant_id_number="140105198503122515")
              if DEMO_BILL in c.form_data.get("bill_numbers", ())]
    assert len(claims) == 1 and claims[0].number in line
    claim = claims[0]
    assert claim.status == "submitted" and claim.home_agency.code == "140105"
    # Every required scan is there: the clerk can accept without a one-time notice.
    required = CaseMaterial.objects.filter(case=claim, required=True)
    assert required.exists() and all(material.files.exists() for material in required)
    assert "已存在" in load_demo_claims(actor="demo")  # a second run adds nothing


def test_the_demo_claim_pays_something_when_handled_to_the_end(demo_city):
    from tests.reimbursement.conftest import handle_to_end
    from yibao.agencies.models import StaffMember
    from yibao.reimbursement.models import Claim

    load_demo_claims(actor="demo")
    case = Case.objects.get(applicant_id_number="140105198503122515", status="submitted")
    clerks = {role: StaffMember.objects.get(user__username=f"ty-xiaodian-{role.replace('_', '-')}")
              for role in ("accept", "review", "second_review", "pay")}
    handle_to_end(case, clerks)
    claim = Claim.objects.get(case=case)
    # Above the demo deductible: the walk-through shows a fund share, not just 0.00.
    assert claim.claimed_total == claim.fund_paid + claim.personal_paid
    assert claim.fund_paid > 0
