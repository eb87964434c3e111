"""Catalog services: the happy path of each, and every error code they can raise."""

from decimal import Decimal

import pytest

from omni.catalog.models import Barcode, BundleItem, Category, Product, Sku, UnitConversion
from omni.catalog.services import barcodes, brands, categories, products, units
from omni.kernel import audit
from omni.kernel.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from omni.kernel.models import AuditEntry

from .factories import ADMIN, BrandFactory, UnitFactory, actor, ean13, make_org, make_product

pytestmark = pytest.mark.django_db


def code_of(exc_info) -> str:
    return exc_info.value.code


@pytest.fixture
def group():
    return make_org("GRP")


@pytest.fixture
def bottle():
    return UnitFactory(code="bottle", name="瓶")


@pytest.fixture
def case():
    return UnitFactory(code="case", name="箱")


# --- brands -------------------------------------------------------------------------------


def test_create_and_update_brand_with_audit(group):
    brand = brands.create_brand(actor=ADMIN, org_id=group.pk, code="QQ", name="清泉")
    assert (brand.code, brand.name, brand.org_id) == ("QQ", "清泉", group.pk)
    brands.update_brand(actor=ADMIN, brand_id=brand.pk, name="清泉水")
    [updated, created] = audit.history_rows("catalog.brand", brand.pk)
    assert created["action"] == "catalog.brand_created"
    assert updated["changes"] == [{"field": "name", "before": "清泉", "after": "清泉水"}]


@pytest.mark.parametrize(
    ("kwargs", "error", "code"),
    [
        ({"code": "has space"}, InvalidInput, "invalid_code"),
        ({"code": ""}, InvalidInput, "invalid_code"),
        ({"code": "X" * 33}, InvalidInput, "invalid_code"),
        ({"name": ""}, InvalidInput, "invalid_input"),
        ({"name": "名" * 101}, InvalidInput, "invalid_input"),
        ({"org_id": 999_999}, InvalidInput, "unknown_org"),
        ({"code": "TAKEN"}, Conflict, "duplicate_code"),
    ],
)
def test_create_brand_refusals(group, kwargs, error, code):
    brands.create_brand(actor=ADMIN, org_id=group.pk, code="TAKEN", name="已有")
    args = {"org_id": group.pk, "code": "NEW", "name": "新品牌", **kwargs}
    with pytest.raises(error) as info:
        brands.create_brand(actor=ADMIN, **args)
    assert code_of(info) == code
    assert set(brands.Brand.objects.values_list("code", flat=True)) == {"TAKEN"}


def test_brand_permissions_and_scope(group):
    sub = make_org("SUB", parent=group)
    other = make_org("OTHER")
    with pytest.raises(PermissionDenied):
        brands.create_brand(actor=actor(), org_id=group.pk, code="A", name="A")
    editor = actor("catalog.brand.create", "catalog.brand.edit", org_ids=(sub.pk,))
    # outside the subtree: the organisation does not exist for this user
    with pytest.raises(InvalidInput) as info:
        brands.create_brand(actor=editor, org_id=other.pk, code="A", name="A")
    assert code_of(info) == "unknown_org"
    with pytest.raises(InvalidInput):
        brands.create_brand(actor=editor, org_id=group.pk, code="A", name="A")
    mine = brands.create_brand(actor=editor, org_id=sub.pk, code="A", name="A")
    brands.update_brand(actor=editor, brand_id=mine.pk, is_active=False)
    # the group's brand is visible from the subsidiary but read-only: 403
    group_brand = BrandFactory(org=group)
    with pytest.raises(PermissionDenied):
        brands.update_brand(actor=editor, brand_id=group_brand.pk, name="x")
    # another tenant's brand: 404
    foreign = BrandFactory(org=other)
    with pytest.raises(NotFound):
        brands.update_brand(actor=editor, brand_id=foreign.pk, name="x")


def test_update_brand_duplicate_code(group):
    brands.create_brand(actor=ADMIN, org_id=group.pk, code="A", name="A")
    b = brands.create_brand(actor=ADMIN, org_id=group.pk, code="B", name="B")
    with pytest.raises(Conflict) as info:
        brands.update_brand(actor=ADMIN, brand_id=b.pk, code="A")
    assert code_of(info) == "duplicate_code"
    with pytest.raises(NotFound):
        brands.update_brand(actor=ADMIN, brand_id=999_999, name="x")


# --- categories ---------------------------------------------------------------------------


