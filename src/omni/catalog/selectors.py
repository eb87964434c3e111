"""Catalog reads. Every selector takes the actor and applies its data scope
(`scoping.visible_q`); an object outside it answers NotFound, as if it did not exist."""

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
from django.utils import timezone

from omni.kernel.actors import Actor

from . import errors
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
from .scoping import organization_model, path_ids, scoped
from .states import ProductStatus
from .types import AuthorisationSubject, BarcodeHit

# --- brands, categories, units ------------------------------------------------------------


def list_brands(*, actor: Actor, search: str = "", is_active: bool | None = None) -> QuerySet:
    actor.require("catalog.brand.view")
    qs = scoped(Brand.objects.all(), actor)
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return qs.annotate(product_count=Count("products")).order_by("code")


def get_brand(*, actor: Actor, brand_id: int) -> Brand:
    actor.require("catalog.brand.view")
    return _get(scoped(Brand.objects.all(), actor), brand_id, "brand")


def list_categories(
    *, actor: Actor, search: str = "", parent_id: int | None = None, root_id: int | None = None
) -> QuerySet:
    """Categories in tree order (by path). `root_id` = that category's whole subtree."""
    actor.require("catalog.category.view")
    qs = scoped(Category.objects.select_related("parent"), actor)
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if root_id is not None:
        root = _get(scoped(Category.objects.all(), actor), root_id, "category")
        qs = qs.filter(path__startswith=root.path)
    return qs.annotate(product_count=Count("products")).order_by("path")


def get_category(*, actor: Actor, category_id: int) -> Category:
    actor.require("catalog.category.view")
    return _get(scoped(Category.objects.select_related("parent"), actor), category_id, "category")


def list_units(*, actor: Actor) -> QuerySet:
    actor.require("catalog.unit.view")
    return Unit.objects.order_by("code")


def get_unit(*, actor: Actor, unit_id: int) -> Unit:
    actor.require("catalog.unit.view")
    return _get(Unit.objects.all(), unit_id, "unit")


# --- products and SKUs --------------------------------------------------------------------


def list_products(
    *,
    actor: Actor,
    brand_id: int | None = None,
    category_id: int | None = None,
    status: str | None = None,
    search: str = "",
    is_bundle: bool | None = None,
) -> QuerySet[Product]:
    """Products with brand, category and base unit loaded and `sku_count` annotated.

    `category_id` includes its subcategories; `search` matches product code or name
    (contains), a SKU code (contains) or a barcode (exact)."""
    actor.require("catalog.product.view")
    qs = scoped(Product.objects.select_related("brand", "category", "base_unit"), actor)
    if brand_id is not None:
        qs = qs.filter(brand_id=brand_id)
    if category_id is not None:
        path = Category.objects.filter(pk=category_id).values_list("path", flat=True).first()
        qs = qs.filter(category__path__startswith=path) if path else qs.none()
    if status:
        qs = qs.filter(status=status)
    if is_bundle is not None:
        qs = qs.filter(is_bundle=is_bundle)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(code__icontains=search)
            | Q(name__icontains=search)
            | Exists(Sku.objects.filter(product=OuterRef("pk"), code__icontains=search))
            | Exists(Barcode.objects.filter(sku__product=OuterRef("pk"), code=search))
        )
    # A correlated count: no GROUP BY on the outer query, so counting pages stays cheap.
    skus = (
        Sku.objects.filter(product=OuterRef("pk"))
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
    qs = scoped(
        Product.objects.select_related("brand", "category", "base_unit").prefetch_related(
            Prefetch(
                "skus",
                queryset=Sku.objects.order_by("id").prefetch_related(
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
    return _get(qs, product_id, "product")


def list_skus(
    *,
    actor: Actor,
    product_id: int | None = None,
    status: str | None = None,
    search: str = "",
) -> QuerySet[Sku]:
    actor.require("catalog.product.view")
    qs = scoped(Sku.objects.select_related("product", "product__base_unit"), actor, "product__org")
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
    qs = scoped(Sku.objects.select_related("product", "product__base_unit"), actor, "product__org")
    return _get(qs, sku_id, "sku")


def find_barcode(*, actor: Actor, code: str) -> BarcodeHit | None:
    """What a scanned code means: SKU, packaging unit and how many base units it holds."""
    actor.require("catalog.product.view")
    barcode = (
        scoped(Barcode.objects.select_related("sku__product", "unit"), actor, "sku__product__org")
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
        scoped(Sku.objects.select_related("product"), actor, "product__org")
        .filter(barcodes__code=(code or "").strip())
        .first()
    )


def get_barcode(*, actor: Actor, barcode_id: int) -> Barcode:
    actor.require("catalog.product.view")
    qs = scoped(Barcode.objects.select_related("sku", "unit"), actor, "sku__product__org")
    return _get(qs, barcode_id, "barcode")


# --- authorisation ------------------------------------------------------------------------


def list_authorisation_rules(
    *,
    actor: Actor,
    effect: str | None = None,
    subject_kind: str | None = None,
    target_kind: str | None = None,
    customer_id: int | None = None,
) -> QuerySet[AuthorisationRule]:
    actor.require("catalog.authorisation.view")
    qs = scoped(
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
    return _get(scoped(AuthorisationRule.objects.all(), actor), rule_id, "rule")


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
    path = (
        organization_model()
        ._default_manager.filter(pk=subject.org_id)
        .values_list("path", flat=True)
        .first()
    )
    return path or ""


_SUBJECT_ID_FIELDS = {
    SubjectKind.CUSTOMER_CLASS: ("class_id", "customer_class_id"),
    SubjectKind.CUSTOMER_LEVEL: ("level_id", "customer_level_id"),
    SubjectKind.SALES_REGION: ("sales_region_id", "sales_region_id"),
    SubjectKind.CUSTOMER: ("customer_id", "customer_id"),
}


def _specificity(rule: AuthorisationRule) -> int:
    return SUBJECT_SPECIFICITY[SubjectKind(rule.subject_kind)]


def applicable_rules(
    subject: AuthorisationSubject, on: dt.date | None = None, *, org_path: str | None = None
) -> list[AuthorisationRule]:
    """The rules that apply to this customer on this date (one query; one more when the
    subject has an org_id but no org_path)."""
    org_path = _subject_org_path(subject) if org_path is None else org_path
    if not org_path:
        return []
    on = on or timezone.localdate()
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


def authorised_skus(subject: AuthorisationSubject, on: dt.date | None = None) -> QuerySet[Sku]:
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
    rules = applicable_rules(subject, on, org_path=org_path)
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


# --- helpers ------------------------------------------------------------------------------


def _get(qs: QuerySet, pk: Any, kind: str) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise errors.not_found(kind, pk) from None
