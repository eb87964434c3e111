"""Hostile and awkward workbooks, generated here (openpyxl, then zip edits): each class is
refused with a 400 naming the problem, or read with every bad cell as a row error, in
bounded memory. Malformed parts, entity tricks, bombs by size and by cells, error cells,
formulas among bad rows, stretched ranges, control characters, date systems, header
variants, encrypted and legacy files, and the formula guard of the one writer."""

import datetime as dt
import io
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from omni.kernel import excel, xlsx_reader
from omni.kernel.excel import Column, ExcelFileError, SheetSpec

SPEC = SheetSpec(
    "商品",
    (
        Column("code", "商品编码", required=True, max_length=32, code=True, example="P1"),
        Column("name", "商品名称", required=True, example="可乐"),
        Column("qty", "箱规", parse=excel.integer(min_value=1), example=12),
        Column("day", "生产日期", parse=excel.date, example="2025-01-31"),
    ),
)
HEADER = ["商品编码", "商品名称", "箱规", "生产日期"]
SHEET = "xl/worksheets/sheet1.xml"
SHARED = "xl/sharedStrings.xml"


def xlsx(rows, *, extra=None, epoch=None) -> bytes:
    wb = Workbook()
    if epoch is not None:
        wb.epoch = epoch
    ws = wb.active
    ws.title = "商品"
    for row in rows:
        ws.append(row)
    if extra:
        extra(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rewrite(data: bytes, changes: dict[str, bytes | None], *, raw: bool = False) -> bytes:
    """The same zip with some members replaced (None: removed) or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            if info.filename in changes:
                continue
            zout.writestr(info, zin.read(info.filename))
        for name, body in changes.items():
            if body is not None:
                zout.writestr(name, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def member(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def with_shared_strings(strings: list[str], rows_xml: str) -> bytes:
    """A workbook whose sheet uses shared strings: rows_xml refers to them by index."""
    base = xlsx([HEADER, ["P1", "可乐", 1, None]])
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sst = "".join(f"<si><t>{s}</t></si>" for s in strings)
    rels = member(base, "xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    sheet = f'<worksheet xmlns="{ns}"><sheetData>{rows_xml}</sheetData></worksheet>'
    return rewrite(
        base,
        {
            SHARED: f'<sst xmlns="{ns}">{sst}</sst>'.encode(),
            "xl/_rels/workbook.xml.rels": rels,
            SHEET: sheet.encode(),
        },
    )


def header_xml(strings_offset: int = 0) -> str:
    cells = "".join(
        f'<c r="{c}1" t="s"><v>{i + strings_offset}</v></c>' for i, c in enumerate("ABCD")
    )
    return f'<row r="1">{cells}</row>'


def refused(data: bytes, code: str, **kwargs) -> ExcelFileError:
    with pytest.raises(ExcelFileError) as info:
        excel.read_xlsx(data, SPEC, **kwargs)
    assert info.value.code == code, info.value.as_dict()
    assert info.value.status in (400, 413)
    return info.value


def row_errors(data: bytes, **kwargs) -> dict[tuple[int, str], str]:
    return {(e.row, e.column): e.reason for e in excel.read_xlsx(data, SPEC, **kwargs).errors}


GOOD = xlsx([HEADER, ["P1", "可乐", 12, "2025-01-31"], ["P2", "雪碧", 24, None]])


def test_the_good_file_reads():
    parsed = excel.read_xlsx(GOOD, SPEC)
    assert not parsed.errors and [r.values["code"] for r in parsed.rows] == ["P1", "P2"]


# --- malformed parts and entity tricks ----------------------------------------------------------


def test_shared_strings_with_a_doctype_is_refused_naming_the_part():
    data = with_shared_strings(
        [*HEADER, "P1", "可乐"],
        header_xml() + '<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>5</v></c></row>',
    )
    assert excel.read_xlsx(data, SPEC).rows[0].values["name"] == "可乐"  # the base is fine
    sst = member(data, SHARED)
    doctype = b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x "P9">]>' + sst.replace(
        b"<t>P1</t>", b"<t>&x;</t>"
    )
    err = refused(rewrite(data, {SHARED: doctype}), "xml_doctype")
    assert err.details["part"] == SHARED
    assert SHARED in str(err.message)


def test_billion_laughs_in_the_sheet_is_refused_before_any_expansion():
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
            for i in range(1, 10)
        )
        + b"]>"
    )
    sheet = member(GOOD, SHEET)
    start = sheet.index(b"<worksheet")
    hostile = lol + sheet[start:].replace(b"<v>12</v>", b"<v>&lol9;</v>", 1)
    tracemalloc.start()
    try:
        err = refused(rewrite(GOOD, {SHEET: hostile}), "xml_doctype")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.details["part"] == SHEET
    assert peak < 20 * 1024 * 1024


def test_an_external_entity_is_refused():
    sheet = member(GOOD, SHEET)
    start = sheet.index(b"<worksheet")
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + sheet[start:]
    )
    refused(rewrite(GOOD, {SHEET: hostile}), "xml_doctype")


@pytest.mark.parametrize(
    ("part", "body"),
    [
        (SHEET, None),  # truncated: set below
        ("xl/workbook.xml", b"<workbook><sheets><sheet name='x'"),
        ("xl/styles.xml", b"<styleSheet><cellXfs></styleSheet>"),
        ("xl/_rels/workbook.xml.rels", b"<Relationships><Relationship"),
        (SHEET, b"<worksheet><sheetData><row r='1'><c r='A1'><v>1</v></c></row>&undefined;"),
    ],
)
def test_malformed_xml_in_any_part_is_a_400_naming_the_part(part, body):
    if body is None:
        body = member(GOOD, SHEET)[:-40]
    err = refused(rewrite(GOOD, {part: body}), "malformed_part")
    assert err.details["part"] == part and part in str(err.message)


def test_a_utf16_part_is_refused():
    sheet = member(GOOD, SHEET).decode()
    body = sheet.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    refused(rewrite(GOOD, {SHEET: body}), "xml_encoding")


def test_a_member_that_fails_its_crc_is_a_corrupt_part():
    data = bytearray(GOOD)
    with zipfile.ZipFile(io.BytesIO(GOOD)) as zf:
        info = zf.getinfo(SHEET)
    # the sheet's data starts after its local header: flip bytes in the middle of it
    offset = info.header_offset + 30 + len(info.filename.encode()) + info.compress_size // 2
    data[offset : offset + 4] = bytes(b ^ 0xFF for b in data[offset : offset + 4])
    err = refused(bytes(data), "corrupt_part")
    assert err.details["part"] == SHEET


def test_a_shared_string_index_out_of_range_is_malformed():
    data = with_shared_strings(
        HEADER, header_xml() + '<row r="2"><c r="A2" t="s"><v>99</v></c></row>'
    )
    refused(data, "malformed_part")


# --- bombs by size and by cells -------------------------------------------------------------------


def test_a_declared_size_beyond_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_UNCOMPRESSED_BYTES", 10_000)
    refused(GOOD, "file_too_large")


def test_a_text_run_longer_than_any_cell_is_refused(monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_RUN", 64 * 1024)
    sheet = member(GOOD, SHEET).replace(b"<v>12</v>", b"<v>" + b"9" * 3_000_000 + b"</v>")
    refused(rewrite(GOOD, {SHEET: sheet}), "cell_too_large")


def test_sixteen_million_empty_cells_in_a_small_file_are_refused_fast_in_bounded_memory():
    ns = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    row = b"<row>" + b"<c/>" * 16_000 + b"</row>"
    body = b'<worksheet xmlns="' + ns + b'"><sheetData>' + row * 1000 + b"</sheetData></worksheet>"
    data = rewrite(GOOD, {SHEET: body})
    assert len(data) < 200 * 1024  # a small upload: 16,000,000 cells
    tracemalloc.start()
    try:
        err = refused(data, "too_many_cells")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.details["limit"] == excel.max_cells_for(SPEC, excel.DEFAULT_MAX_ROWS)
    assert peak < 40 * 1024 * 1024


def test_rows_beyond_the_limit_are_refused_while_counting():
    rows = [HEADER] + [[f"P{i}", "可乐", 1, None] for i in range(30)]
    err = refused(xlsx(rows), "too_many_rows", max_rows=20)
    assert err.details["limit"] == 20


def test_a_million_empty_row_elements_import_the_rows_that_hold_values():
    sheet = member(GOOD, SHEET)
    empty = b"".join(b'<row r="%d" s="1" customFormat="1"/>' % r for r in range(10, 200_010))
    body = sheet.replace(b"</sheetData>", empty + b"</sheetData>")
    parsed = excel.read_xlsx(rewrite(GOOD, {SHEET: body}), SPEC, max_rows=5)
    assert parsed.total_rows == 2


# --- stretched ranges -------------------------------------------------------------------------------


def test_a_20_row_file_stretched_to_row_1048576_by_formatting_imports():
    def stretch(ws):
        ws.cell(row=1_048_576, column=26).number_format = "@"
        ws.cell(row=1_048_576, column=1).number_format = "@"

    rows = [HEADER] + [[f"P{i}", "可乐", 1, None] for i in range(20)]
    data = xlsx(rows, extra=stretch)
    assert b'<dimension ref="A1:Z1048576"' in member(data, SHEET)
    parsed = excel.read_xlsx(data, SPEC, max_rows=20)
    assert parsed.total_rows == 20 and not parsed.errors


# --- error cells, formulas among bad rows ----------------------------------------------------------


def test_excel_error_values_are_row_errors_naming_the_cell():
    values = ["#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NULL!", "#NAME?", "#NUM!"]
    rows = [HEADER] + [[f"P{i}", "可乐", 1, None] for i in range(len(values))]
    data = xlsx(rows)
    sheet = member(data, SHEET)
    for i, value in enumerate(values):
        r = i + 2
        sheet = sheet.replace(
            b'<c r="C%d" t="n"><v>1</v></c>' % r,
            b'<c r="C%d" t="e"><v>%s</v></c>' % (r, value.encode()),
        )
    errors = row_errors(rewrite(data, {SHEET: sheet}))
    assert errors == {
        (i + 2, "箱规"): f"单元格 C{i + 2} 是错误值 {v}，请改为正确的值"
        for i, v in enumerate(values)
    }


def test_formulas_are_reported_with_every_other_row_error_in_one_pass():
    rows = [HEADER]
    for i in range(200):
        rows.append([f"P{i}", "可乐", "=1+1" if i % 50 == 7 else (0 if i % 40 == 3 else 1), None])
    errors = row_errors(xlsx(rows))
    formulas = {k for k, v in errors.items() if "是公式" in v}
    too_small = {k for k, v in errors.items() if v == "不能小于 1"}
    assert formulas == {(i + 2, "箱规") for i in range(200) if i % 50 == 7}
    assert too_small == {(i + 2, "箱规") for i in range(200) if i % 40 == 3}


def test_a_shared_formula_without_text_is_still_a_formula():
    sheet = member(GOOD, SHEET).replace(
        b'<c r="C2" t="n"><v>12</v></c>', b'<c r="C2"><f t="shared" si="0"/><v>12</v></c>'
    )
    assert "是公式" in row_errors(rewrite(GOOD, {SHEET: sheet}))[(2, "箱规")]


# --- control characters, codes --------------------------------------------------------------------


@pytest.mark.parametrize("escape", ["_x0000_", "_x0001_", "_x001B_", "_x000B_", "_x000C_"])
def test_control_characters_are_refused_as_row_errors(escape):
    data = with_shared_strings(
        [*HEADER, "P1", f"可{escape}乐"],
        header_xml() + '<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>5</v></c></row>',
    )
    code = int(escape[2:6], 16)
    assert row_errors(data) == {(2, "商品名称"): f"含有不可见的控制字符（U+{code:04X}），请删除"}


def test_an_escaped_underscore_is_text_not_a_control_character():
    data = with_shared_strings(
        [*HEADER, "P1", "a_x005F_x0001_b"],
        header_xml() + '<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>5</v></c></row>',
    )
    parsed = excel.read_xlsx(data, SPEC)
    assert not parsed.errors and parsed.rows[0].values["name"] == "a_x0001_b"


def test_codes_are_nfkc_trimmed_and_case_or_width_variants_are_one_code():
    data = xlsx(
        [HEADER, [" Ｐ１ ", "全角", 1, None], ["p1", "小写", 1, None], ["P2", "x", 1, None]]
    )
    parsed = excel.read_xlsx(data, SPEC)
    assert parsed.rows[0].values["code"] == "P1"
    assert {(e.row, e.column) for e in parsed.errors} == {(3, "商品编码")}
    assert "第 2 行" in parsed.errors[0].reason


# --- date systems ------------------------------------------------------------------------------


def test_excels_phantom_1900_02_29_is_a_row_error():
    data = xlsx([HEADER, ["P1", "可乐", 1, dt.date(1900, 2, 28)], ["P2", "雪碧", 1, None]])
    sheet = member(data, SHEET).replace(b"<v>59</v>", b"<v>60</v>")
    errors = row_errors(rewrite(data, {SHEET: sheet}))
    assert errors == {
        (2, "生产日期"): "单元格 D2 的日期 1900-02-29 不存在（Excel 的历史错误），请改为正确日期"
    }


def test_both_date_systems_read_the_same_dates():
    day = dt.date(2025, 1, 31)
    for epoch in (None, CALENDAR_MAC_1904):
        data = xlsx([HEADER, ["P1", "可乐", 1, day]], epoch=epoch)
        assert excel.read_xlsx(data, SPEC).rows[0].values["day"] == day
    assert b'date1904="1"' in member(xlsx([HEADER], epoch=CALENDAR_MAC_1904), "xl/workbook.xml")


def test_date_serials_around_the_leap_bug():
    assert xlsx_reader.serial_to_date(59, date1904=False) == dt.date(1900, 2, 28)
    assert xlsx_reader.serial_to_date(61, date1904=False) == dt.date(1900, 3, 1)
    assert xlsx_reader.serial_to_date(60, date1904=True) == dt.date(1904, 3, 1)
    assert xlsx_reader.serial_to_date(45688.5, date1904=False) == dt.datetime(2025, 1, 31, 12)


# --- header variants ------------------------------------------------------------------------------


def test_header_variants_map_to_their_columns_and_unknown_columns_are_reported():
    header = [
        "\ufeff商品编码",
        " 商品名称 ＊",
        "箱规（个/箱）",
        "生产日期(YYYY-MM-DD)",
        "备注",
        "颜色",
    ]
    data = xlsx([header, ["P1", "可乐", 12, "2025-01-31", "x", "红"]])
    check = excel.check_xlsx(data, SPEC)
    assert check.column_index == {"code": 0, "name": 1, "qty": 2, "day": 3}
    assert check.unknown_columns == ["备注", "颜色"]
    (warning,) = excel.warnings_for(check)
    assert "备注" in warning and "颜色" in warning
    assert excel.read_xlsx(data, SPEC).rows[0].values["qty"] == 12


def test_the_error_files_own_columns_are_not_unknown():
    out = excel.error_file_bytes(SPEC, [excel.RowError(2, "箱规", "x")], {2: ("P1", "可乐", 0)})
    assert excel.check_xlsx(out, SPEC).unknown_columns == []


# --- encrypted and legacy files ---------------------------------------------------------------------


def ole(*streams: str) -> bytes:
    """An OLE compound file's signature and directory entry names (UTF-16LE), as Excel writes
    them: enough for the sniffing, which is all that may run on such a file."""
    body = b"".join(name.encode("utf-16-le").ljust(64, b"\0") for name in streams)
    return xlsx_reader.OLE_MAGIC + b"\0" * 504 + body + b"\0" * 1024


def test_an_encrypted_workbook_is_called_password_protected():
    err = refused(ole("EncryptionInfo", "EncryptedPackage"), "password_protected")
    assert "password" in str(err.message).lower() or "密码" in str(err.message)


def test_a_legacy_xls_is_called_so():
    refused(ole("Workbook", "\x05SummaryInformation"), "legacy_xls")


# --- the one writer's formula guard --------------------------------------------------------------


def test_every_export_prefixes_formula_like_text_and_reading_it_back_gives_the_text():
    texts = ["=1+1", "+86 138", "-5", "@SUM(A1)", "\tx", "\rx", "plain", "a=b"]
    out = io.BytesIO()
    excel.write_rows(SPEC, [(t, "n", 1, None) for t in texts], out)
    ws = load_workbook(io.BytesIO(out.getvalue()))["商品"]
    written = [ws.cell(row=i + 2, column=1).value for i in range(len(texts))]
    # (XML reads a carriage return back as a line feed)
    assert written == ["'=1+1", "'+86 138", "'-5", "'@SUM(A1)", "'\tx", "'\nx", "plain", "a=b"]
    assert all(ws.cell(row=i + 2, column=1).data_type == "s" for i in range(len(texts)))
    # the table writer of the list pages and the error file use the same guard
    table = io.BytesIO()
    excel.write_table(table, sheet_title="t", headers=["h"], rows=[["=cmd|' /C calc'!A0"]])
    assert load_workbook(table).active["A2"].value == "'=cmd|' /C calc'!A0"
    assert excel.as_text("'=1+1") == "=1+1" and excel.as_text("'abc") == "'abc"
