"""Writes to regions, agencies, windows and staff."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from yibao.agencies.models import Agency, AgencyLevel, Region, Role, StaffMember, StaffRole, Window
from yibao.audit.services import record_audit
from yibao.errors import DomainError

DATA_FILE = Path(__file__).resolve().parent / "data" / "agencies.yaml"
# Shared by every demo login (staff, persons, units); printed by `yibao demo`.
DEMO_PASSWORD = "yibao-demo-2026"


class AgencyError(DomainError):
    """A refused write to agencies or staff; the message is Chinese and names the field."""

    code = "agency_refused"


@dataclass(frozen=True)
class DemoLogin:
    kind: str  # 个人 / 单位 / 经办人员
    login: str  # what to type in the login form
    password: str
    description: str


@dataclass
class DemoResult:
    regions_created: int = 0
    agencies_created: int = 0
    windows_created: int = 0
    staff_created: int = 0
    logins: list[DemoLogin] = field(default_factory=list)

    def describe(self) -> str:
        return (f"经办机构：新建统筹区 {self.regions_created} 个、经办机构 {self.agencies_created} 个、"
                f"窗口 {self.windows_created} 个、演示经办人员 {self.staff_created} 名")


# --- the data file -----------------------------------------------------------------

class _WindowEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(min_length=1, max_length=10)
    name: str = Field(min_length=1, max_length=60)


class _AgencyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^\d{6}$")
    slug: str = Field(pattern=r"^[a-z0-9-]+$", max_length=40)
    name: str = Field(min_length=1, max_length=80)
    level: AgencyLevel
    district: str = Field(min_length=1, max_length=40)
    address: str = ""
    phone: str = ""
    demo_staff: bool = False
    windows: list[_WindowEntry] | None = None


class _RegionEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str
    name: str
    code: str = Field(pattern=r"^\d{6}$")
    prefix: str
    agencies: list[_AgencyEntry]


class _AgenciesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default_windows: list[_WindowEntry]
    regions: list[_RegionEntry]


def read_agencies_file(path: Path = DATA_FILE) -> _AgenciesFile:
    """Parse and validate agencies.yaml; raise AgencyError naming the bad field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return _AgenciesFile.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise AgencyError(f"{path.name}：无法读取（{exc}）") from exc
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise AgencyError(f"{path.name}：字段 {where} 无效：{first['msg']}") from exc


# --- staff ---------------------------------------------------------------------------

def _clean_roles(roles: Iterable[str]) -> list[str]:
    cleaned = []
    for role in roles:
        if role not in Role.values:
            raise AgencyError(f"角色「{role}」无效，可选：{'、'.join(Role.labels)}", field="roles")
        if role not in cleaned:
            cleaned.append(role)
    if not cleaned:
        raise AgencyError("经办人员至少要有一个角色", field="roles")
    return cleaned


# What the 管理员 role may do in the admin site: keep the holiday table, the
# agencies' windows, and look at (never change) cases, evaluations and the audit trail.
ADMINISTRATOR_GROUP = "经办管理员"
ADMINISTRATOR_PERMISSIONS = (
    ("workdays", "holidayoverride", ("add", "change", "delete", "view")),
    ("agencies", "window", ("add", "change", "view")),
    ("agencies", "agency", ("view",)),
    ("agencies", "staffmember", ("view",)),
    ("cases", "case", ("view",)),
    ("cases", "casenotice", ("view",)),
    ("evaluations", "evaluation", ("view",)),
    ("evaluations", "followup", ("view",)),
    ("audit", "auditentry", ("view",)),
)


def _administrator_group() -> Group:
    group, _ = Group.objects.get_or_create(name=ADMINISTRATOR_GROUP)
    wanted = []
    for app_label, model, actions in ADMINISTRATOR_PERMISSIONS:
        wanted += list(Permission.objects.filter(
            content_type__app_label=app_label, content_type__model=model,
            codename__in=[f"{a}_{model}" for a in actions]))
    group.permissions.set(wanted)
    return group


def _sync_admin_access(staff: StaffMember, roles: list[str]) -> None:
    """The 管理员 role opens the admin site (is_staff) with the administrator group's rights."""
    user = staff.user
    is_admin = str(Role.ADMINISTER) in roles
    if user.is_staff != is_admin and not user.is_superuser:
        user.is_staff = is_admin
        user.save(update_fields=["is_staff"])
    if is_admin:
        user.groups.add(_administrator_group())
    else:
        user.groups.remove(*Group.objects.filter(name=ADMINISTRATOR_GROUP))


def _create_staff(*, username: str, name: str, agency: Agency, roles: Iterable[str],
                  password_hash: str, default_window: Window | None, actor: str) -> StaffMember:
    User = get_user_model()
    # Django's username rule excludes ":", which is what keeps staff usernames
    # apart from the "p:" / "u:" logins of persons and units (yibao.accounts).
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise AgencyError("用户名只能包含字母、数字和 @ . + - _", field="username") from exc
    if not name.strip():
        raise AgencyError("姓名不能为空", field="name")
    role_list = _clean_roles(roles)
    if default_window is not None and default_window.agency_id != agency.pk:
        raise AgencyError(f"默认窗口 {default_window.number} 不属于{agency.name}",
                          field="default_window")
    if User.objects.filter(username=username).exists():
        raise AgencyError(f"用户名「{username}」已被使用", field="username")
    user = User.objects.create(username=username, first_name=name.strip()[:150],
                               password=password_hash)
    staff = StaffMember(user=user, agency=agency, default_window=default_window, name=name.strip())
    staff.full_clean()
    staff.save()
    StaffRole.objects.bulk_create([StaffRole(staff=staff, role=r) for r in role_list])
    _sync_admin_access(staff, role_list)
    record_audit(actor=actor, action="agencies.staff.create", object_type="StaffMember",
                 object_id=staff.pk,
                 after={"username": username, "agency": agency.code, "roles": role_list,
                        "default_window": default_window.number if default_window else None})
    return staff


