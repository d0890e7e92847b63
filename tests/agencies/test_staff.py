import pytest

from tests.factories import AgencyFactory, StaffFactory, WindowFactory
from yibao.agencies import selectors
from yibao.agencies.models import Role, StaffMember
from yibao.agencies.services import AgencyError, create_staff, set_staff_roles
from yibao.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_staff_can_checks_roles():
    staff = StaffFactory(roles=[Role.ACCEPT, Role.REVIEW])
    assert selectors.staff_can(staff, Role.ACCEPT)
    assert selectors.staff_can(staff, "review")
    assert not selectors.staff_can(staff, Role.PAY)
    assert not selectors.staff_can(None, Role.ACCEPT)


def test_an_inactive_clerk_can_do_nothing():
    staff = StaffFactory(roles=[Role.ACCEPT], is_active=False)
    assert not selectors.staff_can(staff, Role.ACCEPT)


def test_create_staff_with_roles_and_window():
    agency = AgencyFactory()
    window = WindowFactory(agency=agency, number="01")
    staff = create_staff(username="zhang-san", name="张三", agency=agency,
                         roles=[Role.ACCEPT, Role.REVIEW, Role.ACCEPT],
                         password="long-password", default_window=window, actor="admin")
    assert selectors.staff_roles(staff) == {"accept", "review"}
    assert staff.user.check_password("long-password")
    assert AuditEntry.objects.filter(action="agencies.staff.create", object_id=str(staff.pk),
                                     actor="admin").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "p:140105"}, "用户名只能包含字母、数字和 @ . + - _"),
        ({"roles": []}, "经办人员至少要有一个角色"),
        ({"roles": ["boss"]}, "角色「boss」无效"),
        ({"name": " "}, "姓名不能为空"),
        ({"password": "short"}, "密码长度至少 8 位"),
    ],
)
def test_create_staff_refusals_change_nothing(kwargs, message):
    agency = AgencyFactory()
    args = {"username": "li-si", "name": "李四", "agency": agency, "roles": ["accept"],
            "password": "long-password", "actor": "admin"} | kwargs
    with pytest.raises(AgencyError) as exc:
        create_staff(**args)
    assert exc.value.message.startswith(message)
    assert not StaffMember.objects.exists()


def test_a_window_of_another_agency_is_refused():
    other_window = WindowFactory()
    with pytest.raises(AgencyError, match="默认窗口 .* 不属于"):
        create_staff(username="li-si", name="李四", agency=AgencyFactory(), roles=["accept"],
                     password="long-password", default_window=other_window, actor="admin")


def test_a_taken_username_is_refused():
    StaffFactory(user__username="wang")
    with pytest.raises(AgencyError, match="用户名「wang」已被使用"):
        create_staff(username="wang", name="王五", agency=AgencyFactory(), roles=["accept"],
                     password="long-password", actor="admin")


def test_set_staff_roles_replaces_them_and_audits():
    staff = StaffFactory(roles=["accept", "review"])
    set_staff_roles(staff=staff, roles=["review", "pay"], actor="chief")
    assert selectors.staff_roles(staff) == {"review", "pay"}
    entry = AuditEntry.objects.get(action="agencies.staff.roles")
    assert entry.before == {"roles": ["accept", "review"]}
    assert entry.after == {"roles": ["pay", "review"]}


def test_staff_with_role_lists_only_active_holders():
    agency = AgencyFactory()
    a = StaffFactory(agency=agency, roles=["review"])
    StaffFactory(agency=agency, roles=["accept"])
    StaffFactory(agency=agency, roles=["review"], is_active=False)
    StaffFactory(roles=["review"])  # another agency
    assert list(selectors.staff_with_role(agency, Role.REVIEW)) == [a]
