"""A synthetic city: deterministic persons, units, enrollments and contributions.

For demos and benchmarks only. The same seed, region agencies and sizes give the
same rows (ids included, when the tables start empty). Rows are generated one
person at a time and written in batches: PostgreSQL gets COPY (psycopg 3),
SQLite gets ``executemany``.
"""

import datetime
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from yibao import clock
from yibao.agencies.models import Agency, AgencyLevel, Region
from yibao.audit.services import record_audit
from yibao.errors import DomainError
from yibao.ids import USCC_ALPHABET, make_resident_id, make_uscc

from .models import (
    AccountStatus,
    Contribution,
    IdType,
    InsurancePeriod,
    InsuranceStatus,
    InsuranceType,
    Person,
    PersonalAccount,
    PersonCategory,
    Sex,
    Unit,
    UnitStatus,
    UnitType,
)

# Demo assumptions, not any city's policy: employees contribute on a yearly base
# of 3 000–20 000 yuan a month; the unit pays 8 % and the employee 2 % of it.
UNIT_RATE = Decimal("0.08")
PERSONAL_RATE = Decimal("0.02")
BASE_MIN, BASE_MAX = 3000, 20000
EMPLOYEE_SHARE = 0.45  # the rest are 城乡居民 (390)
RESIDENT_STOP_SHARE = 0.03  # residents who did not renew (停保)
ARREARS_SHARE = 0.02  # employees whose last months are not yet paid
# Contributions are generated for the 12 months ending with the current month
# (contribution_months), so that "最近12个月" shows them whenever the demo is loaded.
CONTRIBUTION_MONTHS = 12
# Below this many persons, rebuilding every index of the (possibly large) tables
# after the load costs more than maintaining them row by row (the demo's small cities).
DEFER_SCHEMA_FROM = 20_000
BIRTH_FIRST = datetime.date(1950, 1, 1)
BIRTH_LAST = datetime.date(2005, 12, 31)
CENT = Decimal("0.01")

# The most common surnames (公安部 户籍人口 ranking) and frequent given-name characters.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦"
)
GIVEN = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红建国志文斌辉鹏宇浩凯晨欣怡子涵梓"
    "轩雨佳琪思源博睿嘉瑞雪慧晶婷丹宁波飞鑫亮成林海东燕君婉颖璐晓雯春秋冬梅松柏瑶琳琦阳光荣德"
    "昌永庆福禄寿安康健康乐新悦泽航诗语梦彤昊然俊豪峰岩淑珍凤兵毅晋鹤"
)
UNIT_WORDS = ("晋阳", "汾河", "龙城", "并州", "太行", "三晋", "华晋", "恒通", "宏达", "鑫源",
              "金盛", "瑞丰", "永安", "天和", "新元", "同创", "博远", "中兴", "众诚", "聚力")
UNIT_TRADES = ("科技", "建设", "商贸", "物流", "煤业", "机械", "食品", "医药", "信息技术",
               "餐饮管理", "物业服务", "教育咨询", "能源", "化工", "纺织")
PHONE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151",
                  "152", "155", "158", "159", "176", "177", "180", "183", "186", "188", "189")

PERSON_COLUMNS = ("id", "id_type", "id_number", "name", "sex", "birth_date", "phone",
                  "region_id", "home_agency_id", "created_at")
UNIT_COLUMNS = ("id", "uscc", "name", "unit_type", "region_id", "home_agency_id", "address",
                "legal_representative", "contact_name", "contact_phone", "insurance_types",
                "status", "registered_on", "registered_by_case")
PERIOD_COLUMNS = ("id", "person_id", "insurance_type", "status", "category", "unit_id",
                  "home_agency_id", "start_date", "end_date", "stop_reason")
CONTRIBUTION_COLUMNS = ("id", "person_id", "unit_id", "month", "insurance_type", "base",
                        "unit_part", "personal_part", "paid")
