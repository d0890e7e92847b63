"""An institution declares its month: batches by API are idempotent, and every bad record is
named with its row and reason (unknown person, not insured, not designated, duplicate, split)."""

import datetime
from decimal import Decimal

import pytest

from tests.settlement.conftest import MONTH, make_institution, make_person, record
from yibao.settlement import services
from yibao.settlement.errors import DeclarationConflict, InvalidDeclaration, NotYourDeclaration
from yibao.settlement.models import DeclarationStatus, SettlementRecord


@pytest.fixture
def draft(hospital):
    return services.open_declaration(actor="hospital", institution_code=hospital.national_code, month=MONTH)


def add(hospital, draft, records):
    return services.add_records(actor="hospital", institution_code=hospital.national_code, declaration=draft,
                                records=records)


def test_a_batch_sent_twice_is_stored_once(hospital, draft, employee):
    first = add(hospital, draft, [record("JS001", employee), record("JS002", employee, day="2026-11-11")])
    again = add(hospital, draft, [record("JS001", employee), record("JS002", employee, day="2026-11-11")])
    assert (first.accepted, first.repeated) == (2, 0)
    assert (again.accepted, again.repeated, again.problems) == (0, 2, [])
    assert SettlementRecord.objects.filter(declaration=draft).count() == 2


def test_a_settlement_id_sent_again_with_other_amounts_is_refused_not_overwritten(hospital, draft, employee):
    add(hospital, draft, [record("JS001", employee)])
    report = add(hospital, draft, [record("JS001", employee, total="999.00", pooled="500.00")])
    assert report.lines == ["第 1 行 结算编号：JS001 已申报且内容不同，不能覆盖（更正请联系经办机构）"]
    assert SettlementRecord.objects.get(settlement_id="JS001").total == Decimal("1000.00")


def test_malformed_fields_are_named_with_their_row_and_the_good_rows_kept(hospital, draft, employee):
    report = add(hospital, draft, [
        record("JS001", employee),
        record("JS002", employee, medical_aid="0.001"),
        record("JS003", "140105198001011234", begin_date="2026-13-01"),
        record("JS001", employee),
    ])
    assert report.accepted == 1
    assert report.lines == [
        "第 2 行 医疗救助：金额最多两位小数（精确到分）",
        "第 3 行 公民身份号码：校验位不正确；就诊（入院）日期：须为 YYYY-MM-DD 格式的日期",
        "第 4 行 结算编号：JS001 与第 1 行重复",
    ]


def test_validation_reports_every_bad_record_with_row_and_reason(agency, hospital, draft, employee, resident):
    stopped = make_person(agency, 7, start=datetime.date(2020, 1, 1), end=datetime.date(2026, 10, 31))
    other_hospital = make_institution(agency, code="H14010500002")
    other = services.open_declaration(actor="h2", institution_code=other_hospital.national_code, month=MONTH)
    services.add_records(actor="h2", institution_code=other_hospital.national_code, declaration=other,
                         records=[record("JS-TAKEN", employee)])
    services.declare(actor="h2", institution_code=other_hospital.national_code, declaration=other)
    unknown = "110101199001011237"
    add(hospital, draft, [
        record("JS001", employee),
        record("JS002", unknown),
        record("JS003", stopped),
        record("JS-TAKEN", employee),
        record("JS005", employee, fund_total="601.00"),
        record("JS006", resident),  # a resident's settlement declared as 职工 (310)
        record("JS007", employee, begin_date="2026-10-30", end_date="2026-10-31"),
    ])
    problems = services.validate(declaration=draft)
    assert problems == [
        (2, "非参保人员：公民身份号码在本统筹区参保登记中不存在"),
        (3, "非参保期间：就诊日该人员未参加该险种"),
        (4, "重复结算：该结算编号已在其他月份或其他机构的申报中"),
        (5, "金额不平：医疗费总额 ≠ 基金支付总额 + 个人负担总金额（须精确到分）"),
        (6, "非参保期间：就诊日该人员未参加该险种"),
        (7, "非本月结算：结算（出院）日期不在 2026年11月 内"),
    ]


def test_a_care_day_outside_the_designation_period_is_flagged(agency, employee):
    late = make_institution(agency, code="H14010500003", start=datetime.date(2026, 11, 15))
    draft = services.open_declaration(actor="h", institution_code=late.national_code, month=MONTH)
    services.add_records(actor="h", institution_code=late.national_code, declaration=draft, records=[
        record("JS001", employee, day="2026-11-14"), record("JS002", employee, day="2026-11-15")])
    assert services.validate(declaration=draft) == [(1, "非定点期间：就诊日本机构不在定点协议有效期内")]


def test_a_fund_split_off_by_one_fen_is_caught(hospital, draft, employee):
    add(hospital, draft, [record("JS001", employee, personal_total="400.01", cash_pay="300.01")])
    assert services.validate(declaration=draft) == [
        (1, "金额不平：医疗费总额 ≠ 基金支付总额 + 个人负担总金额（须精确到分）")]


def test_the_current_month_cannot_be_declared(hospital):
    with pytest.raises(InvalidDeclaration, match="只能申报已结束的月份"):
        services.open_declaration(actor="h", institution_code=hospital.national_code, month="2026-12")
    with pytest.raises(InvalidDeclaration, match="结算月份"):
        services.open_declaration(actor="h", institution_code=hospital.national_code, month="2026-1x")


def test_an_institution_cannot_add_to_another_institutions_month(agency, draft, employee):
    other = make_institution(agency, code="H14010500009")
    with pytest.raises(NotYourDeclaration):
        services.add_records(actor="x", institution_code=other.national_code, declaration=draft,
                             records=[record("JS001", employee)])


def test_declaring_sets_the_thirty_working_day_deadline_and_closes_the_month(hospital, declared, employee):
    assert declared.status == DeclarationStatus.DECLARED
    assert declared.declared_on == datetime.date(2026, 12, 4)
    # 30 working days after 2026-12-04 (2027's holidays are not entered yet: weekends only).
    assert declared.due_date == datetime.date(2027, 1, 15)
    with pytest.raises(DeclarationConflict, match="已申报"):
        add(hospital, declared, [record("JS009", employee)])
    again = services.declare(actor="hospital", institution_code=hospital.national_code, declaration=declared)
    assert again.version == declared.version
