"""Synthetic designated institutions and a month of their direct settlements (demos, benchmarks).

Deterministic for a seed. The mix is a demo assumption, not any city's statistics: about a
third of settlements are pharmacy purchases (41), most of the rest ordinary outpatient visits
(11), then chronic-disease outpatient (14), emergencies (13), inpatient stays (21) and day
surgery (28); tertiary hospitals draw far more cases than primary ones. A few settlements
are deliberately wrong (a charge repeated under a new settlement ID, an unknown person) so
the review has something to find. Records are written by COPY on PostgreSQL.
"""

from __future__ import annotations

import bisect
import csv
import datetime
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction

from yibao import clock
from yibao.agencies.models import Agency, AgencyLevel, Region
from yibao.audit.services import record_audit
from yibao.enrollment.models import InsurancePeriod, InsuranceStatus
from yibao.ids import make_resident_id, make_uscc
from yibao.settlement.models import Declaration, DeclarationStatus, SettlementRecord
from yibao.settlement.records import FIELDS, HEADERS
from yibao.workdays.calendar import add_working_days

CENT = Decimal("0.01")
# Institutions per 10 000 persons (demo): about one per 600 people, mostly pharmacies and clinics.
LEVEL_MIX = (("3", 0.02), ("2", 0.08), ("1", 0.35), ("P", 0.55))
LEVEL_WEIGHT = {"3": 40.0, "2": 10.0, "1": 1.0}
# 医疗类别, share, total range (yuan), fund ratio of the in-policy amount, deductible (yuan).
MED_MIX = (
    ("41", 0.34, (15, 300), 0.0, 0),
    ("11", 0.42, (20, 400), 0.5, 0),
    ("14", 0.10, (80, 900), 0.6, 0),
    ("13", 0.05, (100, 2500), 0.55, 0),
    ("21", 0.07, (1500, 60000), 0.8, 800),
    ("28", 0.02, (2000, 15000), 0.8, 500),
)
DUPLICATE_SHARE = 0.001
UNKNOWN_SHARE = 0.0005
AID_SHARE = 0.03  # residents who are medical-aid recipients


@dataclass
class Generated:
    institutions: int = 0
    declarations: int = 0
    records: int = 0
    seconds: float = 0.0


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(CENT, rounding=ROUND_HALF_UP)


def generate_institutions(*, region: Region, count: int, seed: int = 1, actor: str = "generate") -> int:
    """Designated hospitals and pharmacies for ``region`` (codes H/P + division code + serial);
    institutions already generated are kept, so running it again adds nothing."""
    from yibao.institutions.models import (  # the institutions app's records, written for demo data only
        DesignationPeriod,
        Institution,
        InstitutionKind,
        InstitutionStatus,
    )

    rng = random.Random(seed)
    agencies = list(Agency.objects.filter(region=region).order_by("code"))
    if not agencies:
        raise ValueError(f"统筹区 {region.name} 没有经办机构")
    city = next((a for a in agencies if a.level == AgencyLevel.CITY), agencies[0])
    made = []
    serial = {"H": 0, "P": 0}
    for n in range(count):
        draw, level = rng.random(), "P"
        for candidate, share in LEVEL_MIX:
            draw -= share
            if draw < 0:
                level = candidate
                break
        prefix = "P" if level == "P" else "H"
        serial[prefix] += 1
        code = f"{prefix}{region.code}{serial[prefix]:05d}"
        agency = city if level == "3" else agencies[n % len(agencies)]
        hospital = prefix == "H"
        made.append(Institution(
            kind=InstitutionKind.HOSPITAL if hospital else InstitutionKind.PHARMACY,
            name=f"{region.name[:-1]}第{serial[prefix]}{'医院' if hospital else '大药房'}",
            uscc=make_uscc(f"12{region.code}{'A' if hospital else 'B'}{'M'}{serial[prefix]:07d}"),
            operator_uscc=make_uscc(f"12{region.code}{'A' if hospital else 'B'}M{serial[prefix]:07d}"),
            licence_number=f"{'PDY' if hospital else 'YPJY'}{serial[prefix]:06d}", legal_representative="示例",
            address=f"{agency.district or region.name}示例路{n + 1}号", region=region, agency=agency,
            county=agency.district or region.name, opened_on=datetime.date(2015, 1, 1),
            level=level if hospital else "", beds={"3": 1200, "2": 300, "1": 30}.get(level, 0),
            services=["11", "13", "14", "21", "28"] if hospital else ["41"],
            national_code=code, status=InstitutionStatus.DESIGNATED))
    existing = set(Institution.objects.filter(national_code__in=[i.national_code for i in made])
                   .values_list("national_code", flat=True))
    new = [i for i in made if i.national_code not in existing]
    with transaction.atomic():
        Institution.objects.bulk_create(new, batch_size=1000)
        created = Institution.objects.filter(national_code__in=[i.national_code for i in new])
        DesignationPeriod.objects.bulk_create(
            [DesignationPeriod(institution=i, start=datetime.date(2020, 1, 1)) for i in created], batch_size=1000)
        record_audit(actor=actor, action="settlement.generate_institutions", object_type="institutions.Institution",
                     object_id=region.slug, after={"institutions": len(new)})
    return len(new)


