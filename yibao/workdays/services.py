"""Writes to the holiday table: one day at a time, or the administrator's data file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import yaml
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictBool, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from yibao.audit.services import record_audit
from yibao.errors import DomainError
from yibao.workdays.models import HolidayOverride

DEFAULT_HOLIDAY_FILE = Path(__file__).resolve().parent / "data" / "holidays.yaml"
DEFAULT_SOURCE = "管理员"

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _DatesAsText(yaml.SafeLoader):
    """A safe loader that leaves dates as text.

    PyYAML turns an unquoted 2027-02-30 into ``datetime.date`` and raises a bare
    ValueError that aborts the whole file; keeping the text lets the row
    validation report it together with every other bad row.
    """


_DatesAsText.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


class HolidayError(DomainError):
    """A holiday entry or file that cannot be applied; the message says why, in Chinese."""

    code = "holiday_invalid"


class HolidayFileError(HolidayError):
    """A holiday file with bad rows; ``problems`` lists every one of them."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path.name}：节假日数据文件有误，未载入任何内容："]
        lines += [f"  - {problem}" for problem in problems]
        super().__init__("\n".join(lines))


# --- the file's schema ----------------------------------------------------------


def _iso_date(value: Any) -> Any:
    # YAML turns an unquoted 2027-01-01 into a date and a quoted one into a str;
    # accept both, but only the YYYY-MM-DD spelling (not 2027-1-1, not 20270101,
    # not a timestamp), so that what the administrator typed is what is stored.
    if isinstance(value, datetime):
        raise ValueError("应为日期（YYYY-MM-DD），不应带时间")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"「{value}」不是有效日期，应为 YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class HolidayRow(BaseModel):
    """One entry of ``days:`` in holidays.yaml."""

    model_config = ConfigDict(extra="forbid")

    date: IsoDate
    is_working_day: StrictBool
    name: Name
    source: Source | None = None


_FIELD_LABELS = {
    "date": "date（日期）",
    "is_working_day": "is_working_day（是否上班）",
    "name": "name（名称）",
    "source": "source（依据）",
}


def _chinese_message(error: dict[str, Any]) -> str:
    """Say in Chinese what is wrong with one field (pydantic's messages are English)."""
    kind = error["type"]
    if kind == "missing":
        return "缺少此字段"
    if kind == "extra_forbidden":
        return "不认识的字段（允许的字段：date、is_working_day、name、source）"
    if kind == "bool_type":
        return f"应为 true（调休上班）或 false（放假休息），收到「{error.get('input')}」"
    if kind == "string_too_short":
        return "不能为空"
    if kind == "string_too_long":
        return f"过长（最多 {error['ctx']['max_length']} 个字）"
    if kind == "string_type":
        return f"应为文字，收到「{error.get('input')}」"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


def _row_lines(text: str) -> list[int]:
    """Line numbers (1-based) of the entries of ``days:``, for messages; [] if not found."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if getattr(key, "value", None) == "days" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


@dataclass(frozen=True)
class ParsedFile:
    path: Path
    rows: list[HolidayRow]
    default_source: str


def read_holiday_file(path: Path) -> ParsedFile:
    """Parse and validate the whole file; raise HolidayFileError listing every bad row."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise HolidayFileError(path, [f"文件不存在（{path}）"]) from exc
    except UnicodeDecodeError as exc:
        raise HolidayFileError(path, ["文件不是 UTF-8 编码"]) from exc
    try:
        data = yaml.load(text, Loader=_DatesAsText)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "未知位置"
        raise HolidayFileError(path, [f"YAML 格式错误（{where}）"]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("days"), list):
        raise HolidayFileError(path, ["顶层应为映射，并含有列表 days:（没有日期时写 days: []）"])
    unknown = sorted(str(key) for key in data if key not in ("days", "source"))
    problems = [f"顶层不认识的键：{'、'.join(unknown)}（允许 days、source）"] if unknown else []
    default_source = data.get("source") or DEFAULT_SOURCE
    if not isinstance(default_source, str):
        problems.append("顶层 source 应为文字（通知文号）")
        default_source = DEFAULT_SOURCE

    lines = _row_lines(text)
    rows: list[HolidayRow] = []
    first_row_of: dict[date, int] = {}
    for index, raw in enumerate(data["days"], start=1):
        where = f"第 {index} 条" + (f"（文件第 {lines[index - 1]} 行）" if len(lines) >= index else "")
        if not isinstance(raw, dict):
            problems.append(f"{where}：应为映射（date、is_working_day、name、source）")
            continue
        try:
            row = HolidayRow.model_validate(raw)
        except PydanticValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(part) for part in error["loc"])
                label = _FIELD_LABELS.get(field, field)
                problems.append(f"{where}：{label}：{_chinese_message(error)}")
            continue
        if row.date in first_row_of:
            problems.append(
                f"{where}：日期 {row.date.isoformat()} 与第 {first_row_of[row.date]} 条重复"
            )
            continue
        first_row_of[row.date] = index
        rows.append(row)
    if problems:
        raise HolidayFileError(path, problems)
    return ParsedFile(path=path, rows=rows, default_source=default_source)


