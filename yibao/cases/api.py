"""Every case action through the API: applicants (person/unit tokens), staff, the public.

Thin endpoints: parse the body, resolve who is asking (``yibao.api.auth``), call
one service of ``yibao.cases.services`` (or a selector), return a schema. The
engine's refusals (``CaseError``, a ``DomainError``) are mapped to statuses once, in
``yibao/api/errors.py``. Every domain keeps its router in its own ``api.py`` like this one.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from yibao.accounts.models import PersonAccount, UnitAccount
from yibao.agencies.models import StaffMember, Window
from yibao.api.auth import (
    ErrorOut,
    ValidationErrorOut,
    field_error,
    install_auth_error_handler,
    token_auth,
)
from yibao.api.callers import ERRORS, account_of_caller, staff_caller
from yibao.cases import lifecycle, selectors, services
from yibao.cases.checklist import Situation, compute_checklist, unknown_situations
from yibao.cases.models import Case, CaseEvent, CaseMaterial, CaseNotice, CaseStatus, Channel
from yibao.cases.services import (
    CaseConflict,
    Upload,
)
from yibao.catalog import selectors as catalog_selectors
from yibao.catalog.models import Item
from yibao.catalog.schema import SpecialGroup, UnitType
from yibao.evaluations.services import (
    rate_case,
)
from yibao.ledger.selectors import LedgerRow, ledger_rows
from yibao.queries import CompiledRows
from yibao.validation import IsoDate, PlainInt
from yibao.workdays.calendar import provisional_note

APPLICANT_ONLY = "仅限参保个人或单位账号"
NOT_FOUND_PUBLIC = "未找到该办件，请核对办件编号和手机号"
# A token's channel is the case's channel; another system's token files as 网上服务大厅.
CASE_CHANNEL = {"wechat": Channel.WECHAT, "app": Channel.APP}
MAX_BASE64_CHARS = 14 * 1024 * 1024  # ≈ 10 MB decoded, the upload limit of yibao.cases.uploads

router = Router(auth=token_auth)


class ApiFieldError(Exception):
    """Bad input the schema cannot see (base64, window number…): 422 naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"字段 {field}：{message}")
        self.field = field
        self.message = message


def install_case_error_handlers(api) -> None:
    """Map the case engine's refusals to HTTP statuses (called from yibao.api.api)."""
    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc: RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        size = f"{limit / 1024 / 1024:.1f} MB" if limit else "上限"
        return api.create_response(
            request, {"detail": f"请求过大：请求体超过 {size}（文件按 Base64 编码计），请压缩扫描件或分次补正"},
            status=413)

    @api.exception_handler(ApiFieldError)
    def api_field_error(request, exc: ApiFieldError):
        return api.create_response(request, field_error(exc.field, exc.message), status=422)

    install_auth_error_handler(api)


# --- schemas ------------------------------------------------------------------------------

PUBLIC_ERRORS: dict[int, Any] = {404: ErrorOut, 422: ValidationErrorOut}


class ChecklistQuery(Schema):
    applicant_kind: Literal["person", "unit", "institution"] = Field("person", description="申请人类型")
    situations: list[str] = Field([], description="办理情形（可重复），如 异地长期居住")
    unit_type: UnitType | None = Field(None, description="单位类型")
    special_groups: list[SpecialGroup] = Field([], description="特殊人群（可重复）")
    proxy: bool = Field(False, description="是否委托他人代办")


class ChecklistLineOut(Schema):
    position: int = Field(description="材料序号（提交、补正时引用）")
    name: str
    required: bool
    commitment_alternative: str = Field(description="可用以代替的承诺书；空表示不能代替")
    note: str


class SituationIn(Schema):
    situations: list[str] = Field(default=[], description="办理情形")
    unit_type: UnitType | None = None
    special_groups: list[SpecialGroup] = []
    proxy: bool = Field(default=False, description="委托代办（须填代办人姓名、公民身份号码）")


class FileIn(Schema):
    position: int = Field(ge=0, le=999, description="材料序号（见材料清单）")
    name: str = Field(min_length=1, max_length=200, description="文件名")
    content_base64: str = Field(max_length=MAX_BASE64_CHARS,
                                description="文件内容的 Base64 编码（PDF、JPG 或 PNG，按内容判断类型）")


