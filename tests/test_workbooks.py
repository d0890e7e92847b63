"""The workbook guard (yibao.workbooks) over the corpus of hostile files: refused before any Excel reader."""

import tracemalloc

import pytest

from tests.hostile import workbooks as hostile
from yibao.enrollment.baopan import template as baopan_template
from yibao.workbooks import WorkbookCaps, WorkbookRefused, check_workbook, column_number

CAPS = WorkbookCaps(label="报盘文件", max_rows=21_002, max_columns=26)

EXPECTED = {
    "xfd_only": "超过行数上限（最多 21002 行、26 列）",
    "last_row": "到第 1048576 行，超过行数上限",
    "deflate_bomb": "解压大小上限",
    "lying_bomb": "解压大小上限",
    "implicit_rows": "到第 21003 行，超过行数上限",
    "wide_row": "到第 27 列，超过列数上限",
    "padded_cell": "超过行数上限",
    "not_a_zip": "报盘文件无法读取",
}


@pytest.mark.parametrize("name", sorted(hostile.CORPUS))
def test_every_hostile_workbook_is_refused_naming_the_cap(name):
    content = hostile.CORPUS[name]()
    with pytest.raises(WorkbookRefused, match=EXPECTED[name]) as refused:
        check_workbook(content, CAPS)
    assert str(refused.value).startswith("报盘文件")


def test_the_deflate_bomb_is_refused_from_the_zip_directory_without_inflating_it():
    content = hostile.deflate_bomb()
    tracemalloc.start()
    try:
        with pytest.raises(WorkbookRefused, match="64 MB"):
            check_workbook(content, CAPS)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


def test_a_lying_bomb_is_inflated_only_up_to_the_cap_in_small_steps():
    content = hostile.lying_bomb()
    tracemalloc.start()
    try:
        with pytest.raises(WorkbookRefused, match="解压后超过"):
            check_workbook(content, WorkbookCaps(label="花名表文件", max_rows=100, max_uncompressed=8 * 1024 * 1024))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


def test_a_compression_ratio_beyond_the_cap_is_refused():
    content = hostile.deflate_bomb(megabytes=8)
    with pytest.raises(WorkbookRefused, match="压缩比超过 200:1（压缩比上限）"):
        check_workbook(content, CAPS)


def test_an_empty_or_oversized_file_is_refused():
    with pytest.raises(WorkbookRefused, match="报盘文件是空文件"):
        check_workbook(b"", CAPS)
    with pytest.raises(WorkbookRefused, match="超过 1 MB（文件大小上限）"):
        check_workbook(b"x" * (1024 * 1024 + 1), WorkbookCaps(label="报盘文件", max_rows=10, max_bytes=1024 * 1024))


@pytest.mark.django_db
def test_the_downloaded_template_passes():
    check_workbook(baopan_template(year=2026), CAPS)


def test_a_cell_reference_split_across_read_chunks_is_still_found():
    # Put the reference right at the 64 KB chunk border.
    for shift in range(-20, 20, 3):
        pad = b" " * (64 * 1024 - 40 + shift)
        content = hostile._sheet_zip(b"<worksheet><sheetData>" + pad + b'<row r="5"><c r="A99999"/></row>'
                                     b"</sheetData></worksheet>")
        with pytest.raises(WorkbookRefused, match="第 99999 行"):
            check_workbook(content, CAPS)


def test_column_letters_count_like_excel():
    assert [column_number(c) for c in ("A", "Z", "AA", "XFD")] == [1, 26, 27, 16_384]
