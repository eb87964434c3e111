"""商品授权 page: rules list (filters, sort, export), create and delete forms, and the
preview of what one customer may order."""

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from omni.catalog.models import AuthorisationRule
from omni.catalog.services import authorisation
from omni.catalog.tests.factories import (
    ADMIN,
    BrandFactory,
    CategoryFactory,
    UnitFactory,
    make_product,
)
from omni.kernel.models import AuditEntry
from omni.party.tests.factories import make_world

from .conftest import html
from .test_reference_forms import field_errors

pytestmark = pytest.mark.django_db

PAGE = "/catalog/authorisation/"


@pytest.fixture
def world():
    w = make_world()
    bottle = UnitFactory(code="bottle", name="瓶")
    qq = BrandFactory(org=w.group, code="QQ", name="清泉")
    cy = BrandFactory(org=w.group, code="CY", name="茶语")
    drink = CategoryFactory(org=w.group, code="DRINK", name="饮料")
    make_product(
        w.group,
        "QQ-W",
        spec={"规格": ["500ml", "1.5L"]},
        brand=qq,
        category=drink,
        unit=bottle,
        name="清泉矿泉水",
    )
    make_product(w.group, "CY-T", brand=cy, unit=bottle, name="茶语绿茶")
    w.qq, w.cy = qq, cy
    return w


def rule(w, **kw):
    args = {"org_id": w.group.pk, "effect": "include", "subject_kind": "all", "target_kind": "all"}
    return authorisation.create_authorisation_rule(actor=ADMIN, **{**args, **kw})


def preview_count(client, code: str, **extra) -> int:
    page = html(client.get(PAGE, {"preview-customer": code, **extra}))
    marker = 'data-test="preview-count">'
    at = page.index(marker) + len(marker)
    return int(page[at : page.index("<", at)])


def rule_ids(page: str) -> list[int]:
    return [int(m) for m in re.findall(r'data-rule="(\d+)"', page)]


def test_the_rules_list_filters_and_sorts(admin, world):
    w = world
    r_all = rule(w, target_kind="brand", target_id=w.qq.pk, note="清泉全渠道")
    r_ex = rule(
        w,
        effect="exclude",
        subject_kind="customer",
        subject_id=w.sh_dealer.pk,
        target_kind="sku",
        target_id=w.qq.products.get().skus.order_by("id").last().pk,
    )
    r_east = rule(w, org_id=w.east.pk, subject_kind="customer_class", subject_id=w.cls_l1.pk)
    page = html(admin.get(PAGE))
    assert "商品授权" in page and "授权规则" in page
    assert rule_ids(page) == [r_east.pk, r_ex.pk, r_all.pk]  # newest first
    assert "清泉全渠道" in page and "上海浦江商贸有限公司" in page and "一级经销商" in page
    assert rule_ids(html(admin.get(PAGE, {"effect": "exclude"}))) == [r_ex.pk]
    assert rule_ids(html(admin.get(PAGE, {"subject_kind": "customer_class"}))) == [r_east.pk]
    assert rule_ids(html(admin.get(PAGE, {"target_kind": "brand"}))) == [r_all.pk]
    assert rule_ids(html(admin.get(PAGE, {"org": w.east.pk}))) == [r_east.pk]
    assert rule_ids(html(admin.get(PAGE, {"sort": "created_at"}))) == [r_all.pk, r_ex.pk, r_east.pk]
    assert rule_ids(html(admin.get(PAGE, {"effect": "nonsense"}))) == [r_east.pk, r_ex.pk, r_all.pk]