class CaseIn(Schema):
    city: str = Field(max_length=40, description="城市标识，如 jincheng")
    item: str = Field(max_length=80, description="事项标识（key）")
    phone: str = Field("", max_length=20, description="联系电话；个人账号不填则用注册手机号")
    situation: SituationIn = SituationIn()
    form_data: dict[str, Any] = Field({}, description="事项要求的申请信息")
    files: list[FileIn] = Field([], max_length=50)
    commitments: list[int] = Field([], description="以承诺书代替的材料序号")
    agent_name: str = Field("", max_length=50)
    agent_id_number: str = Field("", max_length=18)


class ResubmitIn(Schema):
    files: list[FileIn] = Field([], max_length=50)
    commitments: list[int] = []


class WithdrawIn(Schema):
    reason: str = Field("", max_length=300)


class EvaluationIn(Schema):
    level: int = Field(ge=1, le=5, description="1 非常满意 · 2 满意 · 3 基本满意 · 4 不满意 · 5 非常不满意（4、5 为差评，须说明原因）")
    comment: str = Field("", max_length=500)


class EvaluationOut(Schema):
    number: str
    level: int
    comment: str
    channel: str


class CaseListQuery(Schema):
    status: CaseStatus | None = Field(None, description="按状态筛选")
    limit: PlainInt = Field(50, ge=1, le=200)
    offset: PlainInt = Field(0, ge=0, le=100_000)


class CaseSummaryOut(Schema):
    number: str
    version: int = Field(description="办件版本；经办操作可带回以防覆盖他人的处理")
    city: str
    item_key: str
    item_name: str
    status: str
    status_label: str
    channel: str
    channel_label: str
    applicant_name: str
    submitted_at: datetime
    accepted_at: datetime | None
    due_date: date | None
    due_date_provisional: str = Field("", description="办结期限跨越节假日未录入的年度时为暂定说明，如“（暂定：2027 年节假日未录入）”；否则为空")
    completed_at: datetime | None
    home_agency: str = Field(description="所属经办机构（审核、拨付）")
    accepting_agency: str | None = Field(description="受理机构")
    is_overdue: bool
    outcome: str
    outcome_label: str
    refusal_reason: str


class FileInfoOut(Schema):
    name: str
    content_type: str
    size: int
    uploaded_at: datetime


class MaterialOut(Schema):
    position: int
    name: str
    required: bool
    commitment_alternative: str
    use_commitment: bool
    state: str
    state_label: str
    problem: str
    files: list[FileInfoOut]


class EventOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    to_status_label: str
    role: str = Field(description="申请人 / 受理 / 审核 …（不含经办人员账号）")
    agency: str | None
    window: str | None
    channel: str
    opinion: str
    at: datetime


class StaffEventOut(EventOut):
    actor: str = Field(description="操作人账号")


class NoticeProblemOut(Schema):
    position: int
    name: str
    state: str
    problem: str


class NoticeOut(Schema):
    number: str
    agency: str
    issued_at: datetime
    resolved_at: datetime | None
    problems: list[NoticeProblemOut]


class DescribedOut(Schema):
    label: str = Field(description="项目")
    value: str = Field(description="内容")


class CaseDetailOut(CaseSummaryOut):
    situation: dict[str, Any]
    form_data: dict[str, Any]
    agent_name: str
    materials: list[MaterialOut]
    events: list[EventOut]
    notices: list[NoticeOut]
    actions: list[str] = Field(description="申请人现在可做的操作：withdraw 撤回、resubmit 补正")
    described: list[DescribedOut] = Field(description="申请内容（事项处理器给出的字段与金额）")


class ActionOut(Schema):
    action: str
    label: str


class StaffCaseOut(CaseSummaryOut):
    applicant_kind: str
    applicant_id_number: str
    applicant_phone: str
    agent_name: str
    is_cross_agency: bool
    situation: dict[str, Any]
    form_data: dict[str, Any]
    materials: list[MaterialOut]
    events: list[StaffEventOut]
    notices: list[NoticeOut]
    described: list[DescribedOut] = Field(description="申请内容（事项处理器给出的字段与金额）")
    actions: list[ActionOut] = Field(description="该办件状态允许的操作（角色与机构在执行时校验）")


