"""Who may see which supervision figures, and the period they ask for.

Shared by the 台账 and the 好差评 statistics: a 科长 (supervise) or 管理员
(administer) of a county agency sees that agency; of the city agency, the whole
region; a superuser everything (optionally one region); anyone else is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from yibao.agencies.models import AgencyLevel, Region, Role, StaffMember
from yibao.agencies.selectors import staff_can, staff_of
from yibao.errors import DomainError

LOCAL_TZ = ZoneInfo(settings.TIME_ZONE)  # Asia/Shanghai
SUPERVISING_ROLES = (Role.SUPERVISE, Role.ADMINISTER)
MAX_PERIOD_DAYS = 3660


class LedgerError(DomainError):
    """Base of the ledger's refusals; the message is for the user."""

    code = "ledger_invalid"


class InvalidPeriod(LedgerError):
    pass


class LedgerForbidden(LedgerError, PermissionDenied):
    """Not allowed to see these figures (views answer 403)."""

    kind = "forbidden"
    code = "ledger_forbidden"


@dataclass(frozen=True)
class Scope:
    """A set of agencies: one agency, one region, or everything (both None)."""

    agency_id: int | None = None
    region_id: int | None = None
    label: str = "全部统筹区"

    def q(self, field: str) -> Q:
        """The filter on an agency foreign key ``field`` (e.g. "home_agency")."""
        if self.agency_id is not None:
            return Q(**{f"{field}_id": self.agency_id})
        if self.region_id is not None:
            return Q(**{f"{field}__region_id": self.region_id})
        return Q()


def _region_of(region) -> Region | None:
    if region is None or region == "":
        return None
    if isinstance(region, Region):
        return region
    found = Region.objects.filter(Q(slug=str(region)) | Q(code=str(region))).first()
    if found is None:
        raise InvalidPeriod(f"字段 region：没有统筹区「{region}」")
    return found


def may_supervise(staff: StaffMember | None) -> bool:
    return any(staff_can(staff, role) for role in SUPERVISING_ROLES)


def supervision_scope(*, staff: StaffMember | None = None, region=None) -> Scope:
    """The scope of a 科长/管理员, or — with ``staff=None`` — the unscoped (superuser) view.

    ``region`` (a Region, slug or code) narrows the unscoped view to one region;
    a staff member may only name their own region.
    """
    wanted = _region_of(region)
    if staff is None:
        if wanted is None:
            return Scope()
        return Scope(region_id=wanted.pk, label=wanted.name)
    if not may_supervise(staff):
        raise LedgerForbidden("只有科长或管理员可以查看台账和评价统计")
    agency = staff.agency
    if wanted is not None and wanted.pk != agency.region_id:
        raise LedgerForbidden(f"无权查看{wanted.name}的台账")
    if agency.level == AgencyLevel.CITY:
        return Scope(region_id=agency.region_id, label=agency.region.name)
    return Scope(agency_id=agency.pk, label=agency.name)


def scope_for_user(user, region=None) -> Scope:
    """The scope of a logged-in user: superuser unscoped, a supervising clerk theirs, else refused."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return supervision_scope(staff=None, region=region)
    staff = staff_of(user)
    if staff is None:
        raise LedgerForbidden("只有科长或管理员可以查看台账和评价统计")
    return supervision_scope(staff=staff, region=region)


def _parse_day(raw: str | None, field: str, default: date) -> date:
    raw = (raw or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else _bad_day(field)
    except ValueError:
        return _bad_day(field)


def _bad_day(field: str) -> date:
    raise InvalidPeriod(f"字段 {field}：日期格式应为 YYYY-MM-DD")


def check_period(start: date, end: date) -> None:
    if not isinstance(start, date):
        raise InvalidPeriod("字段 开始日期：日期格式应为 YYYY-MM-DD")
    if not isinstance(end, date):
        raise InvalidPeriod("字段 结束日期：日期格式应为 YYYY-MM-DD")
    if end < start:
        raise InvalidPeriod(f"字段 结束日期：{end} 不能早于开始日期 {start}")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidPeriod("字段 结束日期：统计期间不能超过 10 年")


def parse_period(start: str | None, end: str | None, *, today: date) -> tuple[date, date]:
    """``?start=&end=`` as dates; empty means this month (1st to today)."""
    first = today.replace(day=1)
    start_day = _parse_day(start, "开始日期", first)
    end_day = _parse_day(end, "结束日期", today)
    check_period(start_day, end_day)
    return start_day, end_day


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in Asia/Shanghai, as aware datetimes (index-friendly)."""
    return (datetime.combine(start, time.min, tzinfo=LOCAL_TZ),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=LOCAL_TZ))
