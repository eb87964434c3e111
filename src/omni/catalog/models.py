"""Catalog tables. Private to the app: other apps use string foreign keys and selectors.

Product (SPU) → Sku (one per combination of spec values) → Barcode / UnitConversion /
BundleItem. Brands and categories belong to an organisation; units are shared reference
data. Quantities and conversion factors are `Decimal`, never float.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from .states import ProductStatus


class Brand(models.Model):
    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A tree. `path` = "/3/7/12/" (ids from the root, own id last) makes a subtree one
    indexed prefix match, as in party.Organization. Moving a node rewrites its subtree's
    paths; a node can never move under itself."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=60)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    sort_order = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)


class Unit(models.Model):
    """瓶 / 罐 / 箱 / 提 / 件 / kg. `allows_fraction` for weighed units (kg, g)."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=20)
    allows_fraction = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """商品 (SPU). `spec_attributes` is stored as an ordered list
    ``[{"name": "规格", "values": ["500ml", "1L"]}, ...]`` (a JSON object's key order is not
    kept by PostgreSQL's jsonb); `spec_dict` gives it back as ``{"规格": [...], ...}``."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    base_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    spec_attributes = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)
    track_batch = models.BooleanField(default=False)  # 批次管理
    track_expiry = models.BooleanField(default=False)  # 效期管理
    shelf_life_days = models.PositiveIntegerField(null=True, blank=True)
    track_serial = models.BooleanField(default=False)  # 序列号管理
    weighed = models.BooleanField(default=False)  # 称重商品
    is_bundle = models.BooleanField(default=False)  # 组合商品 / 礼盒
    status = models.CharField(
        max_length=16, choices=ProductStatus.choices, default=ProductStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["org", "status"]),
            models.Index(fields=["brand", "status"]),
            models.Index(fields=["category", "status"]),
            models.Index(fields=["name"]),
            # codes differing only by letter case are one code (product_rules.fold)
            models.Index(Upper("code"), name="catalog_product_code_upper"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(track_expiry=False)
                | Q(shelf_life_days__isnull=False, shelf_life_days__gt=0),
                name="catalog_product_expiry_needs_shelf_life",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def spec_dict(self) -> dict[str, list[str]]:
        return {a["name"]: list(a["values"]) for a in self.spec_attributes or []}


class Sku(models.Model):
    """One sellable variant. `spec_values` = {"规格": "500ml", "口味": "无糖"};
    `spec_key` is the values in the product's attribute order ("500ml/无糖"), unique per
    product so one combination never has two SKUs."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="skus")
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    spec_values = models.JSONField(default=dict, blank=True)
    spec_key = models.CharField(max_length=255, default="", blank=True)
    status = models.CharField(
        max_length=16, choices=ProductStatus.choices, default=ProductStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "spec_key"], name="catalog_sku_one_per_spec")
        ]
        indexes = [
            models.Index(fields=["product", "status"]),
            models.Index(Upper("code"), name="catalog_sku_code_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def spec_label(self) -> str:
        return self.spec_key


class UnitConversion(models.Model):
    """How many base units one `unit` holds for this SKU (箱 = 24 瓶 → factor 24)."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="conversions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    factor = models.DecimalField(max_digits=18, decimal_places=6)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sku", "unit"], name="catalog_conversion_one_per_unit"),
            models.CheckConstraint(condition=Q(factor__gt=0), name="catalog_conversion_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.unit} = {self.factor_display}"

    @property
    def factor_display(self) -> str:
        """Like "24", never "24.000000" or "2.4E+1"."""
        return f"{self.factor.normalize():f}"


class Barcode(models.Model):
    """A barcode labels one packaging level (`unit`) of one SKU; unique across the catalog.
    At most one primary barcode per SKU and unit."""

    code = models.CharField(max_length=32, unique=True)
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="barcodes")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sku", "unit"],
                condition=Q(is_primary=True),
                name="catalog_barcode_one_primary_per_unit",
            )
        ]

    def __str__(self) -> str:
        return self.code


class BundleItem(models.Model):
    """A component of a bundle SKU (礼盒 = 2 × 500ml 原味 + 2 × 500ml 无糖)."""

    bundle = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="bundle_items")
    component = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="in_bundles")
    quantity = models.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bundle", "component"], name="catalog_bundle_item_once"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="catalog_bundle_qty_positive"),
            models.CheckConstraint(
                condition=~Q(bundle=models.F("component")), name="catalog_bundle_not_itself"
            ),
        ]

    @property
    def quantity_display(self) -> str:
        return f"{self.quantity.normalize():f}"


# --- product authorisation (商品授权) --------------------------------------------------------


class RuleEffect(models.TextChoices):
    INCLUDE = "include", _("Include")
    EXCLUDE = "exclude", _("Exclude")


class SubjectKind(models.TextChoices):
    ALL = "all", _("All customers")
    CUSTOMER_CLASS = "customer_class", _("Customer class")
    CUSTOMER_LEVEL = "customer_level", _("Customer level")
    SALES_REGION = "sales_region", _("Sales region")
    CUSTOMER = "customer", _("Customer")


class TargetKind(models.TextChoices):
    ALL = "all", _("All products")
    BRAND = "brand", _("Brand")
    CATEGORY = "category", _("Category")
    PRODUCT = "product", _("Product")
    SKU = "sku", _("SKU")


SUBJECT_FIELDS = {
    SubjectKind.CUSTOMER_CLASS: "customer_class",
    SubjectKind.CUSTOMER_LEVEL: "customer_level",
    SubjectKind.SALES_REGION: "sales_region",
    SubjectKind.CUSTOMER: "customer",
}
TARGET_FIELDS = {
    TargetKind.BRAND: "brand",
    TargetKind.CATEGORY: "category",
    TargetKind.PRODUCT: "product",
    TargetKind.SKU: "sku",
}
# Specificity of a subject: a rule for one customer beats one for a class, level or region,
# which beats one for everybody.
SUBJECT_SPECIFICITY = {
    SubjectKind.ALL: 1,
    SubjectKind.CUSTOMER_CLASS: 2,
    SubjectKind.CUSTOMER_LEVEL: 2,
    SubjectKind.SALES_REGION: 2,
    SubjectKind.CUSTOMER: 3,
}


def _only(kind_field: str, kind: str, fields: dict[Any, str], chosen: str | None) -> Q:
    q = Q(**{kind_field: kind})
    for f in fields.values():
        q &= Q(**{f"{f}__isnull": f != chosen})
    return q


def _exactly_one(kind_field: str, all_kind: str, fields: dict[Any, str]) -> Q:
    q = _only(kind_field, all_kind, fields, None)
    for kind, f in fields.items():
        q |= _only(kind_field, str(kind), fields, f)
    return q


class AuthorisationRule(models.Model):
    """Which customers may order which products. See `selectors.list_authorised_skus`."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    effect = models.CharField(max_length=8, choices=RuleEffect.choices)
    subject_kind = models.CharField(max_length=16, choices=SubjectKind.choices)
    customer_class = models.ForeignKey(
        "party.CustomerClass", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    customer_level = models.ForeignKey(
        "party.CustomerLevel", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sales_region = models.ForeignKey(
        "tenancy.SalesRegion", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey(
        "party.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_kind = models.CharField(max_length=16, choices=TargetKind.choices)
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sku = models.ForeignKey(Sku, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["org", "subject_kind"]),
            models.Index(fields=["customer"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one("subject_kind", SubjectKind.ALL, SUBJECT_FIELDS),
                name="catalog_rule_subject_matches_kind",
            ),
            models.CheckConstraint(
                condition=_exactly_one("target_kind", TargetKind.ALL, TARGET_FIELDS),
                name="catalog_rule_target_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="catalog_rule_valid_range",
            ),
        ]

    @property
    def specificity(self) -> int:
        return SUBJECT_SPECIFICITY[SubjectKind(self.subject_kind)]

    @property
    def subject_id(self) -> int | None:
        f = SUBJECT_FIELDS.get(SubjectKind(self.subject_kind))
        return getattr(self, f"{f}_id") if f else None

    @property
    def target_id(self) -> int | None:
        f = TARGET_FIELDS.get(TargetKind(self.target_kind))
        return getattr(self, f"{f}_id") if f else None