def test_category_tree_paths_and_move(group):
    drinks = categories.create_category(actor=ADMIN, org_id=group.pk, code="DRINK", name="饮料")
    water = categories.create_category(
        actor=ADMIN, org_id=group.pk, code="WATER", name="饮用水", parent_id=drinks.pk
    )
    mineral = categories.create_category(
        actor=ADMIN, org_id=group.pk, code="MIN", name="矿泉水", parent_id=water.pk
    )
    assert mineral.path == f"/{drinks.pk}/{water.pk}/{mineral.pk}/"
    assert mineral.depth == 2
    # move "饮用水" (with its child) to the root
    categories.update_category(actor=ADMIN, category_id=water.pk, parent_id=None)
    mineral.refresh_from_db()
    assert mineral.path == f"/{water.pk}/{mineral.pk}/"
    # and back under 饮料
    categories.update_category(actor=ADMIN, category_id=water.pk, parent_id=drinks.pk)
    mineral.refresh_from_db()
    assert mineral.path == f"/{drinks.pk}/{water.pk}/{mineral.pk}/"
    actions = [r["action"] for r in audit.history_rows("catalog.category", water.pk)]
    assert actions == [
        "catalog.category_moved",
        "catalog.category_moved",
        "catalog.category_created",
    ]


def test_category_cannot_move_under_itself_or_a_descendant(group):
    a = categories.create_category(actor=ADMIN, org_id=group.pk, code="A", name="A")
    b = categories.create_category(actor=ADMIN, org_id=group.pk, code="B", name="B", parent_id=a.pk)
    c = categories.create_category(actor=ADMIN, org_id=group.pk, code="C", name="C", parent_id=b.pk)
    for target in (a, b, c):
        with pytest.raises(InvalidInput) as info:
            categories.update_category(actor=ADMIN, category_id=a.pk, parent_id=target.pk)
        assert code_of(info) == "category_cycle"
    assert list(Category.objects.order_by("pk").values_list("path", flat=True)) == [
        f"/{a.pk}/",
        f"/{a.pk}/{b.pk}/",
        f"/{a.pk}/{b.pk}/{c.pk}/",
    ]


def test_category_refusals(group):
    categories.create_category(actor=ADMIN, org_id=group.pk, code="A", name="A")
    with pytest.raises(Conflict) as info:
        categories.create_category(actor=ADMIN, org_id=group.pk, code="A", name="again")
    assert code_of(info) == "duplicate_code"
    with pytest.raises(InvalidInput) as info:
        categories.create_category(
            actor=ADMIN, org_id=group.pk, code="B", name="B", parent_id=999_999
        )
    assert code_of(info) == "unknown_category"
    with pytest.raises(PermissionDenied):
        categories.create_category(actor=actor(), org_id=group.pk, code="B", name="B")


# --- units --------------------------------------------------------------------------------


def test_units():
    kg = units.create_unit(actor=ADMIN, code="kg", name="千克", allows_fraction=True)
    units.update_unit(actor=ADMIN, unit_id=kg.pk, name="公斤")
    kg.refresh_from_db()
    assert kg.name == "公斤" and kg.allows_fraction
    with pytest.raises(Conflict) as info:
        units.create_unit(actor=ADMIN, code="kg", name="x")
    assert code_of(info) == "duplicate_code"
    with pytest.raises(PermissionDenied):
        units.create_unit(actor=actor("catalog.unit.view"), code="g", name="克")
    with pytest.raises(NotFound):
        units.update_unit(actor=ADMIN, unit_id=999_999, name="x")


# --- products and the spec matrix ---------------------------------------------------------


def test_create_product_generates_one_sku_per_spec_cell(group, bottle):
    brand = BrandFactory(org=group)
    product = products.create_product(
        actor=ADMIN,
        org_id=group.pk,
        code="QQ-W",
        name="清泉矿泉水",
        base_unit_id=bottle.pk,
        brand_id=brand.pk,
        spec_attributes={"规格": ["350ml", "500ml", "1.5L"], "口味": ["原味", "无糖"]},
        track_expiry=True,
        shelf_life_days=365,
    )
    skus = list(product.skus.order_by("id"))
    assert [s.code for s in skus] == [f"QQ-W-{n}" for n in range(1, 7)]
    assert skus[0].spec_values == {"规格": "350ml", "口味": "原味"}
    assert skus[5].name == "清泉矿泉水 1.5L 无糖"
    assert product.spec_dict == {"规格": ["350ml", "500ml", "1.5L"], "口味": ["原味", "无糖"]}
    [entry] = audit.history_rows("catalog.product", product.pk)
    assert entry["action"] == "catalog.product_created"
    assert AuditEntry.objects.get(object_type="catalog.product").after["skus"] == [
        s.code for s in skus
    ]


