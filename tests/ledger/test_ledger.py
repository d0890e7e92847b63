"""台账: counts per (agency, item) on an arranged set of cases across two agencies, scope, Excel."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.cases.conftest import current_item
from tests.evaluations.conftest import apply, complete
from tests.factories import PersonAccountFactory, UserFactory
from yibao.agencies.selectors import staff_of
from yibao.cases.models import Case
from yibao.cases.services import accept_case, refuse_case, withdraw_case
from yibao.evaluations.services import rate_case
from yibao.ids import make_resident_id
from yibao.ledger.selectors import InvalidPeriod, LedgerForbidden, ledger_rows

pytestmark = pytest.mark.django_db

REIMB = "基本医疗保险参保人员住院医疗费用手工报销"
CHRONIC = "基本医疗保险参保人员慢性病、特药医疗费报销"
ZEZHOU, GAOPING = "泽州县医疗保障服务中心", "高平市医疗保障服务中心"


@pytest.fixture
def arranged(reimbursement, person, staff, windows):
    """Cases submitted today across 泽州 (home of ``person``) and 高平 (home of ``neighbour``)."""
    today = timezone.localdate()
    neighbour = PersonAccountFactory(id_number=make_resident_id("14058119850101123"), name="王强")
    # 泽州, 住院报销
    z1 = complete(apply(reimbursement, person), staff, at="zezhou")  # on time
    rate_case(case=z1, user=person.user, level=1)
    z2 = complete(apply(reimbursement, person), staff, at="gaoping", window=windows["gaoping"])  # 通办, late
    Case.objects.filter(pk=z2.pk).update(due_date=today - datetime.timedelta(days=1))
    rate_case(case=z2, user=person.user, level=5, comment="办结超期")
    refuse_case(case=apply(reimbursement, person), staff=staff["zezhou"]["accept"], reason="不属于报销范围")
    withdraw_case(case=apply(reimbursement, person), user=person.user)
    z5 = accept_case(case=apply(reimbursement, person), staff=staff["zezhou"]["accept"])  # open, overdue
    Case.objects.filter(pk=z5.pk).update(due_date=today - datetime.timedelta(days=1))
    old = apply(reimbursement, person)  # submitted before the period: not counted
    Case.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=40))
    # 泽州, 慢特病报销: only submitted
    apply(current_item("jincheng", "chronic-special-drug-reimbursement"), person, positions=(),
          situation={"situations": ["特药"]})
    # 高平, 住院报销
    accept_case(case=apply(reimbursement, neighbour), staff=staff["gaoping"]["accept"])  # open, in time
    g2 = complete(apply(reimbursement, neighbour), staff, at="zezhou")  # 通办 at 泽州, on time
    rate_case(case=g2, user=neighbour.user, level=2)
    return today


def table(rows):
    return {(r.agency_name, r.item_name): r for r in rows}


def test_counts_per_agency_and_item(arranged, staff):
    rows = ledger_rows(staff=staff["city"]["supervise"], start=arranged, end=arranged)
    assert [(r.agency_name, r.item_name) for r in rows] == [
        (ZEZHOU, REIMB), (ZEZHOU, CHRONIC), (GAOPING, REIMB), ("合计", "")]
    z = table(rows)[ZEZHOU, REIMB]
    assert (z.submitted, z.accepted, z.refused, z.withdrawn, z.completed, z.completed_on_time, z.overdue) == (
        5, 3, 1, 1, 2, 1, 2)
    assert z.on_time_rate == Decimal("0.5000")
    assert (z.tongban_accepted, z.tongban_in) == (1, 1)
    assert (z.evaluations, z.satisfaction_rate, z.bad_review_rate) == (2, Decimal("0.5000"), Decimal("0.5000"))
    c = table(rows)[ZEZHOU, CHRONIC]
    assert (c.submitted, c.accepted, c.completed, c.on_time_rate, c.satisfaction_rate) == (1, 0, 0, None, None)
    g = table(rows)[GAOPING, REIMB]
    assert (g.submitted, g.accepted, g.completed, g.overdue, g.on_time_rate) == (2, 2, 1, 0, Decimal("1.0000"))
    assert (g.tongban_accepted, g.tongban_in, g.evaluations, g.satisfaction_rate) == (1, 1, 1, Decimal("1.0000"))
    total = rows[-1]
    assert total.is_total
    assert (total.submitted, total.accepted, total.refused, total.withdrawn, total.completed, total.overdue) == (
        8, 5, 1, 1, 3, 2)
    assert (total.tongban_accepted, total.tongban_in, total.evaluations, total.bad_reviews) == (2, 2, 3, 1)
    assert total.on_time_rate == Decimal("0.6667") and total.satisfaction_rate == Decimal("0.6667")


def test_the_period_is_by_submission_day_in_shanghai(arranged, staff):
    rows = ledger_rows(staff=staff["city"]["supervise"], start=arranged - datetime.timedelta(days=45),
                       end=arranged - datetime.timedelta(days=1))
    assert rows[-1].submitted == 1 and rows[0].agency_name == ZEZHOU


def test_a_county_supervisor_sees_only_their_agency(arranged, staff):
    rows = ledger_rows(staff=staff["gaoping"]["supervise"], start=arranged, end=arranged)
    assert [(r.agency_name, r.item_name) for r in rows] == [(GAOPING, REIMB), ("合计", "")]
    assert rows[-1].submitted == 2 and rows[-1].tongban_accepted == 1


def test_the_city_supervisor_and_a_superuser_see_the_whole_region(arranged, staff):
    city = ledger_rows(staff=staff["city"]["supervise"], start=arranged, end=arranged)
    unscoped = ledger_rows(staff=None, start=arranged, end=arranged, region="jincheng")
    assert [r.as_dict() for r in city] == [r.as_dict() for r in unscoped]
    assert ledger_rows(staff=None, start=arranged, end=arranged, region="taiyuan")[-1].submitted == 0


def test_other_clerks_and_other_regions_are_refused(arranged, staff):
    with pytest.raises(LedgerForbidden, match="只有科长或管理员"):
        ledger_rows(staff=staff["zezhou"]["review"], start=arranged, end=arranged)
    with pytest.raises(LedgerForbidden, match="无权查看太原市的台账"):
        ledger_rows(staff=staff["city"]["supervise"], start=arranged, end=arranged, region="taiyuan")
    with pytest.raises(InvalidPeriod, match="字段 结束日期："):
        ledger_rows(staff=staff["city"]["supervise"], start=arranged, end=arranged - datetime.timedelta(days=1))


def test_the_ledger_is_a_fixed_number_of_queries(arranged, staff, django_assert_max_num_queries):
    boss = staff_of(staff["city"]["supervise"].user)
    with django_assert_max_num_queries(2):
        ledger_rows(staff=boss, start=arranged, end=arranged)


# --- pages -----------------------------------------------------------------------------------

def test_the_ledger_page_defaults_to_this_month(client, arranged, staff):
    client.force_login(staff["zezhou"]["supervise"].user)
    response = client.get(reverse("ledger:index"))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{arranged.replace(day=1).isoformat()}"' in page and f'value="{arranged.isoformat()}"' in page
    assert CHRONIC in page and GAOPING not in page and "50.00%" in page
    assert reverse("ledger:export") in page


@pytest.mark.parametrize("url", ["ledger:index", "ledger:export"])
def test_bad_dates_are_refused_with_the_field_named(client, staff, url):
    client.force_login(staff["city"]["supervise"].user)
    response = client.get(reverse(url), {"start": "2026-13-01", "end": "2026-11-30"})
    assert response.status_code == 400 and "字段 开始日期：日期格式应为 YYYY-MM-DD" in response.content.decode()
    response = client.get(reverse(url), {"start": "2026-11-01", "end": "30.11.2026"})
    assert response.status_code == 400 and "字段 结束日期：日期格式应为 YYYY-MM-DD" in response.content.decode()


@pytest.mark.parametrize("url", ["ledger:index", "ledger:export"])
def test_the_ledger_is_refused_to_clerks_and_applicants(client, staff, person, url):
    client.force_login(staff["zezhou"]["accept"].user)
    assert client.get(reverse(url)).status_code == 403
    client.force_login(person.user)
    assert client.get(reverse(url)).status_code == 403
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse(url)).status_code == 200


def test_the_excel_export_cell_by_cell(client, arranged, staff):
    client.force_login(staff["city"]["supervise"].user)
    day = arranged.isoformat()
    response = client.get(reverse("ledger:export"), {"start": day, "end": day})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(response.content)).active
    title = ws["A1"].value
    assert f"统计期间：{day} 至 {day}" in title and "生成时间：" in title and "晋城市" in title
    assert [c.value for c in ws[2]] == [
        "经办机构", "机构代码", "事项编码", "事项名称", "申请件数", "受理件数", "不予受理", "撤回", "办结件数",
        "按时办结", "超期件数", "按时办结率", "通办受理", "通办转入", "评价数", "满意率", "差评率"]
    assert ws.freeze_panes == "A3"
    zezhou = [c.value for c in ws[3]]
    assert zezhou[0:2] == [ZEZHOU, "140525"] and zezhou[3] == REIMB
    assert zezhou[4:11] == [5, 3, 1, 1, 2, 1, 2]
    assert zezhou[11] == 0.5 and ws.cell(row=3, column=12).number_format == "0.00%"
    assert zezhou[12:] == [1, 1, 2, 0.5, 0.5]
    chronic = [c.value for c in ws[4]]
    assert chronic[3] == CHRONIC and chronic[4] == 1 and chronic[11] is None and chronic[15] is None
    gaoping = [c.value for c in ws[5]]
    assert gaoping[0] == GAOPING and gaoping[4:11] == [2, 2, 0, 0, 1, 1, 0] and gaoping[11] == 1
    total = [c.value for c in ws[6]]
    assert total[0] == "合计" and total[4:11] == [8, 5, 1, 1, 3, 2, 2]
    assert total[11] == pytest.approx(0.6667) and ws.cell(row=6, column=1).font.b
    assert ws.cell(row=6, column=16).number_format == "0.00%" and ws.max_row == 6
