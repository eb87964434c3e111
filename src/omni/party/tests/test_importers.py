"""The party Excel importers (customers; contacts and addresses) through the kernel's jobs."""

import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from omni.access.services.actors import build_actor
from omni.kernel import excel, imports
from omni.kernel.excel import ERROR_COLUMN_HEADER, ERROR_REASON_HEADER, ROW_NUMBER_HEADER
from omni.kernel.models import AuditEntry, ImportJob, ImportMode, ImportStatus
from omni.kernel.testing import assert_max_queries
from omni.party.importers import CONTACT_SPEC, CUSTOMER_SPEC
from omni.party.models import Address, Contact, Customer
from omni.party.services import customers as customer_services
from omni.party.validation import uscc_check_char

from .factories import SYSTEM, make_world, user_with

pytestmark = pytest.mark.django_db

TAX = "91310115MA1K3B2X0" + uscc_check_char("91310115MA1K3B2X0")
BAD_TAX = TAX[:-1] + ("0" if TAX[-1] != "0" else "1")


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


def run(key, spec, rows, mode=ImportMode.ALL_OR_NOTHING, who=SYSTEM) -> ImportJob:
    job = imports.start_import(
        actor=who, importer_key=key, file_bytes=xlsx(spec, rows), filename="导入.xlsx", mode=mode
    )
    imports.run_import(job.pk)
    job.refresh_from_db()
    return job


def cust(code, name=None, kind="一级经销商", org="E-SO", **kw):
    row = {
        "客户编码": code,
        "客户名称": name or f"客户{code}",
        "客户类型": kind,
        "所属组织编码": org,
        "所在地区编码": kw.pop("region", "310115"),
    }
    for key, header in (
        ("short", "简称"),
        ("cls", "客户分类编码"),
        ("level", "客户级别编码"),
        ("sales_region", "销售区域编码"),
        ("upper", "上级客户编码"),
        ("tags", "标签"),
        ("title", "开票抬头"),
        ("tax", "税号"),
    ):
        if key in kw:
            row[header] = kw.pop(key)
    assert not kw, kw
    return row


def customers(rows, **kw):
    return run("party.customers", CUSTOMER_SPEC, rows, **kw)


def snapshot():
    return [
        list(m.objects.order_by("pk").values()) for m in (Customer, Contact, Address)
    ], AuditEntry.objects.count()


def errors_of(job):
    return {(e["row"], e["column"], e["reason"]) for e in job.error_sample}


@pytest.fixture
def w():
    return make_world()


# --- customers ----------------------------------------------------------------------------------


GOOD = [
    # a store whose upper is defined on a later row of the same file
    cust("N-S1", "新门店", kind="终端门店", upper="N-D1", cls="STORE", tags="社区店，重点"),
    cust(
        "N-D1",
        "新经销商",
        short="新经",
        cls="L1",
        level="A",
        sales_region="DIST-SH",
        title="新经销商有限公司",
        tax=TAX.lower(),
    ),
    cust("N-D2", "二级经销商", kind="二级经销商", upper="C-SH-001"),
    cust("N-K1", "大客户一", kind="大客户", org="S-SO", region="440106"),
]


def test_customers_are_created_uppers_first_as_prospects(w):
    job = customers(GOOD)
    assert job.status == ImportStatus.DONE, (job.failure_message, job.error_sample)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (4, 0, 0)
    d1, s1 = Customer.objects.get(code="N-D1"), Customer.objects.get(code="N-S1")
    assert s1.upper_id == d1.pk and s1.kind == "store" and s1.tags == ["社区店", "重点"]
    assert (d1.short_name, d1.customer_class, d1.level, d1.sales_region) == (
        "新经",
        w.cls_l1,
        w.level_a,
        w.district_sh,
    )
    assert (d1.tax_number, d1.invoice_title, d1.region_id, d1.org_id) == (
        TAX,
        "新经销商有限公司",
        "310115",
        w.east_sales.pk,
    )
    assert Customer.objects.get(code="N-D2").upper_id == w.sh_dealer.pk
    assert {c.status for c in Customer.objects.filter(code__startswith="N-")} == {"prospect"}
    (entry,) = AuditEntry.objects.filter(object_type="kernel.importjob")
    assert (entry.after["created"], entry.after["importer"]) == (4, "party.customers")