def test_given_sku_codes_are_used_in_matrix_order(group, bottle):
    product = make_product(group, "P1", spec={"规格": ["S", "L"]}, sku_codes=["P1-S", "P1-L"])
    assert list(product.skus.order_by("id").values_list("code", "spec_key")) == [
        ("P1-S", "S"),
        ("P1-L", "L"),
    ]


def test_product_without_spec_has_one_sku(group, bottle):
    product = make_product(group, "PLAIN")
    [sku] = product.skus.all()
    assert (sku.code, sku.spec_values, sku.name) == ("PLAIN-1", {}, product.name)


@pytest.mark.parametrize(
    ("kwargs", "error", "code"),
    [
        ({"code": "TAKEN"}, Conflict, "duplicate_code"),
        ({"sku_codes": ["TAKEN-1"]}, Conflict, "duplicate_code"),
        (
            {"sku_codes": ["X", "X"], "spec_attributes": {"a": ["1", "2"]}},
            Conflict,
            "duplicate_code",
        ),
        ({"sku_codes": ["A", "B"]}, InvalidInput, "invalid_spec"),
        ({"sku_codes": ["bad code"]}, InvalidInput, "invalid_code"),
        ({"spec_attributes": {"规格": []}}, InvalidInput, "invalid_spec"),
        ({"spec_attributes": ["x"]}, InvalidInput, "invalid_spec"),
        ({"track_expiry": True}, InvalidInput, "shelf_life_required"),
        ({"track_expiry": True, "shelf_life_days": 0}, InvalidInput, "shelf_life_required"),
        ({"base_unit_id": 999_999}, InvalidInput, "unknown_unit"),
        ({"brand_id": 999_999}, InvalidInput, "unknown_brand"),
        ({"category_id": 999_999}, InvalidInput, "unknown_category"),
        ({"org_id": 999_999}, InvalidInput, "unknown_org"),
        ({"name": " "}, InvalidInput, "invalid_input"),
    ],
)
def test_create_product_refusals_write_nothing(group, bottle, kwargs, error, code):
    make_product(group, "TAKEN")
    before = (Product.objects.count(), Sku.objects.count(), AuditEntry.objects.count())
    args = {
        "org_id": group.pk,
        "code": "NEW",
        "name": "新品",
        "base_unit_id": bottle.pk,
        **kwargs,
    }
    with pytest.raises(error) as info:
        products.create_product(actor=ADMIN, **args)
    assert code_of(info) == code
    assert (Product.objects.count(), Sku.objects.count(), AuditEntry.objects.count()) == before


def test_create_product_needs_permission(group, bottle):
    with pytest.raises(PermissionDenied):
        products.create_product(
            actor=actor("catalog.product.view"),
            org_id=group.pk,
            code="X",
            name="X",
            base_unit_id=bottle.pk,
        )


def test_adding_spec_values_creates_the_new_skus(group, bottle):
    product = make_product(group, "T", spec={"规格": ["500ml"], "口味": ["原味", "无糖"]})
    products.update_product(
        actor=ADMIN,
        product_id=product.pk,
        name="茶",
        spec_attributes={"规格": ["500ml", "1L"], "口味": ["原味", "无糖"]},
    )
    assert list(product.skus.order_by("id").values_list("code", "spec_key")) == [
        ("T-1", "500ml/原味"),
        ("T-2", "500ml/无糖"),
        ("T-3", "1L/原味"),
        ("T-4", "1L/无糖"),
    ]
    [row, _created] = audit.history_rows("catalog.product", product.pk)
    fields = {c["field"] for c in row["changes"]}
    assert {"name", "spec_attributes", "skus_added"} <= fields


def test_spec_values_in_use_cannot_be_removed(group, bottle):
    product = make_product(group, "T", spec={"规格": ["500ml", "1L"]})
    with pytest.raises(Conflict) as info:
        products.update_product(
            actor=ADMIN, product_id=product.pk, spec_attributes={"规格": ["500ml"]}
        )
    assert code_of(info) == "spec_value_in_use"
    with pytest.raises(Conflict) as info:
        products.update_product(
            actor=ADMIN, product_id=product.pk, spec_attributes={"容量": ["500ml", "1L"]}
        )
    assert code_of(info) == "spec_value_in_use"
    product.refresh_from_db()
    assert product.spec_dict == {"规格": ["500ml", "1L"]}


