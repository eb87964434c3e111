"""Catalog: brands, categories, products, SKUs, units, barcodes, bundles, authorisation."""
