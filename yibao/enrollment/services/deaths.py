"""Checks before a dead person's personal account is paid to an heir (issue 9 §2).

A death claim was once accepted against a living person with any PDF as the
certificate. Now, before 拨付:

- the record must show no life after the claimed date of death: no paid
  contribution for a later month, no login, no case filed by the person;
- the person's registered phone (account and record) was texted when the
  claim was filed, so a living person learns of it;
- the reviewing clerk recorded how the death was verified (document type and
  number, ``DeathVerification``).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from yibao.accounts.models import PERSON_PREFIX, PersonAccount
from yibao.agencies.models import Role, StaffMember
from yibao.agencies.selectors import staff_can
from yibao.audit.models import AuditEntry
from yibao.audit.services import record_audit
from yibao.cases.models import Case, CaseStatus
from yibao.cases.routing import may_handle
from yibao.enrollment.models import Contribution, DeathDocumentType, DeathVerification, Person
from yibao.enrollment.services.errors import EnrollmentError
from yibao.notifications.services import is_mobile, send_sms, was_notified

PURPOSE = "death_claim"
# Before 拨付: the steps in which the reviewing clerk may record the verification.
OPEN_STATUSES = (CaseStatus.ACCEPTED, CaseStatus.INVESTIGATED, CaseStatus.REVIEWED, CaseStatus.RECOGNIZED,
                 CaseStatus.SECOND_REVIEWED)


class DeathCheckRefused(EnrollmentError):
    pass


def registered_phones(person: Person) -> list[str]:
    """The mobile numbers a person registered: their online account's, then their record's."""
    phones = [PersonAccount.objects.filter(id_number=person.id_number).values_list("phone", flat=True).first() or "",
              person.phone]
    return list(dict.fromkeys(p.strip() for p in phones if is_mobile(p)))


def notify_death_claim(*, case_number: str, person: Person, death_date: date | None, actor: str) -> int:
    """Text the person's registered phones that a death claim on their account was filed (once per case)."""
    sent = 0
    for phone in registered_phones(person):
        if was_notified(phone=phone, purpose=PURPOSE, reference=case_number):
            continue
        day = f"于 {death_date:%Y-%m-%d} " if death_date else ""
        send_sms(phone=phone, purpose=PURPOSE, reference=case_number, actor=actor,
                 text=f"【医保经办】有人以{person.name}已{day}死亡为由申请一次性支取其医保个人账户"
                      f"（办件编号 {case_number}）。如本人健在，请立即携带身份证到经办机构或致电经办机构制止。")
        sent += 1
    return sent


def activity_after(*, person: Person, death_date: date, case_number: str = "") -> list[str]:
    """Signs of life after ``death_date``, each as a Chinese phrase (empty when none)."""
    found = []
    death_month = death_date.replace(day=1)
    months = sorted({m for m in Contribution.objects.filter(person=person, paid=True, month__gt=death_month)
                    .values_list("month", flat=True)})
    if months:
        found.append(f"死亡日期之后仍有缴费到账（费款所属期 {'、'.join(f'{m:%Y-%m}' for m in months[:6])}）")
    logins = (AuditEntry.objects.filter(action="accounts.login.success", object_id=PERSON_PREFIX + person.id_number,
                                        at__date__gt=death_date).order_by("at").values_list("at", flat=True))
    first_login = logins.first()
    if first_login is not None:
        found.append(f"死亡日期之后仍有本人账号登录（{first_login:%Y-%m-%d} 起 {logins.count()} 次）")
    cases = list(Case.objects.filter(applicant_id_number=person.id_number, applicant_kind="person",
                                     submitted_at__date__gt=death_date).exclude(number=case_number)
                 .values_list("number", flat=True)[:5])
    if cases:
        found.append(f"死亡日期之后仍以本人名义申请办件（{'、'.join(cases)}）")
    return found


def missing_before_payment(*, case_number: str, person: Person, death_date: date | None) -> list[str]:
    """What stops paying a dead person's account to the heir, each named in Chinese (empty: may pay)."""
    missing = []
    if death_date is None:
        missing.append("未填写死亡日期")
    else:
        missing += activity_after(person=person, death_date=death_date, case_number=case_number)
    for phone in registered_phones(person):
        if not was_notified(phone=phone, purpose=PURPOSE, reference=case_number):
            missing.append(f"尚未向参保人登记的手机号码 {phone[:3]}****{phone[-4:]} 发送支取通知")
    if not DeathVerification.objects.filter(case_number=case_number).exists():
        missing.append("审核人尚未登记死亡核验方式（证明类型和编号）")
    return missing


@transaction.atomic
def record_death_verification(*, case: Case, person: Person, staff: StaffMember, document_type: str,
                              document_number: str, note: str = "") -> DeathVerification:
    """The reviewing clerk records how the death was verified (document type and number) before 拨付.

    Only a clerk with the review role of an agency that may handle the case,
    while the case is between acceptance and payment; a second record replaces
    the first (the audit row keeps both).
    """
    if not staff_can(staff, Role.REVIEW):
        raise DeathCheckRefused(f"{staff.name} 没有「审核」权限，不能登记死亡核验")
    if not may_handle(staff=staff, case=case):
        raise DeathCheckRefused(f"{staff.agency.name}不是该办件的所属经办机构，不能登记死亡核验")
    if case.status not in OPEN_STATUSES:
        raise DeathCheckRefused(f"办件当前状态为「{case.get_status_display()}」，死亡核验须在受理后、拨付前登记")
    if document_type not in DeathDocumentType.values:
        raise DeathCheckRefused("字段 核验证明类型：可选 " + "、".join(DeathDocumentType.labels))
    number = (document_number or "").strip()
    if not number or len(number) > 50:
        raise DeathCheckRefused("字段 证明编号：必填，不超过 50 个字符")
    note = (note or "").strip()
    if len(note) > 200:
        raise DeathCheckRefused("字段 核验说明：不超过 200 个字")
    before = DeathVerification.objects.filter(case_number=case.number).values(
        "document_type", "document_number", "verified_by").first()
    row, _ = DeathVerification.objects.update_or_create(
        case_number=case.number,
        defaults={"person": person, "document_type": document_type, "document_number": number, "note": note,
                  "verified_by": staff.user.username})
    record_audit(actor=staff.user.username, action="enrollment.death.verify", object_type="DeathVerification",
                 object_id=case.number, before=before,
                 after={"document_type": document_type, "document_number": number, "person": person.id_number})
    return row