def test_reimporting_the_same_file_changes_nothing(w):
    customers(GOOD)
    before = snapshot()
    job = customers(GOOD)
    assert (job.status, job.created_count, job.updated_count, job.unchanged_count) == (
        ImportStatus.DONE,
        0,
        0,
        4,
    )
    assert snapshot() == before


def test_existing_customers_are_updated_where_the_file_differs(w):
    customers(GOOD)
    changed = [
        {**GOOD[0], "客户名称": "改名门店", "标签": None},  # name changed, tags cleared
        GOOD[1],  # unchanged
        {**GOOD[2], "上级客户编码": "N-D1"},  # another upper
        cust("C-SH-001", "上海浦江商贸有限公司", cls="L1", level="A", sales_region="DIST-SH"),
    ]
    job = customers(changed)
    assert job.status == ImportStatus.DONE, job.error_sample
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 2, 2)
    s1 = Customer.objects.get(code="N-S1")
    assert (s1.name, s1.tags) == ("改名门店", [])
    assert Customer.objects.get(code="N-D2").upper.code == "N-D1"
    assert Customer.objects.get(code="C-SH-001").status == "prospect"  # status untouched


def test_every_bad_row_is_reported_and_nothing_is_written(w):
    before = snapshot()
    bad = [
        cust("X1"),  # 2: fine on its own
        cust("X1"),  # 3: duplicate code
        cust("坏 码"),  # 4: bad code
        cust("X4", org="NOPE"),  # 5: unknown organisation
        cust("X5", cls="NOPE", level="NOPE", sales_region="NOPE"),  # 6
        cust("X6", region="12345"),  # 7: not six digits
        cust("X7", region="999999"),  # 8: unknown region
        cust("X8", upper="NOPE"),  # 9: unknown upper
        cust("X9", upper="X9"),  # 10: itself
        cust("X10", upper="C-GZ-001"),  # 11: upper in another organisation
        cust("X11", upper="C-SH-S01"),  # 12: a store cannot supply
        cust("X12", upper="X13"),  # 13: a cycle inside the file
        cust("X13", upper="X12"),  # 14
        cust("X14", tax=BAD_TAX),  # 15: invalid tax number
        cust("X15", kind="批发商"),  # 16: not a customer type
        cust("X16", kind="二级经销商", upper="X4"),  # 17: its upper's row is rejected
        cust("X17", kind="终端门店", upper="X11"),  # 18: upper X11 rejected (row 12)
    ]
    job = customers(bad)
    assert (job.status, job.failure_code) == (ImportStatus.FAILED, "rows_invalid")
    assert snapshot() == before
    assert errors_of(job) == {
        (3, "客户编码", "与第 2 行重复"),
        (4, "客户编码", "客户编码只能包含字母、数字、. _ -，以字母或数字开头，最多 32 位"),
        (5, "所属组织编码", "组织编码不存在"),
        (6, "客户分类编码", "客户分类编码不存在"),
        (6, "客户级别编码", "客户级别编码不存在"),
        (6, "销售区域编码", "销售区域编码不存在"),
        (7, "所在地区编码", "地区编码应为 6 位数字（行政区划代码）"),
        (8, "所在地区编码", "地区编码不存在"),
        (9, "上级客户编码", "上级客户编码不存在"),
        (10, "上级客户编码", "上级客户不能是客户自己"),
        (11, "上级客户编码", "上级客户须与本客户属于同一组织"),
        (12, "上级客户编码", "上级客户是终端门店或大客户，不能作为上级供货商"),
        (13, "上级客户编码", "上级客户形成循环：X12 → X13 → X12"),
        (14, "上级客户编码", "上级客户形成循环：X13 → X12 → X13"),
        (15, "税号", "税号无效：应为 18 位统一社会信用代码，且校验位正确"),
        (16, "客户类型", "只能填写：一级经销商、二级经销商、终端门店、大客户"),
        (17, "上级客户编码", "上级客户所在的第 5 行有错误"),
        (18, "上级客户编码", "上级客户所在的第 12 行有错误"),
    }


