"""参保资助 as a yearly programme: import (every bad row reported), submit, approve, pay once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.medical_aid.conftest import row, workbook
from yibao.ids import make_resident_id
from yibao.medical_aid.models import AidProgramme, AidRecipient, ProgrammeStatus, Treatment
from yibao.medical_aid.services import (
    AidError,
    AidRefused,
    ProgrammeBusy,
    approve_programme,
    create_programme,
    import_recipients,
    pay_programme,
    submit_programme,
)
from yibao.payments.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(regions):
    return create_programme(region=regions["taiyuan"], year=2026, actor="ty-importer")


def approved(programme, content):
    import_recipients(programme=programme, content=content, actor="ty-importer")
    submit_programme(programme=programme, actor="ty-importer")
    return approve_programme(programme=programme, actor="ty-approver")


def test_a_full_payer_is_refunded_through_the_ledger_and_the_others_have_it_credited(programme, resident):
    paid = resident(name="王救助", paid_in_full=True)
    unpaid = resident(name="李低保", paid_in_full=False)
    poorest = resident(name="赵特困", paid_in_full=None)
    stranger = make_resident_id("14010519900101123")
    content = workbook([row(paid, "低保对象"), row(unpaid, "监测对象"), row(poorest, "特困人员/孤儿"),
                        (stranger, "外地人", "低保对象", "2026-01-01", "2026-12-31", "", "")])
    approved(programme, content)
    result = pay_programme(programme=programme, actor="ty-payer")

    assert (result.refunded, result.credited, result.not_insured, result.waiting) == (1, 2, 1, 0)
    fee = AidProgramme.objects.get().resident_fee
    refund = Payment.objects.get()
    # 低保对象: 70 % of the personal contribution (demo share), refunded from 610100 to the list's account.
    assert (refund.fund, refund.amount, refund.payee.identifier, refund.payee.account_number) == (
        "610100", (fee * Decimal("0.70")).quantize(Decimal("0.01")), paid.id_number, "6216600000009999")
    rows = {r.name: r for r in AidRecipient.objects.all()}
    assert rows["李低保"].treatment == Treatment.CREDIT and rows["李低保"].subsidy == (fee * Decimal("0.5")).quantize(
        Decimal("0.01"))
    assert rows["赵特困"].treatment == Treatment.CREDIT and rows["赵特困"].subsidy == fee
    assert rows["外地人"].treatment == Treatment.NONE and "未查询到" in rows["外地人"].reason
    assert AidProgramme.objects.get().status == ProgrammeStatus.PAID


def test_running_a_paid_year_again_pays_nobody_twice(programme, resident):
    paid = resident(name="王救助")
    approved(programme, workbook([row(paid)]))
    pay_programme(programme=programme, actor="ty-payer")
    with pytest.raises(ProgrammeBusy, match="已支付"):
        pay_programme(programme=programme, actor="ty-payer")
    assert Payment.objects.count() == 1


def test_every_bad_row_of_the_list_is_reported_and_nothing_is_imported(programme, resident):
    good = resident(name="王救助")
    content = workbook([
        row(good),
        ("140105199001011234", "错号", "低保对象", "2026-01-01", "2026-12-31", "", ""),
        (good.id_number, good.name, "低保对象", "2026-01-01", "2026-12-31", "", ""),
        (make_resident_id("14010519800101123"), "", "贫困户", "2026-13-01", "2026-12-31", "", ""),
        (make_resident_id("14010519800101124"), "钱某", "低保对象", "2026-06-01", "2026-01-01", "", ""),
    ])
    with pytest.raises(AidError) as refused:
        import_recipients(programme=programme, content=content, actor="ty-importer")
    message = str(refused.value)
    assert "4 行不符合要求" in message
    assert "第3行：公民身份号码" in message and "第4行：公民身份号码与第2行重复" in message
    assert "第5行：姓名必填" in message and "救助对象类别「贫困户」不在可选范围" in message
    assert "认定有效期起「2026-13-01」不是日期" in message and "第6行：认定有效期止早于有效期起" in message
    assert not AidRecipient.objects.exists()


def test_a_file_that_is_not_a_workbook_or_has_the_wrong_header_is_refused(programme):
    with pytest.raises(AidError, match="无法读取"):
        import_recipients(programme=programme, content=b"PK\x03\x04 not really", actor="ty-importer")
    with pytest.raises(AidError, match="第1行表头应为"):
        import_recipients(programme=programme, content=workbook([], header=("姓名", "号码")), actor="ty-importer")


def test_the_importer_cannot_approve_and_nothing_is_paid_before_approval(programme, resident):
    person = resident(name="王救助")
    import_recipients(programme=programme, content=workbook([row(person)]), actor="ty-importer")
    with pytest.raises(ProgrammeBusy, match="不能支付"):
        pay_programme(programme=programme, actor="ty-payer")
    submit_programme(programme=programme, actor="ty-importer")
    with pytest.raises(AidRefused, match="审批人不能是创建计划的经办人"):
        approve_programme(programme=programme, actor="ty-importer")
    assert not Payment.objects.exists()


def test_a_locked_programme_refuses_a_second_run_naming_who_holds_it(programme, resident):
    person = resident(name="王救助")
    approved(programme, workbook([row(person)]))
    AidProgramme.objects.filter(pk=programme.pk).update(locked_by="ty-other", locked_at=programme.created_at)
    with pytest.raises(ProgrammeBusy, match="正由 ty-other .* 开始批量处理"):
        pay_programme(programme=programme, actor="ty-payer")
    assert not Payment.objects.exists()


def test_one_programme_per_region_and_year(programme, regions):
    with pytest.raises(AidRefused, match="已存在"):
        create_programme(region=regions["taiyuan"], year=2026, actor="x")


def test_a_full_payer_without_an_account_in_the_list_waits_for_their_own_application(programme, resident):
    person = resident(name="王救助")
    approved(programme, workbook([row(person, bank=("", ""))]))
    result = pay_programme(programme=programme, actor="ty-payer")
    assert result.waiting == 1 and not Payment.objects.exists()
    recipient = AidRecipient.objects.get()
    assert recipient.treatment == Treatment.REFUND and recipient.settled_at is None
