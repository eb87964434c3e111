"""Customer pages: list (scope, filters, export), detail (tabs, actions), create and edit."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from omni.access.models import User
from omni.kernel import excel
from omni.kernel.models import AuditEntry
from omni.party import importers as party_io
from omni.party.models import Address, Contact, Customer
from omni.party.tests.factories import client_for, make_world, user_with

pytestmark = pytest.mark.django_db

VIEW = ["party.customer.view"]


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def boss(db) -> User:
    return User.objects.create_superuser("boss", password="boss-pass-123")


@pytest.fixture
def admin(boss) -> Client:
    return client_for(boss)


def test_every_customer_page_renders_for_a_superuser(world, admin):
    c = world.sh_dealer
    for url, text in [
        ("/party/customers/", "客户列表"),
        (f"/party/customers/{c.pk}/", "基本信息"),
        (f"/party/customers/{c.pk}/edit/", "编辑客户"),
        ("/party/customers/new/", "新建客户"),
    ]:
        res = admin.get(url)
        assert res.status_code == 200, url
        assert text in res.content.decode(), url
    html = admin.get("/party/customers/").content.decode()
    for code in ("C-SH-001", "C-SH-S01", "C-GZ-001"):
        assert code in html


def test_anonymous_users_are_sent_to_log_in(world):
    res = Client().get("/party/customers/")
    assert res.status_code == 302 and res["Location"].startswith("/login/")


def test_without_the_view_permission_the_list_does_not_exist(world):
    client = client_for(user_with("nobody", ["party.supplier.view"], "all"))
    # the area's entry page sends them to what they may open
    res = client.get("/party/customers/")
    assert res.status_code == 302 and res["Location"] == "/party/suppliers/"
    assert client_for(user_with("none", [], "all")).get("/party/customers/").status_code == 404
    assert client.get(f"/party/customers/{world.sh_dealer.pk}/").status_code == 404
    assert client.get("/party/customers/export/").status_code == 404
    assert client.get("/party/customers/new/").status_code == 404


def test_a_user_scoped_to_one_organisation_sees_only_its_customers(world):
    client = client_for(user_with("east", VIEW, "org", org=world.east))
    html = client.get("/party/customers/").content.decode()
    assert "C-SH-001" in html and "C-SH-S01" in html
    assert "C-GZ-001" not in html and "广州天河" not in html
    assert client.get(f"/party/customers/{world.sh_dealer.pk}/").status_code == 200
    assert client.get(f"/party/customers/{world.gz_dealer.pk}/").status_code == 404
    # filtering by the other organisation cannot widen the scope
    html = client.get(f"/party/customers/?org={world.south_sales.pk}").content.decode()
    assert "C-GZ-001" not in html
    # view-only: no create button, no edit, no status actions
    assert "new-customer" not in html
    assert client.get(f"/party/customers/{world.sh_dealer.pk}/edit/").status_code == 404


def test_filters_sorting_and_pagination(world, admin):
    html = admin.get("/party/customers/?search=浦江").content.decode()
    assert "C-SH-001" in html and "C-GZ-001" not in html
    html = admin.get("/party/customers/?kind=store").content.decode()
    assert "C-SH-S01" in html and "C-SH-001" not in html
    html = admin.get("/party/customers/?province=440000").content.decode()
    assert "C-GZ-001" in html and "C-SH-001" not in html
    html = admin.get(f"/party/customers/?sales_region={world.area_east.pk}").content.decode()
    assert "C-SH-001" in html and "C-SH-S01" in html and "C-GZ-001" not in html
    html = admin.get(f"/party/customers/?level={world.level_a.pk}").content.decode()
    assert "C-SH-001" in html and "C-SH-S01" not in html
    html = admin.get("/party/customers/?sort=-code").content.decode()
    assert html.index("C-SH-S01") < html.index("C-SH-001") < html.index("C-GZ-001")
    html = admin.get("/party/customers/?sort=-code&per_page=20&page=9").content.decode()
    assert "C-SH-S01" in html  # out-of-range pages show the last page
    html = admin.get("/party/customers/?status=active").content.decode()
    assert "C-SH-001" not in html  # all three are prospects
    assert "共 0 条" not in html  # the empty state is shown instead of a table


def test_export_is_the_import_layout_and_respects_filter_and_scope(world, admin):
    # given the customers list filtered to C-SH
    # when it is exported
    res = admin.get("/party/customers/export/?search=C-SH&sort=-code")
    assert res.status_code == 200
    assert res["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(res.streaming_content)
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    # then it is in the customers import template's layout (in code order)...
    assert list(rows[0]) == party_io.CUSTOMER_SPEC.headers
    assert rows[0][:4] == ("客户编码", "客户名称", "简称", "客户类型")
    assert [r[0] for r in rows[1:]] == ["C-SH-001", "C-SH-S01"]
    assert rows[2][3] == "终端门店" and rows[2][4] == world.sh_store.org.code
    # ...and reads back through the importer's sheet description without a single error
    parsed = excel.read_xlsx(data, party_io.CUSTOMER_SPEC)
    assert parsed.errors == [] and [r.values["code"] for r in parsed.rows] == [
        "C-SH-001",
        "C-SH-S01",
    ]

    scoped = client_for(
        user_with("east-exp", [*VIEW, "party.customer.export"], "org", org=world.east)
    )
    ws = load_workbook(
        io.BytesIO(b"".join(scoped.get("/party/customers/export/").streaming_content))
    ).active
    assert {r[0] for r in list(ws.iter_rows(values_only=True))[1:]} == {"C-SH-001", "C-SH-S01"}
    # the export needs its own permission
    viewer = client_for(user_with("viewer", VIEW, "all"))
    assert viewer.get("/party/customers/export/").status_code == 404
    assert "export-excel" not in viewer.get("/party/customers/").content.decode()


def _form(world, **changes):
    data = {
        "code": "C-NEW-01",
        "name": "杭州新客户有限公司",
        "kind": "dealer",
        "org": str(world.east_sales.pk),
        "province": "310000",
        "city": "310100",
        "region": "310115",
    }
    data.update(changes)
    return data


def test_create_customer(world, admin):
    res = admin.post("/party/customers/new/", _form(world, tags="重点, 新开"))
    created = Customer.objects.get(code="C-NEW-01")
    assert res.status_code == 302 and res["Location"] == f"/party/customers/{created.pk}/"
    assert created.region_id == "310115" and created.tags == ["新开", "重点"]
    assert "客户 C-NEW-01 已创建。" in admin.get(res["Location"]).content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "C-SH-001"}, "code", "该编码已被使用。"),
        ({"code": "bad code!"}, "code", "编码须为 1 到 32 位字母、数字、点、短横线或下划线。"),
        ({"name": ""}, "name", "这个字段是必填项。"),
        ({"region": "999999"}, "region", "行政区划代码不存在。"),
        ({"tax_number": "91310000MA1FL0000X"}, "tax_number", "统一社会信用代码（税号）无效。"),
        ({"upper": "C-GZ-001"}, "upper", "上级供应商必须属于同一组织。"),
        ({"upper": "C-SH-S01"}, "upper", "只有经销商和二级分销商可以向其他客户供货。"),
        ({"upper": "NOPE"}, "upper", "客户不存在。"),
    ],
)
def test_bad_customer_input_shows_the_error_on_its_field_and_writes_nothing(
    world, admin, changes, field, message
):
    before, audits = Customer.objects.count(), AuditEntry.objects.count()
    res = admin.post("/party/customers/new/", _form(world, **changes))
    assert res.status_code == 200
    form = res.context["form"]
    assert message in [str(e) for e in form.errors[field]], form.errors
    assert message in res.content.decode()
    assert Customer.objects.count() == before and AuditEntry.objects.count() == audits


def test_edit_customer_and_cyclic_upper_is_refused(world, admin):
    url = f"/party/customers/{world.sh_dealer.pk}/edit/"
    page = admin.get(url).content.decode()
    assert 'value="上海浦江商贸有限公司"' in page and 'value="310115" selected' in page
    data = _form(world, name="上海浦江商贸（集团）", kind="distributor")
    data.pop("code")
    assert admin.post(url, data).status_code == 302
    world.sh_dealer.refresh_from_db()
    assert world.sh_dealer.name == "上海浦江商贸（集团）"
    # the store orders from sh_dealer; make sh_dealer order from a dealer below itself
    lower = Customer.objects.create(
        org=world.east_sales, code="C-L2", name="二级", kind="dealer", upper=world.sh_dealer
    )
    res = admin.post(url, {**data, "upper": lower.code})
    assert "不能把节点移到自身或其下级节点之下。" in res.context["form"].errors["upper"]
    world.sh_dealer.refresh_from_db()
    assert world.sh_dealer.upper_id is None


def test_detail_tabs_lower_level_customers_and_change_history(world, admin):
    html = admin.get(f"/party/customers/{world.sh_dealer.pk}/").content.decode()
    for tab in ("基本信息", "联系人", "收货地址", "银行账户", "下级客户", "状态记录", "变更记录"):
        assert tab in html
    assert "C-SH-S01" in html  # lower-level customer
    assert "party.customer_created" in html  # change history
    # a user who cannot see the store does not see it as a lower-level customer either
    regional = client_for(user_with("rep", VIEW, "customers", customers=[world.sh_dealer]))
    assert (
        "C-SH-S01" not in regional.get(f"/party/customers/{world.sh_dealer.pk}/").content.decode()
    )


def test_status_actions_follow_the_flow_and_need_a_reason_to_freeze(world, admin):
    url = f"/party/customers/{world.sh_dealer.pk}/"
    html = admin.get(url).content.decode()
    assert 'data-action="activate"' in html and 'data-action="freeze"' not in html
    res = admin.post(url, {"op": "status", "action": "activate", "reason": "资料齐全"})
    assert res.status_code == 302
    html = admin.get(url).content.decode()
    assert "状态已变更为 启用。" in html and "资料齐全" in html
    assert 'data-action="freeze"' in html and 'data-action="activate"' not in html
    # freezing without a reason is refused; an action not allowed now is refused
    res = admin.post(url, {"op": "status", "action": "freeze", "reason": ""}, follow=True)
    assert "请填写此操作的原因。" in res.content.decode()
    res = admin.post(url, {"op": "status", "action": "unfreeze", "reason": "x"}, follow=True)
    assert "当前状态下不允许此操作。" in res.content.decode()
    world.sh_dealer.refresh_from_db()
    assert world.sh_dealer.status == "active"
    admin.post(url, {"op": "status", "action": "freeze", "reason": "逾期未付款"})
    world.sh_dealer.refresh_from_db()
    assert world.sh_dealer.status == "frozen"
    # without the approve permission there are no buttons and posting changes nothing
    editor = client_for(user_with("ed", [*VIEW, "party.customer.edit"], "all"))
    html = editor.get(url).content.decode()
    assert "data-action=" not in html
    res = editor.post(url, {"op": "status", "action": "unfreeze", "reason": "x"}, follow=True)
    assert "您没有执行此操作的权限。" in res.content.decode()
    world.sh_dealer.refresh_from_db()
    assert world.sh_dealer.status == "frozen"


def test_add_contact_address_and_bank_account(world, admin):
    url = f"/party/customers/{world.sh_dealer.pk}/"
    bad = admin.post(url, {"op": "contact", "name": "李雷", "phone": "12345"})
    assert bad.status_code == 200 and "电话号码无效。" in bad.content.decode()
    assert 'history.replaceState(null, "", "#contacts")' in bad.content.decode()
    assert not Contact.objects.exists()
    ok = admin.post(
        url, {"op": "contact", "name": "李雷", "phone": "138 1234 5678", "is_primary": "on"}
    )
    assert ok.status_code == 302 and ok["Location"].endswith("#contacts")
    assert Contact.objects.get().phone == "13812345678"

    bad = admin.post(
        url,
        {
            "op": "address",
            "province": "310000",
            "city": "310100",
            "district": "",
            "street": "世纪大道 100 号",
            "receiver": "韩梅梅",
            "phone": "13812345678",
        },
    )
    assert "这个字段是必填项。" in bad.content.decode() and not Address.objects.exists()
    # the re-rendered form keeps the cascade: cities of the chosen province are listed
    assert 'value="310100" selected' in bad.content.decode()
    ok = admin.post(
        url,
        {
            "op": "address",
            "province": "310000",
            "city": "310100",
            "district": "310115",
            "street": "世纪大道 100 号",
            "receiver": "韩梅梅",
            "phone": "13812345678",
        },
    )
    assert ok.status_code == 302
    address = Address.objects.get()
    assert (address.province_id, address.city_id, address.district_id) == (
        "310000",
        "310100",
        "310115",
    )

    bad = admin.post(
        url, {"op": "bank", "bank_name": "招商银行", "account_name": "浦江", "account_no": "12ab"}
    )
    assert "请填写开户行、户名和 8 到 30 位账号。" in bad.content.decode()
    ok = admin.post(
        url,
        {
            "op": "bank",
            "bank_name": "招商银行",
            "account_name": "浦江",
            "account_no": "6225 8801 2345 6789",
        },
    )
    assert ok.status_code == 302
    html = admin.get(url).content.decode()
    assert "李雷" in html and "世纪大道 100 号" in html and "6225880123456789" in html


def test_region_options_cascade(world):
    client = Client()  # public: the application form uses it too
    html = client.get("/party/regions/options/?province=440000&clear=id_district").content.decode()
    assert '<option value="440100">广州市</option>' in html and "440300" in html
    assert 'id="id_district" hx-swap-oob="innerHTML"' in html
    html = client.get("/party/regions/options/?parent=440100").content.decode()
    assert "天河区" in html and "hx-swap-oob" not in html
    assert 'option value="4' not in client.get("/party/regions/options/?city=").content.decode()


def test_pages_switch_to_english(world, admin):
    admin.post("/i18n/setlang/", {"language": "en", "next": "/party/customers/"})
    html = admin.get("/party/customers/").content.decode()
    assert "Customer list" in html and "Level-1 distributor" in html
    html = admin.get(f"/party/customers/{world.sh_dealer.pk}/").content.decode()
    assert "Basic information" in html and "Lower-level customers" in html
