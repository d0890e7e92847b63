"""Every write to a case: one function per business action.

Each function runs in one transaction, records a ``CaseEvent`` and an audit row,
and raises a ``CaseError`` subclass with a Chinese message. Moves use a
compare-and-set on (status, version), so two clerks acting on the same case at
the same moment cannot both succeed.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from pydantic import ValidationError

from yibao import clock
from yibao.agencies.models import StaffMember, Window
from yibao.agencies.selectors import staff_can
from yibao.audit.services import record_audit
from yibao.cases import lifecycle
from yibao.cases.checklist import Situation, compute_checklist, unknown_situations
from yibao.cases.handlers import Effect, HandlerRefusal, NotOffered, handler_for, offered_handler
from yibao.cases.models import (
    Case,
    CaseEvent,
    CaseFile,
    CaseMaterial,
    CaseNotice,
    CaseNumberCounter,
    CaseStatus,
    Channel,
    Outcome,
)
from yibao.cases.moves import move_row
from yibao.cases.routing import may_accept, may_handle, recorded_name
from yibao.cases.uploads import UploadRefused, store_upload
from yibao.catalog.models import Item
from yibao.errors import DomainError
from yibao.ids import InvalidIdentifier, validate_resident_id, validate_uscc
from yibao.transactions import all_or_nothing
from yibao.workdays.calendar import add_working_days, compute_due_date, count_working_days

NOT_OFFERED_HINT = "该事项暂未开通网上办理"
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
ROLE_LABELS = {"accept": "受理", "review": "审核", "second_review": "复审", "pay": "拨付",
               "supervise": "科长", "administer": "管理员"}


class CaseError(DomainError):
    """Base of every refusal of the case engine; the message is for the user."""

    kind = "invalid"
    code = "case_invalid"


class InvalidApplication(CaseError):
    kind = "invalid"
    code = "invalid_application"


class MoveNotAllowed(CaseError):
    kind = "forbidden"
    code = "move_not_allowed"


class CaseConflict(CaseError):
    kind = "conflict"
    code = "case_conflict"


class ItemNotOffered(CaseError):
    """The item has no handler yet (暂未开通网上办理): no application is taken for it."""

    kind = "not_offered"
    code = "item_not_offered"


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


# --- helpers -------------------------------------------------------------------------------


def _take_number(case: Case, region) -> str:
    """Give ``case`` the region's next case number of the day and return it.

    The counter is one upsert, atomic under concurrent submissions (PostgreSQL and SQLite ≥ 3.35
    alike: the row is created or incremented and read in one statement). On PostgreSQL the
    case's update rides in the same statement (a data-modifying WITH), one round trip in all.
    """
    today = clock.today()
    prefix = f"{region.code}{today:%Y%m%d}"
    counters, cases = CaseNumberCounter._meta.db_table, Case._meta.db_table
    upsert = (f"INSERT INTO {counters} (region_id, day, last) VALUES (%s, %s, 1) "
              f"ON CONFLICT (region_id, day) DO UPDATE SET last = {counters}.last + 1 RETURNING last")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH taken AS ({upsert}) UPDATE {cases} "
                "SET number = %s || lpad(taken.last::text, greatest(5, length(taken.last::text)), '0') "
                f"FROM taken WHERE {cases}.id = %s RETURNING {cases}.number",
                [region.pk, today.isoformat(), prefix, case.pk])
            (number,) = cursor.fetchone()
            return number
        cursor.execute(upsert, [region.pk, today.isoformat()])
        (last,) = cursor.fetchone()
    number = f"{prefix}{last:05d}"
    Case.objects.filter(pk=case.pk).update(number=number)
    return number


def _provisional_number() -> str:
    """A unique placeholder until ``_take_number`` is taken at the end of the submission."""
    return "T" + secrets.token_hex(11)


def _reread(case: Case) -> Case:
    """The case to act on, with what its pages and API answers show loaded alongside.

    A copy a clerk's lookup has just read for this request (``selectors.case_for_staff``) is used
    as it is; any other copy (held by a page, a test, a batch) is read again inside the
    transaction. Either way the compare-and-set in ``_move`` refuses the action if the case
    changed after the read, and the transaction undoes whatever the step did before it.
    """
    if getattr(case, "fresh_for_action", False):
        case.fresh_for_action = False  # one action per read
        return case
    return Case.objects.select_related("item", "region", "home_agency", "accepting_agency",
                                       "accepting_window").get(pk=case.pk)


@dataclass(frozen=True)
class JustFiled:
    """What ``submit_case`` has just written, kept on the case it returns (``Case.just_filed``)
    so that the answer to the submission shows it without reading it back."""

    materials: list[CaseMaterial]
    scans: list[CaseFile]
    event: CaseEvent


def _scans(material: CaseMaterial, uploads: list[Upload], who: str) -> list[CaseFile]:
    """The checked scans of one material, to be saved together (``CaseFile.objects.bulk_create``)."""
    scans = []
    for upload in uploads:
        try:
            stored = store_upload(name=upload.name, content=upload.content)
        except UploadRefused as exc:
            raise InvalidApplication(f"材料「{material.name}」：{exc}") from exc
        scans.append(CaseFile(material=material, uploaded_by=who, **stored.__dict__))
    return scans


def _actor_label(staff: StaffMember | None, user=None) -> str:
    if staff is not None:
        return staff.user.username
    return getattr(user, "username", "") or "匿名"


def _new_event(case: Case, *, action: str, from_status: str, to_status: str, actor: str, role: str,
               staff: StaffMember | None, window: Window | None, channel: str, opinion: str) -> CaseEvent:
    return CaseEvent(case=case, action=action, from_status=from_status, to_status=to_status, actor=actor,
                     actor_role=role, agency=staff.agency if staff else None, window=window,
                     channel=channel or case.channel, opinion=opinion)


def _audit_move(case: Case, *, action: str, from_status: str, actor: str, staff: StaffMember | None,
                window: Window | None, channel: str, opinion: str) -> None:
    record_audit(
        actor=actor, action=f"case.{action}", object_type="Case", object_id=case.number,
        channel=channel or case.channel,
        before={"status": from_status},
        after={"status": case.status, "agency": staff.agency.code if staff else None,
               "window": window.number if window else None, "opinion": opinion or None},
    )


def _event(case: Case, *, action: str, from_status: str, actor: str, role: str = "",
           staff: StaffMember | None = None, window: Window | None = None, channel: str = "",
           opinion: str = "") -> CaseEvent:
    event = _new_event(case, action=action, from_status=from_status, to_status=case.status, actor=actor,
                       role=role, staff=staff, window=window, channel=channel, opinion=opinion)
    event.save(force_insert=True)
    _audit_move(case, action=action, from_status=from_status, actor=actor, staff=staff, window=window,
                channel=channel, opinion=opinion)
    return event


def _move(case: Case, *, action: str, to_status: str, actor: str, role: str = "",
          staff: StaffMember | None = None, window: Window | None = None, channel: str = "",
          opinion: str = "", **updates) -> Case:
    """Compare-and-set the case from its current (status, version) to ``to_status``."""
    from_status = case.status
    next_action, next_role = lifecycle.next_move(case.steps, to_status)
    event = _new_event(case, action=action, from_status=from_status, to_status=to_status, actor=actor,
                       role=role, staff=staff, window=window, channel=channel, opinion=opinion)
    if not move_row(case, from_status=from_status, event=event, values={
            "status": to_status, "version": F("version") + 1, "next_action": next_action,
            "next_role": next_role, **updates}):
        raise CaseConflict(f"办件 {case.number} 已被他人处理（状态已变化），请刷新后重试")
    # The compare-and-set succeeded, so the row is exactly what was read plus these values:
    # apply them in memory rather than read the row back.
    case.status, case.version = to_status, case.version + 1
    case.just_filed = None  # the submission's rows are no longer the whole history
    case.next_action, case.next_role = next_action, next_role
    for name, value in updates.items():
        setattr(case, name, value)
    _audit_move(case, action=action, from_status=from_status, actor=actor, staff=staff, window=window,
                channel=channel, opinion=opinion)
    return case


def _require_staff_window(staff: StaffMember, window: Window | None) -> None:
    if not staff.is_active:
        raise MoveNotAllowed(f"经办人员 {staff.name} 已停用")
    if window is not None and window.agency_id != staff.agency_id:
        raise MoveNotAllowed(f"窗口 {window.number} 不属于{staff.agency.name}")


def _require_role(staff: StaffMember, role: str) -> None:
    if not staff_can(staff, role):
        raise MoveNotAllowed(f"{staff.name} 没有「{ROLE_LABELS.get(role, role)}」权限")


def _validated_applicant(kind: str, id_number: str, name: str, phone: str) -> str:
    if not name.strip():
        raise InvalidApplication("字段 申请人姓名/单位名称：必填")
    if not PHONE.match(phone or ""):
        raise InvalidApplication(f"字段 联系电话：「{phone}」不是有效的手机或固定电话号码")
    try:
        if kind == "person":
            return validate_resident_id(id_number, field_name="申请人公民身份号码").number
        if kind in ("unit", "institution"):
            return validate_uscc(id_number, field_name="统一社会信用代码")
    except InvalidIdentifier as exc:
        raise InvalidApplication(str(exc)) from exc
    raise InvalidApplication(f"字段 申请人类型：「{kind}」无效，可选 person、unit、institution")


# --- applying ------------------------------------------------------------------------------

@transaction.atomic
def submit_case(
    *,
    item: Item,
    applicant_kind: str,
    applicant_name: str,
    applicant_id_number: str,
    applicant_phone: str,
    channel: str,
    situation: dict | None = None,
    form_data: dict | None = None,
    uploads: dict[int, list[Upload]] | None = None,
    commitments: set[int] | frozenset[int] = frozenset(),
    applicant_user=None,
    agent_name: str = "",
    agent_id_number: str = "",
    staff: StaffMember | None = None,
    window: Window | None = None,
) -> Case:
    """File an application for a catalog item, online or entered at a window by staff.

    ``uploads`` maps a material's catalog position to its scans; ``commitments``
    lists positions where the applicant signs the 承诺书 the catalog allows
    instead. Missing materials do not stop the submission: the acceptance check
    finds them and the clerk issues the one-time notice.
    """
    if channel not in Channel.values:
        raise InvalidApplication(f"字段 申请渠道：「{channel}」无效，可选：{'、'.join(Channel.values)}")
    if channel == Channel.WINDOW and staff is None:
        raise InvalidApplication("窗口申请须由经办人员录入")
    if not item.version.is_current:
        raise InvalidApplication(f"事项「{item.name}」所属的事项清单版本已停用，请按现行版本申请")
    if item.is_group:
        raise InvalidApplication(f"「{item.name}」是主项，请选择它的具体子项申请")
    id_number = _validated_applicant(applicant_kind, applicant_id_number, applicant_name, applicant_phone)
    try:
        parsed = Situation.model_validate({**(situation or {}), "applicant_kind": applicant_kind})
    except ValidationError as exc:  # name the field in Chinese
        raise InvalidApplication(f"字段 申请情形：{exc.errors()[0]['loc'][0]} 取值无效") from exc
    unknown = unknown_situations(item.data, parsed)
    if unknown:
        raise InvalidApplication(f"字段 办理情形：本事项没有「{'、'.join(unknown)}」这一情形")
    if parsed.proxy:
        if not agent_name.strip():
            raise InvalidApplication("字段 代办人姓名：委托办理时必填")
        try:
            agent_id_number = validate_resident_id(agent_id_number, field_name="代办人公民身份号码").number
        except InvalidIdentifier as exc:
            raise InvalidApplication(str(exc)) from exc
    try:
        handler = offered_handler(item)
    except NotOffered as exc:
        raise ItemNotOffered(str(exc)) from exc
    try:
        fields = handler.parse_fields(form_data or {})
    except HandlerRefusal as exc:
        raise InvalidApplication(str(exc)) from exc
    checklist = compute_checklist(item.data, parsed)
    positions = {line.position for line in checklist}
    stray = sorted(set(uploads or {}) - positions) + sorted(set(commitments) - positions)
    if stray:
        raise InvalidApplication(f"材料序号 {stray} 不在本情形的材料清单中")
    for position in commitments:
        line = next(li for li in checklist if li.position == position)
        if not line.commitment_alternative:
            raise InvalidApplication(f"材料「{line.name}」不能以承诺书代替")
    region = item.version.region
    if staff is not None:
        _require_staff_window(staff, window)
        # Window entry is reception: the clerk who checks the papers and the ID card.
        _require_role(staff, "accept")
        if staff.agency.region_id != region.id:
            raise MoveNotAllowed(f"{staff.agency.name}不属于{region.name}，不能录入该市事项")
        on_record = recorded_name(applicant_kind=applicant_kind, id_number=id_number)
        if on_record is not None and on_record != applicant_name.strip():
            raise InvalidApplication("字段 申请人姓名/单位名称：与该证件号码的参保登记姓名（名称）不符，请核对证件")
    case = Case(
        number=_provisional_number(), item=item, region=region, channel=channel,
        applicant_kind=applicant_kind, applicant_user=applicant_user, applicant_name=applicant_name.strip(),
        applicant_id_number=id_number, applicant_phone=applicant_phone, agent_name=agent_name.strip(),
        agent_id_number=agent_id_number if parsed.proxy else "",
        situation=parsed.model_dump(mode="json"), form_data=fields.model_dump(mode="json"),
    )
    home = handler.home_agency(case=case, fields=fields)
    if home is None:
        raise InvalidApplication(f"{region.name}尚未设置经办机构，暂不能受理")
    case.home_agency = home
    if staff is not None and not may_accept(staff=staff, case=case):
        # Entered here, it could be neither accepted nor even seen here: send the applicant on now.
        raise MoveNotAllowed(f"「{case.item.name}」不在{staff.agency.name}的通办范围，请到所属经办机构"
                             f"{home.name}办理")
    try:
        handler.check(case=case, fields=fields)
    except HandlerRefusal as exc:
        raise InvalidApplication(str(exc)) from exc
    case.extra_steps = [s for s in handler.extra_steps(case=case, fields=fields)
                        if s in lifecycle.STEPS and s in handler.adds_steps]
    case.save()
    who = _actor_label(staff, applicant_user)
    materials = CaseMaterial.objects.bulk_create([
        CaseMaterial(case=case, position=line.position, name=line.name, required=line.required,
                     commitment_alternative=line.commitment_alternative,
                     use_commitment=line.position in commitments)
        for line in checklist])
    scans = CaseFile.objects.bulk_create([scan for material in materials
                                          for scan in _scans(material, (uploads or {}).get(material.position, []), who)])
    # The number last: the region's counter row stays locked until this transaction commits,
    # so every other submission in the region waits for the writes after it, and only those.
    case.number = _take_number(case, region)
    try:
        handler.on_filed(case=case, fields=fields)
    except HandlerRefusal as exc:
        raise InvalidApplication(str(exc)) from exc
    event = _event(case, action="submit", from_status="", actor=who,
                   role="经办人员" if staff else "申请人", staff=staff, window=window)
    case.just_filed = JustFiled(materials=materials, scans=scans, event=event)
    return case


# --- acceptance ------------------------------------------------------------------------------

KNOWN_MISSING = "未提交该材料"


def _lacking(case: Case) -> list[CaseMaterial]:
    """Required materials with neither a scan nor an allowed commitment."""
    return list(case.materials.filter(required=True, use_commitment=False, files__isnull=True))


@transaction.atomic
def accept_case(*, case: Case, staff: StaffMember, window: Window | None = None, opinion: str = "") -> Case:
    """受理: every required material is present; start the clock."""
    case = _reread(case)
    _require_staff_window(staff, window)
    _require_role(staff, "accept")
    if case.status != CaseStatus.SUBMITTED:
        raise MoveNotAllowed(f"办件当前状态为「{case.get_status_display()}」，不能受理")
    if not may_accept(staff=staff, case=case):
        raise MoveNotAllowed(f"{staff.agency.name}不能受理该办件：事项「{case.item.name}」不在本机构通办范围")
    lacking = _lacking(case)
    if lacking:
        names = "、".join(m.name for m in lacking)
        raise MoveNotAllowed(f"材料不齐全，不能受理，请出具一次性告知书：{names}")
    handler = handler_for(case.item)
    try:
        handler.check(case=case, fields=handler.parse_fields(case.form_data))
    except HandlerRefusal as exc:
        raise MoveNotAllowed(str(exc)) from exc
    today = clock.today()
    due = compute_due_date(today, case.item.time_limit_kind or "instant", case.item.time_limit_days)
    case.materials.update(state=CaseMaterial.State.OK, problem="")
    case = _move(
        case, action="accept", to_status=CaseStatus.ACCEPTED, actor=staff.user.username, role="受理",
        staff=staff, window=window, channel=Channel.WINDOW if window else case.channel, opinion=opinion,
        accepting_agency=staff.agency, accepting_window=window, accepted_by=staff,
        accepted_at=timezone.now(), due_date=due,
        is_cross_agency=staff.agency_id != case.home_agency_id,
    )
    if "受理" in handler.acts_at:
        # A refusal here (e.g. the transfer peer cannot be reached) undoes the acceptance
        # with the transaction and reaches the clerk as a refusal, not a server error.
        try:
            with all_or_nothing():  # this action's own transaction undoes it all on a refusal
                handler.on_step(case=case, step="受理", fields=handler.parse_fields(case.form_data),
                                actor=staff.user.username)
        except HandlerRefusal as exc:
            raise MoveNotAllowed(str(exc)) from exc
    return case


@transaction.atomic
def issue_notice(*, case: Case, staff: StaffMember, problems: dict[int, str],
                 defective: set[int] | frozenset[int] = frozenset(), window: Window | None = None) -> CaseNotice:
    """一次性告知: list every missing or defective material at once and pause the clock.

    ``problems`` maps a checklist position to what is wrong with it; positions in
    ``defective`` were provided but do not meet the requirements, the others are
    missing. Before acceptance only a receiving clerk issues it; after acceptance
    a reviewer of the home agency may (补正), and the clock stops until the
    applicant resubmits.
    """
    case = Case.objects.select_related("item", "region").get(pk=case.pk)
    _require_staff_window(staff, window)
    sources, _ = lifecycle.SIDE_MOVES["notice"]
    if case.status not in sources:
        raise MoveNotAllowed(f"办件当前状态为「{case.get_status_display()}」，不能出具一次性告知书")
    if case.status == CaseStatus.SUBMITTED:
        _require_role(staff, "accept")
        if not may_accept(staff=staff, case=case):
            raise MoveNotAllowed(f"{staff.agency.name}不能受理该办件")
    else:
        _require_role(staff, "review")
        if not may_handle(staff=staff, case=case):
            raise MoveNotAllowed(f"{staff.agency.name}不是该办件的所属经办机构")
    if not problems:
        raise InvalidApplication("一次性告知书至少要列出一项需补正的材料")
    materials = {m.position: m for m in case.materials.all()}
    unknown = sorted(set(problems) - set(materials))
    if unknown:
        raise InvalidApplication(f"材料序号 {unknown} 不在该办件的材料清单中")
    blank = [materials[p].name for p, text in problems.items() if not (text or "").strip()]
    if blank:
        raise InvalidApplication(f"请写明需补正的原因：{'、'.join(blank)}")
    # 行政许可法第三十二条: the notice names everything missing at once. What the system
    # already knows to be missing (no scan, no commitment) is always on it, whatever the
    # clerk ticked; the clerk adds what only a look at the papers shows.
    if case.status == CaseStatus.SUBMITTED:
        problems = {**{m.position: KNOWN_MISSING for m in _lacking(case)}, **problems}
    listed = []
    for position, material in materials.items():
        if position in problems:
            material.state = (CaseMaterial.State.DEFECTIVE if position in defective
                              else CaseMaterial.State.MISSING)
            material.problem = problems[position].strip()[:300]
            listed.append({"position": position, "name": material.name,
                           "state": material.get_state_display(), "problem": material.problem})
        else:
            material.state = CaseMaterial.State.OK
            material.problem = ""
        material.save(update_fields=["state", "problem"])
    notice = CaseNotice.objects.create(
        case=case, number=f"{case.number}-{case.notices.count() + 1}", problems=listed,
        issued_by=staff, agency=staff.agency,
    )
    paused: dict[str, Any] = {} if case.status == CaseStatus.SUBMITTED else {
        "paused_on": clock.today(), "resume_status": case.status}
    _move(case, action="notice", to_status=CaseStatus.SUPPLEMENTING, actor=staff.user.username,
          role="受理" if case.status == CaseStatus.SUBMITTED else "审核", staff=staff, window=window,
          opinion="；".join(f"{p['name']}：{p['problem']}" for p in listed), **paused)
    return notice


@transaction.atomic
def resubmit_case(*, case: Case, uploads: dict[int, list[Upload]] | None = None,
                  commitments: set[int] | frozenset[int] = frozenset(), user=None,
                  staff: StaffMember | None = None, window: Window | None = None) -> Case:
    """补正: the applicant (or a clerk for them) supplies everything the notice listed."""
    case = _reread(case)
    if case.status != CaseStatus.SUPPLEMENTING:
        raise MoveNotAllowed(f"办件当前状态为「{case.get_status_display()}」，无需补正")
    if staff is not None:
        _require_staff_window(staff, window)
    materials = {m.position: m for m in case.materials.all()}
    wanted = {p for p, m in materials.items() if m.state in (CaseMaterial.State.MISSING, CaseMaterial.State.DEFECTIVE)}
    stray = sorted((set(uploads or {}) | set(commitments)) - set(materials))
    if stray:
        raise InvalidApplication(f"材料序号 {stray} 不在该办件的材料清单中")
    for position in commitments:
        if not materials[position].commitment_alternative:
            raise InvalidApplication(f"材料「{materials[position].name}」不能以承诺书代替")
    still = [materials[p].name for p in sorted(wanted)
             if not (uploads or {}).get(p) and p not in commitments]
    if still:
        raise InvalidApplication(f"以下材料尚未补正：{'、'.join(still)}")
    who = _actor_label(staff, user)
    CaseFile.objects.bulk_create([scan for position, files in (uploads or {}).items()
                                  for scan in _scans(materials[position], files, who)])
    for position in commitments:
        CaseMaterial.objects.filter(pk=materials[position].pk).update(use_commitment=True)
    CaseMaterial.objects.filter(case=case, position__in=wanted).update(state=CaseMaterial.State.PENDING)
    case.notices.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    updates: dict = {}
    target: str = CaseStatus.SUBMITTED
    if case.resume_status:
        # The clock stood still from the notice to today: move the due date on by
        # the working days that passed, and resume where the case was.
        target = case.resume_status
        paused = count_working_days(case.paused_on, clock.today()) if case.paused_on else 0
        updates = {"resume_status": "", "paused_on": None,
                   "paused_working_days": case.paused_working_days + paused,
                   "due_date": add_working_days(case.due_date, paused) if case.due_date else None}
    return _move(case, action="resubmit", to_status=target, actor=who,
                 role="经办人员" if staff else "申请人", staff=staff, window=window, **updates)


@transaction.atomic
def refuse_case(*, case: Case, staff: StaffMember, reason: str, window: Window | None = None) -> Case:
    """不予受理, with the reason the applicant will read."""
    case = _reread(case)
    _require_staff_window(staff, window)
    _require_role(staff, "accept")
    if case.status != CaseStatus.SUBMITTED:
        raise MoveNotAllowed(f"办件当前状态为「{case.get_status_display()}」，不能不予受理")
    if not may_accept(staff=staff, case=case):
        raise MoveNotAllowed(f"{staff.agency.name}不能受理该办件")
    if not reason.strip():
        raise InvalidApplication("字段 不予受理理由：必填")
    return _move(case, action="refuse", to_status=CaseStatus.REFUSED, actor=staff.user.username,
                 role="受理", staff=staff, window=window, opinion=reason.strip(),
                 refusal_reason=reason.strip(), completed_at=timezone.now(), accepting_agency=staff.agency)


@transaction.atomic
def withdraw_case(*, case: Case, user, reason: str = "") -> Case:
    """撤回 by the applicant, any time before acceptance."""
    case = _reread(case)
    if case.applicant_user_id is None or case.applicant_user_id != getattr(user, "pk", None):
        raise MoveNotAllowed("只有申请人本人可以撤回办件")
    sources, _ = lifecycle.SIDE_MOVES["withdraw"]
    if case.status not in sources:
        raise MoveNotAllowed(f"办件当前状态为「{case.get_status_display()}」，已受理的办件不能撤回")
    return _move(case, action="withdraw", to_status=CaseStatus.WITHDRAWN, actor=user.username,
                 role="申请人", opinion=reason.strip(), completed_at=timezone.now())


# --- the item's steps after acceptance ---------------------------------------------------------------

@transaction.atomic
def advance_case(*, case: Case, staff: StaffMember, action: str, opinion: str = "",
                 approve: bool = True, window: Window | None = None) -> Case:
    """Do the case's next step (调查, 审核, 认定, 复审, 拨付 or 办结) with an opinion.

    ``approve=False`` on a review-type step ends the case as 不予批准 with the
    opinion as reason.
    """
    case = _reread(case)
    _require_staff_window(staff, window)
    step = lifecycle.next_step(case.steps, case.status)
    if case.status in lifecycle.TERMINAL or step is None:
        raise MoveNotAllowed(f"办件当前状态为「{case.get_status_display()}」，不能再办理")
    if step.action != action:
        raise MoveNotAllowed(
            f"办件当前状态为「{case.get_status_display()}」，下一环节是「{step.label}」，不能「{lifecycle.ACTION_LABELS.get(action, action)}」")
    if step.name == "受理":
        raise MoveNotAllowed("受理请使用受理功能")
    role = lifecycle.role_for(case.steps, step)
    _require_role(staff, role)
    if not may_handle(staff=staff, case=case):
        raise MoveNotAllowed(f"{staff.agency.name}不是该办件的所属经办机构（{case.home_agency.name}），不能{step.label}")
    two_people = case.item.time_limit_kind != "instant" or bool(case.extra_steps)
    if two_people and step.name in ("审核", "调查", "认定") and case.accepted_by_id == staff.pk:
        raise MoveNotAllowed("本事项须两人办理：受理人不能审核自己受理的办件")
    if step.name == "复审" and case.reviewed_by_id == staff.pk:
        raise MoveNotAllowed("复审人不能与审核人为同一人")
    if not approve and "deny" not in lifecycle.available_actions(case.steps, case.status):
        raise InvalidApplication(f"「{step.label}」环节不能作出不予批准的决定")
    if not approve and not opinion.strip():
        raise InvalidApplication("字段 审核意见：不予批准时必须写明理由")
    handler = handler_for(case.item)
    if step.name == "拨付" and approve and handler.acts_at.get("拨付") != Effect.PAYMENT:
        # A case filed before its item lost its handler, or data gone wrong: never "pay" nothing.
        raise MoveNotAllowed(f"事项「{case.item.name}」没有支付处理，不能拨付（{NOT_OFFERED_HINT}）")
    fields = handler.parse_fields(case.form_data)
    updates: dict = {}
    if step.name in ("审核", "调查", "认定"):
        updates["reviewed_by"] = staff
    if not approve:
        return _move(case, action="deny", to_status=CaseStatus.COMPLETED, actor=staff.user.username,
                     role=ROLE_LABELS[role], staff=staff, window=window, opinion=opinion.strip(),
                     outcome=Outcome.DENIED, refusal_reason=opinion.strip(), completed_at=timezone.now(),
                     **updates)
    if step.name == "办结":
        updates.update(outcome=Outcome.APPROVED, completed_at=timezone.now(), result_text=opinion.strip())
    try:
        with all_or_nothing():  # this action's own transaction undoes it all on a refusal
            case = _move(case, action=step.action, to_status=step.status, actor=staff.user.username,
                         role=ROLE_LABELS[role], staff=staff, window=window, opinion=opinion.strip(), **updates)
            if step.name in handler.acts_at:
                handler.on_step(case=case, step=step.name, fields=fields, actor=staff.user.username)
    except HandlerRefusal as exc:
        raise MoveNotAllowed(str(exc)) from exc
    return case


# --- deadlines ------------------------------------------------------------------------------

def mark_overdue_cases(*, today: date | None = None) -> int:
    """Flag every open case whose due date has passed (the periodic sweep)."""
    today = today or clock.today()
    open_statuses = [s for s in CaseStatus.values if s not in lifecycle.TERMINAL and s != CaseStatus.SUPPLEMENTING]
    with transaction.atomic():
        numbers = list(Case.objects.filter(status__in=open_statuses, is_overdue=False, due_date__lt=today)
                       .values_list("number", flat=True))
        changed = Case.objects.filter(number__in=numbers, is_overdue=False).update(is_overdue=True)
        if changed:
            record_audit(actor="system", action="case.sweep_overdue", object_type="Case",
                         after={"count": changed, "numbers": numbers[:100], "today": today.isoformat()})
    return changed
