"""``inventory.opening_stock`` (期初库存): one row per warehouse, SKU and batch with the
quantity on hand, received into the uploader's warehouses as moves of kind receipt from
`inventory.import`. The rules are the stock services': a row is refused with the message of
their error code (unknown warehouse or SKU, a fraction of a whole unit, a batch-managed SKU
without a batch, a SKU being counted), and nothing is written unless every row is valid
or the uploader chose to import the valid ones only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from omni.catalog.facts import sku_facts, sku_ids_by_code
from omni.kernel import excel
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError
from omni.kernel.excel import Column, Row, RowError, SheetSpec
from omni.kernel.imports import ApplyCounts, Importer, Progress, register_importer

from . import errors
from .models import Warehouse
from .scoping import warehouses_q
from .services.stock import StockLine, locked, receive, to_units

PERMISSION = "inventory.stock.receive"

OPENING_SPEC = SheetSpec(
    "期初库存",
    (
        Column(
            "warehouse",
            "仓库编码",
            required=True,
            max_length=32,
            example="WH-SH-01",
            note="须是您可入库的仓库",
        ),
        Column("sku", "SKU编码", required=True, max_length=40, example="P1001-1"),
        Column(
            "quantity",
            "数量",
            required=True,
            parse=excel.decimal(places=3, min_value=0),
            example="240",
            note="按 SKU 基本单位；可拆分单位（如千克）最多 3 位小数",
        ),
        Column("batch", "批次号", max_length=40, example="20261101A", note="批次管理的商品必填"),
        Column("produced_on", "生产日期", parse=excel.date, example="2026-11-01"),
        Column("expires_on", "到期日期", parse=excel.date, example="2027-11-01"),
    ),
    notes=(
        "4. 同一仓库、SKU、批次可多行，数量相加。",
        "5. 导入即入库（库存流水类型：入库，来源：期初导入），请勿重复导入同一文件。",
    ),
)


def _warehouses(actor: Actor, codes: set[str]) -> dict[str, int]:
    qs = Warehouse.objects.filter(code__in={c.upper() for c in codes}, status="active")
    q = warehouses_q(actor, PERMISSION, "write")
    return dict((qs if q is None else qs.filter(q)).values_list("code", "pk"))


def _lookups(actor: Actor, rows: Sequence[Row]) -> tuple[dict[str, int], dict[str, int], dict]:
    warehouses = _warehouses(actor, {r.values["warehouse"] for r in rows})
    skus = sku_ids_by_code({r.values["sku"] for r in rows})
    return warehouses, skus, sku_facts(skus.values())


class OpeningStockImporter(Importer):
    label = _("Opening stock")
    permission = PERMISSION
    spec = OPENING_SPEC
    max_rows = 50_000

    def validate_rows(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress
    ) -> list[RowError]:
        warehouses, skus, facts = _lookups(actor, rows)
        out: list[RowError] = []
        seen_locks: dict[int, set[int]] = defaultdict(set)
        for row in rows:
            v = row.values
            problem = self._problem(v, warehouses, skus, facts)
            if problem is not None:
                out.append(RowError(row.number, *problem))
                continue
            seen_locks[warehouses[v["warehouse"].upper()]].add(skus[v["sku"]])
        for warehouse_id, sku_ids in seen_locks.items():
            held = set(locked(warehouse_id, sku_ids))
            for row in rows:
                v = row.values
                if (
                    warehouses.get(v["warehouse"].upper()) == warehouse_id
                    and skus.get(v["sku"]) in held
                ):
                    out.append(
                        RowError(row.number, "SKU编码", str(errors.SkuLocked.default_message))
                    )
        progress(len(rows))
        return out

    @staticmethod
    def _problem(v: dict[str, Any], warehouses, skus, facts) -> tuple[str, str] | None:
        if v["warehouse"].upper() not in warehouses:
            return "仓库编码", str(errors.UnknownWarehouse.default_message)
        if v["sku"] not in skus:
            return "SKU编码", str(errors.UnknownSku.default_message)
        fact = facts[skus[v["sku"]]]
        try:
            to_units(v["quantity"], fact.places, index=0)
        except DomainError as exc:
            return "数量", str(exc.message)
        if (fact.track_batch or fact.track_expiry) and not (v["batch"] or "").strip():
            return "批次号", str(errors.BatchRequired.default_message)
        return None

    def apply(self, rows: Sequence[Row], *, actor: Actor, progress: Progress) -> ApplyCounts:
        warehouses, skus, _facts = _lookups(actor, rows)
        by_warehouse: dict[int, list[StockLine]] = defaultdict(list)
        for row in rows:
            v = row.values
            by_warehouse[warehouses[v["warehouse"].upper()]].append(
                StockLine(
                    skus[v["sku"]],
                    v["quantity"],
                    (v["batch"] or "").strip(),
                    produced_on=v["produced_on"],
                    expires_on=v["expires_on"],
                )
            )
        moves = 0
        for warehouse_id, lines in sorted(by_warehouse.items()):
            moves += len(
                receive(
                    actor=actor,
                    warehouse_id=warehouse_id,
                    lines=lines,
                    source_type="inventory.import",
                    memo="期初库存导入",
                )
            )
        progress(len(rows))
        return ApplyCounts(created=len(rows), details={"moves": moves})


register_importer("inventory.opening_stock", OpeningStockImporter())