def test_export_the_rules(admin, world):
    rule(world, target_kind="brand", target_id=world.qq.pk)
    res = admin.get(f"{PAGE}export/", {"effect": "include"})
    assert res.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(res.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("组织", "授权方式", "客户", "客户编码")
    assert rows[1][:7] == ("清泉饮品集团", "包含", "全部客户", None, None, "品牌", "QQ")


def test_create_a_rule_and_see_the_preview_change(admin, world):
    w = world
    assert preview_count(admin, "C-SH-001") == 0
    page = html(admin.get(PAGE, {"preview-customer": "C-SH-001"}))
    assert "没有适用的包含规则时，客户不能订购任何商品" in page
    res = admin.post(
        f"{PAGE}new/",
        {
            "rule-org": w.group.pk,
            "rule-effect": "include",
            "rule-subject_kind": "customer_class",
            "rule-subject_code": "L1",
            "rule-target_kind": "brand",
            "rule-target_code": "QQ",
            "query": "preview-customer=C-SH-001&effect=include",
        },
    )
    assert res.status_code == 302
    assert res["Location"] == f"{PAGE}?preview-customer=C-SH-001&effect=include"
    r = AuthorisationRule.objects.get()
    assert (r.customer_class_id, r.brand_id, r.target_kind) == (w.cls_l1.pk, w.qq.pk, "brand")
    page = html(admin.get(res["Location"]))
    assert "授权规则已创建" in page
    assert preview_count(admin, "C-SH-001") == 2
    page = html(admin.get(PAGE, {"preview-customer": "C-SH-001"}))
    assert 'data-sku="QQ-W-1"' in page and 'data-sku="CY-T-1"' not in page
    assert "适用于该客户的规则共 1 条" in page
    assert preview_count(admin, "C-SH-S01") == 0  # a store: another class
    # a customer-specific exclude of one SKU beats the class include
    admin.post(
        f"{PAGE}new/",
        {
            "rule-org": w.group.pk,
            "rule-effect": "exclude",
            "rule-subject_kind": "customer",
            "rule-subject_code": "C-SH-001",
            "rule-target_kind": "sku",
            "rule-target_code": "QQ-W-2",
        },
    )
    assert preview_count(admin, "C-SH-001") == 1
    # "all" kinds ignore whatever is left in the code inputs
    admin.post(
        f"{PAGE}new/",
        {
            "rule-org": w.group.pk,
            "rule-effect": "include",
            "rule-subject_kind": "all",
            "rule-subject_code": "junk",
            "rule-target_kind": "all",
            "rule-target_code": "junk",
        },
    )
    assert AuthorisationRule.objects.filter(subject_kind="all", target_kind="all").count() == 1
    assert preview_count(admin, "C-SH-S01") == 3
    assert preview_count(admin, "C-SH-001") == 2  # its own exclude still holds


def test_preview_on_a_date_and_for_unknown_customers(admin, world):
    rule(world, valid_from=dt.date(2030, 1, 1))
    assert preview_count(admin, "C-GZ-001") == 0
    assert preview_count(admin, "C-GZ-001", **{"preview-on": "2030-06-01"}) == 3
    page = html(admin.get(PAGE, {"preview-customer": "NOPE"}))
    assert "客户不存在" in field_errors(page, "preview-customer")
    assert 'data-test="preview-count"' not in page


@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        ({"rule-subject_kind": "customer"}, "rule-subject_code", "规则的客户或商品与规则类型不符"),
        ({"rule-target_kind": "brand"}, "rule-target_code", "规则的客户或商品与规则类型不符"),
        (
            {"rule-subject_kind": "customer", "rule-subject_code": "NOPE"},
            "rule-subject_code",
            "客户不存在",
        ),
        (
            {"rule-subject_kind": "customer_class", "rule-subject_code": "X"},
            "rule-subject_code",
            "客户类别不存在",
        ),
        ({"rule-target_kind": "sku", "rule-target_code": "NOPE"}, "rule-target_code", "SKU 不存在"),
        (
            {"rule-target_kind": "brand", "rule-target_code": "NOPE"},
            "rule-target_code",
            "品牌不存在",
        ),
        (
            {"rule-valid_from": "2030-02-01", "rule-valid_to": "2030-01-01"},
            "rule-valid_to",
            "结束日期早于开始日期",
        ),
        ({"rule-effect": "maybe"}, "rule-effect", "选择一个有效的选项"),
        ({"rule-org": "999999"}, "rule-org", "选择一个有效的选项"),
        ({"rule-note": "长" * 201}, "rule-note", "不超过 200"),
    ],
)
def test_rule_errors_are_on_their_field_and_nothing_is_written(admin, world, post, field, message):
    base = {
        "rule-org": world.group.pk,
        "rule-effect": "include",
        "rule-subject_kind": "all",
        "rule-target_kind": "all",
        "query": "preview-customer=C-SH-001",
    }
    before = (AuthorisationRule.objects.count(), AuditEntry.objects.count())
    page = html(admin.post(f"{PAGE}new/", {**base, **post}))
    assert message in field_errors(page, field)
    assert 'data-test="preview-count"' in page  # the page keeps its preview
    assert (AuthorisationRule.objects.count(), AuditEntry.objects.count()) == before