# --- writes ------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    path: Path
    total: int
    created: int
    updated: int
    unchanged: int

    def describe(self) -> str:
        return (
            f"{self.path.name}：共 {self.total} 条，新增 {self.created} 条，"
            f"更新 {self.updated} 条，未变 {self.unchanged} 条"
        )


def _snapshot(obj: HolidayOverride) -> dict[str, Any]:
    return {
        "date": obj.date.isoformat(),
        "is_working_day": obj.is_working_day,
        "name": obj.name,
        "source": obj.source,
    }


def _upsert(*, day: date, is_working_day: bool, name: str, source: str, actor: str) -> str:
    """Create or update one row with its audit entry; return "created", "updated" or "unchanged"."""
    existing = HolidayOverride.objects.select_for_update().filter(date=day).first()
    if existing is None:
        obj = HolidayOverride(date=day, is_working_day=is_working_day, name=name, source=source)
        obj.full_clean()
        obj.save()
        record_audit(actor=actor, action="workdays.holiday.create", object_type="HolidayOverride",
                     object_id=day.isoformat(), after=_snapshot(obj))
        return "created"
    before = _snapshot(existing)
    existing.is_working_day = is_working_day
    existing.name = name
    existing.source = source
    after = _snapshot(existing)
    if after == before:
        return "unchanged"  # idempotent: no write, no audit row
    existing.full_clean()
    existing.save()
    record_audit(actor=actor, action="workdays.holiday.update", object_type="HolidayOverride",
                 object_id=day.isoformat(), before=before, after=after)
    return "updated"


def set_holiday(
    *, day: date, is_working_day: bool, name: str, source: str = DEFAULT_SOURCE, actor: str
) -> HolidayOverride:
    """Record that ``day`` is a holiday/rest day (False) or a make-up working day (True).

    Creates or updates the row for that date and writes the audit entry in the
    same transaction; an unchanged entry writes nothing.
    """
    if not isinstance(day, date) or isinstance(day, datetime):
        raise HolidayError(f"日期「{day}」无效，应为日期（YYYY-MM-DD）")
    name = (name or "").strip()
    if not name:
        raise HolidayError("名称不能为空（如：春节、国庆节调休）")
    source = (source or "").strip() or DEFAULT_SOURCE
    with transaction.atomic():
        try:
            _upsert(day=day, is_working_day=bool(is_working_day), name=name, source=source,
                    actor=actor)
        except DjangoValidationError as exc:
            messages = "；".join(f"{field}：{'、'.join(errs)}"
                                for field, errs in exc.message_dict.items())
            raise HolidayError(f"{day.isoformat()}：{messages}") from exc
        return HolidayOverride.objects.get(date=day)


def load_holiday_file(*, path: Path | None = None, actor: str) -> LoadResult:
    """Validate the administrator's holiday file and upsert every row into the table.

    The whole file is checked first; if any row is bad, ``HolidayFileError``
    lists every bad row (with its number) and nothing is written. Rows are
    matched by date, so loading the same file again changes nothing. Rows that
    are in the table but not in the file (entered in the admin) are kept.
    """
    parsed = read_holiday_file(path or DEFAULT_HOLIDAY_FILE)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        for row in parsed.rows:
            outcome = _upsert(
                day=row.date,
                is_working_day=row.is_working_day,
                name=row.name,
                source=row.source or parsed.default_source,
                actor=actor,
            )
            counts[outcome] += 1
    return LoadResult(path=parsed.path, total=len(parsed.rows), **counts)
