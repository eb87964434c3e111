"""Opening stock (期初库存) from an Excel sheet through the import engine: valid rows are
received into the uploader's warehouses; a bad row is named with the stock services'
message and, all or nothing, nothing is received."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from omni.catalog.tests.factories import actor, make_product
from omni.inventory.importers import OPENING_SPEC
from omni.inventory.models import Move, Stock
from omni.inventory.services.warehouses import create_warehouse
from omni.kernel import imports
from omni.kernel.models import ImportMode, ImportStatus
from omni.party.tests.factories import SYSTEM, make_world

pytestmark = pytest.mark.django_db


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.title = OPENING_SPEC.sheet_name
    ws.append(OPENING_SPEC.headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(rows, who, mode=ImportMode.ALL_OR_NOTHING):
    job = imports.start_import(
        actor=who,
        importer_key="inventory.opening_stock",
        file_bytes=xlsx(rows),
        filename="期初库存.xlsx",
        mode=mode,
    )
    imports.run_import(job.pk)
    job.refresh_from_db()
    return job


@pytest.fixture
def place():
    world = make_world()
    sh = create_warehouse(
        actor=SYSTEM, org_id=world.east.pk, code="WH-SH", name="上海仓", kind="central"
    )
    gz = create_warehouse(
        actor=SYSTEM, org_id=world.south.pk, code="WH-GZ", name="广州仓", kind="central"
    )
    water = make_product(world.group, "WATER").skus.get()
    juice = make_product(world.group, "JUICE", track_batch=True).skus.get()
    keeper = actor("inventory.stock.receive", org_ids=(world.east.pk,), name="keeper")
    return world, sh, gz, water, juice, keeper


def test_opening_stock_is_received(place):
    _world, sh, _gz, water, juice, keeper = place
    job = run(
        [
            ["wh-sh", water.code, "240", None, None, None],
            ["WH-SH", water.code, "60", None, None, None],
            ["WH-SH", juice.code, "120", "B2611", "2026-11-01", "2027-05-01"],
        ],
        keeper,
    )
    assert job.status == ImportStatus.DONE, (job.failure_message, job.error_sample)
    assert Stock.objects.get(warehouse=sh, sku=water).on_hand == 300
    assert Stock.objects.get(warehouse=sh, sku=juice).batch.code == "B2611"
    assert set(Move.objects.values_list("source_type", flat=True)) == {"inventory.import"}


def test_bad_rows_are_named_and_nothing_is_received(place):
    _world, _sh, _gz, water, juice, keeper = place
    job = run(
        [
            ["WH-SH", water.code, "10", None, None, None],
            ["WH-GZ", water.code, "10", None, None, None],  # another subsidiary's warehouse
            ["WH-SH", "NOPE", "10", None, None, None],
            ["WH-SH", water.code, "1.5", None, None, None],  # bottles are whole
            ["WH-SH", juice.code, "5", None, None, None],  # batch-managed without a batch
        ],
        keeper,
    )
    assert job.status == ImportStatus.FAILED
    columns = sorted(e["column"] for e in job.error_sample)
    assert columns == ["SKU编码", "仓库编码", "批次号", "数量"]
    assert not Move.objects.exists()
    job = run(
        [
            ["WH-SH", water.code, "10", None, None, None],
            ["WH-GZ", water.code, "1", None, None, None],
        ],
        keeper,
        mode=ImportMode.VALID_ONLY,
    )
    assert job.status == ImportStatus.DONE
    assert Stock.objects.get(sku=water).on_hand == 10