def test_update_product_refusals(group, bottle, case):
    product = make_product(group, "T", unit=bottle)
    make_product(group, "OTHER")
    sku = product.skus.get()
    barcodes.set_unit_conversion(actor=ADMIN, sku_id=sku.pk, unit_id=case.pk, factor=24)
    cases = [
        ({"code": "OTHER"}, Conflict, "duplicate_code"),
        ({"base_unit_id": case.pk}, Conflict, "base_unit_in_use"),
        ({"track_expiry": True}, InvalidInput, "shelf_life_required"),
        ({"brand_id": 999_999}, InvalidInput, "unknown_brand"),
    ]
    for kwargs, error, code in cases:
        with pytest.raises(error) as info:
            products.update_product(actor=ADMIN, product_id=product.pk, **kwargs)
        assert code_of(info) == code, kwargs
    with pytest.raises(NotFound):
        products.update_product(actor=ADMIN, product_id=999_999, name="x")


def test_product_and_sku_status(group, bottle):
    product = make_product(group, "T", spec={"规格": ["S", "L"]})
    products.set_product_status(actor=ADMIN, product_id=product.pk, status="inactive")
    product.refresh_from_db()
    assert product.status == "inactive"
    with pytest.raises(InvalidTransition):
        products.set_product_status(actor=ADMIN, product_id=product.pk, status="inactive")
    with pytest.raises(InvalidInput):
        products.set_product_status(actor=ADMIN, product_id=product.pk, status="deleted")
    sku = product.skus.first()
    products.set_sku_status(actor=ADMIN, sku_id=sku.pk, status="inactive")
    products.update_sku(actor=ADMIN, sku_id=sku.pk, name="新名字")
    with pytest.raises(Conflict) as info:
        products.update_sku(actor=ADMIN, sku_id=sku.pk, code="T-2")
    assert code_of(info) == "duplicate_code"
    actions = [r["action"] for r in audit.history_rows("catalog.product", product.pk)]
    assert actions == [
        "catalog.sku_updated",
        "catalog.sku_status_changed",
        "catalog.product_status_changed",
        "catalog.product_created",
    ]


# --- barcodes, conversions, bundles -------------------------------------------------------


def test_barcodes(group, bottle, case):
    product = make_product(group, "W", spec={"规格": ["500ml"]})
    sku = product.skus.get()
    first = barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code=ean13(1))
    assert first.is_primary and first.unit_id == bottle.pk
    second = barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code=ean13(2), is_primary=True)
    first.refresh_from_db()
    assert second.is_primary and not first.is_primary
    barcodes.remove_barcode(actor=ADMIN, barcode_id=second.pk)
    first.refresh_from_db()
    assert first.is_primary  # the remaining one takes over
    # a case barcode needs a case conversion first
    with pytest.raises(InvalidInput) as info:
        barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code=ean13(3), unit_id=case.pk)
    assert code_of(info) == "unknown_unit"
    barcodes.set_unit_conversion(actor=ADMIN, sku_id=sku.pk, unit_id=case.pk, factor="24")
    boxed = barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code=ean13(3), unit_id=case.pk)
    assert boxed.is_primary
    actions = [r["action"] for r in audit.history_rows("catalog.product", product.pk)]
    assert actions.count("catalog.barcode_added") == 3
    assert "catalog.barcode_removed" in actions


@pytest.mark.parametrize(
    ("code", "error", "err"),
    [
        ("6901234567893", InvalidInput, "invalid_barcode"),
        ("ab", InvalidInput, "invalid_barcode"),
        ("空 格", InvalidInput, "invalid_barcode"),
        ("6901234567892", Conflict, "duplicate_barcode"),
    ],
)
def test_barcode_refusals(group, bottle, code, error, err):
    sku = make_product(group, "W").skus.get()
    barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code="6901234567892")
    with pytest.raises(error) as info:
        barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code=code)
    assert code_of(info) == err
    assert Barcode.objects.count() == 1
    with pytest.raises(NotFound):
        barcodes.add_barcode(actor=ADMIN, sku_id=999_999, code=ean13(5))
    with pytest.raises(NotFound):
        barcodes.remove_barcode(actor=ADMIN, barcode_id=999_999)


