"""商品授权: which SKUs a customer may order. Table-driven over the rule semantics of
`selectors.list_authorised_skus`, plus the rule services."""

import datetime as dt

import pytest

from omni.catalog.models import AuthorisationRule
from omni.catalog.selectors import list_authorisation_rules, list_authorised_skus
from omni.catalog.services import authorisation, products
from omni.catalog.types import AuthorisationSubject
from omni.kernel import audit
from omni.kernel.errors import InvalidInput, NotFound, PermissionDenied
from omni.kernel.testing import assert_max_queries

from .factories import (
    ADMIN,
    BrandFactory,
    CategoryFactory,
    actor,
    make_org,
    make_product,
    party,
    tenancy,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def world():
    """Group G with subsidiaries S (our customers live here) and T (a sibling).

    Categories: 饮料 DRINK > {饮用水 WATER, 果汁 JUICE}; 茶 TEA is a separate root.
    Products (2 SKUs each, "-1" and "-2"): W (brand QQ, water), J (brand GY, juice),
    TE (brand CY, tea), all owned by G; SW owned by S (water); XT owned by T;
    OFF (inactive product); and W-2... all active unless said otherwise.
    """
    g = make_org("G")
    s = make_org("S", parent=g)
    t = make_org("T", parent=g)
    drink = CategoryFactory(org=g, code="DRINK")
    water = CategoryFactory(org=g, code="WATER", parent=drink)
    juice = CategoryFactory(org=g, code="JUICE", parent=drink)
    tea = CategoryFactory(org=g, code="TEA")
    qq, gy, cy = (BrandFactory(org=g, code=c) for c in ("QQ", "GY", "CY"))
    spec = {"规格": ["500ml", "1L"]}
    prods = {
        "W": make_product(g, "W", spec=spec, brand=qq, category=water),
        "J": make_product(g, "J", spec=spec, brand=gy, category=juice),
        "TE": make_product(g, "TE", spec=spec, brand=cy, category=tea),
        "SW": make_product(s, "SW", spec=spec, brand=qq, category=water),
        "XT": make_product(t, "XT", spec=spec, brand=qq, category=water),
        "OFF": make_product(g, "OFF", spec=spec, brand=qq, category=water),
    }
    products.set_product_status(actor=ADMIN, product_id=prods["OFF"].pk, status="inactive")
    CustomerClass, CustomerLevel = party("CustomerClass"), party("CustomerLevel")
    SalesRegion, Customer = tenancy("SalesRegion"), party("Customer")
    c1, c2 = (CustomerClass.objects.create(code=c, name=c) for c in ("C1", "C2"))
    la, lb = (CustomerLevel.objects.create(code=c, name=c) for c in ("LA", "LB"))
    r1, r2 = (SalesRegion.objects.create(org=g, code=c, name=c, kind="area") for c in ("R1", "R2"))
    cust1 = Customer.objects.create(
        org=s, code="CU1", name="一号经销商", kind="distributor",
        customer_class=c1, level=la, sales_region=r1,
    )  # fmt: skip
    cust2 = Customer.objects.create(
        org=s, code="CU2", name="二号经销商", kind="distributor",
        customer_class=c2, level=lb, sales_region=r2,
    )  # fmt: skip
    skus = {s.code: s for p in prods.values() for s in p.skus.all()}
    return {
        "org": {"G": g, "S": s, "T": t},
        "subject": {"C1": c1, "C2": c2, "LA": la, "LB": lb, "R1": r1, "R2": r2,
                    "CU1": cust1, "CU2": cust2},
        "target": {"DRINK": drink, "WATER": water, "JUICE": juice, "TEA": tea,
                   "QQ": qq, "GY": gy, "CY": cy, **prods, **skus},
        "customers": {"CU1": cust1, "CU2": cust2},
    }  # fmt: skip


SUBJECT_KIND = {"C": "customer_class", "L": "customer_level", "R": "sales_region", "CU": "customer"}
TARGET_KIND = {
    "DRINK": "category", "WATER": "category", "JUICE": "category", "TEA": "category",
    "QQ": "brand", "GY": "brand", "CY": "brand",
}  # fmt: skip


def add_rule(world, spec: str):
    """'+ all all', '- C1 QQ', '+ CU1 W-1 @T', '+ all all until=2026-06-14'."""
    parts = spec.split()
    effect = {"+": "include", "-": "exclude"}[parts[0]]
    who, what = parts[1], parts[2]
    options = dict(p.split("=", 1) for p in parts[3:] if "=" in p)
    org = world["org"][next((p[1:] for p in parts[3:] if p.startswith("@")), "G")]
    if who == "all":
        subject_kind, subject_id = "all", None
    else:
        prefix = "CU" if who.startswith("CU") else who[0]
        subject_kind, subject_id = SUBJECT_KIND[prefix], world["subject"][who].pk
    if what == "all":
        target_kind, target_id = "all", None
    else:
        target_kind = TARGET_KIND.get(what) or ("sku" if "-" in what else "product")
        target_id = world["target"][what].pk
    return authorisation.create_authorisation_rule(
        actor=ADMIN,
        org_id=org.pk,
        effect=effect,
        subject_kind=subject_kind,
        subject_id=subject_id,
        target_kind=target_kind,
        target_id=target_id,
        valid_from=dt.date.fromisoformat(options["from"]) if "from" in options else None,
        valid_to=dt.date.fromisoformat(options["until"]) if "until" in options else None,
    )


def subject_of(customer, **overrides) -> AuthorisationSubject:
    org = customer.org
    values = {
        "customer_id": customer.pk,
        "org_id": org.pk,
        "org_path": org.path,
        "class_id": customer.customer_class_id,
        "level_id": customer.level_id,
        "sales_region_id": customer.sales_region_id,
        **overrides,
    }
    return AuthorisationSubject(**values)


ALL_VISIBLE = "W-1 W-2 J-1 J-2 TE-1 TE-2 SW-1 SW-2"

CASES = [
    # (rules, customer, expected SKU codes)
    ([], "CU1", ""),
    (["+ all all"], "CU1", ALL_VISIBLE),  # never T's XT, never the inactive OFF
    (["+ all QQ"], "CU1", "W-1 W-2 SW-1 SW-2"),
    (["+ all DRINK"], "CU1", "W-1 W-2 J-1 J-2 SW-1 SW-2"),  # category with its subtree
    (["+ all WATER"], "CU1", "W-1 W-2 SW-1 SW-2"),
    (["+ all W"], "CU1", "W-1 W-2"),
    (["+ all W-2"], "CU1", "W-2"),
    (["+ all all", "- all GY"], "CU1", "W-1 W-2 TE-1 TE-2 SW-1 SW-2"),
    (["+ all all", "- all all"], "CU1", ""),
    # a more specific include beats a broader exclude
    (["+ C1 all", "- all W-1"], "CU1", ALL_VISIBLE),
    (["+ all all", "- C1 QQ", "+ CU1 W-1"], "CU1", "W-1 J-1 J-2 TE-1 TE-2"),
    (["+ all all", "- C1 QQ", "+ CU1 W-1"], "CU2", ALL_VISIBLE),
    # an exclude beats includes at its own level and below
    (["+ C1 QQ", "- LA W-1"], "CU1", "W-2 SW-1 SW-2"),
    (["+ all all", "- C1 W"], "CU1", "J-1 J-2 TE-1 TE-2 SW-1 SW-2"),
    (["+ all all", "- C1 W"], "CU2", ALL_VISIBLE),
    (["+ CU1 all", "- CU1 all"], "CU1", ""),
    (["+ CU1 TEA", "- all all"], "CU1", "TE-1 TE-2"),
    (["+ CU1 TEA", "- CU1 TE-1"], "CU1", "TE-2"),
    # subjects: class, level, region, customer
    (["+ C2 all"], "CU1", ""),
    (["+ LA JUICE"], "CU1", "J-1 J-2"),
    (["+ R1 GY"], "CU1", "J-1 J-2"),
    (["+ R1 GY"], "CU2", ""),
    (["+ CU2 all"], "CU1", ""),
    # organisations: rules of an ancestor apply, a sibling's do not
    (["+ all all @S"], "CU1", ALL_VISIBLE),
    (["+ all all @T"], "CU1", ""),
    (["+ all all", "- all all @T"], "CU1", ALL_VISIBLE),
    # validity dates (today is 2026-06-15)
    (["+ all W until=2026-06-14"], "CU1", ""),
    (["+ all W from=2026-06-16"], "CU1", ""),
    (["+ all W from=2026-06-15 until=2026-06-15"], "CU1", "W-1 W-2"),
    (["+ all all", "- all W until=2026-06-14"], "CU1", ALL_VISIBLE),
]


@pytest.mark.parametrize(("rules", "customer", "expected"), CASES)
def test_authorisation_semantics(world, rules, customer, expected):
    for spec in rules:
        add_rule(world, spec)
    subject = subject_of(world["customers"][customer])
    got = set(list_authorised_skus(subject, on=TODAY).values_list("code", flat=True))
    assert got == set(expected.split())


def test_inactive_skus_are_never_authorised(world):
    add_rule(world, "+ all all")
    products.set_sku_status(actor=ADMIN, sku_id=world["target"]["W-1"].pk, status="inactive")
    got = set(
        list_authorised_skus(subject_of(world["customers"]["CU1"]), on=TODAY).values_list(
            "code", flat=True
        )
    )
    assert "W-1" not in got and "W-2" in got


def test_subject_without_organisation_gets_nothing_and_org_id_alone_is_enough(world):
    add_rule(world, "+ all W")
    cust = world["customers"]["CU1"]
    assert not list_authorised_skus(subject_of(cust, org_id=None, org_path=None), on=TODAY).exists()
    got = list_authorised_skus(subject_of(cust, org_path=None), on=TODAY)
    assert set(got.values_list("code", flat=True)) == {"W-1", "W-2"}


def test_today_is_the_default_date(world):
    add_rule(world, "+ all W until=2000-01-01")
    assert not list_authorised_skus(subject_of(world["customers"]["CU1"])).exists()


def test_authorised_skus_is_two_queries_whatever_the_rule_count(world):
    for spec in ["+ all all", "- all GY", "+ C1 JUICE", "- LA W-1", "+ CU1 W-1", "- R1 TE",
                 "+ all DRINK", "- CU1 TE-2", "+ R1 QQ", "- all W until=2000-01-01"]:  # fmt: skip
        add_rule(world, spec)
    subject = subject_of(world["customers"]["CU1"])
    with assert_max_queries(2):
        skus = list(list_authorised_skus(subject, on=TODAY))
        labels = [f"{s.code} {s.product.name}" for s in skus]  # product comes along
    codes = [s.code for s in skus]
    assert codes == sorted(codes) and len(labels) == len(skus)
    assert set(codes) == {"W-1", "W-2", "J-1", "J-2", "SW-1", "SW-2"}


# --- the rule services --------------------------------------------------------------------


def test_rule_crud_with_audit(world):
    g = world["org"]["G"]
    rule = authorisation.create_authorisation_rule(
        actor=ADMIN, org_id=g.pk, effect="include", subject_kind="all", target_kind="all",
        note="默认全部授权",
    )  # fmt: skip
    rule = authorisation.update_authorisation_rule(
        actor=ADMIN,
        rule_id=rule.pk,
        subject_kind="customer",
        subject_id=world["customers"]["CU1"].pk,
        target_kind="brand",
        target_id=world["target"]["QQ"].pk,
    )
    assert (rule.subject_kind, rule.customer_id, rule.brand_id) == (
        "customer",
        world["customers"]["CU1"].pk,
        world["target"]["QQ"].pk,
    )
    assert list_authorisation_rules(actor=ADMIN, customer_id=rule.customer_id).count() == 1
    authorisation.delete_authorisation_rule(actor=ADMIN, rule_id=rule.pk)
    assert not AuthorisationRule.objects.exists()
    actions = [r["action"] for r in audit.history_rows("catalog.authorisationrule", rule.pk)]
    assert actions == [
        "catalog.authorisation_deleted",
        "catalog.authorisation_updated",
        "catalog.authorisation_created",
    ]
    with pytest.raises(NotFound):
        authorisation.delete_authorisation_rule(actor=ADMIN, rule_id=rule.pk)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"effect": "maybe"}, "invalid_input"),
        ({"subject_kind": "planet"}, "invalid_input"),
        ({"subject_kind": "customer"}, "invalid_rule"),
        ({"subject_id": 1}, "invalid_rule"),
        ({"target_kind": "brand"}, "invalid_rule"),
        ({"target_id": 1}, "invalid_rule"),
        ({"subject_kind": "customer", "subject_id": 999_999}, "unknown_customer"),
        ({"subject_kind": "customer_class", "subject_id": 999_999}, "unknown_customer_class"),
        ({"subject_kind": "customer_level", "subject_id": 999_999}, "unknown_customer_level"),
        ({"subject_kind": "sales_region", "subject_id": 999_999}, "unknown_sales_region"),
        ({"target_kind": "brand", "target_id": 999_999}, "unknown_brand"),
        ({"target_kind": "category", "target_id": 999_999}, "unknown_category"),
        ({"target_kind": "product", "target_id": 999_999}, "unknown_product"),
        ({"target_kind": "sku", "target_id": 999_999}, "unknown_sku"),
        (
            {"valid_from": dt.date(2026, 2, 1), "valid_to": dt.date(2026, 1, 1)},
            "invalid_date_range",
        ),
        ({"org_id": 999_999}, "unknown_org"),
    ],
)
def test_rule_refusals(world, kwargs, code):
    args = {
        "org_id": world["org"]["G"].pk,
        "effect": "include",
        "subject_kind": "all",
        "target_kind": "all",
        **kwargs,
    }
    with pytest.raises(InvalidInput) as info:
        authorisation.create_authorisation_rule(actor=ADMIN, **args)
    assert info.value.code == code
    assert not AuthorisationRule.objects.exists()


def test_rules_need_the_authorisation_permission(world):
    g = world["org"]["G"]
    viewer = actor("catalog.authorisation.view", everything=True)
    with pytest.raises(PermissionDenied):
        authorisation.create_authorisation_rule(
            actor=viewer, org_id=g.pk, effect="include", subject_kind="all", target_kind="all"
        )
    with pytest.raises(PermissionDenied):
        list_authorisation_rules(actor=actor("catalog.product.view", everything=True))
