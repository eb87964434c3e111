"""Catalog reads. Every selector takes the actor and applies its data scope
(`scoping.visible_q`); an object outside it answers NotFound, as if it did not exist.

Portal users (dealer and store users bound to a customer) see only their customer's
authorised catalogue (商品授权, `list_authorised_skus`), everywhere: SKUs, products (those with
an authorised SKU, with only those SKUs), barcodes, brands and categories (those of
authorised products, with their ancestors), never the authorisation rules themselves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.tenancy import directory
from omni.tenancy.scope import org_paths

from . import errors
from .filters import ProductFilter
from .models import (
    SUBJECT_SPECIFICITY,
    AuthorisationRule,
    Barcode,
    Brand,
    BundleItem,
    Category,
    Product,
    RuleEffect,
    Sku,
    SubjectKind,
    TargetKind,
    Unit,
    UnitConversion,
)
from .scoping import actor_scope, path_ids
from .scoping import scoped as _org_scoped
from .states import ProductStatus
from .types import AuthorisationSubject, BarcodeHit

# --- brands, categories, units ------------------------------------------------------------


def list_brands(*, actor: Actor, search: str = "", is_active: bool | None = None) -> QuerySet:
    actor.require("catalog.brand.view")
    qs = _portal_only(_scoped(Brand.objects.all(), actor), actor, "brand")
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return qs.annotate(product_count=_product_count(actor)).order_by("code")


def get_brand(*, actor: Actor, brand_id: int) -> Brand:
    actor.require("catalog.brand.view")
    return _get(
        _portal_only(_scoped(Brand.objects.all(), actor), actor, "brand"), brand_id, "brand"
    )


def list_categories(
    *, actor: Actor, search: str = "", parent_id: int | None = None, root_id: int | None = None
) -> QuerySet:
    """Categories in tree order (by path). `root_id` = that category's whole subtree."""
    actor.require("catalog.category.view")
    qs = _portal_only(_scoped(Category.objects.select_related("parent"), actor), actor, "category")
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if root_id is not None:
        root = _get(
            _portal_only(_scoped(Category.objects.all(), actor), actor, "category"),
            root_id,
            "category",
        )
        qs = qs.filter(path__startswith=root.path)
    return qs.annotate(product_count=_product_count(actor)).order_by("path")


def get_category(*, actor: Actor, category_id: int) -> Category:
    actor.require("catalog.category.view")
    qs = _portal_only(_scoped(Category.objects.select_related("parent"), actor), actor, "category")
    return _get(qs, category_id, "category")


def list_units(*, actor: Actor) -> QuerySet:
    actor.require("catalog.unit.view")
    return Unit.objects.order_by("code")


def get_unit(*, actor: Actor, unit_id: int) -> Unit:
    actor.require("catalog.unit.view")
    return _get(Unit.objects.all(), unit_id, "unit")


# --- products and SKUs --------------------------------------------------------------------


NO_FILTER = ProductFilter()


