"""Catalog API: brands, categories, units, products with their SKUs, barcodes, unit
conversions, bundle items, and product authorisation rules.

One router per part, mounted here; the paths and operation ids (`v1.operation_id`) are
those of the single module this package replaced."""

from __future__ import annotations

from ninja import Router

from . import authorisation, barcodes, products, reference

router = Router()
router.add_router("", reference.router)
router.add_router("", products.router)
router.add_router("", barcodes.router)
router.add_router("", authorisation.router)
