"""Every write on institutions: one function per business action.

Each runs in one transaction, locks the row it changes (``select_for_update``),
writes an audit row and raises an ``InstitutionError`` with a Chinese message.
The case-bound steps (签订协议, 服务开通) are called by the item handlers from
inside the case move's transaction (``yibao.institutions.handlers``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from yibao.agencies.models import Agency, Region, StaffMember
from yibao.agencies.selectors import staff_can
from yibao.audit.services import record_audit
from yibao.cases.models import Case, CaseStatus
from yibao.cases.routing import may_handle
from yibao.clock import today
from yibao.errors import Conflict, DomainError, Forbidden, Invalid, Refused
from yibao.ids import InvalidIdentifier, validate_uscc
from yibao.institutions.models import (
    INSTITUTION_PREFIX,
    Agreement,
    DesignationPeriod,
    Evaluation,
    EvaluationScore,
    HospitalLevel,
    Institution,
    InstitutionAccount,
    InstitutionChange,
    InstitutionKind,
    InstitutionStatus,
    Objection,
    Publicity,
)
from yibao.institutions.rules import criteria_for, region_rules, rules_file
from yibao.workdays.calendar import add_natural_days, add_working_days


class InstitutionError(DomainError):
    kind = "invalid"
    code = "institution_invalid"


class InstitutionInvalid(InstitutionError, Invalid):
    code = "institution_invalid"


class InstitutionRefused(InstitutionError, Refused):
    code = "institution_refused"


class InstitutionForbidden(InstitutionError, Forbidden):
    code = "institution_forbidden"


class InstitutionConflict(InstitutionError, Conflict):
    code = "institution_conflict"


PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
MAX_TEXT = 2000


def _text(value: str, label: str, *, required: bool = True, max_length: int = 200) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InstitutionInvalid(f"字段 {label}：必填", field=label)
    if len(value) > max_length:
        raise InstitutionInvalid(f"字段 {label}：不能超过 {max_length} 个字符", field=label)
    return value


def _uscc(value: str, label: str) -> str:
    try:
        return validate_uscc(value, field_name=label)
    except InvalidIdentifier as exc:
        raise InstitutionInvalid(str(exc), field=label) from exc


def _require_staff(staff: StaffMember, role: str, institution: Institution) -> None:
    if not staff_can(staff, role):
        raise InstitutionForbidden(f"{staff.name} 没有办理该业务的权限")
    if staff.agency_id != institution.agency_id:
        raise InstitutionForbidden(f"{institution.name}不归{staff.agency.name}管理")


def _locked(institution: Institution) -> Institution:
    return Institution.objects.select_for_update().get(pk=institution.pk)


def _snapshot(institution: Institution, fields: list[str]) -> dict:
    return {f: getattr(institution, f) for f in fields}


# --- institutions and their logins ------------------------------------------------------------

@dataclass(frozen=True)
class InstitutionData:
    """What an institution registers (表13/表14's basic information)."""

    kind: str
    name: str
    uscc: str
    operator_uscc: str
    licence_number: str
    legal_representative: str
    address: str
    county: str
    opened_on: datetime.date
    phone: str = ""
    level: str = ""
    hospital_type: str = ""
    beds: int = 0
    departments: tuple[str, ...] = ()
    is_chain: bool = False
    pharmacists: int = 0
    services: tuple[str, ...] = ()
    bank_name: str = ""
    bank_account: str = ""


def city_agency(region: Region) -> Agency:
    """The agency that manages a region's institutions (市医保中心医药机构服务科)."""
    agency = (Agency.objects.filter(region=region, is_active=True, level="city").first()
              or Agency.objects.filter(region=region, is_active=True).order_by("code").first())
    if agency is None:
        raise InstitutionRefused(f"{region.name}尚未设置经办机构")
    return agency


@transaction.atomic
def register_institution(*, data: InstitutionData, region: Region, password: str, actor: str) -> Institution:
    """Register an institution and its login (username "i:" + its USCC): status 申请中.

    Done by the city agency's clerk who checked the licence, or by the demo loader."""
    if data.kind not in InstitutionKind.values:
        raise InstitutionInvalid(f"字段 机构类别：「{data.kind}」无效，可选 hospital、pharmacy", field="kind")
    uscc = _uscc(data.uscc, "统一社会信用代码")
    operator = _uscc(data.operator_uscc or data.uscc, "举办主体统一社会信用代码")
    if data.kind == InstitutionKind.HOSPITAL and data.level not in HospitalLevel.values:
        raise InstitutionInvalid("字段 医院等级：可选 3（三级）、2（二级）、1（一级）、0（未定级）", field="level")
    if data.beds < 0 or data.beds > 20000 or data.pharmacists < 0 or data.pharmacists > 1000:
        raise InstitutionInvalid("字段 床位/药师人数：数值超出合理范围", field="beds")
    if data.opened_on > today():
        raise InstitutionInvalid("字段 开业（执业）日期：不能晚于今天", field="opened_on")
    if len(password or "") < 8:
        raise InstitutionInvalid("字段 密码：至少 8 位", field="password")
    if Institution.objects.filter(uscc=uscc).exists():
        raise InstitutionConflict(f"统一社会信用代码 {uscc} 已登记为医药机构")
    institution = Institution.objects.create(
        kind=data.kind, name=_text(data.name, "机构名称", max_length=100), uscc=uscc, operator_uscc=operator,
        licence_number=_text(data.licence_number, "执业许可证/药品经营许可证号", max_length=40),
        legal_representative=_text(data.legal_representative, "法定代表人", max_length=50),
        address=_text(data.address, "地址"), phone=data.phone, region=region, agency=city_agency(region),
        bank_name=_text(data.bank_name, "基本账户开户银行", required=False, max_length=100),
        bank_account=_text(data.bank_account, "基本账户账号", required=False, max_length=40),
        county=_text(data.county, "所在县（市、区）", max_length=40), opened_on=data.opened_on,
        level=data.level if data.kind == InstitutionKind.HOSPITAL else "",
        hospital_type=data.hospital_type, beds=data.beds, departments=list(data.departments),
        is_chain=data.is_chain, pharmacists=data.pharmacists,
        services=list(data.services) or (["41"] if data.kind == InstitutionKind.PHARMACY else ["11", "21"]),
    )
    user = get_user_model().objects.create_user(username=INSTITUTION_PREFIX + uscc, password=password,
                                                first_name=institution.name[:150])
    InstitutionAccount.objects.create(user=user, institution=institution)
    record_audit(actor=actor, action="institutions.register", object_type="Institution",
                 object_id=institution.pk, after={"uscc": uscc, "kind": data.kind, "name": institution.name})
    return institution


# --- 评估 -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    met: bool
    note: str = ""


def _months_between(start: datetime.date, end: datetime.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def _case_for_staff(case: Case, staff: StaffMember, *, statuses: set[str]) -> Case:
    case = Case.objects.select_for_update(of=("self",)).select_related("item", "home_agency").get(pk=case.pk)
    if not staff_can(staff, "review"):
        raise InstitutionForbidden(f"{staff.name} 没有「审核」权限")
    if not may_handle(staff=staff, case=case):
        raise InstitutionForbidden(f"{staff.agency.name}不是该办件的所属经办机构（{case.home_agency.name}）")
    if case.status not in statuses:
        raise InstitutionRefused(f"办件当前状态为「{case.get_status_display()}」，不能办理此环节")
    return case


@transaction.atomic
def record_evaluation(*, case: Case, staff: StaffMember, findings: dict[str, Finding],
                      written_on: datetime.date, onsite_on: datetime.date, opinion: str = "") -> Evaluation:
    """Record one round of 评估 (written and on-site) with a finding per criterion.

    Criteria the record can decide (operated ≥ 3 months, an internal department above
    100 beds) are decided by the record: a clerk cannot mark them met against it.
    The round passes when every applicable criterion is met. A failed round may be
    followed by another after rectification, up to the region's number of rounds."""
    case = _case_for_staff(case, staff, statuses={CaseStatus.ACCEPTED})
    if case.accepted_by_id == staff.pk:
        raise InstitutionForbidden("本事项须两人办理：受理人不能评估自己受理的申请")
    institution = _locked(_institution_of_case(case))
    rules = region_rules(case.region.slug)
    done = Evaluation.objects.filter(case=case)
    if done.filter(passed=True).exists():
        raise InstitutionConflict("该申请已评估合格，不能再次评估")
    rounds = done.count()
    if rounds >= rules.evaluation_rounds.value:
        raise InstitutionRefused(f"该申请已评估 {rounds} 次均不合格，请作出不予批准的决定")
    now_day = today()
    if written_on > now_day or onsite_on > now_day:
        raise InstitutionInvalid("字段 评估日期：不能晚于今天", field="written_on")
    if min(written_on, onsite_on) < now_day - datetime.timedelta(days=365):
        raise InstitutionInvalid("字段 评估日期：不能早于一年前", field="written_on")
    criteria = criteria_for(institution.kind)
    known = {c.code for c in criteria}
    stray = sorted(set(findings) - known)
    if stray:
        raise InstitutionInvalid(f"字段 评估项：没有评估项 {'、'.join(stray)}", field="findings")
    scores = []
    for criterion in criteria:
        finding = findings.get(criterion.code)
        computed = criterion.computed
        if computed and computed.beds_above is not None and institution.beds <= computed.beds_above:
            scores.append((criterion, True, f"床位 {institution.beds} 张，不超过 {computed.beds_above} 张，不适用"))
            continue
        if finding is None:
            raise InstitutionInvalid(f"字段 评估项「{criterion.label}」：须填写评估结论", field=criterion.code)
        met, note = finding.met, _text(finding.note, f"评估项「{criterion.label}」说明", required=False,
                                        max_length=300)
        if computed and computed.operated_months is not None:
            months = _months_between(institution.opened_on, onsite_on)
            if months < computed.operated_months:
                met, note = False, (f"自 {institution.opened_on:%Y-%m-%d} 开业至现场评估日仅 {months} 个月，"
                                    f"不足 {computed.operated_months} 个月" + (f"；{note}" if note else ""))
        scores.append((criterion, met, note))
    passed = all(met for _c, met, _n in scores)
    evaluation = Evaluation.objects.create(
        case=case, institution=institution, round=rounds + 1, passed=passed, written_on=written_on,
        onsite_on=onsite_on, evaluator=staff, opinion=_text(opinion, "评估意见", required=not passed,
                                                            max_length=MAX_TEXT))
    EvaluationScore.objects.bulk_create([
        EvaluationScore(evaluation=evaluation, criterion=c.code, label=c.label, met=met, note=note)
        for c, met, note in scores])
    record_audit(actor=staff.user.username, action="institutions.evaluate", object_type="Case",
                 object_id=case.number, after={"round": evaluation.round, "passed": passed,
                                               "failed": [c.code for c, met, _ in scores if not met]})
    return evaluation


def _institution_of_case(case: Case) -> Institution:
    institution = Institution.objects.filter(uscc=case.applicant_id_number).first()
    if institution is None:
        raise InstitutionRefused("申请人未登记为医药机构")
    return institution


# --- 公示 -------------------------------------------------------------------------------------

def start_publicity(*, case: Case, actor: str) -> Publicity:
    """Open the 公示 of a case whose evaluation passed (called at the case's 调查 step)."""
    if not Evaluation.objects.filter(case=case, passed=True).exists():
        raise InstitutionRefused("评估尚未合格，不能公示：请先记录合格的评估结果（不合格的可整改后再次评估）")
    institution = _institution_of_case(case)
    rules = region_rules(case.region.slug).publicity
    start = today()
    # The first publicity day is the day after the decision to publish.
    end = (add_working_days(start, rules.days) if rules.kind == "working_days"
           else add_natural_days(start, rules.days))
    publicity, _ = Publicity.objects.update_or_create(
        case=case, defaults={"institution": institution, "start": start + datetime.timedelta(days=1), "end": end,
                             "closed_at": None})
    record_audit(actor=actor, action="institutions.publicity.start", object_type="Case", object_id=case.number,
                 after={"start": publicity.start.isoformat(), "end": end.isoformat()})
    return publicity


@transaction.atomic
def raise_objection(*, publicity: Publicity, raised_by: str, contact: str, text: str) -> Objection:
    """Anyone may object to an institution under publicity (no login): recorded for staff to answer."""
    publicity = Publicity.objects.select_for_update().get(pk=publicity.pk)
    day = today()
    if publicity.closed_at is not None or not (publicity.start <= day <= publicity.end):
        raise InstitutionRefused("该机构不在公示期内，不能提出异议")
    objection = Objection.objects.create(
        publicity=publicity, raised_by=_text(raised_by, "异议人姓名", max_length=50),
        contact=_text(contact, "联系方式", max_length=40), text=_text(text, "异议内容", max_length=MAX_TEXT))
    if not PHONE.match(objection.contact) and "@" not in objection.contact:
        raise InstitutionInvalid("字段 联系方式：请填写手机、固定电话或电子邮箱", field="contact")
    record_audit(actor="public", action="institutions.objection.raise", object_type="Publicity",
                 object_id=publicity.pk, after={"objection": objection.pk})
    return objection


@transaction.atomic
def answer_objection(*, objection: Objection, staff: StaffMember, answer: str, upheld: bool) -> Objection:
    """Answer an objection; an upheld one stops the designation (审核 then cannot pass)."""
    objection = Objection.objects.select_for_update().select_related("publicity__case").get(pk=objection.pk)
    _case_for_staff(objection.publicity.case, staff, statuses={CaseStatus.INVESTIGATED})
    if objection.answered_at is not None:
        raise InstitutionConflict("该异议已答复")
    objection.answer = _text(answer, "答复", max_length=MAX_TEXT)
    objection.upheld = upheld
    objection.answered_by = staff
    objection.answered_at = timezone.now()
    objection.save(update_fields=["answer", "upheld", "answered_by", "answered_at"])
    record_audit(actor=staff.user.username, action="institutions.objection.answer", object_type="Objection",
                 object_id=objection.pk, after={"upheld": upheld})
    return objection


def close_publicity(*, case: Case, actor: str) -> Publicity:
    """End the 公示 at the case's 审核: only after its last day, with every objection answered and none upheld."""
    publicity = Publicity.objects.select_for_update().filter(case=case).first()
    if publicity is None:
        raise InstitutionRefused("该申请尚未公示")
    if today() <= publicity.end:
        raise InstitutionRefused(f"公示期至 {publicity.end:%Y-%m-%d} 止，期满后方可进入协商谈判")
    objections = list(publicity.objections.all())
    if any(o.answered_at is None for o in objections):
        raise InstitutionRefused("公示期间的异议尚未全部答复")
    if any(o.upheld for o in objections):
        raise InstitutionRefused("公示异议成立，不能签订协议，请作出不予批准的决定")
    publicity.closed_at = timezone.now()
    publicity.save(update_fields=["closed_at"])
    record_audit(actor=actor, action="institutions.publicity.close", object_type="Case", object_id=case.number,
                 after={"objections": len(objections)})
    return publicity


# --- 协商谈判, 协议签订 -------------------------------------------------------------------------

def _agreement_number(region: Region) -> str:
    year = today().year
    prefix = f"XY{region.code}{year}"
    last = Agreement.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    return f"{prefix}{int(last[len(prefix):]) + 1 if last else 1:05d}"


@transaction.atomic
def record_negotiation(*, case: Case, staff: StaffMember, terms: str) -> Agreement:
    """Record the outcome of 协商谈判 (the agreement's terms); signing follows at the case's 认定."""
    case = _case_for_staff(case, staff, statuses={CaseStatus.REVIEWED})
    terms = _text(terms, "协商谈判结果", max_length=MAX_TEXT)
    institution = _institution_of_case(case)
    Region.objects.select_for_update().get(pk=case.region_id)  # serialises agreement numbers
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is not None and agreement.signed_at is not None:
        raise InstitutionConflict("协议已签订，不能再修改协商结果")
    if agreement is None:
        agreement = Agreement.objects.create(case=case, institution=institution, number=_agreement_number(case.region),
                                             negotiated_terms=terms, negotiated_by=staff)
    else:
        agreement.negotiated_terms, agreement.negotiated_by = terms, staff
        agreement.save(update_fields=["negotiated_terms", "negotiated_by"])
    record_audit(actor=staff.user.username, action="institutions.negotiate", object_type="Case",
                 object_id=case.number, after={"agreement": agreement.number})
    return agreement


def sign_agreement(*, case: Case, actor: str) -> Agreement:
    """协议签订 (the case's 认定): the agreement gets its term; the institution is 已签订协议."""
    agreement = Agreement.objects.select_for_update().filter(case=case).first()
    if agreement is None:
        raise InstitutionRefused("尚未记录协商谈判结果，不能签订协议")
    if agreement.signed_at is not None:
        raise InstitutionConflict("协议已签订")
    years = region_rules(case.region.slug).agreement_years.value
    start = today()
    try:
        end = start.replace(year=start.year + years) - datetime.timedelta(days=1)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + years, day=28)
    agreement.starts_on, agreement.ends_on, agreement.signed_at = start, end, timezone.now()
    agreement.save(update_fields=["starts_on", "ends_on", "signed_at"])
    institution = _locked(agreement.institution)
    institution.status = InstitutionStatus.SIGNED
    institution.version += 1
    institution.save(update_fields=["status", "version"])
    record_audit(actor=actor, action="institutions.agreement.sign", object_type="Agreement",
                 object_id=agreement.number, after={"starts_on": start.isoformat(), "ends_on": end.isoformat()})
    return agreement


# --- 服务开通 -------------------------------------------------------------------------------

def _next_code(institution: Institution) -> str:
    letter = "H" if institution.kind == InstitutionKind.HOSPITAL else "P"
    prefix = f"{letter}{institution.region.code}"
    Region.objects.select_for_update().get(pk=institution.region_id)  # one assignment at a time per region
    last = (Institution.objects.filter(national_code__startswith=prefix)
            .aggregate(m=Max("national_code"))["m"])
    number = int(last[len(prefix):]) + 1 if last else 1
    if number > 99999:
        raise InstitutionRefused(f"{institution.region.name}的定点机构编码已用尽")
    return f"{prefix}{number:05d}"


def open_service(*, institution: Institution, actor: str, case: Case | None = None) -> Institution:
    """服务开通: assign the national code (H/P + 行政区划 + 5 digits), open a designation period
    from today, list the institution in the directory. Needs a signed agreement in force."""
    institution = _locked(institution)
    if institution.status == InstitutionStatus.DESIGNATED:
        raise InstitutionConflict(f"{institution.name}已开通定点服务")
    if institution.status != InstitutionStatus.SIGNED:
        raise InstitutionRefused(f"{institution.name}尚未签订服务协议，不能开通服务")
    day = today()
    agreement = (Agreement.objects.filter(institution=institution, signed_at__isnull=False,
                                          starts_on__lte=day, ends_on__gte=day).order_by("-signed_at").first())
    if agreement is None:
        raise InstitutionRefused(f"{institution.name}没有在有效期内的服务协议")
    if not institution.national_code:
        institution.national_code = _next_code(institution)
    institution.status = InstitutionStatus.DESIGNATED
    institution.version += 1
    institution.save(update_fields=["national_code", "status", "version"])
    DesignationPeriod.objects.create(institution=institution, start=day, agreement=agreement)
    InstitutionChange.objects.create(institution=institution, action=InstitutionChange.Action.RESUME,
                                     reason_code="OPEN", after={"national_code": institution.national_code},
                                     case=case, actor=actor, effective_on=day)
    record_audit(actor=actor, action="institutions.open_service", object_type="Institution",
                 object_id=institution.pk, after={"national_code": institution.national_code,
                                                  "case": case.number if case else ""})
    return institution


# --- 信息变更, 暂停, 解除 ------------------------------------------------------------------------

CHANGEABLE = {"name": "机构名称", "address": "地址", "legal_representative": "法定代表人", "level": "医院等级",
              "beds": "核定床位", "departments": "诊疗科目", "services": "服务范围（医疗类别）", "phone": "联系电话",
              "bank_name": "基本账户开户银行", "bank_account": "基本账户账号"}
# Changes a clerk's review decides on (the rest are recorded as filed).
KEY_CHANGES = frozenset({"name", "address", "legal_representative", "level", "beds", "bank_account"})


def _clean_changes(institution: Institution, changes: dict) -> dict:
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise InstitutionInvalid(f"字段 变更项：不能变更 {'、'.join(unknown)}", field="changes")
    clean: dict = {}
    for key, value in changes.items():
        label = CHANGEABLE[key]
        if key in ("name", "address", "legal_representative", "phone", "bank_name", "bank_account"):
            value = _text(str(value), label, max_length=100 if key == "name" else 200)
        elif key == "level":
            if institution.kind != InstitutionKind.HOSPITAL or value not in HospitalLevel.values:
                raise InstitutionInvalid(f"字段 {label}：仅医疗机构可变更，可选 3、2、1、0", field=key)
        elif key == "beds":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 20000:
                raise InstitutionInvalid(f"字段 {label}：应为 0–20000 的整数", field=key)
        elif key in ("departments", "services"):
            if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= 40 for v in value) \
                    or len(value) > 200:
                raise InstitutionInvalid(f"字段 {label}：应为名称列表", field=key)
        if getattr(institution, key) != value:
            clean[key] = value
    if not clean:
        raise InstitutionInvalid("字段 变更项：没有与现有信息不同的变更", field="changes")
    return clean


