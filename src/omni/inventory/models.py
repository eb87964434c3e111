"""Inventory tables. Quantities are integers in the SKU's base unit, in thousandths where the
base unit allows fractions (kg), like the ledger's minor units: `places` says which.
`Stock` is one row per warehouse, SKU and batch with `on_hand` and `reserved`, changed only by
guarded conditional updates in the same transaction as the `Move` rows (append-only: a
trigger refuses UPDATE and DELETE) that explain them."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from .types import (
    CountKind,
    CountStatus,
    FlashStatus,
    MoveKind,
    ReservationStatus,
    TransferStatus,
    WarehouseKind,
    WarehouseStatus,
)


class Warehouse(models.Model):
    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=WarehouseKind.choices)
    # a store's or a dealer's own stock (virtual warehouses of channel inventory)
    customer = models.ForeignKey(
        "party.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district_code = models.CharField(max_length=12, blank=True)  # where it is
    coverage = models.JSONField(default=list, blank=True)  # region codes it delivers to
    status = models.CharField(
        max_length=16, choices=WarehouseStatus.choices, default=WarehouseStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["org", "status"])]


class Batch(models.Model):
    """批次: a lot of one SKU with its production and expiry dates."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=40)
    produced_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sku", "code"], name="inventory_batch_one_code")
        ]


class Stock(models.Model):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="stock"
    )
    on_hand = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "sku"],
                condition=Q(batch__isnull=True),
                name="inventory_stock_one_row",
            ),
            models.UniqueConstraint(
                fields=["warehouse", "sku", "batch"],
                condition=Q(batch__isnull=False),
                name="inventory_stock_one_batch_row",
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                name="inventory_stock_available_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["sku", "warehouse"])]


class Move(models.Model):
    """One change of stock. Append-only: a database trigger refuses UPDATE and DELETE."""

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(max_length=16, choices=MoveKind.choices)
    quantity = models.BigIntegerField(help_text="signed, in the SKU's minor units")
    on_hand_after = models.BigIntegerField()
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    memo = models.CharField(max_length=200, blank=True)
    actor_name = models.CharField(max_length=150)
    business_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["stock", "id"]),
            models.Index(fields=["source_type", "source_id"]),
        ]


class Reservation(models.Model):
    """预占: quantities set aside for a source document (an order), all lines or none."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    source_type = models.CharField(max_length=40)
    source_id = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=ReservationStatus.choices, default=ReservationStatus.RESERVED
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id"],
                condition=Q(status="reserved"),
                name="inventory_reservation_one_open_per_source",
            )
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]


class ReservationLine(models.Model):
    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="lines")
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField()


class Transfer(models.Model):
    """调拨: stock shipped from one warehouse (issued at once) and received at another, in
    one or several parts; what never arrives is closed as a discrepancy with a reason."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=TransferStatus.choices, default=TransferStatus.IN_TRANSIT
    )
    memo = models.CharField(max_length=200, blank=True)
    discrepancy_reason = models.CharField(max_length=200, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["target", "status"]), models.Index(fields=["source"])]


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shipped = models.BigIntegerField()
    received = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(received__gte=0) & Q(received__lte=F("shipped")),
                name="inventory_transfer_line_received_within_shipped",
            )
        ]


class ReorderRule(models.Model):
    """安全库存 / 补货点 of a SKU in a warehouse: below the reorder point it is on the
    low-stock list and the warehouse's keepers are told."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    safety_stock = models.BigIntegerField(default=0)
    reorder_point = models.BigIntegerField(default=0)
    alerted = models.BooleanField(default=False)  # told since it last went low
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "sku"], name="inventory_reorder_one_rule")
        ]


class FlashSale(models.Model):
    """秒杀: a pool of one SKU set aside from a warehouse's stock (an inventory reservation),
    sold between two instants with a per-customer limit. The pool is split into `buckets`
    rows so that many buyers do not queue on one hot row; the total never oversells because
    each bucket is guarded and their sum is the pool."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField()
    per_customer_limit = models.BigIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    pay_within_seconds = models.PositiveIntegerField(default=900)
    buckets = models.PositiveSmallIntegerField(default=1)
    reservation = models.ForeignKey(
        Reservation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)


class FlashBucket(models.Model):
    sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="pool")
    index = models.PositiveSmallIntegerField()
    remaining = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sale", "index"], name="inventory_flash_bucket_one"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0), name="inventory_flash_bucket_not_negative"
            ),
        ]


class FlashClaim(models.Model):
    """How much one customer holds of a sale (reserved or paid): the per-customer limit is
    one guarded row per customer, whatever bucket the units came from."""

    sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("party.Customer", on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sale", "customer"], name="inventory_flash_claim_one"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="inventory_flash_claim_not_negative"
            ),
        ]


class FlashReservation(models.Model):
    sale = models.ForeignKey(FlashSale, on_delete=models.PROTECT, related_name="reservations")
    customer = models.ForeignKey("party.Customer", on_delete=models.PROTECT, related_name="+")
    parts = models.JSONField(default=dict)  # bucket index → quantity taken from it
    quantity = models.BigIntegerField()
    status = models.CharField(
        max_length=16, choices=FlashStatus.choices, default=FlashStatus.RESERVED
    )
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "expires_at"])]


class StockCount(models.Model):
    """盘点: the counted SKUs of a warehouse are locked (no moves, no other count) from the
    start until it is approved or cancelled; counters count blind (they never see the book
    quantity); lines where counters disagree are counted again; approval posts each
    difference as a move of kind count."""

    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=CountKind.choices)
    status = models.CharField(
        max_length=16, choices=CountStatus.choices, default=CountStatus.COUNTING
    )
    note = models.CharField(max_length=200, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)


class CountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="+")
    book = models.BigIntegerField(help_text="on hand when the count started")
    counted = models.BigIntegerField(null=True, blank=True, help_text="the agreed count")
    round = models.PositiveSmallIntegerField(default=1)  # 2, 3 … after a recount request


class CountEntry(models.Model):
    """One counter's figure for a line in a round (round 2 = the recount)."""

    line = models.ForeignKey(CountLine, on_delete=models.CASCADE, related_name="entries")
    counter = models.CharField(max_length=150)
    round = models.PositiveSmallIntegerField(default=1)
    quantity = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["line", "counter", "round"], name="inventory_count_entry_one"
            )
        ]


class CountLock(models.Model):
    """A SKU of a warehouse locked by an open count (one count at a time)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="locks")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "sku"], name="inventory_count_lock_one")
        ]
