"""The barcodes and authorisation-rule Excel importers (catalog.importers)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from omni.catalog import errors as catalog_errors
from omni.catalog.importers import AUTHORISATION_SPEC, BARCODE_SPEC
from omni.catalog.models import AuthorisationRule, Barcode, Sku
from omni.catalog.services import barcodes as barcode_services
from omni.kernel import excel, imports
from omni.kernel.errors import PermissionDenied
from omni.kernel.excel import ERROR_COLUMN_HEADER, ERROR_REASON_HEADER, ROW_NUMBER_HEADER
from omni.kernel.models import AuditEntry, ImportMode, ImportStatus

from .factories import (
    ADMIN,
    BrandFactory,
    CategoryFactory,
    UnitFactory,
    actor,
    ean13,
    make_org,
    make_product,
    party,
    tenancy,
)

pytestmark = pytest.mark.django_db


def xlsx(spec, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = spec.sheet_name
    ws.append(spec.headers)
    for r in rows:
        ws.append([r.get(h) for h in spec.headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(key, spec, rows, mode=ImportMode.ALL_OR_NOTHING, who=ADMIN):
    job = imports.start_import(
        actor=who, importer_key=key, file_bytes=xlsx(spec, rows), filename="导入.xlsx", mode=mode
    )
    imports.run_import(job.pk)
    job.refresh_from_db()
    return job


def msg(code, reason=None, row=None):
    """The message a service error code gives (in the job's language), as a sheet row says it."""
    text = str(catalog_errors.message(code, {"reason": reason}))
    return text + (gettext(" (see row %(row)s)") % {"row": row} if row else "")


def errors_of(job):
    return {(e["row"], e["column"], e["reason"]) for e in job.error_sample}


def build_world():
    """Group GRP with subsidiary SUB; OTH is another root. P1 (GRP, SKUs P1-1 500ml and
    P1-2 1L, a 箱 of 24 for P1-1 only), P2 (OTH, one SKU P2-1). Party rows by app label."""
    g = make_org("GRP")
    s = make_org("SUB", parent=g)
    t = make_org("OTH")
    bottle = UnitFactory(code="bottle", name="瓶")
    case = UnitFactory(code="case", name="箱")
    brand = BrandFactory(org=g, code="B1")
    category = CategoryFactory(org=g, code="C1")
    p1 = make_product(
        g, "P1", spec={"规格": ["500ml", "1L"]}, brand=brand, category=category, unit=bottle
    )
    p2 = make_product(t, "P2", unit=bottle)
    barcode_services.set_unit_conversion(
        actor=ADMIN, sku_id=Sku.objects.get(code="P1-1").pk, unit_id=case.pk, factor=24
    )
    cls = party("CustomerClass").objects.create(code="L1", name="一级经销商")
    level = party("CustomerLevel").objects.create(code="A", name="A级")
    region = tenancy("SalesRegion").objects.create(org=g, code="R1", name="华东", kind="area")
    Customer = party("Customer")
    cu1 = Customer.objects.create(org=s, code="CU1", name="一号", kind="distributor")
    cu9 = Customer.objects.create(org=t, code="CU9", name="九号", kind="distributor")
    return {
        "group": g,
        "sub": s,
        "other": t,
        "bottle": bottle,
        "case": case,
        "brand": brand,
        "category": category,
        "p1": p1,
        "p2": p2,
        "class": cls,
        "level": level,
        "region": region,
        "cu1": cu1,
        "cu9": cu9,
    }


@pytest.fixture
def world():
    return build_world()


def snapshot():
    return [
        list(m.objects.order_by("pk").values()) for m in (Barcode, AuthorisationRule)
    ], AuditEntry.objects.count()


# --- barcodes -----------------------------------------------------------------------------------


def bc(sku, code, unit=None, primary=None):
    return {"SKU编码": sku, "条码": code, "包装单位": unit, "主条码": primary}


BARCODES = [
    bc("P1-1", ean13(1)),  # base unit, but row 3 takes the primary flag
    bc("P1-1", ean13(2), primary="是"),
    bc("P1-1", ean13(3), unit="箱"),  # the first 箱 barcode: primary
    bc("P1-2", ean13(4), unit="bottle", primary="否"),  # the first of its unit: primary anyway
    bc("P1-2", "ABC123"),  # an internal code
]


def test_barcodes_are_added_with_one_primary_per_sku_and_unit(world):
    job = run("catalog.barcodes", BARCODE_SPEC, BARCODES)
    assert job.status == ImportStatus.DONE, job.error_sample
    assert (job.created_count, job.updated_count, job.unchanged_count) == (5, 0, 0)
    got = {
        b.code: (b.sku.code, b.unit.code, b.is_primary)
        for b in Barcode.objects.select_related("sku", "unit")
    }
    assert got == {
        ean13(1): ("P1-1", "bottle", False),
        ean13(2): ("P1-1", "bottle", True),
        ean13(3): ("P1-1", "case", True),
        ean13(4): ("P1-2", "bottle", True),
        "ABC123": ("P1-2", "bottle", False),
    }
    (entry,) = AuditEntry.objects.filter(object_type="kernel.importjob")
    assert entry.after["importer"] == "catalog.barcodes" and entry.after["created"] == 5


def test_reimporting_barcodes_changes_nothing(world):
    run("catalog.barcodes", BARCODE_SPEC, BARCODES)
    before = snapshot()
    job = run("catalog.barcodes", BARCODE_SPEC, BARCODES)
    assert (job.status, job.created_count, job.updated_count, job.unchanged_count) == (
        ImportStatus.DONE,
        0,
        0,
        5,
    )
    assert snapshot() == before


def test_a_barcode_can_take_over_the_primary_flag(world):
    run("catalog.barcodes", BARCODE_SPEC, BARCODES)
    job = run("catalog.barcodes", BARCODE_SPEC, [bc("P1-1", ean13(1), primary="是")])
    assert (job.created_count, job.updated_count) == (0, 1)
    primary = Barcode.objects.filter(sku__code="P1-1", unit__code="bottle", is_primary=True)
    assert list(primary.values_list("code", flat=True)) == [ean13(1)]


def test_every_bad_barcode_row_is_reported_and_nothing_is_written(world):
    run("catalog.barcodes", BARCODE_SPEC, [bc("P1-1", ean13(1)), bc("P1-1", ean13(13))])
    before = snapshot()
    bad = [
        bc("P1-1", ean13(5)),  # 2: fine
        bc("P1-2", ean13(5)),  # 3: twice in the file
        bc("NOPE", ean13(6)),  # 4: unknown SKU
        bc("P2-1", ean13(7)),  # 5: fine (the system actor sees everything)
        bc("P1-2", ean13(8), unit="桶"),  # 6: unknown unit
        bc("P1-2", ean13(9), unit="箱"),  # 7: P1-2 has no 箱 conversion
        bc("P1-1", "6901234567890"),  # 8: wrong check digit
        bc("P1-2", ean13(13)),  # 9: already on P1-1
        bc("P1-1", ean13(1), unit="箱"),  # 10: on P1-1, but for the bottle
        bc("P1-2", ean13(10), primary="是"),  # 11
        bc("P1-2", ean13(11), primary="是"),  # 12: a second primary for P1-2 / bottle
        bc("P1-2", ean13(12), primary="也许"),  # 13: not 是/否
    ]
    job = run("catalog.barcodes", BARCODE_SPEC, bad)
    assert job.status == ImportStatus.FAILED
    assert snapshot() == before
    # then each bad row has the message of the service's error code (the page's, the API's)
    assert errors_of(job) == {
        (3, "条码", msg("duplicate_barcode", row=2)),
        (4, "SKU编码", msg("unknown_sku")),
        (6, "包装单位", msg("unknown_unit")),
        (7, "包装单位", msg("unknown_unit")),  # P1-2 has no 箱 conversion
        (
            8,
            "条码",
            "条码无效：纯数字条码须为 8、12、13 或 14 位（EAN-8/UPC-A/EAN-13/GTIN-14）且校验位正确",
        ),
        (9, "条码", msg("duplicate_barcode")),
        (10, "条码", msg("duplicate_barcode", "other_unit")),
        (12, "主条码", msg("duplicate_primary", row=11)),
        (13, "主条码", "只能填写：是、否"),
    }
    ws = load_workbook(io.BytesIO(imports.job_file(job)))[BARCODE_SPEC.sheet_name]
    lines = [[c.value for c in r] for r in ws.iter_rows()]
    assert lines[0] == [*BARCODE_SPEC.headers, ROW_NUMBER_HEADER, ERROR_COLUMN_HEADER,
                        ERROR_REASON_HEADER]  # fmt: skip
    assert [line[len(BARCODE_SPEC.headers)] for line in lines[1:]] == [3, 4, 6, 7, 8, 9, 10, 12, 13]
    assert lines[1][:4] == ["P1-2", ean13(5), None, None]

    job = run("catalog.barcodes", BARCODE_SPEC, bad, mode=ImportMode.VALID_ONLY)
    assert (job.status, job.created_count, job.error_rows) == (ImportStatus.DONE, 3, 9)
    assert set(Barcode.objects.values_list("code", flat=True)) == {
        ean13(1),
        ean13(13),
        ean13(5),
        ean13(7),
        ean13(10),
    }


def test_barcodes_of_skus_outside_the_writable_organisations(world):
    sub_user = actor("catalog.product.import", org_ids=(world["sub"].pk,))
    job = run(
        "catalog.barcodes",
        BARCODE_SPEC,
        [bc("P1-1", ean13(1)), bc("P2-1", ean13(2))],
        who=sub_user,
    )
    assert errors_of(job) == {
        (2, "SKU编码", msg("read_only")),  # group data: read-only
        (3, "SKU编码", msg("unknown_sku")),  # another root: invisible
    }
    with pytest.raises(PermissionDenied):
        run("catalog.barcodes", BARCODE_SPEC, BARCODES, who=actor("catalog.product.view"))


# --- authorisation rules ------------------------------------------------------------------------


def rule(org="GRP", effect="允许", subject="全部", subject_code=None, target="全部",
         target_code=None, start=None, end=None, note=None):  # fmt: skip
    return {
        "组织编码": org,
        "效果": effect,
        "对象类型": subject,
        "对象编码": subject_code,
        "范围类型": target,
        "范围编码": target_code,
        "生效日期": start,
        "失效日期": end,
        "备注": note,
    }


RULES = [
    rule(target="品牌", target_code="B1", note="全体客户可订 B1"),
    rule(
        effect="禁止",
        subject="客户分类",
        subject_code="L1",
        target="分类",
        target_code="C1",
        start=dt.date(2026, 1, 1),
        end="2026-12-31",
    ),
    rule(org="SUB", subject="客户", subject_code="CU1", target="SKU", target_code="P1-1"),
    rule(subject="销售区域", subject_code="R1", target="商品", target_code="P1"),
    rule(subject="客户级别", subject_code="A"),
]


def test_rules_are_created_from_codes(world):
    job = run("catalog.authorisation", AUTHORISATION_SPEC, RULES)
    assert job.status == ImportStatus.DONE, job.error_sample
    assert (job.created_count, job.updated_count, job.unchanged_count) == (5, 0, 0)
    brand_rule = AuthorisationRule.objects.get(brand=world["brand"])
    assert (brand_rule.org_id, brand_rule.effect, brand_rule.subject_kind, brand_rule.note) == (
        world["group"].pk,
        "include",
        "all",
        "全体客户可订 B1",
    )
    ban = AuthorisationRule.objects.get(effect="exclude")
    assert (ban.customer_class_id, ban.category_id, ban.valid_from, ban.valid_to) == (
        world["class"].pk,
        world["category"].pk,
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )
    one = AuthorisationRule.objects.get(customer=world["cu1"])
    assert (one.org_id, one.sku.code) == (world["sub"].pk, "P1-1")
    assert AuthorisationRule.objects.get(sales_region=world["region"]).product_id == world["p1"].pk
    assert AuthorisationRule.objects.get(customer_level=world["level"]).target_kind == "all"


def test_reimporting_rules_changes_nothing_and_only_notes_are_updated(world):
    run("catalog.authorisation", AUTHORISATION_SPEC, RULES)
    before = snapshot()
    job = run("catalog.authorisation", AUTHORISATION_SPEC, RULES)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 5)
    assert snapshot() == before
    job = run(
        "catalog.authorisation",
        AUTHORISATION_SPEC,
        [{**RULES[0], "备注": "新备注"}, {**RULES[4], "失效日期": "2030-01-01"}],
    )
    assert (job.created_count, job.updated_count) == (1, 1)  # other dates: another rule
    assert AuthorisationRule.objects.get(brand=world["brand"]).note == "新备注"
    assert AuthorisationRule.objects.count() == 6


