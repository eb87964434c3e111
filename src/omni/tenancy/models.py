"""Tenancy tables: the organisation tree, China's administrative regions and the brand's
sales regions. Private to the app: other apps use string foreign keys
("tenancy.Organization") and `omni.tenancy.selectors` / `omni.tenancy.scope`.

The tables were created by `party` and keep their names (`party_organization`, …): the
models moved here without touching the data (see migrations/0001_initial.py).
"""

from __future__ import annotations

from django.db import models

from .types import OrgKind, RegionLevel, SalesRegionKind


class Organization(models.Model):
    """集团 / 子公司 / 销售组织 / 部门, as a tree. `path` = "/1/4/9/" (ids from the root)
    makes subtree queries one indexed prefix match."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "party_organization"

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """China's administrative divisions (GB/T 2260 codes), loaded from a data package."""

    code = models.CharField(max_length=12, primary_key=True)
    name = models.CharField(max_length=60)
    level = models.PositiveSmallIntegerField(choices=RegionLevel.choices)
    parent = models.ForeignKey("self", null=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        db_table = "party_region"

    def __str__(self) -> str:
        return self.name


class SalesRegion(models.Model):
    """The brand's own sales regions (大区/片区), mapped onto administrative regions."""

    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="sales_regions")
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=16, choices=SalesRegionKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    regions = models.ManyToManyField(
        Region, blank=True, related_name="sales_regions", db_table="party_salesregion_regions"
    )

    class Meta:
        db_table = "party_salesregion"

    def __str__(self) -> str:
        return self.name