ACCOUNT_COLUMNS = ("id", "person_id", "balance", "status")
TABLES = (
    (Unit, UNIT_COLUMNS), (Person, PERSON_COLUMNS), (InsurancePeriod, PERIOD_COLUMNS),
    (Contribution, CONTRIBUTION_COLUMNS), (PersonalAccount, ACCOUNT_COLUMNS),
)


class GenerationError(DomainError):
    """Bad input for the generator; the message is Chinese and shown to the user."""

    code = "generation_refused"


@dataclass
class Rows:
    """One batch of rows per table, as tuples in the *_COLUMNS order."""

    units: list[tuple] = field(default_factory=list)
    persons: list[tuple] = field(default_factory=list)
    periods: list[tuple] = field(default_factory=list)
    contributions: list[tuple] = field(default_factory=list)
    accounts: list[tuple] = field(default_factory=list)

    def by_model(self):
        return ((Unit, UNIT_COLUMNS, self.units), (Person, PERSON_COLUMNS, self.persons),
                (InsurancePeriod, PERIOD_COLUMNS, self.periods),
                (Contribution, CONTRIBUTION_COLUMNS, self.contributions),
                (PersonalAccount, ACCOUNT_COLUMNS, self.accounts))

    def __len__(self) -> int:
        return sum(len(rows) for _model, _columns, rows in self.by_model())


@dataclass
class GenerationResult:
    persons: int = 0
    units: int = 0
    periods: int = 0
    contributions: int = 0
    accounts: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step of the load

    @property
    def rows(self) -> int:
        return self.persons + self.units + self.periods + self.contributions + self.accounts


def contribution_parts(base: Decimal) -> tuple[Decimal, Decimal]:
    """The unit and personal parts of one month's contribution, rounded half-up to cents."""
    return ((base * UNIT_RATE).quantize(CENT, ROUND_HALF_UP),
            (base * PERSONAL_RATE).quantize(CENT, ROUND_HALF_UP))


def _yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def region_agencies(region: Region) -> list[tuple[int, str]]:
    """(id, code) of the region's county-level agencies, or of all its agencies if it has none."""
    agencies = Agency.objects.filter(region=region, is_active=True).order_by("code")
    county = list(agencies.filter(level=AgencyLevel.COUNTY).values_list("id", "code"))
    return county or list(agencies.values_list("id", "code"))


