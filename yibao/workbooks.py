"""The guard every uploaded Excel workbook passes before an Excel reader sees it.

The readers (python-calamine, openpyxl) size their work by what the file
declares: a 1.8 KB .xlsx whose only cell is XFD1048576 makes calamine allocate
the whole 16 384 × 1 048 576 grid and abort the process; a cell at row 1 048 576
costs seconds and hundreds of MB; a 1 MB deflate bomb inflates to 1 GB. So the
file is inspected as the zip it is, with bounded work and memory:

- the zip directory (``infolist``): member count, declared uncompressed sizes and
  compression ratio;
- every member inflated in chunks by ourselves, stopping at the cap, so a member
  that lies about its size is caught too (the readers do not stop where the
  directory says);
- the worksheet XML streamed for its ``<dimension ref>`` and for the row and
  column of every ``<row r>``/``<c r>``.

Anything beyond a cap raises ``WorkbookRefused`` with a Chinese message naming
the cap. One module for every import (报盘, 花名表, …), each passing its own caps.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from io import BytesIO

# Excel's own grid: column XFD, row 1 048 576.
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_ROWS = 1_048_576

CHUNK = 64 * 1024
# A cell reference split across two chunks is found in the overlap.
OVERLAP = 256

# Tokens are matched with bounded repetitions only, so no input makes the scan backtrack.
# Every `ref="A1:B2"` (dimension, merged cells, hyperlinks, …) and every `r="B7"`/`r="7"`
# (cells, rows) is checked wherever it stands; rows and the cells of each row are counted,
# since a row or cell may leave its position implicit.
_REF_ATTR = re.compile(rb'\sref="([A-Za-z$]{1,5}\d{1,10}(?::[A-Za-z$]{1,5}\d{1,10})?)"')
_R_ATTR = re.compile(rb'\sr="([A-Za-z]{0,10})(\d{1,10})"')
_TAG = re.compile(rb'<(?:[A-Za-z_][\w.-]{0,20}:)?(row|c)(?=[\s/>])')
_RELATIONSHIP = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,20}:)?Relationship\s[^<>]{0,3000}>")
_TARGET = re.compile(rb'\sTarget="([^"]{1,500})"')
_TYPE = re.compile(rb'\sType="([^"]{1,500})"')
_SHEET_TYPES = {b"worksheet", b"chartsheet", b"dialogsheet", b"macrosheet"}
_REF = re.compile(r"^\$?([A-Za-z]{1,5})\$?(\d{1,10})$")
_LOCAL_HEADER = struct.Struct("<4s5H3I2H")


class WorkbookRefused(ValueError):
    """The upload is not a workbook we will open; the message says which cap or why, in Chinese."""


@dataclass(frozen=True)
class WorkbookCaps:
    """What one import accepts. ``label`` names the file in messages (e.g. 报盘文件)."""

    label: str
    max_rows: int
    max_columns: int = 50
    max_bytes: int = 10 * 1024 * 1024
    # Everything inside the zip, inflated. Real sheets of the allowed size stay far below.
    max_uncompressed: int = 64 * 1024 * 1024
    # Sheet XML compresses well, but not a thousandfold; only checked on members over 1 MB.
    max_ratio: int = 200
    max_members: int = 200


def column_number(letters: str) -> int:
    """A → 1, Z → 26, AA → 27, XFD → 16 384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + (ord(letter) - ord("A") + 1)
    return number


def _grid(caps: WorkbookCaps) -> str:
    return f"最多 {caps.max_rows} 行、{caps.max_columns} 列"


def _check_cell(caps: WorkbookCaps, row: int, column: int, where: str) -> None:
    if row > caps.max_rows:
        raise WorkbookRefused(f"{caps.label}{where}到第 {row} 行，超过行数上限（{_grid(caps)}），请分批申报或删除多余的行")
    if column > caps.max_columns:
        raise WorkbookRefused(f"{caps.label}{where}到第 {column} 列，超过列数上限（{_grid(caps)}），请使用下载的模板")


def _check_dimension(caps: WorkbookCaps, ref: str) -> None:
    for corner in ref.split(":"):
        match = _REF.match(corner.strip())
        if match is None:
            raise WorkbookRefused(f"{caps.label}的工作表范围「{ref[:40]}」无效，请使用下载的模板")
        _check_cell(caps, int(match.group(2)), column_number(match.group(1)),
                    f"的工作表范围 {ref[:40]} 延伸")