def test_every_bad_rule_row_is_reported_and_nothing_is_written(world):
    before = snapshot()
    bad = [
        rule(),  # 2: fine
        rule(),  # 3: the same rule again
        rule(org="NOPE"),  # 4
        rule(subject_code="L1"),  # 5: code for 全部
        rule(subject="客户分类"),  # 6: missing code
        rule(subject="客户分类", subject_code="NOPE"),  # 7
        rule(subject="客户级别", subject_code="NOPE"),  # 8
        rule(subject="销售区域", subject_code="NOPE"),  # 9
        rule(subject="客户", subject_code="NOPE"),  # 10
        rule(target="品牌", target_code="NOPE"),  # 11
        rule(target="分类", target_code="NOPE"),  # 12
        rule(target="商品", target_code="NOPE"),  # 13
        rule(target="SKU", target_code="NOPE"),  # 14
        rule(target="SKU"),  # 15: missing code
        rule(target_code="B1"),  # 16: code for 全部
        rule(start="2026-02-01", end="2026-01-01"),  # 17
        rule(start="明天"),  # 18: not a date
        rule(effect="可以"),  # 19
    ]
    job = run("catalog.authorisation", AUTHORISATION_SPEC, bad)
    assert job.status == ImportStatus.FAILED
    assert snapshot() == before
    assert errors_of(job) == {
        (3, "效果", msg("duplicate_rule", row=2)),
        (4, "组织编码", msg("unknown_org")),
        (5, "对象编码", msg("invalid_rule")),  # a code for 全部
        (6, "对象编码", msg("invalid_rule")),  # no code
        (7, "对象编码", msg("unknown_customer_class")),
        (8, "对象编码", msg("unknown_customer_level")),
        (9, "对象编码", msg("unknown_sales_region")),
        (10, "对象编码", msg("unknown_customer")),
        (11, "范围编码", msg("unknown_brand")),
        (12, "范围编码", msg("unknown_category")),
        (13, "范围编码", msg("unknown_product")),
        (14, "范围编码", msg("unknown_sku")),
        (15, "范围编码", msg("invalid_rule")),
        (16, "范围编码", msg("invalid_rule")),
        (17, "失效日期", msg("invalid_date_range")),
        (18, "生效日期", "日期格式应为 2025-01-31"),
        (19, "效果", "只能填写：允许、禁止"),
    }
    ws = load_workbook(io.BytesIO(imports.job_file(job)))[AUTHORISATION_SPEC.sheet_name]
    assert [c.value for c in ws[1]][-3:] == [
        ROW_NUMBER_HEADER,
        ERROR_COLUMN_HEADER,
        ERROR_REASON_HEADER,
    ]
    job = run("catalog.authorisation", AUTHORISATION_SPEC, bad, mode=ImportMode.VALID_ONLY)
    assert (job.status, job.created_count, job.error_rows) == (ImportStatus.DONE, 1, 17)


