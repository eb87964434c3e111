"""The filters of the catalog lists, declared once: the products page, its Excel export,
the API's ``GET /catalog/products`` and the export endpoint all build this object, and
``selectors.list_products`` applies it (``omni.kernel.filters``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ProductFilter:
    search: str = ""
    """Contained in the product code or name or a SKU code, or exactly a barcode
    (surrounding blanks ignored)."""
    brand_id: int | None = None
    category_id: int | None = None
    """That category and its subcategories."""
    status: str = ""
    """A `states.ProductStatus` value; empty: any."""
    is_bundle: bool | None = None
    """Bundles (gift boxes) only, or none of them; `None`: both."""
