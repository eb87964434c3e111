"""The products/SKUs Excel importer (catalog.importers) through the kernel's import jobs."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from omni.catalog.errors import MESSAGES
from omni.catalog.importers import SPEC, parse_spec
from omni.catalog.models import Barcode, Product, Sku, UnitConversion
from omni.kernel import excel, imports
from omni.kernel.excel import CellError
from omni.kernel.models import AuditEntry, ImportMode, ImportStatus, StateHistory
from omni.kernel.testing import assert_max_queries

from .factories import ADMIN, BrandFactory, CategoryFactory, UnitFactory, actor, ean13, make_org

pytestmark = pytest.mark.django_db

HEADER = SPEC.headers


@pytest.fixture
def world():
    group = make_org("GRP")
    return {
        "group": group,
        "brand": BrandFactory(org=group, code="B1"),
        "category": CategoryFactory(org=group, code="C1"),
        "bottle": UnitFactory(code="bottle", name="瓶"),
        "case": UnitFactory(code="case", name="箱"),
    }


def row(product="P1", sku="P1-1", spec="规格:500ml;口味:原味", barcode=None, **kw):
    values = {
        "商品编码": product,
        "商品名称": kw.pop("name", "冰红茶"),
        "品牌编码": kw.pop("brand", "B1"),
        "分类编码": kw.pop("category", "C1"),
        "基本单位": kw.pop("unit", "瓶"),
        "SKU编码": sku,
        "规格": spec,
        "条码": barcode,
        "箱规": kw.pop("case", 24),
        "状态": kw.pop("status", "上架"),
        "组织编码": kw.pop("org", None),
    }
    assert not kw
    return [values[h] for h in HEADER]


def xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "商品"
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(rows, mode=ImportMode.ALL_OR_NOTHING, who=ADMIN):
    job = imports.start_import(
        actor=who,
        importer_key="catalog.products",
        file_bytes=xlsx(rows),
        filename="商品.xlsx",
        mode=mode,
    )
    imports.run_import(job.pk)
    job.refresh_from_db()
    return job


GOOD = [
    row("P1", "P1-1", "规格:500ml;口味:原味", ean13(1)),
    row("P1", "P1-2", "规格:500ml;口味:无糖", ean13(2)),
    row("P1", "P1-3", "规格:1L;口味:无糖", ean13(3), case=12),
    row("P2", "P2-1", None, ean13(4), name="矿泉水", case=None, status="下架"),
]


def test_products_skus_barcodes_and_case_sizes_are_created(world):
    job = run(GOOD)
    assert job.status == ImportStatus.DONE, (job.failure_message, job.error_sample)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (4, 0, 0)
    p1 = Product.objects.get(code="P1")
    assert (p1.name, p1.brand_id, p1.category_id, p1.org_id) == (
        "冰红茶",
        world["brand"].pk,
        world["category"].pk,
        world["group"].pk,  # the brand's organisation: the system actor has none
    )
    assert p1.spec_attributes == [
        {"name": "规格", "values": ["500ml", "1L"]},
        {"name": "口味", "values": ["原味", "无糖"]},
    ]
    sku = Sku.objects.get(code="P1-3")
    assert (sku.name, sku.spec_key, sku.spec_values) == (
        "冰红茶 1L 无糖",
        "1L/无糖",
        {"规格": "1L", "口味": "无糖"},
    )
    barcode = Barcode.objects.get(code=ean13(3))
    assert (barcode.sku_id, barcode.unit_id, barcode.is_primary) == (
        sku.pk,
        world["bottle"].pk,
        True,
    )
    assert UnitConversion.objects.get(sku=sku).factor == 12
    assert UnitConversion.objects.filter(unit=world["case"]).count() == 3
    p2 = Product.objects.get(code="P2")
    assert p2.status == "inactive" and p2.skus.get().status == "inactive"
    (entry,) = AuditEntry.objects.filter(object_type="kernel.importjob")
    assert entry.after["products_created"] == 2 and entry.after["barcodes_created"] == 4


def test_reimporting_the_same_file_changes_nothing(world):
    run(GOOD)
    snapshot = [
        list(m.objects.order_by("pk").values()) for m in (Product, Sku, Barcode, UnitConversion)
    ]
    audits = AuditEntry.objects.count()
    job = run(GOOD)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 4)
    assert snapshot == [
        list(m.objects.order_by("pk").values()) for m in (Product, Sku, Barcode, UnitConversion)
    ]
    assert AuditEntry.objects.count() == audits


def test_changes_are_applied_and_counted(world):
    run(GOOD)
    changed = [
        row("P1", "P1-1", "规格:500ml;口味:原味", ean13(1), name="冰红茶新装"),  # product name
        row("P1", "P1-2", "规格:500ml;口味:无糖", ean13(2), case=6, name="冰红茶新装"),
        row("P1", "P1-3", "规格:1L;口味:无糖", ean13(3), case=12, status="下架", name="冰红茶新装"),
        row("P1", "P1-4", "规格:2L;口味:无糖", ean13(5), name="冰红茶新装"),  # new SKU
        row("P2", "P2-1", None, ean13(4), name="矿泉水", case=None, status="下架"),  # same
    ]
    job = run(changed)
    assert job.status == ImportStatus.DONE, job.error_sample
    assert (job.created_count, job.updated_count, job.unchanged_count) == (1, 3, 1)
    assert Sku.objects.get(code="P1-1").name == "冰红茶新装 500ml 原味"
    assert UnitConversion.objects.get(sku__code="P1-2").factor == 6
    p13 = Sku.objects.get(code="P1-3")
    assert p13.status == "inactive"
    assert StateHistory.objects.filter(object_id=str(p13.pk), to_status="inactive").exists()
    assert Product.objects.get(code="P1").spec_attributes[0]["values"] == ["500ml", "1L", "2L"]


def test_every_bad_row_is_reported_and_nothing_is_written(world):
    Product.objects.all().delete()
    other = make_org("OTHER")
    foreign = BrandFactory(org=other, code="B9")
    assert foreign
    bad = [
        row("P1", "P1-1", "规格:500ml", ean13(1)),
        row("P1", "P1-1", "规格:1L", ean13(2)),  # 3: duplicate SKU code
        row("P1", "P1-2", "规格:500ml", ean13(3)),  # 4: same spec as row 2
        row("P1", "P1-3", "容量:1L", ean13(4)),  # 5: other spec names than row 2
        row("P1", "P1-4", "规格:2L", ean13(1), name="别的名字"),  # 6: barcode dup, name differs
        row("P3", "P3-1", "规格", "6901234567890"),  # 7: bad spec format, bad check digit
        row("P4", "P4-1", None, None, brand="NOPE", category="NOPE", unit="桶"),  # 8
        row("P 5", "P5-1", None, None, case=0, status="在售"),  # 9: bad code, case, status
    ]
    job = run(bad)
    assert job.status == ImportStatus.FAILED and job.failure_code == "rows_invalid"
    assert not Product.objects.exists()
    got = {(e["row"], e["column"]) for e in job.error_sample}
    assert got == {
        (3, "SKU编码"),
        (4, "规格"),
        (5, "规格"),
        (6, "商品名称"),
        (6, "条码"),
        (7, "规格"),
        (7, "条码"),
        (8, "品牌编码"),
        (8, "分类编码"),
        (8, "基本单位"),
        (9, "商品编码"),
        (9, "箱规"),
        (9, "状态"),
    }
    ws = load_workbook(io.BytesIO(imports.job_file(job)))["商品"]
    lines = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [line[len(HEADER)] for line in lines] == [3, 4, 5, 6, 7, 8, 9]
    assert lines[0][: len(HEADER)] == bad[1]  # the original row, as uploaded


def test_valid_only_imports_the_good_products(world):
    job = run([*GOOD, row("P9", "P9-1", None, None, unit="桶")], mode=ImportMode.VALID_ONLY)
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.error_rows) == (4, 1)
    assert not Product.objects.filter(code="P9").exists()


def test_database_conflicts_are_row_errors(world):
    run(GOOD)
    job = run(
        [
            row("P8", "P1-1", None, None),  # SKU of another product
            row("P7", "P7-1", None, ean13(2)),  # barcode of another SKU
            row("P1", "P1-9", "规格:500ml;口味:原味", None),  # spec of an existing SKU
            row("P1", "P1-8", "口味:原味", None),  # spec names differ from the product
            row("P2", "P2-1", None, None, unit="箱"),  # base unit change
        ]
    )
    assert {(e["row"], e["column"]) for e in job.error_sample} == {
        (2, "SKU编码"),
        (3, "条码"),
        (4, "规格"),
        (5, "规格"),
        (6, "基本单位"),
    }


def test_products_of_another_organisation_cannot_be_overwritten(world):
    run(GOOD)
    sub = make_org("SUB", parent=make_org("G2"))
    outsider = actor("catalog.product.import", org_ids=(sub.pk,))
    job = run(
        [row("P1", "P1-1", "规格:500ml;口味:原味", ean13(1), brand=None, category=None)],
        who=outsider,
    )
    assert job.error_sample == [
        {"row": 2, "column": "商品编码", "reason": str(MESSAGES["duplicate_code"])}
    ]
    # a new product of the outsider lands in the organisation named in the file
    job = run([row("Q1", "Q1-1", None, None, brand=None, category=None, org="SUB")], who=outsider)
    assert job.status == ImportStatus.DONE, job.error_sample
    assert Product.objects.get(code="Q1").org_id == sub.pk
    job = run([row("Q2", "Q2-1", None, None, brand=None, category=None, org="GRP")], who=outsider)
    assert job.error_sample[0]["column"] == "组织编码"


def test_validation_and_apply_use_a_bounded_number_of_queries(world):
    rows = [row(f"P{i // 3}", f"S{i}", f"规格:{i % 3}", ean13(100 + i)) for i in range(300)]
    check = excel.read_xlsx(xlsx(rows), SPEC)
    importer = imports.get_importer("catalog.products")
    with assert_max_queries(12):
        assert importer.validate_rows(check.rows, actor=ADMIN, progress=lambda n: None) == []
    with assert_max_queries(30):
        counts = importer.apply(check.rows, actor=ADMIN, progress=lambda n: None)
    assert counts.created == 300


def test_parse_spec():
    assert parse_spec("规格：500ml； 口味:无糖") == (("规格", "500ml"), ("口味", "无糖"))
    assert parse_spec("") == ()
    for bad in ("500ml", "规格:a;规格:b", "规格:a/b"):
        with pytest.raises(CellError):
            parse_spec(bad)


def test_template_opens_with_the_columns_and_a_valid_example(world):
    wb = load_workbook(io.BytesIO(excel.template_bytes(SPEC)))
    assert [c.value for c in wb["商品"][1]] == HEADER
    notes = [[c.value for c in r] for r in wb["填写说明"].iter_rows()]
    example = notes[notes.index(HEADER) + 1]
    assert SPEC.column("barcode").parse(example[HEADER.index("条码")])