def test_unit_conversions(group, bottle, case):
    sku = make_product(group, "W").skus.get()
    conv = barcodes.set_unit_conversion(actor=ADMIN, sku_id=sku.pk, unit_id=case.pk, factor=12)
    assert conv.factor == Decimal("12")
    barcodes.set_unit_conversion(actor=ADMIN, sku_id=sku.pk, unit_id=case.pk, factor="24")
    assert UnitConversion.objects.get().factor == Decimal("24")
    for bad in (0, -1, "abc", 1.5, "0.0000001", Decimal("NaN")):
        with pytest.raises(InvalidInput) as info:
            barcodes.set_unit_conversion(actor=ADMIN, sku_id=sku.pk, unit_id=case.pk, factor=bad)
        assert code_of(info) == "invalid_factor", bad
    with pytest.raises(InvalidInput) as info:
        barcodes.set_unit_conversion(actor=ADMIN, sku_id=sku.pk, unit_id=bottle.pk, factor=1)
    assert code_of(info) == "invalid_factor"
    with pytest.raises(InvalidInput) as info:
        barcodes.set_unit_conversion(actor=ADMIN, sku_id=sku.pk, unit_id=999_999, factor=1)
    assert code_of(info) == "unknown_unit"
    barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code=ean13(9), unit_id=case.pk)
    with pytest.raises(Conflict) as info:
        barcodes.remove_unit_conversion(actor=ADMIN, sku_id=sku.pk, unit_id=case.pk)
    assert code_of(info) == "unit_in_use"
    Barcode.objects.all().delete()
    barcodes.remove_unit_conversion(actor=ADMIN, sku_id=sku.pk, unit_id=case.pk)
    assert not UnitConversion.objects.exists()
    with pytest.raises(NotFound):
        barcodes.remove_unit_conversion(actor=ADMIN, sku_id=sku.pk, unit_id=case.pk)


def test_bundle_items(group, bottle):
    water = make_product(group, "W", spec={"口味": ["原味", "无糖"]})
    plain, sugar_free = water.skus.order_by("id")
    box = make_product(group, "BOX", is_bundle=True).skus.get()
    big_box = make_product(group, "BIG", is_bundle=True).skus.get()
    barcodes.set_bundle_items(
        actor=ADMIN, bundle_sku_id=box.pk, items=[(plain.pk, 2), (sugar_free.pk, "2")]
    )
    barcodes.set_bundle_items(actor=ADMIN, bundle_sku_id=big_box.pk, items=[(box.pk, 3)])
    assert BundleItem.objects.filter(bundle=box).count() == 2
    cases = [
        (water.skus.first().pk, [(box.pk, 1)], "not_a_bundle"),
        (box.pk, [(plain.pk, 0)], "invalid_quantity"),
        (box.pk, [(plain.pk, "-1")], "invalid_quantity"),
        (box.pk, [(plain.pk, 1), (plain.pk, 2)], "duplicate_component"),
        (box.pk, [(box.pk, 1)], "bundle_cycle"),
        (box.pk, [(big_box.pk, 1)], "bundle_cycle"),  # big box already holds this box
        (box.pk, [(999_999, 1)], "unknown_sku"),
    ]
    for bundle_id, items, code in cases:
        with pytest.raises(InvalidInput) as info:
            barcodes.set_bundle_items(actor=ADMIN, bundle_sku_id=bundle_id, items=items)
        assert code_of(info) == code, items
    assert BundleItem.objects.filter(bundle=box).count() == 2
    barcodes.set_bundle_items(actor=ADMIN, bundle_sku_id=box.pk, items=[])
    assert not BundleItem.objects.filter(bundle=box).exists()


def test_product_tenancy(bottle):
    """A subsidiary user sees its own and the group's products, never a sibling's (404),
    and may change only its own (the group's answer 403)."""
    from omni.catalog import selectors

    group = make_org("G")
    mine, sibling = make_org("S", parent=group), make_org("T", parent=group)
    group_product = make_product(group, "GP")
    own = make_product(mine, "SP")
    foreign = make_product(sibling, "TP")
    user = actor("catalog.product.view", "catalog.product.edit", org_ids=(mine.pk,))
    codes = set(selectors.list_products(actor=user).values_list("code", flat=True))
    assert codes == {"GP", "SP"}
    assert selectors.get_product(actor=user, product_id=group_product.pk).code == "GP"
    with pytest.raises(NotFound):
        selectors.get_product(actor=user, product_id=foreign.pk)
    with pytest.raises(NotFound):
        products.update_product(actor=user, product_id=foreign.pk, name="x")
    with pytest.raises(PermissionDenied):
        products.update_product(actor=user, product_id=group_product.pk, name="x")
    products.update_product(actor=user, product_id=own.pk, name="自己的")
    foreign_sku = foreign.skus.get()
    with pytest.raises(NotFound):
        barcodes.add_barcode(actor=user, sku_id=foreign_sku.pk, code=ean13(77))
    assert selectors.find_sku_by_barcode(actor=user, code="nothing") is None
    nobody = actor("catalog.product.view")  # no scope at all
    assert not selectors.list_products(actor=nobody).exists()
