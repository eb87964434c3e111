"""Excel importers of the catalog (autodiscovered by the kernel) and the rows of their
exports: products with their SKUs (`products`), barcodes (`barcodes`) and authorisation
rules (`authorisation`). Each module is a sheet description plus a mapping of its rows to
service commands or bulk writes."""

from .authorisation import AUTHORISATION_SPEC, AuthorisationImporter, authorisation_rows
from .barcodes import BARCODE_SPEC, BarcodeImporter, barcode_rows
from .products import SPEC, STATUS, ProductImporter, parse_spec, product_rows

__all__ = [
    "AUTHORISATION_SPEC",
    "BARCODE_SPEC",
    "SPEC",
    "STATUS",
    "AuthorisationImporter",
    "BarcodeImporter",
    "ProductImporter",
    "authorisation_rows",
    "barcode_rows",
    "parse_spec",
    "product_rows",
]