def test_delete_a_rule(admin, world):
    r = rule(world)
    assert preview_count(admin, "C-SH-001") == 3
    res = admin.post(f"{PAGE}{r.pk}/delete/", {"query": "preview-customer=C-SH-001"})
    assert res.status_code == 302 and res["Location"] == f"{PAGE}?preview-customer=C-SH-001"
    assert not AuthorisationRule.objects.exists()
    assert "授权规则已删除" in html(admin.get(res["Location"]))
    assert preview_count(admin, "C-SH-001") == 0
    assert admin.post(f"{PAGE}{r.pk}/delete/").status_code == 404
    assert admin.get(f"{PAGE}{r.pk}/delete/").status_code == 405


def test_the_page_is_404_without_permission(world, client_with):
    w = world
    r = rule(w)
    post = {
        "rule-org": w.group.pk,
        "rule-effect": "include",
        "rule-subject_kind": "all",
        "rule-target_kind": "all",
    }
    nobody = client_with("catalog.product.view")
    for url in (PAGE, f"{PAGE}export/"):
        assert nobody.get(url).status_code == 404, url
    assert nobody.post(f"{PAGE}new/", post).status_code == 404
    viewer = client_with("catalog.authorisation.view")
    page = html(viewer.get(PAGE, {"preview-customer": "C-SH-001"}))
    assert 'data-test="rule-form"' not in page and 'data-test="delete-rule"' not in page
    assert 'data-test="export-excel"' not in page
    assert viewer.get(f"{PAGE}export/").status_code == 404
    exporter = client_with("catalog.authorisation.view", "catalog.authorisation.export")
    assert 'data-test="export-excel"' in html(exporter.get(PAGE))
    assert exporter.get(f"{PAGE}export/").status_code == 200
    assert 'data-test="preview-count">3<' in page
    assert viewer.post(f"{PAGE}new/", post).status_code == 404
    assert viewer.post(f"{PAGE}{r.pk}/delete/").status_code == 404
    editor_only = client_with("catalog.authorisation.edit")
    assert editor_only.post(f"{PAGE}new/", post).status_code == 404
    assert AuthorisationRule.objects.count() == 1


def test_data_scope_of_rules_and_preview(world, client_with):
    w = world
    group_rule = rule(w)
    east_rule = rule(w, org_id=w.east.pk, effect="exclude", target_kind="brand", target_id=w.cy.pk)
    south = client_with(
        "catalog.authorisation.view",
        "catalog.authorisation.edit",
        "catalog.brand.view",
        "catalog.product.view",
        scope="org",
        org=w.south,
    )
    page = html(south.get(PAGE))
    assert rule_ids(page) == [group_rule.pk]  # the group's rule is shared down, east's is not
    # another subsidiary's customer is unknown, the own one is previewed
    page = html(south.get(PAGE, {"preview-customer": "C-SH-001"}))
    assert "客户不存在" in field_errors(page, "preview-customer")
    assert preview_count(south, "C-GZ-001") == 3
    # east's rule does not exist for them; the group's may be read but not deleted
    assert south.post(f"{PAGE}{east_rule.pk}/delete/").status_code == 404
    res = south.post(f"{PAGE}{group_rule.pk}/delete/", follow=True)
    assert "您没有执行此操作的权限" in html(res)
    assert AuthorisationRule.objects.count() == 2
    # rules can only be made for their own organisation, for their own customers
    res = south.post(
        f"{PAGE}new/",
        {
            "rule-org": w.east.pk,
            "rule-effect": "include",
            "rule-subject_kind": "all",
            "rule-target_kind": "all",
        },
    )
    assert "选择一个有效的选项" in field_errors(html(res), "rule-org")
    res = south.post(
        f"{PAGE}new/",
        {
            "rule-org": w.south.pk,
            "rule-effect": "include",
            "rule-subject_kind": "customer",
            "rule-subject_code": "C-SH-001",
            "rule-target_kind": "all",
        },
    )
    assert "客户不存在" in field_errors(html(res), "rule-subject_code")
    assert AuthorisationRule.objects.count() == 2
