"""Writes of treatment qualifications and of the special-drug directory.

Each function is one business action: atomic, audited, refusing with a domain error."""

from __future__ import annotations

import calendar
import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction

from yibao import clock
from yibao.agencies.models import Region
from yibao.audit.services import record_audit
from yibao.enrollment.models import Person
from yibao.errors import Conflict, Invalid, NotFound
from yibao.qualifications.diseases import disease_file
from yibao.qualifications.models import (
    CriteriaReview,
    DrugInstitution,
    Qualification,
    QualificationEvent,
    QualificationStatus,
    ResponsibleDoctor,
    SpecialDrug,
)


class DuplicateQualification(Conflict):
    code = "duplicate_qualification"


class DirectoryError(Invalid):
    code = "drug_directory_invalid"


class QualificationNotFound(NotFound):
    code = "qualification_not_found"


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _event(qualification: Qualification, action: str, actor: str, note: str = "") -> None:
    QualificationEvent.objects.create(qualification=qualification, action=action, actor=actor, note=note[:300])


@dataclass(frozen=True)
class Grant:
    """What a granting case decided (认定)."""

    kind: str
    disease_code: str
    disease_name: str
    insurance_type: str
    valid_from: date
    institution_code: str = ""
    institution_name: str = ""
    drug: SpecialDrug | None = None
    doctor_name: str = ""
    doctor_department: str = ""
    criteria_met: list[str] = field(default_factory=list)


def grant_qualification(*, person: Person, region: Region, grant: Grant, case_number: str,
                        actor: str) -> Qualification:
    """认定: open a 有效 qualification for the validity of its kind (a demo parameter, said so
    on screen). A 有效 one for the same disease is refused (``DuplicateQualification``) unless it
    ends within the renewal window (the notice period): then it is a renewal (续办) — the old row
    ends the day before the new one starts and stays in the history."""
    with transaction.atomic():
        # Lock the person so two grants for them are serialised; the partial unique constraint
        # is the last line should anything else write.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        months = disease_file().validity_months[grant.kind]
        current = (Qualification.objects.select_for_update()
                   .filter(person=person, disease_code=grant.disease_code, status=QualificationStatus.ACTIVE).first())
        renews = None
        valid_from = grant.valid_from
        if current is not None:
            window_opens = current.valid_to - timedelta(days=disease_file().notice_days)
            if valid_from < window_opens:
                raise DuplicateQualification(
                    f"{person.name} 已有有效的「{current.disease_name}」待遇资格（{current.valid_from:%Y-%m-%d} 至 "
                    f"{current.valid_to:%Y-%m-%d}，办件 {current.case_number}），不能重复认定；"
                    f"到期前 {disease_file().notice_days} 日内可申请续办")
            valid_from = max(valid_from, current.valid_to + timedelta(days=1))
            current.status = QualificationStatus.EXPIRED
            current.ended_on = valid_from
            current.end_reason = f"续办（办件 {case_number}）"
            current.save(update_fields=["status", "ended_on", "end_reason"])
            _event(current, "续办", actor, f"由办件 {case_number} 续办")
            renews = current
        valid_to = add_months(valid_from, months) - timedelta(days=1)
        try:
            with transaction.atomic():
                qualification = Qualification.objects.create(
                    person=person, region=region, kind=grant.kind, disease_code=grant.disease_code,
                    disease_name=grant.disease_name, insurance_type=grant.insurance_type,
                    valid_from=valid_from, valid_to=valid_to, institution_code=grant.institution_code,
                    institution_name=grant.institution_name, drug=grant.drug, doctor_name=grant.doctor_name,
                    doctor_department=grant.doctor_department, criteria_met=list(grant.criteria_met),
                    case_number=case_number, renews=renews, demo_validity=True)
        except IntegrityError as exc:
            raise DuplicateQualification(f"{person.name} 已有有效的「{grant.disease_name}」待遇资格，不能重复认定") from exc
        _event(qualification, "认定", actor,
               f"办件 {case_number}，有效期 {valid_from:%Y-%m-%d} 至 {valid_to:%Y-%m-%d}（{disease_file().demo_label}）")
        record_audit(actor=actor, action="qualification.grant", object_type="qualification",
                     object_id=qualification.pk,
                     after={"person": person.id_number, "disease": grant.disease_code, "case": case_number,
                            "valid_from": str(valid_from), "valid_to": str(valid_to),
                            "renews": renews.pk if renews else None})
    return qualification


