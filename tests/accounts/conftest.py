import datetime

import factory
import pytest

from tests.factories import AgencyFactory
from yibao.enrollment.models import Person, Unit
from yibao.ids import make_resident_id, make_uscc
from yibao.notifications.models import SmsMessage


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 costs ~0.3 s a hash; the demo loader and login tests hash dozens.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class PersonRecordFactory(factory.django.DjangoModelFactory):
    """An enrollment record (参保人员), the real person an account must be bound to."""

    class Meta:
        model = Person

    id_number = factory.Sequence(lambda n: make_resident_id(f"140105197{n % 10}0101{n % 1000:03d}"))
    name = factory.Sequence(lambda n: f"参保人{n}")
    sex = "1"
    birth_date = datetime.date(1970, 1, 1)
    phone = "13800000001"
    home_agency = factory.SubFactory(AgencyFactory)
    region = factory.LazyAttribute(lambda o: o.home_agency.region)


class UnitRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    uscc = factory.Sequence(lambda n: make_uscc(f"91140105MB{n % 10_000_000:07d}"))
    name = factory.Sequence(lambda n: f"示例{n}有限公司")
    unit_type = "企业"
    registered_on = datetime.date(2015, 1, 1)
    contact_name = "孙丽"
    contact_phone = "13700000009"
    home_agency = factory.SubFactory(AgencyFactory)
    region = factory.LazyAttribute(lambda o: o.home_agency.region)


def last_code(phone: str) -> str:
    """The code in the latest text to ``phone`` (the outbox backend keeps every message)."""
    text = SmsMessage.objects.filter(phone=phone).latest("id").text
    return text.split("验证码 ")[1][:6]
