"""Inventory error codes (stable: never rename one).

=====================  ====  ===========================================================
code                   HTTP  when
=====================  ====  ===========================================================
invalid_quantity       422   zero, negative, or a fraction where the unit is whole
unknown_sku            404   a SKU that does not exist (line given in details)
unknown_warehouse      404   a warehouse the actor may not use
unknown_batch          404   a batch code the SKU does not have
batch_required         422   a batch-tracked SKU without a batch code on a receipt
batch_expired          409   issuing or reserving from an expired batch
warehouse_closed       409   moving stock in or out of a closed warehouse
insufficient_stock     409   more than is available; details list each short line
already_reserved       409   the source document already holds another open reservation
reservation_closed     409   releasing or issuing a reservation that is no longer open
reason_required        422   an adjustment without a reason
duplicate_code         409   a warehouse code already in use
same_warehouse         409   a transfer to the warehouse it comes from
transfer_closed        409   receiving or closing a transfer that is no longer open
over_receipt           409   receiving more than is still in transit on a line
sold_out               409   a flash sale's pool is empty
limit_reached          409   the customer's flash-sale limit would be exceeded
not_started            409   reserving before the sale starts
ended                  409   reserving after the sale ends
invalid_sale           422   a flash sale without name, quantity or limit, or ending first
sku_locked             409   moving or counting a SKU an open count holds
count_closed           409   acting on a count that is approved or cancelled
already_counted        409   a counter entering a line twice in one round
count_incomplete       409   approving with lines uncounted or counters disagreeing
own_count              409   approving a count one took part in (four eyes)
=====================  ====  ===========================================================
"""

from django.utils.translation import gettext_lazy as _

from omni.kernel.errors import Conflict, InvalidInput, UnknownReference, coded

InvalidQuantity = coded(
    InvalidInput,
    "invalid_quantity",
    _("Quantities must be greater than zero, whole unless the unit allows fractions."),
)
UnknownSku = coded(UnknownReference, "unknown_sku", _("Unknown SKU."))
UnknownWarehouse = coded(UnknownReference, "unknown_warehouse", _("Unknown warehouse."))
UnknownBatch = coded(UnknownReference, "unknown_batch", _("Unknown batch."))
BatchRequired = coded(InvalidInput, "batch_required", _("This SKU is managed by batch: give one."))
BatchExpired = coded(Conflict, "batch_expired", _("This batch has expired."))
WarehouseClosed = coded(Conflict, "warehouse_closed", _("This warehouse is closed."))
InsufficientStock = coded(
    Conflict, "insufficient_stock", _("Not enough stock is available for some lines.")
)
AlreadyReserved = coded(
    Conflict, "already_reserved", _("This document already holds a different reservation.")
)
ReservationClosed = coded(Conflict, "reservation_closed", _("This reservation is no longer open."))
ReasonRequired = coded(InvalidInput, "reason_required", _("Give a reason."))
DuplicateCode = coded(Conflict, "duplicate_code", _("This code is already in use."))
UnknownOrganisation = coded(UnknownReference, "unknown_organisation", _("Unknown organisation."))
UnknownCustomer = coded(UnknownReference, "unknown_customer", _("Unknown customer."))
InvalidCode = coded(
    InvalidInput,
    "invalid_field",
    _("Give a code of letters, digits, - or _ (at most 32), a name and a kind."),
)
SameWarehouse = coded(
    Conflict, "same_warehouse", _("A transfer goes to another warehouse than it comes from.")
)
TransferClosed = coded(Conflict, "transfer_closed", _("This transfer is no longer open."))
OverReceipt = coded(
    Conflict, "over_receipt", _("More is received than was shipped and is still in transit.")
)
SoldOut = coded(Conflict, "sold_out", _("Sold out."))
LimitReached = coded(Conflict, "limit_reached", _("You have reached the limit for this sale."))
NotStarted = coded(Conflict, "not_started", _("This sale has not started yet."))
Ended = coded(Conflict, "ended", _("This sale has ended."))
InvalidSale = coded(
    InvalidInput,
    "invalid_sale",
    _("A sale needs a name, a quantity, a per-customer limit and an end after its start."),
)
SkuLocked = coded(
    Conflict, "sku_locked", _("These SKUs are being counted: no moves until the count ends.")
)
CountClosed = coded(Conflict, "count_closed", _("This count is no longer open."))
AlreadyCounted = coded(
    Conflict, "already_counted", _("You have already counted this line in this round.")
)
CountIncomplete = coded(
    Conflict, "count_incomplete", _("Some lines are not counted or their counters disagree.")
)
OwnCount = coded(Conflict, "own_count", _("A count is approved by someone who did not count."))