def list_products(
    *,
    actor: Actor,
    filters: ProductFilter = NO_FILTER,
    export: bool = False,
) -> QuerySet[Product]:
    """Products with brand, category and base unit loaded and `sku_count` annotated,
    filtered by `filters` (the one filter description of the products page and API).
    `export`: the rows of an Excel export, which needs the export permission as well."""
    actor.require("catalog.product.view")
    if export:
        actor.require("catalog.product.export")
    qs = _portal_only(
        _scoped(Product.objects.select_related("brand", "category", "base_unit"), actor),
        actor,
        "product",
    )
    f = filters
    if f.brand_id is not None:
        qs = qs.filter(brand_id=f.brand_id)
    if f.category_id is not None:
        path = Category.objects.filter(pk=f.category_id).values_list("path", flat=True).first()
        qs = qs.filter(category__path__startswith=path) if path else qs.none()
    if f.status:
        qs = qs.filter(status=f.status)
    if f.is_bundle is not None:
        qs = qs.filter(is_bundle=f.is_bundle)
    search = f.search.strip()
    if search:
        qs = qs.filter(
            Q(code__icontains=search)
            | Q(name__icontains=search)
            | Exists(Sku.objects.filter(product=OuterRef("pk"), code__icontains=search))
            | Exists(Barcode.objects.filter(sku__product=OuterRef("pk"), code=search))
        )
    # A correlated count: no GROUP BY on the outer query, so counting pages stays cheap.
    skus = (
        _portal_only(Sku.objects.filter(product=OuterRef("pk")), actor, "sku")
        .order_by()
        .values("product")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(sku_count=Coalesce(Subquery(skus, output_field=IntegerField()), 0)).order_by(
        "code"
    )


def get_product(*, actor: Actor, product_id: int) -> Product:
    """One product with everything its detail page shows, in a fixed number of queries:
    SKUs (with conversions, barcodes, bundle items and their components)."""
    actor.require("catalog.product.view")
    qs = _scoped(
        Product.objects.select_related("brand", "category", "base_unit").prefetch_related(
            Prefetch(
                "skus",
                queryset=_portal_only(Sku.objects.order_by("id"), actor, "sku").prefetch_related(
                    Prefetch(
                        "conversions",
                        queryset=UnitConversion.objects.select_related("unit").order_by("factor"),
                    ),
                    Prefetch(
                        "barcodes",
                        queryset=Barcode.objects.select_related("unit").order_by(
                            "unit_id", "-is_primary", "id"
                        ),
                    ),
                    Prefetch(
                        "bundle_items",
                        queryset=BundleItem.objects.select_related("component").order_by("id"),
                    ),
                ),
            )
        ),
        actor,
    )
    return _get(_portal_only(qs, actor, "product"), product_id, "product")


def list_skus(
    *,
    actor: Actor,
    product_id: int | None = None,
    status: str | None = None,
    search: str = "",
    export: bool = False,
) -> QuerySet[Sku]:
    """SKUs by code; `export` as in `list_products`."""
    actor.require("catalog.product.view")
    if export:
        actor.require("catalog.product.export")
    qs = _portal_only(
        _scoped(Sku.objects.select_related("product", "product__base_unit"), actor, "product__org"),
        actor,
        "sku",
    )
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if status:
        qs = qs.filter(status=status)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(code__icontains=search)
            | Q(name__icontains=search)
            | Exists(Barcode.objects.filter(sku=OuterRef("pk"), code=search))
        )
    return qs.order_by("code")


def get_sku(*, actor: Actor, sku_id: int) -> Sku:
    actor.require("catalog.product.view")
    qs = _scoped(Sku.objects.select_related("product", "product__base_unit"), actor, "product__org")
    return _get(_portal_only(qs, actor, "sku"), sku_id, "sku")


def find_barcode(*, actor: Actor, code: str) -> BarcodeHit | None:
    """What a scanned code means: SKU, packaging unit and how many base units it holds."""
    actor.require("catalog.product.view")
    barcode = (
        _portal_only(
            _scoped(
                Barcode.objects.select_related("sku__product", "unit"), actor, "sku__product__org"
            ),
            actor,
            "barcode",
        )
        .filter(code=(code or "").strip())
        .first()
    )
    if barcode is None:
        return None
    if barcode.unit_id == barcode.sku.product.base_unit_id:
        factor = 1
    else:
        factor = (
            UnitConversion.objects.filter(sku_id=barcode.sku_id, unit_id=barcode.unit_id)
            .values_list("factor", flat=True)
            .first()
        )
    return BarcodeHit(barcode.sku_id, barcode.sku.code, barcode.unit.code, Decimal(factor or 0))


def find_sku_by_barcode(*, actor: Actor, code: str) -> Sku | None:
    actor.require("catalog.product.view")
    return (
        _portal_only(
            _scoped(Sku.objects.select_related("product"), actor, "product__org"), actor, "sku"
        )
        .filter(barcodes__code=(code or "").strip())
        .first()
    )


