"""The 报盘 import benchmark (``yibao bench import``; target: 10 000 rows in ≤ 2 s).

Builds a unit with N employees in the configured database, writes an N-row
报盘 with openpyxl (not timed), then times reading (python-calamine),
checking and applying (one bulk upsert) end to end. Everything it writes is
rolled back at the end, so it can run against a database holding real data.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from io import BytesIO

from django.db import transaction
from openpyxl import Workbook

from yibao.agencies.models import Agency, AgencyLevel, Region
from yibao.enrollment.baopan import COLUMNS, SHEET, TITLE, read_baopan
from yibao.enrollment.models import (
    BaseDeclaration,
    InsurancePeriod,
    InsuranceStatus,
    InsuranceType,
    Person,
    PersonCategory,
    Unit,
    UnitType,
)
from yibao.enrollment.services.contributions import check_base_declarations, declare_bases
from yibao.ids import make_resident_id, make_uscc

# 149901 is no real county: the benchmark's persons never collide with real or synthetic ones.
BENCH_COUNTY = "149901"


class _Rollback(Exception):
    pass


def _id_number(n: int) -> str:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=n // 1000)
    return make_resident_id(f"{BENCH_COUNTY}{birth:%Y%m%d}{n % 1000:03d}")


def _workbook(ids: list[str], year: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append([TITLE])
    sheet.append([header for header, _, _ in COLUMNS])
    for n, id_number in enumerate(ids):
        sheet.append([id_number, f"职工{n}", str(year), f"{4000 + n % 5000}.50", None])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _arrange(rows: int, year: int) -> tuple[Unit, list[str]]:
    region = Region.objects.filter(slug="taiyuan").first() or Region.objects.create(
        slug="bench-region", name="基准测试市", code="149900")
    agency = Agency.objects.create(region=region, code="149901", slug="bench-agency", name="基准测试医疗保障服务中心",
                                   level=AgencyLevel.COUNTY, district="基准测试县")
    unit = Unit.objects.create(uscc=make_uscc("91149901MA0000000"), name="报盘基准测试有限公司",
                               unit_type=UnitType.ENTERPRISE, region=region, home_agency=agency,
                               registered_on=dt.date(year - 1, 1, 1))
    ids = [_id_number(n) for n in range(rows)]
    persons = Person.objects.bulk_create(
        [Person(id_number=id_number, name=f"职工{n}", sex="1", birth_date=dt.date(1960, 1, 1),
                region=region, home_agency=agency) for n, id_number in enumerate(ids)], batch_size=5000)
    if persons[0].pk is None:  # backends that do not return primary keys from bulk_create
        persons = list(Person.objects.filter(id_number__in=ids))
    InsurancePeriod.objects.bulk_create(
        [InsurancePeriod(person=p, insurance_type=InsuranceType.EMPLOYEE_BASIC, status=InsuranceStatus.INSURED,
                         category=PersonCategory.EMPLOYED, unit=unit, home_agency=agency,
                         start_date=dt.date(year - 1, 1, 1)) for p in persons], batch_size=5000)
    return unit, ids


def run_import_benchmark(rows: int = 10000) -> dict:
    """Time a ``rows``-row 报盘 read + checked + applied; return the seconds of each phase and rows/s."""
    year = dt.date.today().year
    result: dict = {}
    try:
        with transaction.atomic():
            unit, ids = _arrange(rows, year)
            content = _workbook(ids, year)
            started = time.perf_counter()
            read = read_baopan(content)
            parsed = time.perf_counter()
            checked = check_base_declarations(unit=unit, year=year, rows=read.rows)
            validated = time.perf_counter()
            written = declare_bases(unit=unit, year=year, rows=read.rows, actor="bench", case_number="")
            applied = time.perf_counter()
            if read.errors or checked.errors or written != rows:
                raise RuntimeError(f"报盘基准数据有误：{(read.errors + checked.errors)[:3]}")
            stored = BaseDeclaration.objects.filter(unit=unit, year=year).count()
            total = applied - started
            result = {
                "rows": rows,
                "file_kb": round(len(content) / 1024),
                "parse_s": round(parsed - started, 3),
                "validate_s": round(validated - parsed, 3),
                "apply_s": round(applied - validated, 3),
                "seconds": round(total, 3),
                "rows_per_s": round(rows / total) if total else 0,
                "stored": stored,
                "base_total": str(sum((g.base for g in checked.good), Decimal("0.00"))),
            }
            raise _Rollback
    except _Rollback:
        pass
    return result