def test_cycles_through_the_database_and_changes_that_strand_lower_customers(w):
    job = customers(
        [
            # C-SH-001 would order from X1, which orders from C-SH-001
            cust("X1", upper="C-SH-001"),
            cust("C-SH-001", "上海浦江商贸有限公司", upper="X1"),
            # the Guangzhou dealer moves to the east, but nobody orders from it: fine
            cust("C-GZ-001", "广州天河饮品批发部", region="440106"),
        ]
    )
    assert errors_of(job) == {
        (2, "上级客户编码", "上级客户形成循环：X1 → C-SH-001 → X1"),
        (3, "上级客户编码", "上级客户形成循环：C-SH-001 → X1 → C-SH-001"),
    }
    # the Shanghai dealer supplies C-SH-S01 (not in the file): it cannot become a store or
    # move to another organisation
    job = customers([cust("C-SH-001", "上海浦江商贸有限公司", kind="终端门店")])
    assert errors_of(job) == {
        (2, "客户类型", "仍有下级客户（C-SH-S01）向其进货，不能改为终端门店或大客户")
    }
    job = customers([cust("C-SH-001", "上海浦江商贸有限公司", org="S-SO", region="440106")])
    assert errors_of(job) == {(2, "所属组织编码", "下级客户 C-SH-S01 仍属于原组织，不能更换组织")}
    # moving both together is fine
    job = customers(
        [
            cust("C-SH-001", "上海浦江商贸有限公司", org="S-SO"),
            cust("C-SH-S01", "徐汇便利店", kind="终端门店", org="S-SO", upper="C-SH-001"),
        ]
    )
    assert job.status == ImportStatus.DONE, job.error_sample
    assert Customer.objects.get(code="C-SH-S01").org_id == w.south_sales.pk


def test_supplier_chains_have_a_maximum_depth(w):
    rows = [cust("L0")] + [
        cust(f"L{i}", kind="二级经销商", upper=f"L{i - 1}") for i in range(1, 13)
    ]
    job = customers(rows)
    deep = {e["row"] for e in job.error_sample}
    assert deep == {13, 14}  # L11 and L12 sit more than 10 levels down
    assert {e["reason"] for e in job.error_sample} == {"上级客户链条超过 10 级"}


def test_valid_only_imports_the_good_rows_and_their_lower_customers(w):
    rows = [
        *GOOD,
        cust("B1", cls="NOPE"),  # rejected
        cust("B2", kind="终端门店", upper="B1"),  # rejected with it
        {**cust("B3", kind="终端门店"), "上级客户编码": "C-SH-001"},  # fine
    ]
    job = customers(rows, mode=ImportMode.VALID_ONLY)
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.error_rows) == (5, 2)
    assert not Customer.objects.filter(code__in=["B1", "B2"]).exists()
    assert Customer.objects.get(code="B3").upper_id == w.sh_dealer.pk


def test_an_upper_whose_row_is_rejected_keeps_what_the_database_holds(w):
    # the Shanghai dealer's own row is bad, so it stays a distributor in the east: the new
    # store that orders from it is checked against that and imported
    job = customers(
        [
            cust("C-SH-001", "上海浦江商贸有限公司", cls="NOPE"),
            cust("N-S9", kind="终端门店", upper="C-SH-001"),
        ],
        mode=ImportMode.VALID_ONLY,
    )
    assert (job.status, job.created_count, job.error_rows) == (ImportStatus.DONE, 1, 1)