def _member_chunks(data: bytes, info: zipfile.ZipInfo, budget: int, caps: WorkbookCaps):
    """Yield the inflated bytes of one member in chunks; refuse past ``budget`` bytes."""
    header = data[info.header_offset:info.header_offset + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size:
        raise WorkbookRefused(f"{caps.label}已损坏，无法读取，请使用下载的 Excel 模板（.xlsx）填写")
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != b"PK\x03\x04":
        raise WorkbookRefused(f"{caps.label}已损坏，无法读取，请使用下载的 Excel 模板（.xlsx）填写")
    name_length, extra_length = fields[9], fields[10]
    start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    raw = memoryview(data)[start:start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) > budget:
            raise _too_big(caps)
        for offset in range(0, len(raw), CHUNK):
            yield bytes(raw[offset:offset + CHUNK])
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise WorkbookRefused(f"{caps.label}使用了不支持的压缩方式，请用 Excel 另存为 .xlsx 后上传")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced = 0
    try:
        for offset in range(0, len(raw), CHUNK):
            pending = bytes(raw[offset:offset + CHUNK])
            while pending:
                # max_length bounds each step's output, so a bomb never inflates past the budget.
                out = inflater.decompress(pending, CHUNK)
                pending = inflater.unconsumed_tail
                produced += len(out)
                if produced > budget:
                    raise _too_big(caps)
                if out:
                    yield out
                if inflater.eof:
                    return
        # What the decompressor still holds for input it has consumed (at most its window).
        out = inflater.flush(CHUNK)
        if produced + len(out) > budget:
            raise _too_big(caps)
        if out:
            yield out
    except zlib.error as exc:
        raise WorkbookRefused(f"{caps.label}已损坏，无法读取，请使用下载的 Excel 模板（.xlsx）填写") from exc


def _too_big(caps: WorkbookCaps) -> WorkbookRefused:
    return WorkbookRefused(
        f"{caps.label}解压后超过 {caps.max_uncompressed // 1024 // 1024} MB（解压大小上限），"
        "请删除多余的内容或分批申报")


def _scan_xml(caps: WorkbookCaps, chunks) -> None:
    """Stream one XML member: every range and cell reference, the rows and the cells per row."""
    rows = 0
    cells_in_row = 0
    tail = b""
    chunks = iter(chunks)
    chunk = next(chunks, None)
    while chunk is not None:
        following = next(chunks, None)
        window = tail + chunk
        # Matches starting in the last OVERLAP bytes are left to the next window, which
        # begins there, so none is missed at a chunk border and none is counted twice.
        cut = len(window) if following is None else max(0, len(window) - OVERLAP)
        for match in _REF_ATTR.finditer(window, 0, len(window)):
            if match.start() < cut:
                _check_dimension(caps, match.group(1).decode("ascii"))
        for match in _R_ATTR.finditer(window):
            if match.start() < cut:
                letters, number = match.group(1).decode("ascii"), int(match.group(2))
                _check_cell(caps, number, column_number(letters) if letters else 1, "的单元格排")
        for match in _TAG.finditer(window):
            if match.start() >= cut:
                break
            if match.group(1) == b"row":
                rows += 1
                cells_in_row = 0
                _check_cell(caps, rows, 1, "的单元格排")
            else:
                cells_in_row += 1
                _check_cell(caps, rows, cells_in_row, "的单元格排")
        tail = window[cut:]
        chunk = following


def check_workbook(content: bytes, caps: WorkbookCaps) -> None:
    """Refuse ``content`` unless it is an .xlsx within ``caps``; never hands it to an Excel reader.

    Raises ``WorkbookRefused`` (Chinese message naming the cap) for: an empty or
    oversized file, not a zip, too many members, declared or actual uncompressed
    size or ratio beyond the caps, a worksheet whose declared range (<dimension>)
    or any row/cell lies beyond the row or column cap.
    """
    if not content:
        raise WorkbookRefused(f"{caps.label}是空文件")
    if len(content) > caps.max_bytes:
        raise WorkbookRefused(f"{caps.label}超过 {caps.max_bytes // 1024 // 1024} MB（文件大小上限），请分批申报")
    try:
        archive = zipfile.ZipFile(BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise WorkbookRefused(f"{caps.label}无法读取，请使用下载的 Excel 模板（.xlsx）填写") from exc
    if len(members) > caps.max_members:
        raise WorkbookRefused(f"{caps.label}包含 {len(members)} 个部件，超过上限 {caps.max_members}，请使用下载的模板")
    declared = sum(info.file_size for info in members)
    if declared > caps.max_uncompressed:
        raise _too_big(caps)
    for info in members:
        if info.file_size > 1024 * 1024 and info.file_size > caps.max_ratio * max(info.compress_size, 1):
            raise WorkbookRefused(
                f"{caps.label}的压缩比超过 {caps.max_ratio}:1（压缩比上限），疑似压缩炸弹，已拒收")
    budget = caps.max_uncompressed
    sheets = _sheet_names(archive, caps)
    for info in members:
        if info.is_dir():
            continue
        chunks = _member_chunks(content, info, budget, caps)
        if info.filename.lower() in sheets or info.filename.lower().startswith("xl/worksheets/"):
            counted = _counting(chunks)
            _scan_xml(caps, counted)
            budget -= counted.total
        else:
            budget -= sum(len(chunk) for chunk in chunks)


def _sheet_names(archive: zipfile.ZipFile, caps: WorkbookCaps) -> set[str]:
    """The members the workbook's relationships name as sheets, lower-cased.

    The readers find sheets through xl/_rels/workbook.xml.rels, which may point
    anywhere in the zip; only these and xl/worksheets/ are scanned for cell
    references (other parts, e.g. the theme, use ``r="…"`` for other things).
    """
    try:
        info = archive.getinfo("xl/_rels/workbook.xml.rels")
    except KeyError:
        return set()
    if info.file_size > 1024 * 1024:
        raise WorkbookRefused(f"{caps.label}的工作簿关系部件超过 1 MB，请使用下载的模板")
    with archive.open(info) as member:
        # Read past the declared size by one byte: a member that lies about its size is refused.
        text = member.read(1024 * 1024 + 1)
    if len(text) > 1024 * 1024:
        raise WorkbookRefused(f"{caps.label}的工作簿关系部件超过 1 MB，请使用下载的模板")
    names = set()
    for element in _RELATIONSHIP.finditer(text):
        match = _TARGET.search(element.group(0))
        kind = _TYPE.search(element.group(0))
        if match is None or (kind is not None and kind.group(1).rsplit(b"/", 1)[-1] not in _SHEET_TYPES):
            continue
        target = match.group(1).decode("utf-8", "replace").lstrip("/")
        names.add(posixpath.normpath(target if target.startswith("xl/") else f"xl/{target}").lower())
    return names


class _counting:
    """Iterate the chunks of a member and remember how many bytes went by."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.total = 0

    def __iter__(self):
        for chunk in self.chunks:
            self.total += len(chunk)
            yield chunk