def _insured(region: Region, month: datetime.date) -> list[tuple[str, str]]:
    """(ID number, 险种) of everyone with an open 310/390 period on the month's first day."""
    rows = (InsurancePeriod.objects.filter(person__region=region, status=InsuranceStatus.INSURED,
                                           insurance_type__in=["310", "390"], start_date__lte=month,
                                           end_date__isnull=True)
            .order_by("person_id").values_list("person__id_number", "insurance_type"))
    return list(rows)


def settlements(*, institutions: list[tuple[str, str]], persons: list[tuple[str, str]], month: datetime.date,
                records: int, seed: int = 1) -> Iterator[tuple[str, dict]]:
    """(institution code, settlement fields) for ``records`` settlements of ``month``."""
    rng = random.Random(seed)
    pharmacies = [code for code, level in institutions if level == "P"]
    hospitals = [code for code, level in institutions if level != "P"]
    hospital_weights = []
    running = 0.0
    for _code, level in institutions:
        if level != "P":
            running += LEVEL_WEIGHT.get(level, 1.0)
            hospital_weights.append(running)
    med_cum, running = [], 0.0
    for _code, share, *_rest in MED_MIX:
        running += share
        med_cum.append(running)
    days = ((month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - month).days
    counters: dict[str, int] = {}
    previous: tuple[str, dict] | None = None
    for _ in range(records):
        if previous is not None and rng.random() < DUPLICATE_SHARE:
            code, values = previous  # the same charge again under a new settlement ID (重复收费)
        else:
            pick = min(len(MED_MIX) - 1, bisect.bisect_left(med_cum, rng.random()))
            med, _share, (low, high), ratio, deductible = MED_MIX[pick]
            if med == "41" or not hospitals:
                code = pharmacies[rng.randrange(len(pharmacies))] if pharmacies else hospitals[0]
            else:
                code = rng.choices(hospitals, cum_weights=hospital_weights)[0]
            id_number, insurance = persons[rng.randrange(len(persons))]
            if rng.random() < UNKNOWN_SHARE:
                id_number = make_resident_id(f"1401051970{rng.randrange(1, 13):02d}{rng.randrange(1, 28):02d}"
                                             f"{rng.randrange(900, 999)}")
            begin = month + datetime.timedelta(days=rng.randrange(days))
            stay = rng.randrange(3, 15) if med == "21" else 0
            end = min(begin + datetime.timedelta(days=stay), month + datetime.timedelta(days=days - 1))
            total = _money(rng.uniform(low, high))
            self_pay = _money(float(total) * rng.uniform(0, 0.12))
            in_policy = total - self_pay
            paid_deductible = min(in_policy, Decimal(deductible))
            pooled = _money(float(in_policy - paid_deductible) * (ratio if insurance == "310" else ratio - 0.1)) \
                if ratio else Decimal("0.00")
            large = _money(float(pooled - 30000) * 0.8) if pooled > 30000 else Decimal("0.00")
            pooled -= large
            aid = Decimal("0.00")
            if insurance == "390" and rng.random() < AID_SHARE:
                aid = _money(float(total - pooled - large) * 0.7)
            fund_total = pooled + large + aid
            personal = total - fund_total
            account = Decimal("0.00")
            if insurance == "310" and med in ("41", "11", "14"):
                account = _money(float(personal) * rng.uniform(0.5, 1.0))
            values = {
                "insurance_type": insurance, "med_type": med, "person_id_number": id_number,
                "begin_date": begin, "end_date": end, "total": total, "self_pay_full": self_pay,
                "over_limit": Decimal("0.00"), "pre_self_pay": Decimal("0.00"), "in_policy": in_policy,
                "deductible": paid_deductible,
                "pooled_employee": pooled if insurance == "310" else Decimal("0.00"),
                "large_expense": large if insurance == "310" else Decimal("0.00"),
                "pooled_resident": pooled if insurance == "390" else Decimal("0.00"),
                "critical_illness": large if insurance == "390" else Decimal("0.00"),
                "medical_aid": aid, "fund_total": fund_total, "personal_total": personal,
                "account_pay": account, "cash_pay": personal - account,
                # A synthetic 病种组合 for inpatient stays (by cost band, not a real DIP catalogue),
                # so that the year-end DIP has groups to score; derived, so the random draws stay as they were.
                "diagnosis_code": f"SYN-D{min(int(total) // 5000, 9):02d}" if med.startswith("2") else "",
            }
        counters[code] = counters.get(code, 0) + 1
        values = {**values, "settlement_id": f"{code}{month:%Y%m}{counters[code]:07d}"}
        previous = (code, values)
        yield code, values


def _declaration_day(month: datetime.date) -> datetime.date:
    first_of_next = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return max(clock.today(), add_working_days(first_of_next - datetime.timedelta(days=1), 1))


def generate_month(*, region: Region, month: datetime.date, records: int, seed: int = 1,
                   progress: Callable[[int], None] | None = None, actor: str = "generate") -> Generated:
    """A month of direct settlements of ``region``'s designated institutions, declared (待审核)."""
    from yibao.institutions.models import Institution

    started = time.perf_counter()
    institutions = [(code or "", level, name, agency_id) for code, level, name, agency_id in
                    Institution.objects.filter(region=region, national_code__isnull=False)
                    .order_by("national_code").values_list("national_code", "level", "name", "agency_id")]
    if not institutions:
        raise ValueError(f"统筹区 {region.name} 没有定点医药机构，请先用 --institutions 生成")
    if Declaration.objects.filter(month=month, institution_code__in=[i[0] for i in institutions]).exists():
        raise ValueError(f"{month:%Y-%m} 已有申报，不重复生成（结算编号不能重复）")
    persons = _insured(region, month)
    if not persons:
        raise ValueError(f"统筹区 {region.name} 没有参保人员，请先生成参保数据")
    day = _declaration_day(month)
    with transaction.atomic():
        declarations = {code: Declaration.objects.create(
            institution_code=code, institution_name=name, agency_id=agency_id, month=month,
            status=DeclarationStatus.DECLARED, declared_on=day, due_date=add_working_days(day, 30))
            for code, _level, name, agency_id in institutions}
        rows = settlements(institutions=[(c, "P" if c.startswith("P") else (lv or "1")) for c, lv, *_ in institutions],
                           persons=persons, month=month, records=records, seed=seed)
        row_numbers: dict[str, int] = {}
        table = SettlementRecord._meta.db_table
        columns = ["declaration_id", "row", *FIELDS, "problem_code", "problem"]
        count = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for code, values in rows:
                        row_numbers[code] = row_numbers.get(code, 1) + 1
                        copy.write_row([declarations[code].pk, row_numbers[code], *(values[f] for f in FIELDS),
                                        "", ""])
                        count += 1
                        if progress and count % 50_000 == 0:
                            progress(count)
            else:
                batch = []
                for code, values in rows:
                    row_numbers[code] = row_numbers.get(code, 1) + 1
                    batch.append(SettlementRecord(declaration=declarations[code], row=row_numbers[code], **values))
                    count += 1
                    if len(batch) == 5000:
                        SettlementRecord.objects.bulk_create(batch)
                        batch = []
                SettlementRecord.objects.bulk_create(batch)
        record_audit(actor=actor, action="settlement.generate_month", object_type="settlement.Month",
                     object_id=f"{month:%Y-%m}", after={"records": count, "region": region.slug})
    return Generated(institutions=len(institutions), declarations=len(declarations), records=count,
                     seconds=time.perf_counter() - started)


def write_csv(path, rows: Iterator[tuple[str, dict]]) -> int:
    """A declaration file (docs/settlement.md layout) of the given settlements; returns the count."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for _code, values in rows:
            writer.writerow([values[f] for f in FIELDS])
            count += 1
    return count