def test_the_error_file_has_the_template_layout_and_the_original_rows(w):
    rows = [cust("OK1"), cust("BAD1", org="NOPE", tax=BAD_TAX)]
    job = customers(rows)
    ws = load_workbook(io.BytesIO(imports.job_file(job)))[CUSTOMER_SPEC.sheet_name]
    lines = [[c.value for c in r] for r in ws.iter_rows()]
    assert lines[0] == [
        *CUSTOMER_SPEC.headers,
        ROW_NUMBER_HEADER,
        ERROR_COLUMN_HEADER,
        ERROR_REASON_HEADER,
    ]
    assert len(lines) == 2
    n = len(CUSTOMER_SPEC.headers)
    assert lines[1][:n] == [rows[1].get(h) for h in CUSTOMER_SPEC.headers]
    # a row whose cells do not parse is not checked further (the engine's rule)
    assert lines[1][n : n + 2] == [3, "税号"]
    # the corrected error file imports as it is
    fixed = load_workbook(io.BytesIO(imports.job_file(job)))
    sheet = fixed[CUSTOMER_SPEC.sheet_name]
    sheet.cell(row=2, column=CUSTOMER_SPEC.headers.index("所属组织编码") + 1, value="E-SO")
    sheet.cell(row=2, column=CUSTOMER_SPEC.headers.index("税号") + 1, value=TAX)
    out = io.BytesIO()
    fixed.save(out)
    again = imports.start_import(
        actor=SYSTEM,
        importer_key="party.customers",
        file_bytes=out.getvalue(),
        filename="修正.xlsx",
        mode=ImportMode.ALL_OR_NOTHING,
    )
    imports.run_import(again.pk)
    again.refresh_from_db()
    assert (again.status, again.created_count) == (ImportStatus.DONE, 1)


def test_customers_can_only_be_imported_into_the_uploaders_organisations(w):
    east = build_actor(user_with("east-importer", ["party.customer.import"], "org", org=w.east))
    job = customers(
        [
            cust("E1"),  # east: fine
            cust("E2", org="S-SO", region="440106"),  # the south is outside the scope
            cust("C-GZ-001", "广州天河饮品批发部"),  # an existing southern customer
            cust("E3", upper="C-GZ-001"),  # an upper the uploader cannot see
        ],
        who=east,
        mode=ImportMode.VALID_ONLY,
    )
    assert errors_of(job) == {
        (3, "所属组织编码", "组织不在您的数据权限范围内"),
        (4, "客户编码", "客户编码已被使用，该客户不在您的数据权限范围内"),
        (5, "上级客户编码", "上级客户所在的第 4 行有错误"),
    }
    assert job.created_count == 1
    e1 = Customer.objects.get(code="E1")
    assert e1.created_by_id == east.id and e1.org_id == w.east_sales.pk
    assert Customer.objects.get(code="C-GZ-001").org_id == w.south_sales.pk
    # without an organisation scope (a dealer's user) nothing can be imported
    dealer = build_actor(
        user_with("dealer-user", ["party.customer.import"], "all", customer=w.sh_dealer)
    )
    job = customers([cust("E9")], who=dealer)
    assert errors_of(job) == {(2, "所属组织编码", "组织不在您的数据权限范围内")}


def test_customer_validation_and_apply_use_a_bounded_number_of_queries(w):
    rows = [cust(f"Q{i}", cls="L1", level="A", sales_region="DIST-SH") for i in range(200)]
    rows += [cust(f"Q{i}-S", kind="终端门店", upper=f"Q{i}") for i in range(200)]
    parsed = excel.read_xlsx(xlsx(CUSTOMER_SPEC, rows), CUSTOMER_SPEC)
    importer = imports.get_importer("party.customers")
    with assert_max_queries(14):
        assert importer.validate_rows(parsed.rows, actor=SYSTEM, progress=lambda n: None) == []
    with assert_max_queries(14):
        counts = importer.apply(parsed.rows, actor=SYSTEM, progress=lambda n: None)
    assert counts.created == 400


