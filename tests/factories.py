"""factory_boy factories shared by every app's tests.

They write rows directly (no services, no audit): use them to arrange a test,
and call the service under test for the "when".
"""

import datetime

import factory
from django.contrib.auth import get_user_model

from yibao.accounts.models import PERSON_PREFIX, UNIT_PREFIX, PersonAccount, UnitAccount
from yibao.agencies.models import Agency, AgencyLevel, Region, StaffMember, StaffRole, Window
from yibao.ids import make_resident_id, make_uscc

PASSWORD = "test-password-1"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("slug",)

    # Codes 159xxx are outside Shanxi (14xxxx), so they never clash with the real regions.
    slug = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"测试{n}市")
    code = factory.Sequence(lambda n: f"159{n % 1000:03d}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    region = factory.SubFactory(RegionFactory)
    code = factory.Sequence(lambda n: f"158{n % 1000:03d}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"测试{n}县医疗保障服务中心")
    level = AgencyLevel.COUNTY
    district = factory.Sequence(lambda n: f"测试{n}县")
    fund_account_name = factory.LazyAttribute(lambda a: f"{a.name}基金收入户")
    fund_bank_name = "测试银行"
    fund_account_number = factory.Sequence(lambda n: f"62000000{n:08d}")


class WindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Window

    agency = factory.SubFactory(AgencyFactory)
    number = factory.Sequence(lambda n: f"W{n % 1000:03d}")
    name = "综合受理窗口"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class StaffFactory(factory.django.DjangoModelFactory):
    """A clerk; pass roles=["accept", "review"] (default: accept only)."""

    class Meta:
        model = StaffMember
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, username=factory.Sequence(lambda n: f"clerk{n}"))
    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"经办员{n}")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        for role in extracted if extracted is not None else ["accept"]:
            StaffRole.objects.create(staff=self, role=str(role))


def _resident_id(n: int) -> str:
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n)
    return make_resident_id(f"140105{birth:%Y%m%d}{n % 1000:03d}")


class PersonAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonAccount

    id_number = factory.Sequence(_resident_id)
    user = factory.SubFactory(UserFactory,
                              username=factory.LazyAttribute(
                                  lambda o: PERSON_PREFIX + o.factory_parent.id_number))
    name = factory.Sequence(lambda n: f"参保人{n}")
    phone = "13900000000"


class UnitAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitAccount

    uscc = factory.Sequence(lambda n: make_uscc(f"91140100MA{n % 10_000_000:07d}"))
    user = factory.SubFactory(UserFactory,
                              username=factory.LazyAttribute(
                                  lambda o: UNIT_PREFIX + o.factory_parent.uscc))
    name = factory.Sequence(lambda n: f"测试单位{n}有限公司")