def contribution_months(today: datetime.date) -> list[datetime.date]:
    """The first days of the CONTRIBUTION_MONTHS months ending with ``today``'s month, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(CONTRIBUTION_MONTHS):
        months.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def generate_rows(
    *, region_id: int, region_name: str, agencies: list[tuple[int, str]], persons: int,
    units: int, seed: int, first_ids: dict[str, int], created_at: str, batch_persons: int = 20_000,
    employee_share: float = EMPLOYEE_SHARE, reserved_numbers: frozenset[str] = frozenset(),
    today: datetime.date | None = None,
) -> Iterator[Rows]:
    """Yield batches of rows for ``persons`` persons and ``units`` units (units in the first batch).

    Pure: reads nothing from the database. ``first_ids`` gives the first primary
    key per table ("unit", "person", "period", "contribution", "account").
    ``reserved_numbers`` are ID numbers and USCCs the city must not use (the demo's).
    """
    rng = random.Random(seed)
    ids = dict(first_ids)
    batch = Rows()

    unit_rows: list[tuple[int, int, str]] = []  # (unit id, agency id, county code)
    usccs: set[str] = set(reserved_numbers)
    while len(unit_rows) < units:
        agency_id, code = rng.choice(agencies)
        # 9 = 工商 registration, 1 = 企业; then the division code and a 9-character organisation code.
        uscc = make_uscc("91" + code + "".join(rng.choice(USCC_ALPHABET) for _ in range(9)))
        if uscc in usccs:
            continue
        usccs.add(uscc)
        unit_id = ids["unit"]
        ids["unit"] += 1
        name = f"{region_name.removesuffix('市')}{rng.choice(UNIT_WORDS)}{rng.choice(UNIT_TRADES)}有限公司"
        registered = datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randrange(9000))
        batch.units.append((
            unit_id, uscc, name, UnitType.ENTERPRISE.value, region_id, agency_id,
            f"{region_name}{rng.randrange(1, 300)}号", _name(rng), _name(rng), _phone(rng),
            '["310", "510"]', UnitStatus.ACTIVE.value, registered.isoformat(), "",
        ))
        unit_rows.append((unit_id, agency_id, code))

    first_month, *_ = month_days = contribution_months(today or datetime.date.today())
    months = [m.isoformat() for m in month_days]
    birth_days = (BIRTH_LAST - BIRTH_FIRST).days + 1
    numbers: set[str] = set(reserved_numbers)
    employee = InsuranceType.EMPLOYEE_BASIC.value
    resident = InsuranceType.RESIDENT_BASIC.value
    insured = InsuranceStatus.INSURED.value
    suspended = InsuranceStatus.SUSPENDED.value
    opened = AccountStatus.OPEN.value
    employed = PersonCategory.EMPLOYED.value
    resident_category = PersonCategory.RESIDENT.value
    made = 0
    while made < persons:
        agency_id, code = rng.choice(agencies)
        birth = BIRTH_FIRST + datetime.timedelta(days=rng.randrange(birth_days))
        sequence = rng.randrange(1000)  # odd for men, even for women (GB 11643)
        number = make_resident_id(f"{code}{birth:%Y%m%d}{sequence:03d}")
        if number in numbers:
            continue
        numbers.add(number)
        made += 1
        person_id = ids["person"]
        ids["person"] += 1
        batch.persons.append((
            person_id, IdType.RESIDENT_ID.value, number, _name(rng),
            Sex.MALE.value if sequence % 2 else Sex.FEMALE.value, birth.isoformat(), _phone(rng),
            region_id, agency_id, created_at,
        ))
        adult = datetime.date(birth.year + 18, birth.month, min(birth.day, 28))
        if unit_rows and rng.random() < employee_share:
            unit_id, unit_agency_id, _code = rng.choice(unit_rows)
            start = max(adult, datetime.date(2005, 1, 1)) + datetime.timedelta(days=rng.randrange(3000))
            start = min(start, first_month)
            batch.periods.append((ids["period"], person_id, employee, insured, employed, unit_id,
                                  unit_agency_id, start.isoformat(), None, ""))
            ids["period"] += 1
            base = rng.randrange(BASE_MIN, BASE_MAX + 1) * 100  # cents, a whole number of yuan
            base_text = _yuan(base)
            # Whole-yuan bases make 8 % and 2 % exact in cents; contribution_parts() is the rule.
            unit_text = _yuan(base * 8 // 100)
            personal_text = _yuan(base * 2 // 100)
            unpaid_from = 12 - rng.randrange(1, 3) if rng.random() < ARREARS_SHARE else 12
            for index, month in enumerate(months):
                batch.contributions.append((ids["contribution"], person_id, unit_id, month, employee,
                                            base_text, unit_text, personal_text, index < unpaid_from))
                ids["contribution"] += 1
            batch.accounts.append((ids["account"], person_id, _yuan(rng.randrange(500_000)), opened))
            ids["account"] += 1
        else:
            start = max(birth, datetime.date(2010, 1, 1)) + datetime.timedelta(days=rng.randrange(3000))
            start = min(start, first_month)
            if rng.random() < RESIDENT_STOP_SHARE:
                stopped = max(start, first_month - datetime.timedelta(days=1))
                period = (suspended, stopped.isoformat(), "未续保缴费")
            else:
                period = (insured, None, "")
            batch.periods.append((ids["period"], person_id, resident, period[0], resident_category,
                                  None, agency_id, start.isoformat(), period[1], period[2]))
            ids["period"] += 1
        if len(batch.persons) >= batch_persons:
            yield batch
            batch = Rows()
    if len(batch):
        yield batch


def _first_ids() -> dict[str, int]:
    keys = {"unit": Unit, "person": Person, "period": InsurancePeriod,
            "contribution": Contribution, "account": PersonalAccount}
    return {key: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
            for key, model in keys.items()}


def _write_postgresql(cursor, model, columns, rows) -> None:
    sql = f'COPY {model._meta.db_table} ({", ".join(columns)}) FROM STDIN'
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _tables() -> list[str]:
    return [model._meta.db_table for model, _columns in TABLES]


@dataclass
class DeferredSchema:
    """The foreign keys, unique constraints and secondary indexes dropped for a load.

    ``restore`` puts each back from the definition PostgreSQL printed for it
    (``pg_get_constraintdef`` / ``pg_get_indexdef``), so the schema after the load
    is the schema before it, names included.
    """

    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # table, name, definition
    constraints: list[tuple[str, str, str]] = field(default_factory=list)  # unique/exclusion
    indexes: list[tuple[str, str]] = field(default_factory=list)  # name, CREATE INDEX …

    def restore(self, cursor) -> None:
        # Indexes first: the foreign-key checks below then join against built indexes.
        for _name, definition in self.indexes:
            cursor.execute(definition)
        for table, name, definition in self.constraints + self.foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's keys are INITIALLY DEFERRED


def _defer_schema(cursor) -> DeferredSchema:
    """Drop the generated tables' foreign keys, unique constraints and non-primary indexes.

    A COPY into a table with foreign keys queues one check per row and key, and
    every index is updated row by row in random order; building each index once
    after the load (a sort) and adding each key back (one validating join) is
    several times faster. Primary keys stay: other tables' foreign keys point at
    them. The whole load is one transaction, so nobody sees the tables without
    their keys, and a duplicate the unique constraints would have refused still
    fails the load when they are added back.
    """
    tables = _tables()
    # Run the checks deferred so far (e.g. rows the caller inserted in this transaction):
    # ALTER TABLE refuses a table with pending trigger events.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema = DeferredSchema()
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE contype IN ('f', 'u', 'x') AND conrelid = ANY(%s::regclass[]) ORDER BY contype, 1, 2",
        [tables],
    )
    for table, name, definition, kind in cursor.fetchall():
        (schema.foreign_keys if kind == "f" else schema.constraints).append((table, name, definition))
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
        "AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
        [tables],
    )
    schema.indexes = cursor.fetchall()
    for table, name, _definition in schema.foreign_keys + schema.constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in schema.indexes:
        cursor.execute(f"DROP INDEX {name}")
    return schema


def schema_of_tables() -> list[str]:
    """The generated tables' constraints and indexes as the database prints them (for checks)."""
    tables = _tables()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) "
                "UNION ALL SELECT pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = ANY(%s::regclass[]) ORDER BY 1",
                [tables, tables],
            )
            return [row[0] for row in cursor.fetchall()]
        marks = ", ".join("%s" for _ in tables)
        cursor.execute(f"SELECT coalesce(sql, name) FROM sqlite_master WHERE tbl_name IN ({marks}) "
                       "ORDER BY 1", tables)
        return [row[0] for row in cursor.fetchall()]