def test_the_customer_template_example_row_is_valid(w):
    wb = load_workbook(io.BytesIO(excel.template_bytes(CUSTOMER_SPEC)))
    assert [c.value for c in wb[CUSTOMER_SPEC.sheet_name][1]] == CUSTOMER_SPEC.headers
    notes = [[c.value for c in r] for r in wb["填写说明"].iter_rows()]
    example = dict(zip(CUSTOMER_SPEC.headers, notes[notes.index(CUSTOMER_SPEC.headers) + 1]))
    example["客户编码"] = "C-EXAMPLE"
    job = customers([example])
    assert job.status == ImportStatus.DONE, job.error_sample


# --- contacts and addresses ---------------------------------------------------------------------


def entry(customer="C-SH-001", kind="联系人", name="李雷", phone="13812345678", **kw):
    row = {"客户编码": customer, "类型": kind, "姓名/收货人": name, "电话": phone}
    for key, header in (
        ("position", "职务"),
        ("region", "地区编码"),
        ("street", "详细地址"),
        ("default", "默认"),
    ):
        if key in kw:
            row[header] = kw.pop(key)
    assert not kw, kw
    return row


def contacts(rows, **kw):
    return run("party.contacts_addresses", CONTACT_SPEC, rows, **kw)


ENTRIES = [
    entry(position="采购经理", default="是"),
    entry(name="韩梅梅", phone="021-61234567"),
    entry(kind="收货地址", name="王仓管", region="310115", street="张江路 100 号", default="是"),
    entry(
        "C-GZ-001",
        kind="收货地址",
        name="陈收货",
        phone="+86 139 0000 1111",
        region="440106",
        street="天河路 1 号",
    ),
]


def test_contacts_and_addresses_are_created_once(w):
    job = contacts(ENTRIES)
    assert job.status == ImportStatus.DONE, job.error_sample
    assert (job.created_count, job.updated_count, job.unchanged_count) == (4, 0, 0)
    lilei = Contact.objects.get(name="李雷")
    assert (lilei.customer_id, lilei.phone, lilei.position, lilei.is_primary) == (
        w.sh_dealer.pk,
        "13812345678",
        "采购经理",
        True,
    )
    assert Contact.objects.get(name="韩梅梅").phone == "02161234567"
    a = Address.objects.get(receiver="王仓管")
    assert (a.province_id, a.city_id, a.district_id, a.street, a.is_default) == (
        "310000",
        "310100",
        "310115",
        "张江路 100 号",
        True,
    )
    assert Address.objects.get(receiver="陈收货").phone == "13900001111"
    before = snapshot()
    job = contacts(ENTRIES)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 4)
    assert snapshot() == before


def test_the_default_moves_and_details_are_updated(w):
    contacts(ENTRIES)
    job = contacts(
        [
            entry(name="韩梅梅", phone="02161234567", position="财务", default="是"),
            entry(
                kind="收货地址",
                name="王仓管",
                phone="13700000000",
                region="310115",
                street="张江路 100 号",
            ),
        ]
    )
    assert (job.created_count, job.updated_count) == (0, 2)
    assert Contact.objects.get(name="韩梅梅").is_primary
    assert not Contact.objects.get(name="李雷").is_primary
    a = Address.objects.get(receiver="王仓管")
    assert (a.phone, a.is_default) == ("13700000000", True)  # 默认 left empty: unchanged