def apply_changes(*, institution: Institution, changes: dict, actor: str, case: Case | None = None,
                  reason_code: str = "") -> InstitutionChange:
    """Apply validated changes to the institution's record (inside the caller's transaction)."""
    institution = _locked(institution)
    clean = _clean_changes(institution, changes)
    before = _snapshot(institution, list(clean))
    for key, value in clean.items():
        setattr(institution, key, value)
    institution.version += 1
    institution.save(update_fields=[*clean, "version"])
    change = InstitutionChange.objects.create(institution=institution, action=InstitutionChange.Action.CHANGE,
                                              reason_code=reason_code, before=before, after=clean, case=case,
                                              actor=actor, effective_on=today())
    record_audit(actor=actor, action="institutions.change", object_type="Institution", object_id=institution.pk,
                 before=before, after=clean)
    return change


def check_changes(*, institution: Institution, changes: dict) -> dict:
    """The changes as they would be applied (raises InstitutionInvalid naming the field)."""
    return _clean_changes(institution, changes)


@transaction.atomic
def change_institution(*, institution: Institution, staff: StaffMember, changes: dict, note: str = "") -> InstitutionChange:
    """A clerk's 信息变更 of an institution of the agency (reviewed: the clerk holds the review role)."""
    _require_staff(staff, "review", institution)
    return apply_changes(institution=institution, changes=changes, actor=staff.user.username,
                         reason_code=_text(note, "变更说明", required=False, max_length=20))


