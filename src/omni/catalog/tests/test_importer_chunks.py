"""The products importer reads, checks and writes a file in chunks (`CHUNK_ROWS`, 5,000
rows): with chunks of two rows, a file gives the same products, counts and errors as in
one piece. The receipts of `test_importers` run again here with two-row chunks."""

import pytest

from omni.catalog.models import Product, Sku
from omni.kernel import imports
from omni.kernel.models import AuditEntry, ImportMode, ImportStatus

from .factories import ean13
from .test_importers import row, run, world  # noqa: F401 (the fixture)
from .test_importers import (  # the same receipts, in chunks of two rows
    test_changes_are_applied_and_counted as test_changes_in_chunks,
)
from .test_importers import (
    test_every_bad_row_is_reported_and_nothing_is_written as test_bad_rows_in_chunks,
)
from .test_importers import (
    test_products_skus_barcodes_and_case_sizes_are_created as test_creates_in_chunks,
)
from .test_importers import (
    test_reimporting_the_same_file_changes_nothing as test_reimport_in_chunks,
)
from .test_importers import (
    test_valid_only_imports_the_good_products as test_valid_only_in_chunks,
)

pytestmark = pytest.mark.django_db

__all__ = [
    "test_bad_rows_in_chunks",
    "test_changes_in_chunks",
    "test_creates_in_chunks",
    "test_reimport_in_chunks",
    "test_valid_only_in_chunks",
]


@pytest.fixture(autouse=True)
def two_row_chunks(monkeypatch):
    monkeypatch.setattr(imports.get_importer("catalog.products"), "chunk_rows", 2)


def test_a_product_whose_rows_span_chunks_is_created_once_with_every_sku(world):  # noqa: F811
    rows = [
        row("P1", "P1-1", "规格:500ml", ean13(1), status="下架"),
        row("P2", "P2-1", None, ean13(2)),
        row("P1", "P1-2", "规格:1L", ean13(3)),  # 4: next chunk, the product's second SKU
        row("P3", "P3-1", None, ean13(4)),
        row("P1", "P1-3", "规格:2L", ean13(5), status="下架"),
    ]
    job = run(rows)

    assert job.status == ImportStatus.DONE, job.error_sample
    assert (job.created_count, job.updated_count, job.unchanged_count) == (5, 0, 0)
    p1 = Product.objects.get(code="P1")
    assert p1.spec_attributes == [{"name": "规格", "values": ["500ml", "1L", "2L"]}]
    assert p1.status == "active"  # one of its SKUs, in another chunk, is on sale
    assert sorted(Sku.objects.filter(product=p1).values_list("code", flat=True)) == [
        "P1-1",
        "P1-2",
        "P1-3",
    ]
    (entry,) = AuditEntry.objects.filter(object_type="kernel.importjob")
    assert (entry.after["products_created"], entry.after["products_updated"]) == (3, 0)


def test_rules_across_rows_see_earlier_chunks(world):  # noqa: F811
    rows = [
        row("P1", "P1-1", "规格:500ml", ean13(1)),
        row("P2", "P2-1", None, ean13(2)),
        row("P3", "P3-1", None, ean13(1)),  # 4: barcode of row 2
        row("P1", "P1-2", "规格:500ml", ean13(3), name="别的名字"),  # 5: name, spec of row 2
        row("P4", "P1-1", None, ean13(4)),  # 6: SKU code of row 2
    ]
    job = run(rows, mode=ImportMode.VALID_ONLY)

    assert job.status == ImportStatus.DONE
    got = [(e["row"], e["column"]) for e in job.error_sample]
    assert got == [(4, "条码"), (5, "商品名称"), (5, "规格"), (6, "SKU编码")]
    assert all("(see row 2)" in e["reason"] or "第 2 行" in e["reason"] for e in job.error_sample)
    assert sorted(Product.objects.values_list("code", flat=True)) == ["P1", "P2"]