def test_rules_stay_inside_the_uploaders_organisations(world):
    sub_user = actor("catalog.authorisation.import", org_ids=(world["sub"].pk,))
    job = run(
        "catalog.authorisation",
        AUTHORISATION_SPEC,
        [
            rule(org="SUB", subject="客户", subject_code="CU1", target="商品", target_code="P1"),
            rule(org="GRP"),  # the group's rules are read-only from the subsidiary
            rule(org="SUB", subject="客户", subject_code="CU9"),  # a customer it cannot see
            rule(org="SUB", target="商品", target_code="P2"),  # a product it cannot see
        ],
        who=sub_user,
        mode=ImportMode.VALID_ONLY,
    )
    assert errors_of(job) == {
        (3, "组织编码", msg("unknown_org")),
        (4, "对象编码", msg("unknown_customer")),
        (5, "范围编码", msg("unknown_product")),
    }
    assert job.created_count == 1
    with pytest.raises(PermissionDenied):
        run("catalog.authorisation", AUTHORISATION_SPEC, RULES, who=actor("catalog.product.import"))


def test_the_templates_examples_are_valid_rows(world):
    for spec, key, fix in (
        (BARCODE_SPEC, "catalog.barcodes", {"SKU编码": "P1-1"}),
        (
            AUTHORISATION_SPEC,
            "catalog.authorisation",
            {"组织编码": "GRP", "对象编码": "L1", "范围编码": "B1"},
        ),
    ):
        wb = load_workbook(io.BytesIO(excel.template_bytes(spec)))
        assert [c.value for c in wb[spec.sheet_name][1]] == spec.headers
        notes = [[c.value for c in r] for r in wb["填写说明"].iter_rows()]
        example = dict(zip(spec.headers, notes[notes.index(spec.headers) + 1]))
        job = run(key, spec, [{**example, **fix}])
        assert job.status == ImportStatus.DONE, job.error_sample


@pytest.mark.django_db(transaction=True)
def test_barcodes_and_rules_are_imported_by_the_real_worker():
    build_world()
    jobs = [
        imports.start_import(
            actor=ADMIN,
            importer_key=key,
            file_bytes=xlsx(spec, rows),
            filename="导入.xlsx",
            mode=ImportMode.ALL_OR_NOTHING,
        )
        for key, spec, rows in (
            ("catalog.barcodes", BARCODE_SPEC, BARCODES),
            ("catalog.authorisation", AUTHORISATION_SPEC, RULES),
        )
    ]
    call_command("worker", batch=True, interval=0)
    for job in jobs:
        job.refresh_from_db()
        assert job.status == ImportStatus.DONE, job.error_sample
    assert Barcode.objects.count() == 5 and AuthorisationRule.objects.count() == 5