def get_barcode(*, actor: Actor, barcode_id: int) -> Barcode:
    actor.require("catalog.product.view")
    qs = _scoped(Barcode.objects.select_related("sku", "unit"), actor, "sku__product__org")
    return _get(_portal_only(qs, actor, "barcode"), barcode_id, "barcode")


# --- authorisation ------------------------------------------------------------------------


def list_authorisation_rules(
    *,
    actor: Actor,
    effect: str | None = None,
    subject_kind: str | None = None,
    target_kind: str | None = None,
    customer_id: int | None = None,
    export: bool = False,
) -> QuerySet[AuthorisationRule]:
    """Rules, newest first; `export` as in `list_products`."""
    actor.require("catalog.authorisation.view")
    if export:
        actor.require("catalog.authorisation.export")
    qs = _scoped(
        AuthorisationRule.objects.select_related(
            "customer_class",
            "customer_level",
            "sales_region",
            "customer",
            "brand",
            "category",
            "product",
            "sku",
        ),
        actor,
    )
    if find_portal_subject(actor) is not None:
        qs = qs.none()  # which rules apply to whom is the brand's business
    if effect:
        qs = qs.filter(effect=effect)
    if subject_kind:
        qs = qs.filter(subject_kind=subject_kind)
    if target_kind:
        qs = qs.filter(target_kind=target_kind)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return qs.order_by("-id")


def get_authorisation_rule(*, actor: Actor, rule_id: int) -> AuthorisationRule:
    actor.require("catalog.authorisation.view")
    qs = _scoped(AuthorisationRule.objects.all(), actor)
    if find_portal_subject(actor) is not None:
        qs = qs.none()
    return _get(qs, rule_id, "rule")


def _rule_coverage(rule: AuthorisationRule) -> Q | None:
    """The SKUs a rule's target covers, as a filter on Sku; None = every SKU."""
    kind = rule.target_kind
    if kind == TargetKind.ALL:
        return None
    if kind == TargetKind.BRAND:
        return Q(product__brand_id=rule.brand_id)
    if kind == TargetKind.CATEGORY:
        return Q(product__category__path__startswith=rule.category.path)
    if kind == TargetKind.PRODUCT:
        return Q(product_id=rule.product_id)
    return Q(pk=rule.sku_id)


def _union(rules: list[AuthorisationRule]) -> tuple[bool, Q]:
    """(covers everything?, filter) for the union of the rules' targets."""
    ids: dict[str, set[int]] = {"sku": set(), "product": set(), "brand": set()}
    paths: set[str] = set()
    for rule in rules:
        if rule.target_kind == TargetKind.ALL:
            return True, Q()
        if rule.target_kind == TargetKind.CATEGORY:
            paths.add(rule.category.path)
        else:
            ids[rule.target_kind].add(rule.target_id)
    q = Q(pk__in=[])
    if ids["sku"]:
        q |= Q(pk__in=sorted(ids["sku"]))
    if ids["product"]:
        q |= Q(product_id__in=sorted(ids["product"]))
    if ids["brand"]:
        q |= Q(product__brand_id__in=sorted(ids["brand"]))
    for p in sorted(paths):
        q |= Q(product__category__path__startswith=p)
    return False, q


def _subject_org_path(subject: AuthorisationSubject) -> str:
    if subject.org_path:
        return subject.org_path
    if subject.org_id is None:
        return ""
    paths = org_paths([subject.org_id])
    return paths[0] if paths else ""


_SUBJECT_ID_FIELDS = {
    SubjectKind.CUSTOMER_CLASS: ("class_id", "customer_class_id"),
    SubjectKind.CUSTOMER_LEVEL: ("level_id", "customer_level_id"),
    SubjectKind.SALES_REGION: ("sales_region_id", "sales_region_id"),
    SubjectKind.CUSTOMER: ("customer_id", "customer_id"),
}


