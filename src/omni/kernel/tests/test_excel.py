"""kernel.excel: file-level refusals, row parsing, templates and the error file."""

import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from omni.kernel import excel
from omni.kernel.excel import Column, ExcelFileError, SheetSpec

SPEC = SheetSpec(
    "商品",
    (
        Column("code", "商品编码", required=True, max_length=8, example="P001"),
        Column("name", "商品名称", required=True, example="可乐"),
        Column("qty", "箱规", parse=excel.integer(min_value=1), example=12),
        Column("price", "单价", parse=excel.decimal(places=2, min_value=0), example="3.50"),
        Column("status", "状态", choices=("上架", "下架"), example="上架"),
    ),
)


def xlsx(rows, *, sheet="商品", write_only=False, extra=None) -> bytes:
    wb = Workbook(write_only=write_only)
    if write_only:
        ws = wb.create_sheet(sheet)
    else:
        ws = wb.active
        ws.title = sheet
    for row in rows:
        ws.append(row)
    if extra:
        extra(wb, ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


HEADER = ["商品编码", "商品名称", "箱规", "单价", "状态"]


def refused(data, code, **kwargs):
    with pytest.raises(ExcelFileError) as info:
        excel.read_xlsx(data, SPEC, **kwargs)
    assert info.value.code == code, info.value.as_dict()
    return info.value


# --- file-level refusals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"name,code\n1,2\n",  # a CSV
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,  # an old .xls
        b"PK\x03\x04 truncated zip",
    ],
)
def test_not_excel_is_refused(data):
    err = refused(data, "not_xlsx")
    assert err.status == 400


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    refused(out.getvalue(), "not_xlsx")


def test_wrong_sheet_name_lists_the_sheets_found():
    err = refused(xlsx([HEADER, ["P1", "可乐", 1, 1, "上架"]], sheet="Sheet1"), "sheet_not_found")
    assert err.details == {"expected": "商品", "found": ["Sheet1"]}


def test_missing_required_column_is_named():
    err = refused(xlsx([["商品编码", "箱规"], ["P1", 2]]), "missing_columns")
    assert err.details["columns"] == ["商品名称"]


def test_column_order_extra_columns_and_header_marks_are_tolerated():
    data = xlsx(
        [
            ["备注", " 商品名称* ", "状态", "商品编码"],
            ["x", "可乐", "上架", "P1"],
        ]
    )
    parsed = excel.read_xlsx(data, SPEC)
    assert not parsed.errors
    assert parsed.rows[0].values == {
        "code": "P1",
        "name": "可乐",
        "qty": None,
        "price": None,
        "status": "上架",
    }
    assert parsed.rows[0].raw == ("P1", "可乐", None, None, "上架")


def test_duplicate_column_is_refused():
    refused(xlsx([[*HEADER, "商品编码"], ["P1", "可乐", 1, 1, "上架", "P2"]]), "duplicate_columns")


def test_formulas_are_row_errors_among_the_other_row_errors():
    data = xlsx(
        [
            HEADER,
            ["P1", "可乐", 2, "=C2*2", "上架"],
            ["P2", "雪碧", "=1+1", 1, "停售"],
            ["P3", "芬达", 1, 1, "上架"],
        ]
    )
    parsed = excel.read_xlsx(data, SPEC)
    errors = {(e.row, e.column): e.reason for e in parsed.errors}
    assert errors == {
        (2, "单价"): "单元格 D2 是公式（=C2*2），请粘贴为数值",
        (3, "箱规"): "单元格 C3 是公式（=1+1），请粘贴为数值",
        (3, "状态"): "只能填写：上架、下架",
    }
    assert [r.number for r in parsed.rows] == [2, 3, 4]


def test_merged_cells_are_refused():
    def merge(wb, ws):
        ws.merge_cells("A2:A3")

    data = xlsx([HEADER, ["P1", "可乐", 1, 1, "上架"], [None, "雪碧", 1, 1, "上架"]], extra=merge)
    err = refused(data, "merged_cells_not_allowed")
    assert err.details["ranges"] == ["A2:A3"]


