"""One write path (issue 12 §2): the same bad change is refused the same way through the page
(a form POST), the API and an Excel row, because all three reach the same service rule
(`services.product_rules` through `upsert_products`, `services.barcode_rules` through
`upsert_barcodes`, `services.authorisation_rules` through `upsert_authorisation_rules`)
and so the same error code and its message (`catalog.errors.MESSAGES`)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils.translation import gettext

from omni.catalog.errors import MESSAGES
from omni.catalog.importers import AUTHORISATION_SPEC, BARCODE_SPEC
from omni.catalog.models import AuthorisationRule, Barcode, Product
from omni.catalog.services import authorisation, barcodes, products
from omni.catalog.services.barcode_batch import upsert_barcodes
from omni.catalog.services.product_batch import upsert_products
from omni.catalog.types import BarcodeRow, ProductRow
from omni.kernel.errors import DomainError

from .factories import ADMIN, actor, ean13, make_org, make_product
from .test_importers import row, run, world  # noqa: F401 (the fixture)
from .test_importers_more import bc, rule
from .test_importers_more import run as run_sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Client:
    user = get_user_model().objects.create_superuser("sameadmin", password="pw-123456789")
    client = Client()
    client.force_login(user)
    return client


def excel_reasons(job, column: str) -> list[str]:
    return [e["reason"] for e in job.error_sample if e["column"] == column]


def test_a_taken_product_or_sku_code_is_duplicate_code_on_every_path(world, admin):  # noqa: F811
    # given product P1 with SKU P1-1
    p1 = make_product(world["group"], "P1", unit=world["bottle"])
    before = Product.objects.count()
    # when the page creates a product "Ｐ１" (full-width: the same code after NFKC)
    page = admin.post(
        "/catalog/products/new/",
        {"org": world["group"].pk, "code": "Ｐ１", "name": "重复", "base_unit": world["bottle"].pk},
    ).content.decode()
    # and the API creates a product P1
    res = admin.post(
        "/api/v1/catalog/products",
        {
            "org_id": world["group"].pk,
            "code": "P1",
            "name": "重复",
            "base_unit_id": p1.base_unit_id,
        },
        content_type="application/json",
    )
    # and an Excel row gives a new product the SKU code "Ｐ１-1" (P1's SKU, full-width)
    job = run([row("P9", "Ｐ１-1", None, None)])
    # then each says duplicate_code with the same message, and nothing is written
    message = str(MESSAGES["duplicate_code"])
    assert message in page
    assert res.status_code == 409 and res.json()["code"] == "duplicate_code"
    assert res.json()["message"] == message
    assert excel_reasons(job, "SKU编码") == [message]
    assert Product.objects.count() == before


def test_an_organisation_outside_the_writable_scope_is_unknown_org(world):  # noqa: F811
    # given an importer whose scope is the subsidiary SUB of another group
    sub = make_org("SUB", parent=make_org("G2"))
    outsider = actor("catalog.product.import", "catalog.product.create", org_ids=(sub.pk,))
    # when the single-row service (what the page and the API call) creates in GRP
    with pytest.raises(DomainError) as info:
        products.create_product(
            actor=outsider,
            org_id=world["group"].pk,
            code="Q1",
            name="越权",
            base_unit_id=world["bottle"].pk,
        )
    # and an Excel row names GRP
    job = run([row("Q1", "Q1-1", None, None, brand=None, category=None, org="GRP")], who=outsider)
    # then both are unknown_org, with the same message, and nothing is written
    assert info.value.code == "unknown_org"
    assert excel_reasons(job, "组织编码") == [str(info.value.message)]
    assert str(info.value.message) == str(MESSAGES["unknown_org"])
    assert not Product.objects.filter(code="Q1").exists()


def test_a_barcode_with_a_wrong_check_digit_is_refused_on_every_path(world, admin):  # noqa: F811
    # given a SKU, and an EAN-13 whose check digit is wrong
    sku = make_product(world["group"], "W", unit=world["bottle"]).skus.get()
    bad = ean13(7)[:-1] + str((int(ean13(7)[-1]) + 1) % 10)
    # when the product page's add-barcode action, the API and an Excel row add it
    page = admin.post(
        f"/catalog/products/{sku.product_id}/",
        {
            "op": "barcode",
            "barcode-sku": sku.pk,
            "barcode-code": bad,
            "barcode-unit": world["bottle"].pk,
        },
    ).content.decode()
    res = admin.post(
        f"/api/v1/catalog/skus/{sku.pk}/barcodes", {"code": bad}, content_type="application/json"
    )
    job = run([row("W", sku.code, None, bad, brand=None, category=None)])
    # then the page shows invalid_barcode's message, the API says invalid_barcode (or its
    # schema refuses the format), the Excel cell applies the service's rule, nothing is stored
    assert str(MESSAGES["invalid_barcode"]) in page
    assert res.status_code == 422 and res.json()["code"] in {"invalid_barcode", "invalid_input"}
    with pytest.raises(DomainError) as info:
        barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code=bad)
    assert info.value.code == "invalid_barcode"
    assert excel_reasons(job, "条码") and excel_reasons(job, "条码")[0].startswith("条码无效")
    assert not Barcode.objects.filter(code=bad).exists()


def test_a_barcode_on_another_sku_is_duplicate_barcode_on_every_path(world, admin):  # noqa: F811
    # given two SKUs, the first labelled with a barcode
    first = make_product(world["group"], "BA", unit=world["bottle"]).skus.get()
    second = make_product(world["group"], "BB", unit=world["bottle"]).skus.get()
    barcodes.add_barcode(actor=ADMIN, sku_id=first.pk, code=ean13(21))
    before = list(Barcode.objects.order_by("pk").values())
    # when the product page, the API and a row of the barcodes sheet put it on the second
    page = admin.post(
        f"/catalog/products/{second.product_id}/",
        {
            "op": "barcode",
            "barcode-sku": second.pk,
            "barcode-code": ean13(21),
            "barcode-unit": world["bottle"].pk,
        },
    ).content.decode()
    res = admin.post(
        f"/api/v1/catalog/skus/{second.pk}/barcodes",
        {"code": ean13(21)},
        content_type="application/json",
    )
    job = run_sheet("catalog.barcodes", BARCODE_SPEC, [bc(second.code, ean13(21))])
    # then each says duplicate_barcode with the same message, and nothing is written
    message = str(MESSAGES["duplicate_barcode"])
    assert message in page
    assert res.status_code == 409 and res.json()["code"] == "duplicate_barcode"
    assert res.json()["message"] == message
    assert excel_reasons(job, "条码") == [message]
    assert list(Barcode.objects.order_by("pk").values()) == before


def test_a_second_primary_barcode_in_one_batch_is_duplicate_primary(world):  # noqa: F811
    # given a SKU
    sku = make_product(world["group"], "BP", unit=world["bottle"]).skus.get()
    rows = [
        BarcodeRow(sku=sku.code, code=ean13(31), primary=True),
        BarcodeRow(sku=sku.code, code=ean13(32), primary=True),
    ]
    # when the bulk service and a barcodes sheet make two barcodes primary of one unit
    result = upsert_barcodes(actor=ADMIN, rows=rows)
    job = run_sheet(
        "catalog.barcodes",
        BARCODE_SPEC,
        [bc(sku.code, ean13(31), primary="是"), bc(sku.code, ean13(32), primary="是")],
    )
    # then the second row is refused as duplicate_primary on both, and nothing is written
    assert [(i.index, i.code) for i in result.issues] == [(1, "duplicate_primary")]
    assert excel_reasons(job, "主条码") == [
        str(MESSAGES["duplicate_primary"]) + gettext(" (see row %(row)s)") % {"row": 2}
    ]
    assert not Barcode.objects.filter(sku=sku).exists()


def test_a_rule_ending_before_it_starts_is_invalid_date_range_on_every_path(world, admin):  # noqa: F811
    # given the group GRP, and a period that ends before it starts
    group = world["group"]
    # when the rules page, the API and a row of the authorisation sheet create such a rule
    page = admin.post(
        "/catalog/authorisation/new/",
        {
            "rule-org": group.pk,
            "rule-effect": "include",
            "rule-subject_kind": "all",
            "rule-target_kind": "all",
            "rule-valid_from": "2026-02-01",
            "rule-valid_to": "2026-01-01",
        },
    ).content.decode()
    res = admin.post(
        "/api/v1/catalog/authorisation-rules",
        {
            "org_id": group.pk,
            "effect": "include",
            "subject_kind": "all",
            "target_kind": "all",
            "valid_from": "2026-02-01",
            "valid_to": "2026-01-01",
        },
        content_type="application/json",
    )
    job = run_sheet(
        "catalog.authorisation",
        AUTHORISATION_SPEC,
        [rule(start=dt.date(2026, 2, 1), end=dt.date(2026, 1, 1))],
    )
    # then each says invalid_date_range with the same message, and no rule is written
    message = str(MESSAGES["invalid_date_range"])
    assert message in page
    assert res.status_code == 422 and res.json()["code"] == "invalid_date_range"
    assert res.json()["message"] == message
    assert excel_reasons(job, "失效日期") == [message]
    assert not AuthorisationRule.objects.exists()


def test_the_same_rule_twice_is_duplicate_rule_on_every_path(world, admin):  # noqa: F811
    # given a rule of GRP: everybody may order brand B1
    group, brand = world["group"], world["brand"]
    fields = {"effect": "include", "subject_kind": "all", "target_kind": "brand"}
    authorisation.create_authorisation_rule(
        actor=ADMIN, org_id=group.pk, target_id=brand.pk, **fields
    )
    # when the page and the API create it again, and a sheet gives it twice
    page = admin.post(
        "/catalog/authorisation/new/",
        {
            "rule-org": group.pk,
            **{f"rule-{k}": v for k, v in fields.items()},
            "rule-target_code": "B1",
        },
    ).content.decode()
    res = admin.post(
        "/api/v1/catalog/authorisation-rules",
        {"org_id": group.pk, "target_id": brand.pk, **fields},
        content_type="application/json",
    )
    twice = rule(target="品牌", target_code="B1", start=dt.date(2030, 1, 1))
    job = run_sheet("catalog.authorisation", AUTHORISATION_SPEC, [twice, twice])
    # then each says duplicate_rule with the same message, and nothing more is written
    message = str(MESSAGES["duplicate_rule"])
    assert message in page
    assert res.status_code == 409 and res.json()["code"] == "duplicate_rule"
    assert res.json()["message"] == message
    assert excel_reasons(job, "效果") == [message + gettext(" (see row %(row)s)") % {"row": 2}]
    assert AuthorisationRule.objects.count() == 1


def test_codes_differing_only_by_letter_case_are_one_code_on_every_path(world, admin):  # noqa: F811
    # given product P1 with SKU P1-1
    p1 = make_product(world["group"], "P1", unit=world["bottle"])
    before = Product.objects.count()
    # when the service and the API create a product "p1", and an Excel file a product "p1"
    # and a product Q2 whose SKU is "p1-1"
    with pytest.raises(DomainError) as info:
        products.create_product(
            actor=ADMIN,
            org_id=world["group"].pk,
            code="p1",
            name="小写",
            base_unit_id=p1.base_unit_id,
        )
    res = admin.post(
        "/api/v1/catalog/products",
        {
            "org_id": world["group"].pk,
            "code": "p1",
            "name": "小写",
            "base_unit_id": p1.base_unit_id,
        },
        content_type="application/json",
    )
    job = run([row("p1", "p1-9", None, None), row("Q2", "p1-1", None, None)])
    # then each says duplicate_code with the same message, and nothing is written
    message = str(MESSAGES["duplicate_code"])
    assert (info.value.code, str(info.value.message)) == ("duplicate_code", message)
    assert res.status_code == 409 and res.json()["code"] == "duplicate_code"
    assert excel_reasons(job, "商品编码") == [message]
    assert excel_reasons(job, "SKU编码") == [message]
    assert Product.objects.count() == before


def test_codes_differing_only_by_letter_case_inside_one_batch_are_one_code(world):  # noqa: F811
    # when one bulk write gives products P7 and p7 (a sheet is refused earlier, by the
    # kernel's reader, which says which rows differ only by case)
    result = upsert_products(
        actor=ADMIN,
        rows=[
            ProductRow(
                product_code="P7", product_name="七", base_unit="瓶", sku_code="P7-1", org="GRP"
            ),
            ProductRow(
                product_code="p7", product_name="七", base_unit="瓶", sku_code="p7-1", org="GRP"
            ),
        ],
    )
    # then the second row's product and SKU codes are duplicate_code of the first row
    assert [(i.index, i.field, i.code, i.detail) for i in result.issues] == [
        (1, "product_code", "duplicate_code", {"row": 0}),
        (1, "sku_code", "duplicate_code", {"row": 0}),
    ]
    assert not Product.objects.filter(code__iexact="P7").exists()


def test_a_product_renamed_to_another_code_in_other_case_is_duplicate_code(world):  # noqa: F811
    # given products P1 and P2
    make_product(world["group"], "P1", unit=world["bottle"])
    p2 = make_product(world["group"], "P2", unit=world["bottle"])
    # when P2's code (page and API: update_product) and its SKU's code become p1 / p1-1
    with pytest.raises(DomainError) as product_error:
        products.update_product(actor=ADMIN, product_id=p2.pk, code="p1")
    with pytest.raises(DomainError) as sku_error:
        products.update_sku(actor=ADMIN, sku_id=p2.skus.get().pk, code="p1-1")
    # then both are duplicate_code, and P2 keeps its codes
    assert product_error.value.code == sku_error.value.code == "duplicate_code"
    p2.refresh_from_db()
    assert (p2.code, p2.skus.get().code) == ("P2", "P2-1")