class TodoQuery(Schema):
    item: str = Field("", max_length=80, description="事项标识")
    status: CaseStatus | None = None
    flag: Literal["临期", "超期"] | None = Field(None, description="临期 / 超期")


class TodoOut(Schema):
    number: str
    item_key: str
    item_name: str
    applicant_name: str
    applicant_id: str = Field(description="证件号码（个人已打码）")
    status: str
    status_label: str
    next_action: str
    next_action_label: str
    flag: str
    due_date: date | None
    due_date_provisional: str = Field("", description="办结期限跨越节假日未录入的年度时为暂定说明，如“（暂定：2027 年节假日未录入）”；否则为空")
    submitted_at: datetime
    is_cross_agency: bool


class WindowIn(Schema):
    window: str | None = Field(None, max_length=10, description="窗口号（须属于本机构）")
    version: int | None = Field(None, ge=1, description="读取办件时的 version；办件已被他人改动则返回 409")


class AcceptIn(WindowIn):
    opinion: str = Field("", max_length=500)


class ProblemIn(Schema):
    position: int = Field(ge=0, le=999)
    reason: str = Field(max_length=300)
    defective: bool = Field(False, description="true：已提供但不符合要求；false：缺少")


class NoticeIn(WindowIn):
    problems: list[ProblemIn] = Field(min_length=1)


class RefuseIn(WindowIn):
    reason: str = Field(max_length=500)


class AdvanceIn(WindowIn):
    action: Literal["investigate", "review", "recognize", "second_review", "pay", "complete"]
    opinion: str = Field("", max_length=500)
    approve: bool = Field(True, description="false：不予批准（仅审核类环节，须写明意见）")


class StaffResubmitIn(WindowIn):
    files: list[FileIn] = Field([], max_length=50)
    commitments: list[int] = []


class WindowCaseIn(WindowIn):
    applicant_kind: Literal["person", "unit", "institution"]
    applicant_id_number: str = Field(max_length=18, description="公民身份号码或统一社会信用代码")
    applicant_name: str = Field(max_length=100)
    phone: str = Field(max_length=20)
    item: str = Field(max_length=80, description="本市事项标识（key）")
    situation: SituationIn = SituationIn()
    form_data: dict[str, Any] = {}
    files: list[FileIn] = Field([], max_length=50)
    commitments: list[int] = []
    agent_name: str = Field("", max_length=50)
    agent_id_number: str = Field("", max_length=18)


class LedgerQuery(Schema):
    start: IsoDate = Field(description="起始日期 YYYY-MM-DD")
    end: IsoDate = Field(description="截止日期 YYYY-MM-DD（含）")


class LedgerRowOut(Schema):
    agency_code: str
    agency_name: str
    item_code: str
    item_key: str
    item_name: str
    submitted: int = Field(description="申请")
    accepted: int = Field(description="受理")
    refused: int = Field(description="不予受理")
    withdrawn: int = Field(description="撤回")
    completed: int = Field(description="办结")
    completed_on_time: int = Field(description="按时办结")
    overdue: int = Field(description="超期")
    tongban_accepted: int = Field(description="通办受理（为其他机构受理）")
    tongban_in: int = Field(description="通办转入（本机构办件在外地受理）")
    evaluations: int = Field(description="评价数")
    satisfied: int = Field(description="满意数")
    bad_reviews: int = Field(description="差评数")
    on_time_rate: Decimal | None = Field(description="按时办结率（0–1）")
    satisfaction_rate: Decimal | None = Field(description="满意率（0–1）")
    bad_review_rate: Decimal | None = Field(description="差评率（0–1）")
    is_total: bool = Field(description="合计行")


class ProgressQuery(Schema):
    number: str = Field(max_length=24, description="办件编号")
    phone: str = Field(max_length=20, description="申请时填写的联系电话")


class ProgressStepOut(Schema):
    action: str
    status: str
    at: datetime


class ProgressOut(Schema):
    number: str
    item: str
    region: str
    status: str
    status_label: str
    submitted_on: date
    due_date: date | None
    due_date_provisional: str = Field("", description="办结期限跨越节假日未录入的年度时为暂定说明，如“（暂定：2027 年节假日未录入）”；否则为空")
    steps: list[ProgressStepOut]