def test_too_many_rows_counts_rows_holding_values_not_the_declared_dimension():
    rows = [HEADER] + [[f"P{i}", "可乐", 1, 1, "上架"] for i in range(6)]
    data = xlsx(rows)
    err = refused(data, "too_many_rows", max_rows=5)
    assert err.details["limit"] == 5
    assert excel.read_xlsx(data, SPEC, max_rows=6).total_rows == 6


def test_too_many_rows_without_a_dimension_counts_row_elements():
    rows = [HEADER] + [[f"P{i}", "可乐", 1, 1, "上架"] for i in range(6)]
    data = xlsx(rows, write_only=True)  # write-only mode writes no <dimension>
    assert b"<dimension" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    refused(data, "too_many_rows", max_rows=5)


def test_header_only_and_empty_sheet():
    refused(xlsx([HEADER]), "no_data_rows")
    refused(xlsx([]), "empty_sheet")


def test_check_runs_without_reading_values_and_finds_the_header_below_blank_rows():
    data = xlsx([[], ["说明：请从第 3 行开始"], HEADER, ["P1", "可乐", 1, 1, "上架"]])
    check = excel.check_xlsx(data, SPEC)
    assert check.header_row == 3
    parsed = excel.read_xlsx(data, SPEC, check=check)
    assert [r.number for r in parsed.rows] == [4]