def _specificity(rule: AuthorisationRule) -> int:
    return SUBJECT_SPECIFICITY[SubjectKind(rule.subject_kind)]


def list_applicable_rules(
    subject: AuthorisationSubject, on: dt.date | None = None, *, org_path: str | None = None
) -> list[AuthorisationRule]:
    """The rules that apply to this customer on this date (one query; one more when the
    subject has an org_id but no org_path)."""
    org_path = _subject_org_path(subject) if org_path is None else org_path
    if not org_path:
        return []
    on = on or clock.today()
    who = Q(subject_kind=SubjectKind.ALL)
    for kind, (attr, field) in _SUBJECT_ID_FIELDS.items():
        value = getattr(subject, attr)
        if value is not None:
            who |= Q(subject_kind=kind, **{field: value})
    return list(
        AuthorisationRule.objects.select_related("category")
        .filter(who, org_id__in=path_ids(org_path))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("id")
    )


def list_authorised_skus(subject: AuthorisationSubject, on: dt.date | None = None) -> QuerySet[Sku]:
    """The SKUs this customer may order on date `on` (default: today), 商品授权.

    Rules that apply: those of the customer's organisation or any of its ancestors (an
    organisation's rules cover customers in its whole subtree), valid on `on`
    (`valid_from` <= on <= `valid_to`, open ends allowed), whose subject is everybody, the
    customer's class, level or sales region, or the customer itself. A subject without an
    organisation gets nothing.

    Specificity of a rule = its subject's: customer (3) > class / level / region (2) >
    all (1). A rule covers SKUs by its target: all, a brand, a category *with its
    subcategories*, a product, or one SKU.

    A SKU is authorised when some applicable *include* rule covers it and no applicable
    *exclude* rule of the same or a higher specificity covers it. So an exclude beats an
    include at its own level and below, and a more specific include beats a broader
    exclude (a customer-specific include wins over a class-wide exclude); at the same
    specificity exclude wins. Without an applicable include rule nothing is authorised.

    Only active SKUs of active products, owned by the customer's organisation or one of
    its ancestors (never a sibling subsidiary's products).

    Cost: one query for the rules, then the returned queryset is one SQL query (no loop
    per SKU): for each specificity level L, (covered by includes at L) AND NOT (covered by
    excludes at >= L), OR-ed over the levels.
    """
    org_path = _subject_org_path(subject)
    rules = list_applicable_rules(subject, on, org_path=org_path)
    includes = [r for r in rules if r.effect == RuleEffect.INCLUDE]
    if not includes:
        return Sku.objects.none()
    allowed = Q(pk__in=[])
    for level in sorted({_specificity(r) for r in includes}):
        inc_all, inc_q = _union([r for r in includes if _specificity(r) == level])
        excludes = [r for r in rules if r.effect == RuleEffect.EXCLUDE and _specificity(r) >= level]
        exc_all, exc_q = _union(excludes)
        if exc_all:
            continue
        term = Q() if inc_all else inc_q
        if excludes:
            term &= ~exc_q
        if not term:  # include everything, nothing excluded at or above this level
            allowed = Q()
            break
        allowed |= term
    return (
        Sku.objects.filter(
            allowed,
            status=ProductStatus.ACTIVE,
            product__status=ProductStatus.ACTIVE,
            product__org_id__in=path_ids(org_path),
        )
        .select_related("product")
        .order_by("code")
    )


def list_customer_catalogue(
    *, actor: Actor, customer_id: int | None = None, on: dt.date | None = None, search: str = ""
) -> QuerySet[Sku]:
    """The SKUs a customer may see and order on `on` (商品授权, `list_authorised_skus`).

    Brand staff name a customer in their data scope; a dealer or store user omits it and
    gets their own customer's catalogue (another customer answers 404, as if it did not
    exist)."""
    actor.require("catalog.product.view")
    customer_id = customer_id or actor_scope(actor).bound_customer_id
    if customer_id is None:
        raise NotFound(details={"customer_id": "required for users not bound to a customer"})
    subject = _subject(directory.customers(actor), customer_id)
    if subject is None:
        raise NotFound(details={"customer_id": customer_id})
    qs = list_authorised_skus(subject, on=on).order_by("code")
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return qs