def _close_period(institution: Institution, effective_on: datetime.date, reason: str) -> None:
    period = DesignationPeriod.objects.select_for_update().filter(institution=institution, end__isnull=True).first()
    if period is None:
        raise InstitutionRefused(f"{institution.name}当前不是定点医药机构")
    if effective_on < period.start:
        raise InstitutionInvalid(f"字段 生效日期：不能早于本次定点起始日 {period.start:%Y-%m-%d}", field="effective_on")
    # The period covers days designated: it ends the day before the effect.
    period.end = effective_on - datetime.timedelta(days=1)
    period.end_reason = reason
    period.save(update_fields=["end", "end_reason"])


def _effective(effective_on: datetime.date | None) -> datetime.date:
    day = effective_on or today()
    if day < today() - datetime.timedelta(days=365) or day > today() + datetime.timedelta(days=365):
        raise InstitutionInvalid("字段 生效日期：应在今天前后一年之内", field="effective_on")
    return day


@transaction.atomic
def suspend_institution(*, institution: Institution, staff: StaffMember, reason_code: str,
                        effective_on: datetime.date | None = None, note: str = "") -> InstitutionChange:
    """暂停 a designated institution's service from ``effective_on`` (default today), with a reason code."""
    _require_staff(staff, "review", institution)
    reasons = rules_file().suspend_reasons
    if reason_code not in reasons:
        raise InstitutionInvalid(f"字段 暂停原因：可选 {'、'.join(f'{k} {v}' for k, v in reasons.items())}",
                                 field="reason_code")
    institution = _locked(institution)
    if institution.status != InstitutionStatus.DESIGNATED:
        raise InstitutionRefused(f"{institution.name}当前状态为「{institution.get_status_display()}」，不能暂停")
    day = _effective(effective_on)
    _close_period(institution, day, reason_code)
    return _status_change(institution, InstitutionStatus.SUSPENDED, InstitutionChange.Action.SUSPEND, reason_code,
                          day, staff, note)


