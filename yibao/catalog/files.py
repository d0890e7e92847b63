"""Read and validate catalog data files (no database involved)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from yibao.catalog.schema import CityCatalog, NationalCatalog
from yibao.errors import DomainError

DATA_DIR = Path(__file__).resolve().parent / "data"
CITIES = ("taiyuan", "changzhi", "jincheng")


class CatalogFileError(DomainError):
    """A data file that cannot be loaded; the message names file, item and field."""

    code = "catalog_file_invalid"


@dataclass(frozen=True)
class CityFile:
    path: Path
    sha256: str
    catalog: CityCatalog


def _read_yaml(path: Path) -> tuple[object, str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise CatalogFileError(f"{path.name}：文件不存在（{path}）") from exc
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CatalogFileError(f"{path.name}：文件不是 UTF-8 编码") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "未知位置"
        raise CatalogFileError(f"{path.name}：YAML 格式错误（{where}）：{exc}") from exc
    return data, hashlib.sha256(raw).hexdigest()


def _describe_location(data: object, loc: tuple) -> str:
    """Turn a pydantic error location into "事项「名称」(items[3]) 字段 a.b"."""
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        index = loc[1]
        name = None
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            items = data["items"]
            if index < len(items) and isinstance(items[index], dict):
                name = items[index].get("name") or items[index].get("key")
        field = ".".join(str(part) for part in loc[2:]) or "（整个事项）"
        label = f"事项「{name}」" if name else "事项"
        return f"{label}(items[{index}]) 字段 {field}"
    field = ".".join(str(part) for part in loc) or "（文件顶层）"
    return f"字段 {field}"


def _format_errors(path: Path, data: object, error: ValidationError) -> str:
    lines = [f"{path.name}：目录文件校验失败，未载入任何内容："]
    for problem in error.errors():
        message = problem["msg"].removeprefix("Value error, ")
        loc = tuple(problem["loc"])
        for part in message.split("\n"):
            lines.append(f"  - {_describe_location(data, loc) + '：' if loc else ''}{part}")
    return "\n".join(lines)


def read_city_file(path: Path) -> CityFile:
    """Parse and validate one city's data file, raising CatalogFileError."""
    data, digest = _read_yaml(path)
    if not isinstance(data, dict):
        raise CatalogFileError(f"{path.name}：顶层应为映射（city、name、items …）")
    try:
        catalog = CityCatalog.model_validate(data)
    except ValidationError as exc:
        raise CatalogFileError(_format_errors(path, data, exc)) from exc
    expected_city = path.stem
    if catalog.city != expected_city:
        raise CatalogFileError(
            f"{path.name}：字段 city 为「{catalog.city}」，应与文件名一致（{expected_city}）"
        )
    return CityFile(path=path, sha256=digest, catalog=catalog)


def read_national_file(path: Path | None = None) -> NationalCatalog:
    """Parse national.yaml (categories and national item codes)."""
    path = path or DATA_DIR / "national.yaml"
    data, _ = _read_yaml(path)
    try:
        return NationalCatalog.model_validate(data)
    except ValidationError as exc:
        raise CatalogFileError(_format_errors(path, data, exc)) from exc


def city_path(city: str) -> Path:
    if city not in CITIES:
        raise CatalogFileError(f"未知的城市「{city}」，可选：{'、'.join(CITIES)}")
    return DATA_DIR / f"{city}.yaml"


if __name__ == "__main__":  # python -m yibao.catalog.files data/taiyuan.yaml …
    import sys

    for arg in sys.argv[1:]:
        p = Path(arg)
        if p.stem == "national":
            national = read_national_file(p)
            print(f"{p.name}: OK, {len(national.categories)} 类, {len(national.items)} 个国家子项")
            continue
        try:
            city_file = read_city_file(p)
        except CatalogFileError as err:
            print(err)
            sys.exit(1)
        cat = city_file.catalog
        mains = sum(1 for i in cat.items if i.parent is None)
        print(f"{p.name}: OK, {len(cat.items)} 条（主项 {mains}）")