# --- portal users: only the authorised catalogue ----------------------------------------


def _scoped(qs: QuerySet, actor: Actor, org_field: str = "org") -> QuerySet:
    """The organisation scope for brand staff. A portal user's rows are decided by their
    customer's authorised catalogue instead (`_portal_only`, applied by every selector; the
    authorised SKUs already lie in the customer's organisation or its ancestors), not by
    the organisation their user record happens to carry."""
    if actor_scope(actor).bound_customer_id is not None:
        return qs
    return _org_scoped(qs, actor, org_field)


_SYSTEM = Actor.system("catalog.portal")


def _customers() -> QuerySet:
    # catalog never imports party: its customers are reached through tenancy's directory
    return directory.customers(_SYSTEM)


def find_portal_subject(actor: Actor) -> AuthorisationSubject | None:
    """The customer a portal user is bound to, as an authorisation subject; None for
    everyone else (brand staff, systems). An unknown customer is a subject with nothing."""
    customer_id = actor_scope(actor).bound_customer_id
    if customer_id is None:
        return None
    subject = _subject(_customers(), customer_id)
    return subject or AuthorisationSubject(customer_id=customer_id)


def _subject(customers: QuerySet, customer_id: int) -> AuthorisationSubject | None:
    """The customer `customer_id` among `customers` as an authorisation subject (None when
    it is not among them)."""
    row = (
        customers.filter(pk=customer_id)
        .values("org_id", "org__path", "customer_class_id", "level_id", "sales_region_id")
        .first()
    )
    if row is None:
        return None
    return AuthorisationSubject(
        customer_id=customer_id,
        org_id=row["org_id"],
        org_path=row["org__path"],
        class_id=row["customer_class_id"],
        level_id=row["level_id"],
        sales_region_id=row["sales_region_id"],
    )


def _authorised_ids(actor: Actor) -> QuerySet | None:
    """The authorised SKUs of a portal user as a `values("pk")` subquery; None = no limit."""
    subject = find_portal_subject(actor)
    if subject is None:
        return None
    return list_authorised_skus(subject).order_by().values("pk")


def _portal_only(qs: QuerySet, actor: Actor, kind: str) -> QuerySet:
    """Limit `qs` (of `kind`: sku, product, barcode, brand, category) to a portal user's
    authorised catalogue; other actors get `qs` unchanged."""
    skus = _authorised_ids(actor)
    if skus is None:
        return qs
    if kind == "sku":
        return qs.filter(pk__in=skus)
    if kind == "barcode":
        return qs.filter(sku_id__in=skus)
    products = Sku.objects.filter(pk__in=skus).order_by().values("product_id")
    if kind == "product":
        return qs.filter(pk__in=products)
    if kind == "brand":
        return qs.filter(pk__in=Product.objects.filter(pk__in=products).values("brand_id"))
    # categories: those of authorised products and their ancestors, so the tree holds
    paths = Product.objects.filter(pk__in=products).values_list("category__path", flat=True)
    ids = sorted({i for p in paths.distinct() if p for i in path_ids(p)})
    return qs.filter(pk__in=ids)


def _product_count(actor: Actor) -> Count:
    skus = _authorised_ids(actor)
    if skus is None:
        return Count("products")
    products = Sku.objects.filter(pk__in=skus).order_by().values("product_id")
    return Count("products", filter=Q(products__pk__in=products), distinct=True)


# --- helpers ------------------------------------------------------------------------------


def _get(qs: QuerySet, pk: Any, kind: str) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise errors.not_found(kind, pk) from None
