"""Choices of the tenancy tables (importable without the models)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    GROUP = "group", _("Enterprise group")
    SUBSIDIARY = "subsidiary", _("Subsidiary")
    SALES_ORG = "sales_org", _("Sales organisation")
    DEPARTMENT = "department", _("Department")


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    DISTRICT = 3, _("District")


class SalesRegionKind(models.TextChoices):
    AREA = "area", _("Sales area")  # 大区
    DISTRICT = "district", _("Sales district")  # 片区