def terminate_qualification(*, qualification_id: int, reason: str, actor: str, on: date | None = None) -> Qualification:
    """终止: end a 有效 qualification from ``on`` (today by default) with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("字段 终止原因：不能为空", field="reason")
    with transaction.atomic():
        qualification = Qualification.objects.select_for_update().filter(pk=qualification_id).first()
        if qualification is None:
            raise QualificationNotFound("未找到该待遇资格")
        if qualification.status != QualificationStatus.ACTIVE:
            raise Conflict(f"该待遇资格已{qualification.get_status_display()}，不能终止")
        qualification.status = QualificationStatus.TERMINATED
        qualification.ended_on = on or clock.today()
        qualification.end_reason = reason[:200]
        qualification.save(update_fields=["status", "ended_on", "end_reason"])
        _event(qualification, "终止", actor, reason)
        record_audit(actor=actor, action="qualification.terminate", object_type="qualification",
                     object_id=qualification.pk, after={"reason": reason, "ended_on": str(qualification.ended_on)})
    return qualification


def expire_qualifications(*, today: date | None = None) -> int:
    """The daily sweep: every 有效 qualification whose validity ended before ``today`` becomes
    到期 (ended the day after its last valid day). Returns how many."""
    today = today or clock.today()
    count = 0
    with transaction.atomic():
        for qualification in (Qualification.objects.select_for_update(skip_locked=True)
                              .filter(status=QualificationStatus.ACTIVE, valid_to__lt=today)):
            qualification.status = QualificationStatus.EXPIRED
            qualification.ended_on = qualification.valid_to + timedelta(days=1)
            qualification.end_reason = "有效期届满"
            qualification.save(update_fields=["status", "ended_on", "end_reason"])
            _event(qualification, "到期", "system", "有效期届满")
            record_audit(actor="system", action="qualification.expire", object_type="qualification",
                         object_id=qualification.pk, after={"valid_to": str(qualification.valid_to)})
            count += 1
    return count


def notify_expiring_qualifications(*, today: date | None = None) -> int:
    """Text each person whose 有效 qualification ends within the notice period, once, where a
    mobile phone is on record. Returns how many were texted."""
    from yibao.notifications.services import SmsError, send_sms

    today = today or clock.today()
    horizon = today + timedelta(days=disease_file().notice_days)
    sent = 0
    rows = (Qualification.objects.select_related("person")
            .filter(status=QualificationStatus.ACTIVE, valid_to__gte=today, valid_to__lte=horizon,
                    expiry_notified_on__isnull=True))
    for qualification in rows:
        with transaction.atomic():
            locked = Qualification.objects.select_for_update().get(pk=qualification.pk)
            if locked.expiry_notified_on is not None:
                continue
            phone = qualification.person.phone
            text = (f"【医保】{qualification.person.name}，您的{qualification.disease_name}"
                    f"{qualification.get_kind_display()}待遇资格将于{qualification.valid_to:%Y年%m月%d日}到期，"
                    "如需继续享受，请及时到定点医疗机构或经办机构申请续办。")
            try:
                send_sms(phone=phone, text=text, purpose="qualification_expiry", reference=qualification.case_number)
            except SmsError:
                _event(locked, "到期提醒", "system", "无可接收短信的手机号码，未发送")
            else:
                _event(locked, "到期提醒", "system", f"已短信提醒（{qualification.valid_to:%Y-%m-%d} 到期）")
                sent += 1
            locked.expiry_notified_on = today
            locked.save(update_fields=["expiry_notified_on"])
    return sent


# --- special-drug directory ------------------------------------------------------------------

@dataclass(frozen=True)
class DirectoryRow:
    drug_name: str
    generic_name: str
    disease_code: str
    disease_name: str
    institution_code: str
    institution_name: str
    doctor_name: str = ""
    doctor_department: str = ""


MAX = {"drug_name": 100, "generic_name": 100, "disease_code": 10, "disease_name": 100,
       "institution_code": 12, "institution_name": 100, "doctor_name": 50, "doctor_department": 50}
LABELS = {"drug_name": "药品名称", "generic_name": "通用名", "disease_code": "适应病种编码",
          "disease_name": "适应病种", "institution_code": "定点医疗机构编码", "institution_name": "定点医疗机构名称",
          "doctor_name": "责任医师", "doctor_department": "科室"}
REQUIRED = ("drug_name", "disease_code", "disease_name", "institution_code", "institution_name")


def _row_problems(row: DirectoryRow) -> list[str]:
    problems = []
    for name, limit in MAX.items():
        value = getattr(row, name)
        if "\x00" in value:
            problems.append(f"{LABELS[name]}含有非法字符")
        elif len(value) > limit:
            problems.append(f"{LABELS[name]}超过 {limit} 字")
    problems += [f"{LABELS[name]}不能为空" for name in REQUIRED if not getattr(row, name)]
    code = row.institution_code
    if code and not (len(code) == 12 and code[0] == "H" and code[1:].isdigit()):
        problems.append(f"定点医疗机构编码「{code[:20]}」应为 H 加 11 位数字")
    if bool(row.doctor_name) != bool(row.doctor_department):
        problems.append("责任医师和科室须同时填写")
    return problems


def _upsert(region: Region, row: DirectoryRow) -> None:
    drug, _ = SpecialDrug.objects.get_or_create(
        region=region, name=row.drug_name,
        defaults={"generic_name": row.generic_name, "disease_code": row.disease_code.upper(),
                  "disease_name": row.disease_name})
    place, created = DrugInstitution.objects.get_or_create(
        drug=drug, institution_code=row.institution_code,
        defaults={"institution_name": row.institution_name})
    if not created and place.institution_name != row.institution_name:
        place.institution_name = row.institution_name
        place.save(update_fields=["institution_name"])
    if row.doctor_name:
        ResponsibleDoctor.objects.get_or_create(drug_institution=place, name=row.doctor_name,
                                                department=row.doctor_department)


def _clean(values: dict[str, str]) -> DirectoryRow:
    return DirectoryRow(**{name: str(values.get(name, "") or "").strip() for name in MAX})


def save_directory_entry(*, region: Region, actor: str, **values: str) -> None:
    """A clerk adds a drug / institution / responsible doctor to the directory (console)."""
    row = _clean(values)
    row = DirectoryRow(**{**row.__dict__, "institution_code": row.institution_code.upper()})
    problems = _row_problems(row)
    if problems:
        raise DirectoryError("；".join(problems))
    with transaction.atomic():
        _upsert(region, row)
        record_audit(actor=actor, action="special_drug.save", object_type="special_drug_directory",
                     object_id=row.drug_name, after=row.__dict__)


def remove_doctor(*, doctor_id: int, actor: str) -> None:
    """A clerk removes a responsible doctor from the directory (console)."""
    with transaction.atomic():
        doctor = ResponsibleDoctor.objects.select_related("drug_institution__drug").filter(pk=doctor_id).first()
        if doctor is None:
            raise NotFound("未找到该责任医师")
        before = {"drug": doctor.drug_institution.drug.name, "institution": doctor.drug_institution.institution_code,
                  "name": doctor.name, "department": doctor.department}
        doctor.delete()
        record_audit(actor=actor, action="special_drug.remove_doctor", object_type="special_drug_directory",
                     object_id=doctor_id, before=before)


CSV_HEADER = ["药品名称", "通用名", "适应病种编码", "适应病种", "定点医疗机构编码", "定点医疗机构名称", "责任医师", "科室"]
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20000


def load_directory_file(*, region: Region, content: bytes, actor: str) -> int:
    """Load the directory from a UTF-8 CSV with the header ``CSV_HEADER``: all rows or none.
    Every bad row is reported (行号 and problem) in one ``DirectoryError``. Returns the rows loaded."""
    if len(content) > MAX_FILE_BYTES:
        raise DirectoryError(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024}MB")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DirectoryError("文件不是 UTF-8 编码的 CSV 文件") from exc
    if "\x00" in text:
        raise DirectoryError("文件含有非法字符（NUL），不是 CSV 文本文件")
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip() for cell in next(reader, [])]
    if header != CSV_HEADER:
        raise DirectoryError(f"第1行表头应为：{'，'.join(CSV_HEADER)}")
    rows: list[DirectoryRow] = []
    problems: list[str] = []
    for number, cells in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            raise DirectoryError(f"文件超过 {MAX_ROWS} 行")
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(CSV_HEADER):
            problems.append(f"第{number}行：应有 {len(CSV_HEADER)} 列，实有 {len(cells)} 列")
            continue
        row = _clean(dict(zip(MAX, cells, strict=True)))
        row = DirectoryRow(**{**row.__dict__, "institution_code": row.institution_code.upper()})
        found = _row_problems(row)
        if found:
            problems.append(f"第{number}行：{'；'.join(found)}")
        rows.append(row)
    if problems:
        raise DirectoryError(f"有 {len(problems)} 行不符合要求，未导入：" + "；".join(problems[:50])
                             + ("……" if len(problems) > 50 else ""))
    if not rows:
        raise DirectoryError("文件没有数据行")
    with transaction.atomic():
        for row in rows:
            _upsert(region, row)
        record_audit(actor=actor, action="special_drug.load_file", object_type="special_drug_directory",
                     object_id=region.slug, after={"rows": len(rows)})
    return len(rows)


# --- review of the entry criteria ------------------------------------------------------------

REVIEW_STEPS = {"审核": "review", "复审": "second_review", "认定": "review"}


def record_criteria_review(*, case, staff, criteria_met: list[str], opinion: str = "") -> CriteriaReview:
    """The reviewer of a qualification case records which entry criteria are met (表10), at the
    case's current review step (审核, 复审 or 认定), before deciding it with the case engine
    (认定 with validity, or 不予认定 with a reason). The grant copies the last record."""
    from yibao.agencies.selectors import staff_can
    from yibao.cases import lifecycle
    from yibao.cases.handlers import handler_for
    from yibao.cases.models import Case
    from yibao.cases.routing import may_handle
    from yibao.errors import Forbidden
    from yibao.qualifications.diseases import find_disease
    from yibao.qualifications.handlers import _QualificationHandler

    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("item", "region").get(pk=case.pk)
        handler = handler_for(case.item)
        if not isinstance(handler, _QualificationHandler):
            raise Invalid("该办件不是病种待遇核定，无需记录认定标准")
        step = lifecycle.next_step(case.steps, case.status)
        if step is None or step.name not in REVIEW_STEPS or case.status in lifecycle.TERMINAL:
            raise Conflict(f"办件当前状态为「{case.get_status_display()}」，不在审核环节，不能记录认定标准")
        if not staff_can(staff, REVIEW_STEPS[step.name]) or not may_handle(staff=staff, case=case):
            raise Forbidden(f"{staff.name} 不能办理该办件的「{step.name}」")
        fields = handler.parse_fields(case.form_data)
        disease = find_disease(handler.kind, fields.disease_code, case.region.slug)
        criteria = [c.strip() for c in criteria_met if c.strip()]
        unknown = [c for c in criteria if c not in disease.criteria]
        if unknown:
            raise Invalid(f"字段 符合的认定标准：「{unknown[0][:40]}」不是{disease.name}的认定标准", field="criteria_met")
        review = CriteriaReview.objects.create(case_number=case.number, step=step.name,
                                               reviewer=staff.user.username, disease_code=disease.code,
                                               criteria_met=criteria, opinion=(opinion or "").strip()[:300])
        record_audit(actor=staff.user.username, action="qualification.review_criteria", object_type="case",
                     object_id=case.number, after={"step": step.name, "criteria_met": criteria})
    return review