# --- who is asking --------------------------------------------------------------------------

@dataclass(frozen=True)
class Applicant:
    kind: str
    name: str
    id_number: str
    phone: str


def _applicant(request) -> Applicant:
    user = request.auth
    account = account_of_caller(request)
    if isinstance(account, PersonAccount):
        return Applicant("person", account.name, account.id_number, account.phone)
    if isinstance(account, UnitAccount):
        return Applicant("unit", account.name, account.uscc, "")
    if request.api_token.kind == "inst":  # an institution's token (yibao.api.auth.TOKEN_KINDS)
        from yibao.institutions.selectors import institution_of

        if institution := institution_of(user):
            return Applicant("institution", institution.name, institution.uscc, institution.phone)
    raise HttpError(403, APPLICANT_ONLY)


_staff = staff_caller


def _case_channel(request) -> str:
    return CASE_CHANNEL.get(request.api_token.channel, Channel.ONLINE_HALL)


def _window(staff: StaffMember, number: str | None) -> Window | None:
    if not number:
        return None
    window = Window.objects.filter(agency_id=staff.agency_id, number=number.strip(), is_active=True).first()
    if window is None:
        raise ApiFieldError("window", f"窗口「{number}」不属于{staff.agency.name}或已停用")
    return window


def _own_case(request, number: str) -> Case:
    case = selectors.case_of_applicant(request.auth, number)
    if case is None:
        raise HttpError(404, f"未找到办件 {number}")
    return case


def _staff_case(staff: StaffMember, number: str, version: int | None = None) -> Case:
    """A case the clerk may open; with ``version``, refuse (409) if it changed since the clerk read it."""
    case = selectors.case_for_staff(staff, number)
    if case is None:
        raise HttpError(404, f"未找到办件 {number}，或该办件不在{staff.agency.name}的办理范围")
    if version is not None and case.version != version:
        raise CaseConflict(f"办件 {case.number} 已被他人处理（状态已变化），请刷新后重试")
    return case


def _item(city: str, key: str, *, field: str | None = None) -> Item:
    """A current catalog item; 404 for a path, 422 naming ``field`` for a body."""
    item = catalog_selectors.current_item(city, key)
    if item is not None:
        return item
    try:
        version = catalog_selectors.current_version(city)
    except catalog_selectors.CatalogNotLoaded as exc:
        if field:
            raise ApiFieldError("city", f"城市「{city}」不存在或尚未载入事项清单") from exc
        raise HttpError(404, f"城市「{city}」不存在或尚未载入事项清单") from exc
    item = catalog_selectors.get_item(version, key)
    if item is None:
        message = f"{version.region.name}没有标识为「{key}」的事项"
        if field:
            raise ApiFieldError(field, message)
        raise HttpError(404, message)
    return item