@transaction.atomic
def resume_institution(*, institution: Institution, staff: StaffMember, effective_on: datetime.date | None = None,
                       note: str = "") -> InstitutionChange:
    """恢复 a suspended institution from ``effective_on``: a new designation period starts."""
    _require_staff(staff, "review", institution)
    institution = _locked(institution)
    if institution.status != InstitutionStatus.SUSPENDED:
        raise InstitutionRefused(f"{institution.name}当前状态为「{institution.get_status_display()}」，不能恢复")
    day = _effective(effective_on)
    last = DesignationPeriod.objects.filter(institution=institution).order_by("-start").first()
    if last is not None and last.end is not None and day <= last.end:
        raise InstitutionInvalid(f"字段 生效日期：应晚于暂停前的定点终止日 {last.end:%Y-%m-%d}", field="effective_on")
    DesignationPeriod.objects.create(institution=institution, start=day, agreement=last.agreement if last else None)
    return _status_change(institution, InstitutionStatus.DESIGNATED, InstitutionChange.Action.RESUME, "", day,
                          staff, note)


@transaction.atomic
def terminate_institution(*, institution: Institution, staff: StaffMember, reason_code: str,
                          effective_on: datetime.date | None = None, note: str = "") -> InstitutionChange:
    """解除 the agreement of a designated or suspended institution, with a reason code."""
    _require_staff(staff, "review", institution)
    reasons = rules_file().termination_reasons
    if reason_code not in reasons:
        raise InstitutionInvalid(f"字段 解除原因：可选 {'、'.join(f'{k} {v}' for k, v in reasons.items())}",
                                 field="reason_code")
    institution = _locked(institution)
    if institution.status not in (InstitutionStatus.DESIGNATED, InstitutionStatus.SUSPENDED):
        raise InstitutionRefused(f"{institution.name}当前状态为「{institution.get_status_display()}」，不能解除协议")
    day = _effective(effective_on)
    if institution.status == InstitutionStatus.DESIGNATED:
        _close_period(institution, day, reason_code)
    return _status_change(institution, InstitutionStatus.TERMINATED, InstitutionChange.Action.TERMINATE,
                          reason_code, day, staff, note)


def _status_change(institution: Institution, status: str, action: str, reason_code: str, day: datetime.date,
                   staff: StaffMember, note: str) -> InstitutionChange:
    before = {"status": institution.status}
    institution.status = status
    institution.version += 1
    institution.save(update_fields=["status", "version"])
    change = InstitutionChange.objects.create(
        institution=institution, action=action, reason_code=reason_code, before=before,
        after={"status": status, "note": _text(note, "说明", required=False, max_length=MAX_TEXT)},
        actor=staff.user.username, effective_on=day)
    record_audit(actor=staff.user.username, action=f"institutions.{action}", object_type="Institution",
                 object_id=institution.pk, before=before,
                 after={"status": status, "reason_code": reason_code, "effective_on": day.isoformat()})
    return change