def _write_sqlite(cursor, model, columns, rows) -> None:
    marks = ", ".join("?" for _ in columns)
    cursor.executemany(f'INSERT INTO {model._meta.db_table} ({", ".join(columns)}) VALUES ({marks})',
                       rows)


def generate_city(*, region: Region, persons: int, units: int, seed: int = 1,
                  employee_share: float = EMPLOYEE_SHARE, batch_persons: int = 20_000,
                  reserved_numbers: frozenset[str] = frozenset(),
                  defer_schema: bool | None = None, actor: str = "generate",
                  today: datetime.date | None = None, add: bool = False) -> GenerationResult:
    """Write a synthetic population for ``region`` in one transaction and return the counts.

    ``reserved_numbers``: ID numbers and USCCs left out (records loaded besides the city).
    ``defer_schema`` (PostgreSQL): drop keys and indexes during the load and rebuild them
    after; by default only for loads of DEFER_SCHEMA_FROM persons or more.
    ``add``: the region may already hold persons (the demo's 300-person city); every ID
    number and USCC already in the database is then left out, so the new rows cannot collide.
    """
    if persons < 1:
        raise GenerationError("人数 --persons 应为正整数")
    if units < 1:
        raise GenerationError("单位数 --units 应为正整数")
    if not 0 <= employee_share <= 1:
        raise GenerationError("职工比例 --employee-share 应在 0 到 1 之间")
    agencies = region_agencies(region)
    if not agencies:
        raise GenerationError(f"统筹区“{region.name}”没有经办机构，请先运行 yibao demo 载入经办机构")
    existing = Person.objects.filter(region=region).count()
    if existing and add:
        # Every number already stored (any region: ID numbers and USCCs are unique nationwide).
        reserved_numbers = (frozenset(reserved_numbers)
                            | frozenset(Person.objects.values_list("id_number", flat=True).iterator())
                            | frozenset(Unit.objects.values_list("uscc", flat=True).iterator()))
    elif existing:
        raise GenerationError(f"统筹区“{region.name}”已有参保人员 {existing} 人，合成数据只能生成到空的统筹区（或加 --add 追加）")
    postgresql = connection.vendor == "postgresql"
    write = _write_postgresql if postgresql else _write_sqlite
    now = timezone.now()
    created_at = now.isoformat() if postgresql else now.replace(tzinfo=None).isoformat(" ")
    result = GenerationResult()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor if postgresql else django_cursor
        deferred = None
        if postgresql and (persons >= DEFER_SCHEMA_FROM if defer_schema is None else defer_schema):
            # Index builds after the load sort in memory rather than on disk.
            django_cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            deferred = _defer_schema(django_cursor)
        for batch in generate_rows(region_id=region.pk, region_name=region.name, agencies=agencies,
                                   persons=persons, units=units, seed=seed, first_ids=_first_ids(),
                                   created_at=created_at, batch_persons=batch_persons,
                                   employee_share=employee_share, reserved_numbers=reserved_numbers,
                                   today=today or clock.today()):
            for model, columns, rows in batch.by_model():
                if rows:
                    write(cursor, model, columns, rows)
            result.units += len(batch.units)
            result.persons += len(batch.persons)
            result.periods += len(batch.periods)
            result.contributions += len(batch.contributions)
            result.accounts += len(batch.accounts)
        result.phases["copy"] = time.perf_counter() - started
        if deferred is not None:
            deferred.restore(django_cursor)
            result.phases["indexes and keys"] = time.perf_counter() - started - result.phases["copy"]
        # Explicit ids bypassed the sequences: move them past the new rows.
        for sql in connection.ops.sequence_reset_sql(no_style(), [model for model, _ in TABLES]):
            django_cursor.execute(sql)
        # One audit row for the whole load: who filled which region with how much, and the seed to redo it.
        record_audit(actor=actor, action="enrollment.synthetic.generate", object_type="Region",
                     object_id=region.slug, after={
                         "persons": result.persons, "units": result.units, "periods": result.periods,
                         "contributions": result.contributions, "accounts": result.accounts, "seed": seed,
                         "employee_share": employee_share})
    if postgresql:
        with connection.cursor() as cursor:
            for model, _columns in TABLES:
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    result.seconds = time.perf_counter() - started
    result.phases["commit and analyze"] = result.seconds - sum(result.phases.values())
    return result