def _uploads(files: list[FileIn], field: str = "files") -> dict[int, list[Upload]]:
    """Decode every file before anything is written; a bad one names ``files[i].content_base64``."""
    uploads: dict[int, list[Upload]] = defaultdict(list)
    for index, file in enumerate(files):
        data = file.content_base64
        if data.startswith("data:") and "," in data:  # a data: URL from a browser's FileReader
            data = data.split(",", 1)[1]
        try:
            content = base64.b64decode("".join(data.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ApiFieldError(f"{field}[{index}].content_base64", "不是有效的 Base64 编码") from exc
        if not content:
            raise ApiFieldError(f"{field}[{index}].content_base64", "文件内容为空")
        uploads[file.position].append(Upload(file.name, content))
    return dict(uploads)


# --- presenting -------------------------------------------------------------------------------

def _provisional(due: date | None, start: datetime | None = None) -> str:
    """The 暂定 note the pages show beside a due date (yibao.workdays.calendar.provisional_note)."""
    return provisional_note(timezone.localdate(start) if start else None, due)


def _summary(case: Case) -> dict:
    return {
        "number": case.number, "version": case.version, "city": case.region.slug, "item_key": case.item.key,
        "item_name": case.item.name, "status": case.status, "status_label": case.get_status_display(),
        "channel": case.channel, "channel_label": case.get_channel_display(),
        "applicant_name": case.applicant_name, "submitted_at": case.submitted_at,
        "accepted_at": case.accepted_at, "due_date": case.due_date, "completed_at": case.completed_at,
        "due_date_provisional": _provisional(case.due_date, case.accepted_at),
        "home_agency": case.home_agency.name,
        "accepting_agency": case.accepting_agency.name if case.accepting_agency else None,
        "is_overdue": case.is_overdue, "outcome": case.outcome,
        "outcome_label": case.get_outcome_display() if case.outcome else "",
        "refusal_reason": case.refusal_reason,
    }


MATERIAL_STATES = dict(CaseMaterial.State.choices)
EVENT_COLUMNS = ("action", "from_status", "to_status", "actor", "actor_role", "agency__name", "window__number",
                 "channel", "opinion", "at")
# The two reads of every action's answer, compiled once (yibao.queries.CompiledRows).
_MATERIALS_OF_CASE = CompiledRows(
    lambda case_id: CaseMaterial.objects.filter(case_id=case_id)
    .order_by("position", "files__uploaded_at", "files__id")
    .values_list("id", "position", "name", "required", "commitment_alternative", "use_commitment", "state",
                 "problem", "files__original_name", "files__content_type", "files__size", "files__uploaded_at"),
    -918273647)
_EVENTS_OF_CASE = CompiledRows(
    lambda case_id: CaseEvent.objects.filter(case_id=case_id).order_by("at", "id").values_list(*EVENT_COLUMNS),
    -918273648)


@dataclass
class _History:
    materials: list[dict]
    events: Sequence[Mapping[str, Any]]
    notices: list[CaseNotice]


def _with_history(case: Case) -> tuple[Case, _History]:
    """The case (as the action or selector left it) with its materials, files, events and notices.

    Two queries compiled once per process, three when the case has had a notice: materials with
    their files in one (LEFT JOIN), events with their agency and window in the other; none right
    after the submission (``Case.just_filed``). The case row itself is not read again (the
    services apply their compare-and-set in memory); a case loaded without its related rows gets
    them from the reference rows.
    """
    if not all(getattr(Case, name).is_cached(case) or getattr(case, f"{name}_id") is None
               for name in ("item", "region", "home_agency", "accepting_agency")):
        case = selectors.case_with_relations(case.pk)
    if case.just_filed is not None:
        return case, _history_just_filed(case.just_filed)
    materials: dict[int, dict] = {}
    for (pk, position, name, required, alternative, commitment, state, problem,
         file_name, file_type, file_size, uploaded_at) in _MATERIALS_OF_CASE.rows(case.pk):
        material = materials.setdefault(pk, {
            "position": position, "name": name, "required": required, "commitment_alternative": alternative,
            "use_commitment": commitment, "state": state, "state_label": MATERIAL_STATES.get(state, state),
            "problem": problem, "files": []})
        if file_name is not None:
            material["files"].append({"name": file_name, "content_type": file_type, "size": file_size,
                                      "uploaded_at": uploaded_at})
    events = [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in _EVENTS_OF_CASE.rows(case.pk)]
    noticed = any(event["action"] == "notice" for event in events)
    notices = list(CaseNotice.objects.filter(case_id=case.pk).select_related("agency")) if noticed else []
    return case, _History(list(materials.values()), events, notices)


def _history_just_filed(filed: services.JustFiled) -> _History:
    """The history of a case as ``submit_case`` has just written it: no query."""
    scans: dict[int, list[dict]] = defaultdict(list)
    for scan in filed.scans:
        scans[scan.material_id].append({"name": scan.original_name, "content_type": scan.content_type,
                                        "size": scan.size, "uploaded_at": scan.uploaded_at})
    materials = [{
        "position": m.position, "name": m.name, "required": m.required, "commitment_alternative":
        m.commitment_alternative, "use_commitment": m.use_commitment, "state": m.state,
        "state_label": MATERIAL_STATES.get(m.state, m.state), "problem": m.problem, "files": scans[m.pk],
    } for m in sorted(filed.materials, key=lambda m: m.position)]
    event = filed.event
    events = [{"action": event.action, "from_status": event.from_status, "to_status": event.to_status,
               "actor": event.actor, "actor_role": event.actor_role,
               "agency__name": event.agency.name if event.agency else None,
               "window__number": event.window.number if event.window else None,
               "channel": event.channel, "opinion": event.opinion, "at": event.at}]
    return _History(materials, events, [])


def _status_label(value: str) -> str:
    return CaseStatus(value).label if value in CaseStatus.values else value


def _event(event: Mapping[str, Any], *, with_actor: bool) -> dict:
    row = {
        "action": event["action"], "action_label": lifecycle.ACTION_LABELS.get(event["action"], event["action"]),
        "from_status": event["from_status"], "to_status": event["to_status"],
        "to_status_label": _status_label(event["to_status"]), "role": event["actor_role"],
        "agency": event["agency__name"], "window": event["window__number"],
        "channel": event["channel"], "opinion": event["opinion"], "at": event["at"],
    }
    if with_actor:
        row["actor"] = event["actor"]
    return row


def _notice(notice: CaseNotice) -> dict:
    return {"number": notice.number, "agency": notice.agency.name, "issued_at": notice.issued_at,
            "resolved_at": notice.resolved_at,
            "problems": [{"position": p["position"], "name": p["name"], "state": p["state"],
                          "problem": p["problem"]} for p in notice.problems]}


def _described(case: Case) -> list[dict]:
    return [{"label": label, "value": value} for label, value in selectors.described_application(case)]


def _applicant_detail(case: Case) -> dict:
    case, history = _with_history(case)
    actions = [a for a in ("withdraw", "resubmit")
               if case.status in lifecycle.SIDE_MOVES[a][0]]
    return {
        **_summary(case), "situation": case.situation, "form_data": case.form_data,
        "agent_name": case.agent_name,
        "materials": history.materials,
        "events": [_event(e, with_actor=False) for e in history.events],
        "notices": [_notice(n) for n in history.notices],
        "actions": actions,
        "described": _described(case),
    }


def _staff_detail(case: Case) -> dict:
    case, history = _with_history(case)
    return {
        **_summary(case), "applicant_kind": case.applicant_kind,
        "applicant_id_number": case.applicant_id_number, "applicant_phone": case.applicant_phone,
        "agent_name": case.agent_name, "is_cross_agency": case.is_cross_agency,
        "situation": case.situation, "form_data": case.form_data,
        "materials": history.materials,
        "events": [_event(e, with_actor=True) for e in history.events],
        "notices": [_notice(n) for n in history.notices],
        "described": _described(case),
        "actions": [{"action": a, "label": lifecycle.ACTION_LABELS.get(a, a)}
                    for a in lifecycle.available_actions(case.steps, case.status)],
    }


# --- public ----------------------------------------------------------------------------------

@router.get("/items/{city}/{key}/checklist", auth=None, tags=["办件·申请人"],
            response={200: list[ChecklistLineOut], **PUBLIC_ERRORS},
            summary="按申请情形计算的材料清单（公开）")
def checklist(request, city: str, key: str, params: Query[ChecklistQuery]):
    item = _item(city, key)
    situation = Situation(applicant_kind=params.applicant_kind, unit_type=params.unit_type,
                          special_groups=params.special_groups, situations=params.situations,
                          proxy=params.proxy)
    unknown = unknown_situations(item.data, situation)
    if unknown:
        declared = "、".join(item.data.get("situations", [])) or "无"
        raise ApiFieldError("situations", f"本事项没有「{'、'.join(unknown)}」这一情形（可选：{declared}）")
    return [dataclasses.asdict(line) for line in compute_checklist(item.data, situation)]


@router.get("/progress", auth=None, tags=["办件·公开查询"], response={200: ProgressOut, **PUBLIC_ERRORS},
            summary="凭办件编号和手机号查询办理进度（不含个人信息）")
def progress(request, params: Query[ProgressQuery]):
    found = selectors.public_progress(params.number, params.phone)
    if found is None:
        raise HttpError(404, NOT_FOUND_PUBLIC)
    return {**found, "due_date_provisional": _provisional(found["due_date"])}


# --- applicants ------------------------------------------------------------------------------

@router.post("/cases", tags=["办件·申请人"], response={201: CaseDetailOut, **ERRORS},
             summary="提交申请（个人或单位令牌；渠道取自令牌）")
def submit(request, body: CaseIn):
    """申请人姓名、证件号码取自登录账号，不从请求中读取。文件以 Base64 提交。"""
    applicant = _applicant(request)
    item = _item(body.city, body.item, field="item")
    uploads = _uploads(body.files)
    case = services.submit_case(
        item=item, applicant_kind=applicant.kind, applicant_name=applicant.name,
        applicant_id_number=applicant.id_number, applicant_phone=body.phone.strip() or applicant.phone,
        channel=_case_channel(request), situation=body.situation.model_dump(mode="json"),
        form_data=body.form_data, uploads=uploads, commitments=set(body.commitments),
        applicant_user=request.auth, agent_name=body.agent_name, agent_id_number=body.agent_id_number,
    )
    return Status(201, _applicant_detail(case))


@router.get("/cases", tags=["办件·申请人"], response={200: list[CaseSummaryOut], **ERRORS},
            summary="我的办件")
def my_cases(request, params: Query[CaseListQuery]):
    _applicant(request)
    cases = selectors.cases_of_applicant(request.auth)
    if params.status:
        cases = cases.filter(status=params.status)
    return [_summary(c) for c in cases[params.offset:params.offset + params.limit]]


@router.get("/cases/{number}", tags=["办件·申请人"], response={200: CaseDetailOut, **ERRORS},
            summary="我的办件详情：状态、流转记录、材料核验结果、一次性告知书")
def my_case(request, number: str):
    _applicant(request)
    return _applicant_detail(_own_case(request, number))


@router.post("/cases/{number}/withdraw", tags=["办件·申请人"], response={200: CaseDetailOut, **ERRORS},
             summary="撤回（受理前）")
def withdraw(request, number: str, body: WithdrawIn):
    _applicant(request)
    case = services.withdraw_case(case=_own_case(request, number), user=request.auth, reason=body.reason)
    return _applicant_detail(case)


@router.post("/cases/{number}/resubmit", tags=["办件·申请人"], response={200: CaseDetailOut, **ERRORS},
             summary="按一次性告知书补正材料")
def resubmit(request, number: str, body: ResubmitIn):
    _applicant(request)
    case = _own_case(request, number)
    uploads = _uploads(body.files)
    case = services.resubmit_case(case=case, uploads=uploads, commitments=set(body.commitments),
                                  user=request.auth)
    return _applicant_detail(case)


@router.post("/cases/{number}/evaluation", tags=["办件·申请人"], response={201: EvaluationOut, **ERRORS},
             summary="好差评（一事一评）")
def evaluate(request, number: str, body: EvaluationIn):
    _applicant(request)
    case = _own_case(request, number)
    channel = _case_channel(request)
    evaluation = rate_case(case=case, user=request.auth, level=body.level, comment=body.comment,
                           channel=channel)
    return Status(201, {"number": case.number, "level": evaluation.level, "comment": evaluation.comment,
                        "channel": evaluation.channel})


# --- staff -------------------------------------------------------------------------------------

@router.get("/staff/todo", tags=["办件·经办人员"], response={200: list[TodoOut], **ERRORS},
            summary="待办任务（最紧急的在前；证件号码已打码）")
def todo(request, params: Query[TodoQuery]):
    staff = _staff(request)
    rows = selectors.todo_for_staff(staff, item_key=params.item, status=params.status or "",
                                    flag=params.flag or "")
    return [{
        "number": r.case.number, "item_key": r.case.item.key, "item_name": r.case.item.name,
        "applicant_name": r.case.applicant_name, "applicant_id": r.masked_id,
        "status": r.case.status, "status_label": r.case.get_status_display(),
        "next_action": r.action, "next_action_label": r.action_label, "flag": r.flag,
        "due_date": r.case.due_date, "submitted_at": r.case.submitted_at,
        "due_date_provisional": _provisional(r.case.due_date, r.case.accepted_at),
        "is_cross_agency": r.case.is_cross_agency or r.case.home_agency_id != staff.agency_id,
    } for r in rows]


@router.get("/staff/cases/{number}", tags=["办件·经办人员"], response={200: StaffCaseOut, **ERRORS},
            summary="办件详情（本机构的办件，或可在本机构受理的通办办件）")
def staff_case(request, number: str):
    staff = _staff(request)
    return _staff_detail(_staff_case(staff, number))


@router.post("/staff/cases", tags=["办件·经办人员"], response={201: StaffCaseOut, **ERRORS},
             summary="窗口录入申请（渠道：窗口）")
def window_entry(request, body: WindowCaseIn):
    staff = _staff(request)
    window = _window(staff, body.window) or staff.default_window
    item = _item(staff.agency.region.slug, body.item, field="item")
    uploads = _uploads(body.files)
    case = services.submit_case(
        item=item, applicant_kind=body.applicant_kind, applicant_name=body.applicant_name,
        applicant_id_number=body.applicant_id_number, applicant_phone=body.phone,
        channel=Channel.WINDOW, situation=body.situation.model_dump(mode="json"),
        form_data=body.form_data, uploads=uploads, commitments=set(body.commitments),
        agent_name=body.agent_name, agent_id_number=body.agent_id_number, staff=staff, window=window,
    )
    return Status(201, _staff_detail(case))


@router.post("/staff/cases/{number}/accept", tags=["办件·经办人员"], response={200: StaffCaseOut, **ERRORS},
             summary="受理")
def accept(request, number: str, body: AcceptIn):
    staff = _staff(request)
    case = _staff_case(staff, number, body.version)
    case = services.accept_case(case=case, staff=staff, window=_window(staff, body.window),
                                opinion=body.opinion)
    return _staff_detail(case)


@router.post("/staff/cases/{number}/notice", tags=["办件·经办人员"], response={200: StaffCaseOut, **ERRORS},
             summary="出具一次性告知书（列明全部需补正的材料，暂停计时）")
def notice(request, number: str, body: NoticeIn):
    staff = _staff(request)
    case = _staff_case(staff, number, body.version)
    window = _window(staff, body.window)
    positions = [p.position for p in body.problems]
    if len(set(positions)) != len(positions):
        raise ApiFieldError("problems", "同一材料序号出现了多次")
    services.issue_notice(case=case, staff=staff, window=window,
                          problems={p.position: p.reason for p in body.problems},
                          defective={p.position for p in body.problems if p.defective})
    return _staff_detail(selectors.case_with_relations(case.pk))  # the service changed its own copy


@router.post("/staff/cases/{number}/refuse", tags=["办件·经办人员"], response={200: StaffCaseOut, **ERRORS},
             summary="不予受理（写明理由）")
def refuse(request, number: str, body: RefuseIn):
    staff = _staff(request)
    case = _staff_case(staff, number, body.version)
    case = services.refuse_case(case=case, staff=staff, reason=body.reason,
                                window=_window(staff, body.window))
    return _staff_detail(case)


@router.post("/staff/cases/{number}/advance", tags=["办件·经办人员"], response={200: StaffCaseOut, **ERRORS},
             summary="办理下一环节（调查、审核、认定、复审、拨付、办结）")
def advance(request, number: str, body: AdvanceIn):
    staff = _staff(request)
    case = _staff_case(staff, number, body.version)
    case = services.advance_case(case=case, staff=staff, action=body.action, opinion=body.opinion,
                                 approve=body.approve, window=_window(staff, body.window))
    return _staff_detail(case)


@router.post("/staff/cases/{number}/resubmit", tags=["办件·经办人员"], response={200: StaffCaseOut, **ERRORS},
             summary="代申请人补正材料")
def staff_resubmit(request, number: str, body: StaffResubmitIn):
    staff = _staff(request)
    case = _staff_case(staff, number, body.version)
    window = _window(staff, body.window)
    uploads = _uploads(body.files)
    case = services.resubmit_case(case=case, uploads=uploads, commitments=set(body.commitments),
                                  staff=staff, window=window)
    return _staff_detail(case)


@router.get("/staff/ledger", tags=["办件·经办人员"], response={200: list[LedgerRowOut], **ERRORS},
            summary="台账（按日期范围）")
def ledger(request, params: Query[LedgerQuery]):
    """仅科长、管理员：县级机构看本机构，市级机构看全市。"""
    staff = _staff(request)
    rows = ledger_rows(staff=staff, start=params.start, end=params.end)
    return [_ledger_row(row) for row in rows]


def _ledger_row(row: LedgerRow) -> dict:
    return {**dataclasses.asdict(row), "on_time_rate": row.on_time_rate,
            "satisfaction_rate": row.satisfaction_rate, "bad_review_rate": row.bad_review_rate}