def handmade_xlsx(sheet_xml: str, shared: list[str]) -> bytes:
    """A minimal workbook as Excel and other tools write it: shared strings, and here the
    sheet XML with a namespace prefix (x:), as the .NET Open XML SDK writes it."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sst = "".join(
        f"<si><r><t>{s[:1]}</t></r><r><t>{s[1:]}</t></r><rPh><t>x</t></rPh></si>" for s in shared
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets>'
            '<sheet name="商品" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="/xl/worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        zf.writestr("xl/sharedStrings.xml", f'<sst xmlns="{ns}">{sst}</sst>')
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml.replace("NS", ns))
    return out.getvalue()


def test_shared_strings_and_prefixed_sheet_xml():
    shared = ["商品编码", "商品名称", "P1", "可乐", "上架", "状态"]
    cells = "".join(f'<x:c r="{c}1" t="s"><x:v>{i}</x:v></x:c>' for c, i in zip("AB", (0, 1)))
    sheet = (
        '<x:worksheet xmlns:x="NS"><x:dimension ref="A1:C2"/><x:sheetData>'
        f'<x:row r="1">{cells}<x:c r="C1" t="s"><x:v>5</x:v></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="s"><x:v>2</x:v></x:c><x:c r="B2" t="s"><x:v>3</x:v></x:c>'
        '<x:c r="C2" t="s"><x:v>4</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    data = handmade_xlsx(sheet, shared)
    check = excel.check_xlsx(data, SPEC)
    assert check.column_index == {"code": 0, "name": 1, "status": 2}
    parsed = excel.read_xlsx(data, SPEC, check=check)
    assert parsed.rows[0].values["name"] == "可乐" and not parsed.errors
    formula = sheet.replace(
        '<x:c r="C2" t="s"><x:v>4</x:v></x:c>', '<x:c r="C2"><x:f>A2</x:f></x:c>'
    )
    (error,) = excel.read_xlsx(handmade_xlsx(formula, shared), SPEC).errors
    assert (error.row, error.column, error.reason) == (
        2,
        "状态",
        "单元格 C2 是公式（=A2），请粘贴为数值",
    )
    # a declared dimension far beyond the rows holding values changes nothing
    stretched = handmade_xlsx(sheet.replace("A1:C2", "A1:C1048576"), shared)
    assert excel.read_xlsx(stretched, SPEC, max_rows=5).total_rows == 1


# --- rows ------------------------------------------------------------------------------------------


def test_row_errors_carry_the_excel_row_number_column_and_reason():
    data = xlsx(
        [
            HEADER,
            ["P1", "可乐", 12, "3.5", "上架"],
            [],  # blank rows are skipped, numbering is Excel's
            ["P0000000001", None, 0, "1.234", "停售"],
            [6901234567890, "数字编码", 2.0, 3, None],
        ]
    )
    parsed = excel.read_xlsx(data, SPEC)
    assert [r.number for r in parsed.rows] == [2, 4, 5]
    assert parsed.rows[0].values == {
        "code": "P1",
        "name": "可乐",
        "qty": 12,
        "price": Decimal("3.50"),
        "status": "上架",
    }
    errors = {(e.row, e.column): e.reason for e in parsed.errors}
    assert errors == {
        (4, "商品编码"): "不能超过 8 个字符",
        (4, "商品名称"): "必填",
        (4, "箱规"): "不能小于 1",
        (4, "单价"): "最多 2 位小数",
        (4, "状态"): "只能填写：上架、下架",
        (5, "商品编码"): "不能超过 8 个字符",
    }
    # a number typed into a text column reads as the digits a person sees
    assert parsed.rows[2].raw[0] == 6901234567890
    assert excel.as_text(6901234567890.0) == "6901234567890"


def test_parsers():
    assert excel.integer()("1,200") == 1200
    with pytest.raises(excel.CellError):
        excel.integer()(1.5)
    assert excel.decimal(places=4)("0.12345".rstrip("5")) == Decimal("0.1234")
    assert excel.date("2025/01/31").isoformat() == "2025-01-31"
    assert excel.mapped({"是": True, "否": False})("否") is False


# --- writing ---------------------------------------------------------------------------------------


def test_template_has_the_header_a_notes_sheet_and_list_validations():
    wb = load_workbook(io.BytesIO(excel.template_bytes(SPEC)))
    assert wb.sheetnames == ["商品", "填写说明"]
    ws = wb["商品"]
    assert [c.value for c in ws[1]] == HEADER
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    assert ws["A1"].font.color.rgb.endswith("C00000")  # required columns in red
    assert ws.column_dimensions["A"].width >= 10
    (dv,) = ws.data_validations.dataValidation
    assert dv.formula1 == '"上架,下架"' and str(dv.sqref).startswith("E2:E")
    notes = [[c.value for c in row] for row in wb["填写说明"].iter_rows()]
    assert ["P001", "可乐", 12, "3.50", "上架"] in notes
    # the empty template passes the file checks (and has no data rows)
    with pytest.raises(ExcelFileError) as info:
        excel.read_xlsx(excel.template_bytes(SPEC), SPEC)
    assert info.value.code == "no_data_rows"


def test_error_file_has_the_input_layout_plus_row_column_reason():
    data = xlsx([HEADER, ["P1", "可乐", 0, 1, "上架"], ["P2", "雪碧", 1, 1, "上架"]])
    parsed = excel.read_xlsx(data, SPEC)
    errors = [
        *parsed.errors,
        excel.RowError(3, "", "整行有误"),
        excel.RowError(3, "商品编码", "重复"),
    ]
    out = excel.error_file_bytes(SPEC, errors, {r.number: r.raw for r in parsed.rows})
    ws = load_workbook(io.BytesIO(out))["商品"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == [*HEADER, "行号", "错误列", "错误原因"]
    assert rows[1] == ["P1", "可乐", 0, 1, "上架", 2, "箱规", "箱规：不能小于 1"]
    assert rows[2] == ["P2", "雪碧", 1, 1, "上架", 3, "商品编码", "整行有误；商品编码：重复"]
    assert ws["C2"].fill.fgColor.rgb.endswith("FDE2E2")  # the cell at fault is marked
    # the corrected error file imports as it is: the three extra columns are ignored
    assert excel.read_xlsx(out, SPEC).total_rows == 2


def test_export_streams_rows_and_prefixes_formula_like_text_with_a_quote():
    out = io.BytesIO()
    n = excel.write_rows(
        SPEC,
        [
            {"code": "P1", "name": '=HYPERLINK("x")', "qty": 2, "price": Decimal("1.50")},
            ("P2", "雪碧", 3, None, "下架"),
        ],
        out,
    )
    assert n == 2
    ws = load_workbook(io.BytesIO(out.getvalue()))["商品"]
    assert ws["B2"].value == '\'=HYPERLINK("x")' and ws["B2"].data_type == "s"
    assert ws["D2"].value == 1.5
    assert [c.value for c in ws[3]] == ["P2", "雪碧", 3, None, "下架"]
