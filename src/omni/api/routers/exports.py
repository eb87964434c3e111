"""Excel exports in the import templates' layout (/api/v1/exports/{key}).

Each export has the same sheet and Chinese headers as the importer of the same key, so an
exported file can be edited and uploaded to ``POST /api/v1/imports/{key}`` as it is; an
unedited file imports with nothing changed. Rows come from the domain's selectors (the
caller's data scope, the list endpoints' filters) and are written by the Excel engine's
streaming writer (openpyxl write-only mode) into a temporary file that is streamed back.
Each export needs the module's "view" and "export" permissions (the selectors require them).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema

from omni.catalog import importers as catalog_io
from omni.catalog import selectors as catalog_selectors
from omni.catalog.filters import ProductFilter
from omni.kernel import clock, excel
from omni.kernel.excel import SheetSpec
from omni.kernel.filters import build
from omni.party import importers as party_io
from omni.party import selectors as party_selectors
from omni.party.filters import CustomerFilter
from omni.party.states import CustomerStatus

from ..auth import request_actor
from ..schemas import ERRORS, QueryBool, QueryId, choices_of, line

router = Router()

ProductStatusLiteral = choices_of("catalog.Product", "status")


class CustomerExportFilter(Schema):
    search: line(60) = ""
    status: CustomerStatus | None = None
    kind: choices_of("party.Customer", "kind") | None = None
    org_id: QueryId | None = None
    sales_region_id: QueryId | None = None
    class_id: QueryId | None = None
    level_id: QueryId | None = None
    tag: line(30) = ""


class ProductExportFilter(Schema):
    search: line(60) = Field("", description="code, name, SKU code or exact barcode")
    brand_id: QueryId | None = None
    category_id: QueryId | None = Field(None, description="includes subcategories")
    status: ProductStatusLiteral | None = None
    is_bundle: QueryBool | None = None


class SkuExportFilter(Schema):
    search: line(60) = ""
    product_id: QueryId | None = None
    status: ProductStatusLiteral | None = None


class RuleExportFilter(Schema):
    effect: choices_of("catalog.AuthorisationRule", "effect") | None = None
    subject_kind: choices_of("catalog.AuthorisationRule", "subject_kind") | None = None
    target_kind: choices_of("catalog.AuthorisationRule", "target_kind") | None = None
    customer_id: QueryId | None = None


def _xlsx(spec: SheetSpec, rows: Iterable[Mapping[str, Any]], stem: str) -> FileResponse:
    """Write the rows to a temporary file (bounded memory) and stream it back."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response)
    try:
        excel.write_rows(spec, rows, out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    stamp = clock.local_now().strftime("%Y%m%d-%H%M")
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"{stem}-{stamp}.xlsx",
        content_type=excel.XLSX_CONTENT_TYPE,
    )


def _customers(request: HttpRequest, filters: CustomerExportFilter) -> Any:
    return party_selectors.list_customers(
        request_actor(request), build(CustomerFilter, filters.model_dump()), export=True
    )


@router.get(
    "/party.customers",
    response={200: None, **ERRORS},
    url_name="export_customers",
    summary="Customers in my data scope (.xlsx, the customers import layout)",
)
def export_customers(request: HttpRequest, filters: Query[CustomerExportFilter]):
    rows = party_io.customer_rows(_customers(request, filters))
    return _xlsx(party_io.CUSTOMER_SPEC, rows, "客户")


@router.get(
    "/party.contacts_addresses",
    response={200: None, **ERRORS},
    url_name="export_contacts_addresses",
    summary="Contacts and delivery addresses of my customers (.xlsx, the import layout)",
)
def export_contacts_addresses(request: HttpRequest, filters: Query[CustomerExportFilter]):
    rows = party_io.contact_address_rows(_customers(request, filters))
    return _xlsx(party_io.CONTACT_SPEC, rows, "客户联系人和地址")


@router.get(
    "/catalog.products",
    response={200: None, **ERRORS},
    url_name="export_products",
    summary="Products, one row per SKU (.xlsx, the products import layout)",
)
def export_products(request: HttpRequest, filters: Query[ProductExportFilter]):
    products = catalog_selectors.list_products(
        actor=request_actor(request),
        filters=build(ProductFilter, filters.model_dump()),
        export=True,
    )
    return _xlsx(catalog_io.SPEC, catalog_io.product_rows(products), "商品")


@router.get(
    "/catalog.barcodes",
    response={200: None, **ERRORS},
    url_name="export_barcodes",
    summary="Barcodes of the SKUs (.xlsx, the barcodes import layout)",
)
def export_barcodes(request: HttpRequest, filters: Query[SkuExportFilter]):
    skus = catalog_selectors.list_skus(
        actor=request_actor(request), export=True, **filters.model_dump()
    )
    return _xlsx(catalog_io.BARCODE_SPEC, catalog_io.barcode_rows(skus), "条码")


@router.get(
    "/catalog.authorisation",
    response={200: None, **ERRORS},
    url_name="export_authorisation",
    summary="Product authorisation rules (.xlsx, the authorisation import layout)",
)
def export_authorisation(request: HttpRequest, filters: Query[RuleExportFilter]):
    rules = catalog_selectors.list_authorisation_rules(
        actor=request_actor(request), export=True, **filters.model_dump()
    )
    return _xlsx(catalog_io.AUTHORISATION_SPEC, catalog_io.authorisation_rows(rules), "商品授权")
