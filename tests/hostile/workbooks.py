"""A corpus of hostile workbooks, generated on demand (none of them may ever reach an Excel reader).

Each was reproduced against the 报盘 and 花名表 uploads: ``xfd_only`` aborted the
worker inside calamine, ``last_row`` cost 11–14 s and 300 MB, ``deflate_bomb``
1 GB. ``lying_bomb`` declares tiny sizes in its zip directory and inflates to
100 MB anyway; ``implicit_rows`` and ``wide_row`` leave cell positions implicit.
"""

from __future__ import annotations

import struct
import zipfile
from io import BytesIO

from openpyxl import Workbook

ZEROS = b"\0" * (1024 * 1024)


def _save(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def xfd_only() -> bytes:
    """A workbook whose only cell is XFD1048576 (the last cell Excel has)."""
    book = Workbook()
    book.active["XFD1048576"] = 1
    return _save(book)


def last_row() -> bytes:
    """A workbook with one cell in column A of row 1 048 576."""
    book = Workbook()
    book.active["A1"] = "证件号码"
    book.active["A1048576"] = "x"
    return _save(book)


def _sheet_zip(sheet_xml: bytes, extra: dict[str, int] | None = None) -> bytes:
    """A minimal .xlsx around ``sheet_xml``; ``extra`` adds members of that many MB of zeros."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'))
        archive.writestr("xl/workbook.xml", (
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets>'
            '<sheet name="花名表" sheetId="1"/></sheets></workbook>'))
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, megabytes in (extra or {}).items():
            with archive.open(name, "w", force_zip64=True) as member:
                for _ in range(megabytes):
                    member.write(ZEROS)
    return out.getvalue()


def deflate_bomb(megabytes: int = 256) -> bytes:
    """About 1 MB on disk, ``megabytes`` inflated (honestly declared in the zip directory)."""
    return _sheet_zip(b"<worksheet><sheetData/></worksheet>", {"xl/media/image1.bin": megabytes})


def lying_bomb(megabytes: int = 100) -> bytes:
    """A member that inflates to ``megabytes`` while the zip directory says it holds 1 KB."""
    content = bytearray(_sheet_zip(b"<worksheet><sheetData/></worksheet>", {"xl/media/image1.bin": megabytes}))
    archive = zipfile.ZipFile(BytesIO(bytes(content)))
    info = archive.getinfo("xl/media/image1.bin")
    # Patch the uncompressed size in the local header (offset 22) and in the central
    # directory entry (offset 24); zip64 extra fields keep the true size, so drop them.
    central = bytes(content).rfind(b"PK\x01\x02")
    while central >= 0:
        name_length = struct.unpack_from("<H", content, central + 28)[0]
        if bytes(content[central + 46:central + 46 + name_length]) == info.filename.encode():
            struct.pack_into("<I", content, central + 24, 1024)
            struct.pack_into("<I", content, central + 20, info.compress_size)
            break
        central = bytes(content).rfind(b"PK\x01\x02", 0, central)
    struct.pack_into("<I", content, info.header_offset + 22, 1024)
    return bytes(content)


def implicit_rows(rows: int = 30_000) -> bytes:
    """Rows without an ``r`` attribute: their number only shows by counting them."""
    return _sheet_zip(b"<worksheet><sheetData>" + b"<row/>" * rows + b"</sheetData></worksheet>")


def wide_row(cells: int = 20_000) -> bytes:
    """One row of cells without positions: its width only shows by counting them."""
    return _sheet_zip(b"<worksheet><sheetData><row>" + b"<c/>" * cells + b"</row></sheetData></worksheet>")


def padded_cell() -> bytes:
    """The last cell, its reference hidden behind a long attribute a tag-bounded scan would skip."""
    return _sheet_zip(b'<worksheet><sheetData><row><c t="n" x="' + b"a" * 5000
                      + b'" r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>')


def not_a_zip() -> bytes:
    return b"<html>\0\0 not a workbook"


CORPUS = {
    "xfd_only": xfd_only,
    "last_row": last_row,
    "deflate_bomb": deflate_bomb,
    "lying_bomb": lying_bomb,
    "implicit_rows": implicit_rows,
    "wide_row": wide_row,
    "padded_cell": padded_cell,
    "not_a_zip": not_a_zip,
}
