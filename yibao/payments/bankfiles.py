"""File layouts exchanged with the bank (documented in docs/payments.md).

The disbursement file (拨付报盘) is written with openpyxl; the bank's return file
(回盘) is read with python-calamine (.xlsx/.xls) or the csv module (.csv, UTF-8
or GB18030). Row numbers in every message are those the clerk sees in the file:
the header is row 1, data from row 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from python_calamine import CalamineWorkbook

from yibao.payments.errors import BankFileError

DISBURSEMENT_SHEET = "拨付明细"
DISBURSEMENT_COLUMNS = ("序号", "业务流水号", "基金编码", "基金名称", "收款方类型", "收款人户名",
                        "证件号码/机构编码", "开户银行", "银行账号", "金额（元）", "摘要")
RETURN_COLUMNS = ("业务流水号", "支付结果", "失败原因", "银行流水号")
RESULT_PAID = "成功"
RESULT_RETURNED = "失败"
MAX_RETURN_BYTES = 5 * 1024 * 1024
MAX_RETURN_ROWS = 10_000
MAX_CELL_CHARS = 200
# A small .xlsx can inflate to gigabytes of XML (a zip bomb): bound what calamine would parse.
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024


@dataclass(frozen=True)
class ReturnLine:
    row: int  # the row number in the file
    reference: str
    result: str
    reason: str
    bank_serial: str


def disbursement_workbook(*, batch, payments) -> bytes:
    """The 拨付报盘 of one batch: a title row, a summary row, the header (row 3), one row per payment."""
    book = Workbook()
    sheet = book.active
    sheet.title = DISBURSEMENT_SHEET
    sheet.append([f"医疗保障基金拨付报盘 批次 {batch.number}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"经办机构：{batch.agency.name}（{batch.agency.code}）", f"基金：{batch.fund} {batch.get_fund_display()}",
                  f"核定日期：{batch.day:%Y-%m-%d}", f"笔数：{batch.count}", f"金额合计：{batch.total:.2f}"])
    sheet.append(list(DISBURSEMENT_COLUMNS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for n, p in enumerate(payments, start=1):
        sheet.append([n, p.reference, p.fund, p.get_fund_display(), p.payee.get_kind_display(), p.payee.name,
                      p.payee.identifier, p.payee.bank_name, p.payee.account_number, p.amount, p.note])
        row = sheet.max_row
        # Text cells: long digit strings typed as numbers lose their last digits in Excel.
        for column in (2, 3, 7, 9):
            sheet.cell(row=row, column=column).number_format = "@"
        sheet.cell(row=row, column=10).number_format = "#,##0.00"
    for letter, width in zip("ABCDEFGHIJK", (6, 30, 9, 16, 14, 18, 22, 20, 24, 14, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip()


def _rows_of_workbook(content: bytes):
    if zipfile.is_zipfile(io.BytesIO(content)):  # .xlsx; an old .xls is not a zip
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                inflated = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError) as exc:
            raise BankFileError("回盘文件无法读取：请上传银行回盘的 Excel（.xlsx）或 CSV 文件") from exc
        if inflated > MAX_UNZIPPED_BYTES:
            raise BankFileError("回盘文件解压后过大，疑为异常文件，请按批次分开上传")
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = book.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types for anything not a workbook
        raise BankFileError("回盘文件无法读取：请上传银行回盘的 Excel（.xlsx）或 CSV 文件") from exc
    if sheet.height > MAX_RETURN_ROWS + 1 or sheet.width > 50:
        raise BankFileError(f"回盘文件最多 {MAX_RETURN_ROWS} 行、50 列，请按批次分开上传")
    # Iterate lazily: a hostile workbook may declare a million rows.
    return sheet.iter_rows()


def _rows_of_csv(content: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BankFileError("回盘文件编码无法识别：CSV 请使用 UTF-8 或 GBK 编码")
    if "\x00" in text:
        raise BankFileError("回盘文件无法读取：请上传银行回盘的 Excel（.xlsx）或 CSV 文件")
    return csv.reader(io.StringIO(text))


def read_return_file(*, name: str, content: bytes) -> list[ReturnLine]:
    """Every non-empty data row of a bank return file, with its row number; the file as a whole is checked."""
    if not content:
        raise BankFileError("回盘文件是空文件")
    if len(content) > MAX_RETURN_BYTES:
        raise BankFileError(f"回盘文件超过 {MAX_RETURN_BYTES // 1024 // 1024} MB，请按批次分开上传")
    lower = name.lower()
    if lower.endswith(".csv"):
        rows = _rows_of_csv(content)
    elif lower.endswith((".xlsx", ".xls")):
        rows = _rows_of_workbook(content)
    else:
        raise BankFileError("回盘文件类型不支持：请上传 .xlsx、.xls 或 .csv 文件")
    lines: list[ReturnLine] = []
    try:
        for number, cells in enumerate(rows, start=1):
            values = [_text(c) for c in list(cells)[:len(RETURN_COLUMNS)]]
            values += [""] * (len(RETURN_COLUMNS) - len(values))
            if number == 1:
                if values != list(RETURN_COLUMNS):
                    raise BankFileError(f"回盘文件第 1 行表头应为：{'、'.join(RETURN_COLUMNS)}")
                continue
            if not any(values):
                continue
            if len(lines) >= MAX_RETURN_ROWS:
                raise BankFileError(f"回盘文件最多 {MAX_RETURN_ROWS} 行，请按批次分开上传")
            if any(len(v) > MAX_CELL_CHARS for v in values):
                values = [v[:MAX_CELL_CHARS] for v in values]
            lines.append(ReturnLine(number, *values))
    except csv.Error as exc:
        raise BankFileError(f"回盘文件不是有效的 CSV：{exc}") from exc
    except BankFileError:
        raise
    except Exception as exc:  # a corrupt sheet surfaces while iterating
        raise BankFileError("回盘文件无法读取：请上传银行回盘的 Excel（.xlsx）或 CSV 文件") from exc
    if not lines:
        raise BankFileError("回盘文件没有数据行（应从第 2 行起每行一笔）")
    return lines