@transaction.atomic
def create_staff(*, username: str, name: str, agency: Agency, roles: Iterable[str],
                 password: str, default_window: Window | None = None,
                 actor: str) -> StaffMember:
    """Create a login for a clerk of one agency with the given roles."""
    if len(password) < 8:
        raise AgencyError("密码长度至少 8 位", field="password")
    return _create_staff(username=username, name=name, agency=agency, roles=roles,
                         password_hash=make_password(password),
                         default_window=default_window, actor=actor)


@transaction.atomic
def set_staff_roles(*, staff: StaffMember, roles: Iterable[str], actor: str) -> StaffMember:
    """Replace a staff member's roles."""
    role_list = _clean_roles(roles)
    before = sorted(staff.roles.values_list("role", flat=True))
    StaffRole.objects.filter(staff=staff).exclude(role__in=role_list).delete()
    existing = set(staff.roles.values_list("role", flat=True))
    StaffRole.objects.bulk_create(
        [StaffRole(staff=staff, role=r) for r in role_list if r not in existing]
    )
    _sync_admin_access(staff, role_list)
    record_audit(actor=actor, action="agencies.staff.roles", object_type="StaffMember",
                 object_id=staff.pk, before={"roles": before}, after={"roles": sorted(role_list)})
    return staff


# --- demo data -----------------------------------------------------------------------

def demo_username(agency_slug: str, role: str) -> str:
    """E.g. ty-xiaodian-accept, cz-city-second-review."""
    return f"{agency_slug}-{role.replace('_', '-')}"


DEMO_ACCOUNT_LABEL = "（示例账户，须按实际开户信息填写）"


def demo_fund_account(code: str, name: str) -> dict[str, str]:
    """A visibly labelled demo receiving account for a demo agency: the real account numbers of
    these agencies are not public; an administrator replaces them before real use."""
    return {"fund_account_name": f"{name}{DEMO_ACCOUNT_LABEL}", "fund_bank_name": "示例银行",
            "fund_account_number": f"6200{code}000001"}


def _sync_agency(region: Region, entry: _AgencyEntry, actor: str) -> tuple[Agency, bool]:
    wanted = {"region": region, "slug": entry.slug, "name": entry.name, "level": entry.level.value,
              "district": entry.district, "address": entry.address, "phone": entry.phone,
              **demo_fund_account(entry.code, entry.name)}
    agency = Agency.objects.filter(code=entry.code).first()
    if agency is None:
        agency = Agency(code=entry.code, **wanted)
        agency.full_clean()
        agency.save()
        record_audit(actor=actor, action="agencies.agency.create", object_type="Agency",
                     object_id=agency.code,
                     after={k: (v.code if k == "region" else v) for k, v in wanted.items()})
        return agency, True
    before = {k: getattr(agency, k) for k in wanted if k != "region"}
    after = {k: v for k, v in wanted.items() if k != "region"}
    if before != after or agency.region_id != region.pk:
        for key, value in wanted.items():
            setattr(agency, key, value)
        agency.full_clean()
        agency.save()
        record_audit(actor=actor, action="agencies.agency.update", object_type="Agency",
                     object_id=agency.code, before=before, after=after)
    return agency, False


def load_demo_agencies(*, actor: str, path: Path = DATA_FILE) -> DemoResult:
    """Create the regions, agencies, windows and demo staff listed in agencies.yaml.

    Idempotent: rows that exist are kept (agency details are brought in line
    with the file), existing demo logins keep their password. Every demo staff
    login is returned in ``logins`` whether new or not, for `yibao demo` to print.
    """
    data = read_agencies_file(path)
    result = DemoResult()
    # Hash once: PBKDF2 takes a good fraction of a second and the demo has 54 clerks.
    password_hash = make_password(DEMO_PASSWORD)
    User = get_user_model()
    with transaction.atomic():
        for region_entry in data.regions:
            region, created = Region.objects.get_or_create(
                slug=region_entry.slug,
                defaults={"name": region_entry.name, "code": region_entry.code},
            )
            if created:
                result.regions_created += 1
                record_audit(actor=actor, action="agencies.region.create", object_type="Region",
                             object_id=region.code,
                             after={"slug": region.slug, "name": region.name})
            for entry in region_entry.agencies:
                agency, created = _sync_agency(region, entry, actor)
                result.agencies_created += created
                for window_entry in entry.windows or data.default_windows:
                    window, created = Window.objects.get_or_create(
                        agency=agency, number=window_entry.number,
                        defaults={"name": window_entry.name},
                    )
                    if created:
                        result.windows_created += 1
                        record_audit(actor=actor, action="agencies.window.create",
                                     object_type="Window", object_id=window.pk,
                                     after={"agency": agency.code, "number": window.number,
                                            "name": window.name})
                if not entry.demo_staff:
                    continue
                first_window = agency.windows.order_by("number").first()
                for role in Role:
                    username = demo_username(agency.slug, role.value)
                    if not User.objects.filter(username=username).exists():
                        _create_staff(username=username,
                                      name=f"{agency.district}{role.label}演示员",
                                      agency=agency, roles=[role.value],
                                      password_hash=password_hash,
                                      default_window=first_window, actor=actor)
                        result.staff_created += 1
                    result.logins.append(DemoLogin(
                        kind="经办人员", login=username, password=DEMO_PASSWORD,
                        description=f"{agency.name} · {role.label}",
                    ))
    return result
