"""The 参保资助 programme benchmark (``yibao bench aid``; target: 50 000 persons imported,
approved and paid in ≤ 60 s on PostgreSQL).

Builds N residents of a benchmark region (a share of them paid their full personal contribution
and gave a refund account, the others did not), writes the N-row aid-recipient list with openpyxl
(not timed), then times import → submit → approve → pay end to end. Everything it writes is
rolled back at the end, so it can run against a database holding real data.
"""

from __future__ import annotations

import datetime as dt
import time
from io import BytesIO

from django.db import transaction
from openpyxl import Workbook

from yibao import clock
from yibao.agencies.models import Agency, AgencyLevel, Region
from yibao.enrollment.models import (
    Contribution,
    InsurancePeriod,
    InsuranceStatus,
    Person,
    PersonCategory,
)
from yibao.enrollment.policies import policy_for
from yibao.ids import make_resident_id
from yibao.medical_aid import parameters
from yibao.medical_aid.models import AidRecipient, Treatment
from yibao.medical_aid.services import (
    COLUMNS,
    approve_programme,
    create_programme,
    import_recipients,
    pay_programme,
    submit_programme,
)
from yibao.payments.models import Payment

# 149801 is no real county: the benchmark's persons never collide with real or synthetic ones.
BENCH_COUNTY = "149801"


class _Rollback(Exception):
    pass


def _id_number(n: int) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=n // 1000)
    return make_resident_id(f"{BENCH_COUNTY}{birth:%Y%m%d}{n % 1000:03d}")


def _arrange(rows: int, year: int, paid_every: int) -> tuple[Region, bytes]:
    region = Region.objects.create(slug="bench-aid", name="救助基准测试市", code="149800")
    agency = Agency.objects.create(region=region, code="149801", slug="bench-aid-agency",
                                   name="救助基准测试医疗保障服务中心", level=AgencyLevel.COUNTY, district="救助基准测试县")
    ids = [_id_number(n) for n in range(rows)]
    persons = Person.objects.bulk_create(
        [Person(id_number=number, name=f"救助{n}", sex="2", birth_date=dt.date(1950, 1, 1), region=region,
                home_agency=agency) for n, number in enumerate(ids)], batch_size=5000)
    if persons[0].pk is None:
        persons = list(Person.objects.filter(id_number__in=ids).order_by("id_number"))
    InsurancePeriod.objects.bulk_create(
        [InsurancePeriod(person=p, insurance_type="390", status=InsuranceStatus.INSURED,
                         category=PersonCategory.RESIDENT, home_agency=agency, start_date=dt.date(year - 1, 1, 1))
         for p in persons], batch_size=5000)
    fee = policy_for(region, on=dt.date(year, 1, 1)).resident_yearly_fee
    Contribution.objects.bulk_create(
        [Contribution(person=p, month=dt.date(year, 1, 1), insurance_type="390", base=0, unit_part=0,
                      personal_part=fee, paid=True) for n, p in enumerate(persons) if n % paid_every == 0],
        batch_size=5000)
    categories = parameters.categories()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("救助对象名单")
    sheet.append(list(COLUMNS))
    for n, number in enumerate(ids):
        bank = ("中国银行", f"62166000{n:08d}") if n % paid_every == 0 else ("", "")
        sheet.append([number, f"救助{n}", categories[n % len(categories)], f"{year}-01-01", f"{year}-12-31", *bank])
    out = BytesIO()
    book.save(out)
    return region, out.getvalue()


def run_aid_benchmark(rows: int = 50000, paid_every: int = 10) -> dict:
    """Time import + submit + approve + pay of a ``rows``-person list; return each phase's seconds."""
    year = clock.today().year
    result: dict = {}
    try:
        with transaction.atomic():
            region, content = _arrange(rows, year, paid_every)
            started = time.perf_counter()
            programme = create_programme(region=region, year=year, actor="bench-importer")
            imported = import_recipients(programme=programme, content=content, actor="bench-importer")
            read = time.perf_counter()
            submit_programme(programme=programme, actor="bench-importer")
            approve_programme(programme=programme, actor="bench-approver")
            approved = time.perf_counter()
            paid = pay_programme(programme=programme, actor="bench-payer")
            done = time.perf_counter()
            refunds = Payment.objects.filter(reference__startswith="aid-subsidy:bench-aid:").count()
            if imported.rows != rows or refunds != paid.refunded:
                raise RuntimeError(f"救助基准数据有误：导入 {imported.rows} 行，退费 {refunds} 笔")
            result = {
                "rows": rows, "file_kb": round(len(content) / 1024),
                "import_s": round(read - started, 3), "approve_s": round(approved - read, 3),
                "pay_s": round(done - approved, 3), "seconds": round(done - started, 3),
                "refunded": paid.refunded, "credited": paid.credited,
                "credited_rows": AidRecipient.objects.filter(programme=programme, treatment=Treatment.CREDIT).count(),
            }
            raise _Rollback
    except _Rollback:
        pass
    return result