def test_every_bad_contact_row_is_reported(w):
    before = snapshot()
    job = contacts(
        [
            entry(),  # 2
            entry(),  # 3: the same contact again
            entry("NOPE"),  # 4: unknown customer
            entry(name="张三", phone="12345"),  # 5: bad phone
            entry(name="李四", region="310115", street="某路"),  # 6: address columns on a contact
            entry(kind="收货地址", name="王五", position="经理"),  # 7: no region, street; position
            entry(
                kind="收货地址", name="赵六", region="999999", street="某路"
            ),  # 8: unknown region
            entry(name="钱七", default="是"),  # 9
            entry(name="孙八", phone="13900000000", default="是"),  # 10: a second default
            entry(kind="其他"),  # 11: not a type
        ]
    )
    assert job.status == ImportStatus.FAILED
    assert snapshot() == before
    assert errors_of(job) == {
        (3, "姓名/收货人", "与第 2 行重复"),
        (4, "客户编码", "客户编码不存在"),
        (5, "电话", "电话号码无效：请填写手机号或带区号的固定电话"),
        (6, "地区编码", "联系人行不填写此列"),
        (6, "详细地址", "联系人行不填写此列"),
        (7, "职务", "收货地址行不填写此列"),
        (7, "地区编码", "收货地址须填写地区编码"),
        (7, "详细地址", "收货地址须填写详细地址"),
        (8, "地区编码", "地区编码不存在"),
        (10, "默认", "同一客户只能有一个默认联系人（见第 9 行）"),
        (11, "类型", "只能填写：联系人、收货地址"),
    }
    ws = load_workbook(io.BytesIO(imports.job_file(job)))[CONTACT_SPEC.sheet_name]
    header = [c.value for c in ws[1]]
    assert header == [
        *CONTACT_SPEC.headers,
        ROW_NUMBER_HEADER,
        ERROR_COLUMN_HEADER,
        ERROR_REASON_HEADER,
    ]
    job = contacts([entry(), entry("NOPE")], mode=ImportMode.VALID_ONLY)
    assert (job.status, job.created_count, job.error_rows) == (ImportStatus.DONE, 1, 1)


def test_contacts_only_for_customers_in_the_uploaders_scope(w):
    east = build_actor(user_with("east-contacts", ["party.customer.import"], "org", org=w.east))
    job = contacts([entry(), entry("C-GZ-001", name="陈")], who=east)
    assert errors_of(job) == {(3, "客户编码", "客户编码不存在")}  # as if it did not exist
    assert not Contact.objects.exists()


def test_contact_rows_are_not_imported_without_the_permission(w):
    viewer = build_actor(user_with("viewer", ["party.customer.view"], "all"))
    with pytest.raises(Exception) as info:
        imports.start_import(
            actor=viewer,
            importer_key="party.contacts_addresses",
            file_bytes=xlsx(CONTACT_SPEC, ENTRIES),
            filename="x.xlsx",
            mode=ImportMode.ALL_OR_NOTHING,
        )
    assert getattr(info.value, "code", "") == "permission_denied"


# --- the real worker ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_customers_and_contacts_are_imported_by_the_real_worker():
    w = make_world()
    jobs = [
        imports.start_import(
            actor=SYSTEM,
            importer_key=key,
            file_bytes=xlsx(spec, rows),
            filename="导入.xlsx",
            mode=ImportMode.ALL_OR_NOTHING,
        )
        for key, spec, rows in (
            ("party.customers", CUSTOMER_SPEC, GOOD),
            ("party.contacts_addresses", CONTACT_SPEC, ENTRIES),
        )
    ]
    call_command("worker", batch=True, interval=0)
    for job in jobs:
        job.refresh_from_db()
        assert job.status == ImportStatus.DONE, job.error_sample
    assert Customer.objects.get(code="N-S1").upper.code == "N-D1"
    assert w.sh_dealer.contacts.count() == 2


def test_services_and_import_agree_on_what_an_upper_may_be(w):
    """The import's rules are the service's rules: the service refuses the same upper."""
    with pytest.raises(Exception) as info:
        customer_services.create_customer(
            actor=SYSTEM,
            code="SVC",
            data=customer_services.CustomerData(
                name="x", kind="store", org_id=w.east_sales.pk, upper_id=w.sh_store.pk
            ),
        )
    assert getattr(info.value, "code", "") == "upper_cannot_supply"
    job = customers([cust("SVC", kind="终端门店", upper="C-SH-S01")])
    assert job.error_sample[0]["column"] == "上级客户编码"
