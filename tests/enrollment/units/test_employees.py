"""职工 items of a unit: 新参 / 续保 rows (表2), 停保, 在职转退休, 统筹区内转移, 重复参保, Changzhi's one item."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.enrollment.units.conftest import apply, current_item, row, run_through
from yibao.audit.models import AuditEntry
from yibao.cases.models import CaseStatus
from yibao.cases.services import InvalidApplication, MoveNotAllowed, accept_case, advance_case
from yibao.enrollment.models import (
    BaseDeclaration,
    InsurancePeriod,
    InsuranceStatus,
    Person,
    PersonalAccount,
    PersonCategory,
)
from yibao.enrollment.services.employees import (
    KEEP_EMPLOYEE,
    RowsRefused,
    enroll_employees,
    parse_rows_text,
    suspend_employees,
)
from yibao.ids import make_resident_id

pytestmark = pytest.mark.django_db

NEW_ID = make_resident_id("14010519900315202")   # 女, 1990-03-15
NEW_ID2 = make_resident_id("14010519850720301")  # 男, 1985-07-20


def periods(person, **filters):
    return InsurancePeriod.objects.filter(person=person, **filters)


# --- 新参 -----------------------------------------------------------------------------------------

def test_new_employees_are_enrolled_at_completion_with_maternity_where_the_unit_insures_it(units, staff):
    unit = units["coal"]
    case = apply(current_item("taiyuan", "employee-enrollment-new"), applicant=unit, form_data={
        "persons": [row(NEW_ID, "刘芳", base="5200.50"), row(NEW_ID2, "陈刚", start="2026-03-10")]})
    assert not Person.objects.filter(id_number=NEW_ID).exists()  # nothing before 办结
    case = run_through(case, staff["xiaodian"])
    assert case.status == CaseStatus.COMPLETED
    liu = Person.objects.get(id_number=NEW_ID)
    assert (liu.name, liu.sex, liu.birth_date, liu.home_agency) == (
        "刘芳", "2", datetime.date(1990, 3, 15), unit.home_agency)
    assert set(periods(liu).values_list("insurance_type", "status", "unit", "start_date", "category")) == {
        ("310", "1", unit.pk, datetime.date(2026, 3, 1), PersonCategory.EMPLOYED),
        ("510", "1", unit.pk, datetime.date(2026, 3, 1), PersonCategory.EMPLOYED)}
    assert periods(liu).first().started_by_case == case.number
    assert PersonalAccount.objects.filter(person=liu).exists()
    assert BaseDeclaration.objects.get(person=liu, unit=unit, year=2026).base == Decimal("5200.50")
    assert periods(Person.objects.get(id_number=NEW_ID2), insurance_type="310").get().start_date == \
        datetime.date(2026, 3, 10)


def test_completing_a_new_employee_writes_its_audit_rows_in_one_statement_and_locks_only_the_unit(units, staff):
    case = apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"],
                 form_data={"persons": [row(NEW_ID, "刘芳")]})
    case = accept_case(case=case, staff=staff["xiaodian"]["accept"])
    case = advance_case(case=case, staff=staff["xiaodian"]["review"], action="review", opinion="同意")
    with CaptureQueriesContext(connection) as captured:
        case = advance_case(case=case, staff=staff["xiaodian"]["review"], action="complete", opinion="同意")
    statements = [q["sql"] for q in captured.captured_queries]
    assert sum(1 for sql in statements if sql.startswith('INSERT INTO "audit_auditentry"')) == 1
    assert set(AuditEntry.objects.filter(after__case=case.number).values_list("action", flat=True)) == {
        "enrollment.person.create", "enrollment.period.start", "enrollment.employees.enroll"}
    assert AuditEntry.objects.filter(action="case.complete", object_id=case.number).exists()
    locks = [sql for sql in statements if "FOR UPDATE" in sql]
    if connection.vendor == "postgresql":  # SQLite has no row locks: its writers take the database in turn
        # Only the unit's row: not the region's or the agency's it is read with.
        assert locks and all('FOR UPDATE OF "enrollment_unit"' in sql for sql in locks), locks


def test_a_unit_without_maternity_insurance_opens_310_only(units, staff):
    case = apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["machinery"],
                 form_data={"persons": [row(NEW_ID, "刘芳")]})
    run_through(case, staff["xiaodian"])
    assert list(periods(Person.objects.get(id_number=NEW_ID)).values_list("insurance_type", flat=True)) == ["310"]


def test_every_bad_row_is_reported_at_once_with_its_row_number_and_nothing_applies(units):
    rows = [row(NEW_ID, "刘芳"),
            row(NEW_ID2[:-1] + ("0" if NEW_ID2[-1] != "0" else "1"), "陈刚"),  # wrong check digit
            row(make_resident_id("14010519700101101"), "", base="5000"),
            row(make_resident_id("14010519700101201"), "王五", base="-1"),
            row(make_resident_id("14010519700101301"), "赵六", start="2026-02-30"),
            row(NEW_ID, "刘芳")]
    with pytest.raises(InvalidApplication) as refused:
        apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"], form_data={"persons": rows})
    message = str(refused.value)
    assert not any(part.startswith("第 1 行") for part in message.split("；"))
    assert "第 2 行 证件号码：" in message and "校验位" in message
    assert "第 3 行 姓名：必填" in message
    assert "第 4 行 月缴费基数：-1 超出范围" in message
    assert "第 5 行 参保日期：「2026-02-30」不是有效日期" in message
    assert "第 6 行 证件号码：与第 1 行重复" in message
    assert not Person.objects.exists()


def test_the_service_applies_nothing_when_one_row_is_bad(units):
    with pytest.raises(RowsRefused, match="第 2 行 性别：与证件号码不符"):
        enroll_employees(unit=units["coal"], actor="clerk",
                         rows=[{**row(NEW_ID, "刘芳"), "line": 1}, {**row(NEW_ID2, "陈刚"), "sex": "女", "line": 2}])
    assert not Person.objects.exists()


def test_pasted_text_rows_are_parsed_by_tabs_or_commas_and_errors_name_the_line(units, staff):
    text = (f"01\t{NEW_ID}\t刘芳\t女\t1990-03-15\t2026-03-01\t5000\t在职\n"
            "\n"
            f"居民身份证，{NEW_ID2}，陈刚，，，2026/3/1，4800\n")
    rows = parse_rows_text(text)
    assert [r["line"] for r in rows] == [1, 3] and rows[1]["name"] == "陈刚" and rows[1]["base"] == "4800"
    case = apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"],
                 form_data={"persons": text})
    assert [p["line"] for p in case.form_data["persons"]] == [1, 3]
    run_through(case, staff["xiaodian"])
    assert Person.objects.get(id_number=NEW_ID2).sex == "1"
    bad = f"01,{NEW_ID},刘芳\n01,123,某人,男,1990-01-01,2026-03-01,5000\n1,2,3,4,5,6,7,8,9,10"
    with pytest.raises(InvalidApplication) as refused:
        apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"], form_data={"persons": bad})
    message = str(refused.value)
    assert "第 1 行 参保日期：必填" in message and "第 2 行 证件号码：" in message and "第 3 行 列数过多" in message


def test_a_person_still_insured_at_another_unit_is_refused(units, make_person):
    worker = make_person(at=units["machinery"])
    with pytest.raises(InvalidApplication,
                       match=f"第 1 行 证件号码：{worker.name} 仍在「太原示例机械有限公司」参保，请原单位先办理停保"):
        apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"],
              form_data={"persons": [row(worker)]})


def test_a_person_already_insured_here_is_refused(units, make_person):
    worker = make_person(at=units["coal"])
    with pytest.raises(InvalidApplication, match=f"{worker.name} 已在本单位参保"):
        apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"],
              form_data={"persons": [row(worker)]})


def test_a_name_that_differs_from_the_record_is_refused(units, make_person):
    person = make_person()
    with pytest.raises(InvalidApplication, match=f"第 1 行 姓名：「张冒名」与参保记录的姓名「{person.name}」不符"):
        apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"],
              form_data={"persons": [row(person, "张冒名")]})


def test_an_unregistered_unit_cannot_enroll_employees(units):
    units["coal"].delete()
    with pytest.raises(InvalidApplication, match="未在太原市登记参保"):
        apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"],
              form_data={"persons": [row(NEW_ID, "刘芳")]})


# --- 统筹区内转移 ----------------------------------------------------------------------------------

def test_transfer_within_the_region_after_the_old_unit_stopped(units, make_person, staff):
    worker = make_person(at=units["machinery"])
    transfer_row = row(worker, start="2026-03-16", transfer="是")
    with pytest.raises(InvalidApplication, match="仍在「太原示例机械有限公司」参保，请原单位先办理停保"):
        apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"],
              form_data={"persons": [transfer_row]})
    suspend_employees(unit=units["machinery"], rows=[row(worker)], reason="调出", on=datetime.date(2026, 3, 15),
                      actor="clerk")
    with pytest.raises(InvalidApplication, match="参保日期：2026-03-15 不晚于原单位「太原示例机械有限公司」的停保日期"):
        apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"],
              form_data={"persons": [{**transfer_row, "start_date": "2026-03-15"}]})
    run_through(apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"],
                      form_data={"persons": [transfer_row]}), staff["xiaodian"])
    assert periods(worker, status="1", insurance_type="310").get().unit == units["coal"]


def test_transfer_marker_without_an_earlier_period_in_the_region_is_refused(units):
    with pytest.raises(InvalidApplication, match="第 1 行 统筹区内转移：在本统筹区没有职工医保参保记录"):
        apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"],
              form_data={"persons": [row(NEW_ID, "刘芳", transfer="是")]})


# --- 重复参保 ----------------------------------------------------------------------------------------

def test_duplicate_insurance_is_refused_at_submission(units, make_person):
    resident = make_person(insurance_types=("390",))
    with pytest.raises(InvalidApplication, match=f"第 1 行 重复参保：{resident.name} 正在参加城乡居民基本医疗保险"):
        apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"],
              form_data={"persons": [row(resident)]})


def test_duplicate_resolution_stops_the_resident_period_the_day_before(units, make_person, staff):
    resident = make_person(insurance_types=("390",))
    case = apply(current_item("taiyuan", "employee-enrollment-new"), applicant=units["coal"],
                 form_data={"persons": [row(resident, start="2026-03-16")], "duplicate_resolution": KEEP_EMPLOYEE})
    run_through(case, staff["xiaodian"])
    old = periods(resident, insurance_type="390").get()
    assert old.status == InsuranceStatus.SUSPENDED and old.end_date == datetime.date(2026, 3, 15)
    assert old.stop_reason.startswith("重复参保处理：保留职工医保")
    assert periods(resident, insurance_type="310", status="1").exists()


# --- 续保 ------------------------------------------------------------------------------------------

def test_resume_needs_an_earlier_employee_period(units, make_person, staff):
    item = current_item("taiyuan", "employee-enrollment-resume")
    with pytest.raises(InvalidApplication, match="第 1 行 证件号码：没有职工医保参保记录，不能续保"):
        apply(item, applicant=units["coal"], form_data={"persons": [row(NEW_ID, "刘芳")]})
    worker = make_person(at=units["coal"])
    suspend_employees(unit=units["coal"], rows=[row(worker)], reason="解除劳动关系",
                      on=datetime.date(2026, 1, 31), actor="clerk")
    run_through(apply(item, applicant=units["coal"], form_data={"persons": [row(worker)]}), staff["xiaodian"])
    assert periods(worker, insurance_type="310", status="1").get().start_date == datetime.date(2026, 3, 1)


# --- 停保 ------------------------------------------------------------------------------------------

def test_suspension_uses_the_situation_as_reason(units, make_person, staff):
    worker = make_person(at=units["coal"], insurance_types=("310", "510"))
    case = apply(current_item("taiyuan", "employee-enrollment-suspend"), applicant=units["coal"],
                 situations=("解除劳动关系",), form_data={"persons": [row(worker)], "stop_date": "2026-03-10"})
    run_through(case, staff["xiaodian"])
    assert set(periods(worker).values_list("insurance_type", "status", "end_date", "stop_reason")) == {
        ("310", "2", datetime.date(2026, 3, 10), "解除劳动关系"), ("510", "2", datetime.date(2026, 3, 10), "解除劳动关系")}


def test_death_terminates_and_records_the_death_date(units, make_person, staff):
    worker = make_person(at=units["coal"])
    case = apply(current_item("taiyuan", "employee-enrollment-suspend"), applicant=units["coal"],
                 situations=("死亡",), form_data={"persons": [row(worker)], "stop_date": "2026-03-02"})
    run_through(case, staff["xiaodian"])
    worker.refresh_from_db()
    assert worker.death_date == datetime.date(2026, 3, 2)
    assert periods(worker).get().status == InsuranceStatus.TERMINATED


def test_suspended_person_cannot_be_suspended_again(units, make_person):
    worker = make_person(at=units["coal"])
    suspend_employees(unit=units["coal"], rows=[row(worker)], reason="调出", on=datetime.date(2026, 3, 1),
                      actor="clerk")
    with pytest.raises(InvalidApplication, match=f"第 1 行 {worker.name} 的职工基本医疗保险当前为「暂停参保」，不能重复停保"):
        apply(current_item("taiyuan", "employee-enrollment-suspend"), applicant=units["coal"],
              situations=("调出",), form_data={"persons": [row(worker)]})


def test_a_unit_cannot_stop_a_strangers_employee(units, make_person):
    stranger = make_person(at=units["machinery"])
    with pytest.raises(InvalidApplication, match=f"第 1 行 证件号码：{stranger.id_number} 不是本单位的参保人员"):
        apply(current_item("taiyuan", "employee-enrollment-suspend"), applicant=units["coal"],
              situations=("调出",), form_data={"persons": [row(stranger)]})
    assert periods(stranger).get().status == InsuranceStatus.INSURED


def test_a_stop_reason_other_than_the_situation_is_refused(units, make_person):
    worker = make_person(at=units["coal"])
    with pytest.raises(InvalidApplication, match="字段 停保原因：「死亡」与办理情形「调出」不一致"):
        apply(current_item("taiyuan", "employee-enrollment-suspend"), applicant=units["coal"],
              situations=("调出",), form_data={"persons": [row(worker)], "stop_reason": "死亡"})


def test_a_suspension_without_reason_is_refused(units, make_person):
    worker = make_person(at=units["coal"])
    with pytest.raises(InvalidApplication, match="字段 停保原因：必填"):
        apply(current_item("taiyuan", "employee-enrollment-suspend"), applicant=units["coal"],
              form_data={"persons": [row(worker)]})


# --- 在职转退休 ------------------------------------------------------------------------------------

def test_retirement_is_reviewed_by_a_second_person_and_starts_a_retired_period(units, make_person, staff):
    worker = make_person(at=units["coal"], insurance_types=("310", "510"))
    case = apply(current_item("taiyuan", "employee-enrollment-retire"), applicant=units["coal"],
                 form_data={"persons": [row(worker)], "retire_date": "2026-04-01"})
    clerk = staff["xiaodian"]["accept_review"]
    case = accept_case(case=case, staff=clerk)
    with pytest.raises(MoveNotAllowed, match="本事项须两人办理"):
        advance_case(case=case, staff=clerk, action="review")
    case = advance_case(case=case, staff=staff["xiaodian"]["review"], action="review")
    advance_case(case=case, staff=staff["xiaodian"]["review"], action="complete")
    assert set(periods(worker).values_list("insurance_type", "status", "category", "start_date", "end_date")) == {
        ("310", "4", "employed", datetime.date(2021, 1, 1), datetime.date(2026, 3, 31)),
        ("510", "4", "employed", datetime.date(2021, 1, 1), datetime.date(2026, 3, 31)),
        ("310", "1", "retired", datetime.date(2026, 4, 1), None)}


def test_a_retired_person_cannot_retire_again(units, make_person):
    retired = make_person(at=units["coal"], category=PersonCategory.RETIRED)
    with pytest.raises(InvalidApplication, match="当前人员类别为「退休人员」，不能转退休"):
        apply(current_item("taiyuan", "employee-enrollment-retire"), applicant=units["coal"],
              form_data={"persons": [row(retired)]})


# --- 长治 职工参保登记: the situation picks the action --------------------------------------------------

def test_changzhi_one_item_adds_stops_and_retires_by_situation(units, make_person, staff):
    unit, item, clerks = units["changzhi"], current_item("changzhi", "employee-enrollment"), staff["changzhi"]
    run_through(apply(item, applicant=unit, situations=("新增",), form_data={"persons": [row(NEW_ID, "刘芳")]}),
                clerks)
    liu = Person.objects.get(id_number=NEW_ID)
    assert periods(liu, status="1").get().unit == unit
    with pytest.raises(InvalidApplication, match="字段 停保原因：「死亡」不属于暂停，可选：解除劳动关系"):
        apply(item, applicant=unit, situations=("暂停",), form_data={"persons": [row(liu)], "stop_reason": "死亡"})
    run_through(apply(item, applicant=unit, situations=("暂停",),
                      form_data={"persons": [row(liu)], "stop_reason": "解除劳动关系"}), clerks)
    assert periods(liu).get().status == InsuranceStatus.SUSPENDED
    run_through(apply(item, applicant=unit, situations=("恢复",), form_data={"persons": [row(liu, start="2026-03-16")]}),
                clerks)
    run_through(apply(item, applicant=unit, situations=("在职转退休",),
                      form_data={"persons": [row(liu)], "retire_date": "2026-04-01"}), clerks)
    assert periods(liu, status="1").get().category == PersonCategory.RETIRED
    run_through(apply(item, applicant=unit, situations=("终止",), form_data={
        "persons": [row(liu)], "stop_reason": "死亡", "stop_date": "2026-05-01"}), clerks)
    liu.refresh_from_db()
    assert liu.death_date == datetime.date(2026, 5, 1) and not periods(liu, status="1").exists()


def test_changzhi_item_needs_exactly_one_situation(units):
    with pytest.raises(InvalidApplication, match="字段 办理情形：请选择一种业务类型"):
        apply(current_item("changzhi", "employee-enrollment"), applicant=units["changzhi"],
              situations=("新增", "暂停"), form_data={"persons": [row(NEW_ID, "刘芳")]})


# --- hall and console: the rows textarea -------------------------------------------------------------

def test_the_hall_shows_a_textarea_with_the_column_order_and_files_the_rows(client, units, agencies):
    from tests.factories import UnitAccountFactory
    from yibao.cases.models import Case

    account = UnitAccountFactory(uscc=units["coal"].uscc, name=units["coal"].name)
    client.force_login(account.user)
    url = "/hall/apply/taiyuan/employee-enrollment-new/"
    page = client.get(url).content.decode()
    assert '<textarea id="field_persons" name="field_persons"' in page and "列顺序：证件类型、证件号码、姓名" in page
    response = client.post(url, {"applicant_phone": "0351-2345678",
                                 "field_persons": f"01\t{NEW_ID}\t刘芳\t\t\t2026-03-01\t5000\n01\t123\t某人"})
    assert response.status_code == 400 and "第 2 行 证件号码：" in response.content.decode()
    response = client.post(url, {"applicant_phone": "0351-2345678",
                                 "field_persons": f"01\t{NEW_ID}\t刘芳\t\t\t2026-03-01\t5000\n"})
    assert response.status_code == 302
    assert Case.objects.get().form_data["persons"][0]["id_number"] == NEW_ID


def test_the_console_entry_form_shows_a_textarea_for_the_rows(client, staff, units):
    client.force_login(staff["taiyuan"]["accept"].user)
    html = client.get("/console/new/checklist/?item=employee-enrollment-new&applicant_kind=unit").content.decode()
    assert '<textarea name="field_persons"' in html


def test_a_clerk_enters_pasted_rows_at_the_window_and_a_bad_line_is_named(client, staff, units):
    from yibao.cases.models import Case

    client.force_login(staff["taiyuan"]["accept"].user)
    data = {"item": "employee-enrollment-new", "applicant_kind": "unit", "applicant_id_number": units["coal"].uscc,
            "applicant_name": units["coal"].name, "applicant_phone": "0351-2345678"}
    response = client.post("/console/new/", {**data, "field_persons": f"01,{NEW_ID},刘芳,,,2026-03-01,5000\n01,1,某人"})
    assert response.status_code == 400 and "第 2 行 证件号码：" in response.content.decode()
    assert not Case.objects.exists()
    response = client.post("/console/new/", {**data, "field_persons": f"01,{NEW_ID},刘芳,,,2026-03-01,5000\n"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == "window" and case.form_data["persons"][0]["name"] == "刘芳"
