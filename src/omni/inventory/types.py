"""Inventory value types: kinds and statuses."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WarehouseKind(models.TextChoices):
    CENTRAL = "central", _("Central warehouse")  # 总仓
    REGIONAL = "regional", _("Regional warehouse")  # 分仓
    STORE = "store", _("Store warehouse")  # 门店仓
    VIRTUAL = "virtual", _("Dealer's virtual warehouse")  # 经销商虚拟仓


class WarehouseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")  # 入库
    ISSUE = "issue", _("Issue")  # 出库
    TRANSFER_OUT = "transfer_out", _("Transfer out")  # 调拨出库
    TRANSFER_IN = "transfer_in", _("Transfer in")  # 调拨入库
    ADJUSTMENT = "adjustment", _("Adjustment")  # 库存调整
    COUNT = "count", _("Count variance")  # 盘点差异
    RETURN = "return", _("Return")  # 退货入库


class ReservationStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved")  # 已预占
    RELEASED = "released", _("Released")  # 已释放
    ISSUED = "issued", _("Issued")  # 已出库
    EXPIRED = "expired", _("Expired")  # 已过期释放


class TransferStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("In transit")  # 在途
    PARTLY_RECEIVED = "partly_received", _("Partly received")  # 部分收货
    RECEIVED = "received", _("Received")  # 已收货
    CLOSED_SHORT = "closed_short", _("Closed with a discrepancy")  # 差异关闭


class FlashStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved, awaiting payment")  # 待支付
    PAID = "paid", _("Paid")  # 已支付
    EXPIRED = "expired", _("Expired, returned to the pool")  # 超时释放
    CANCELLED = "cancelled", _("Cancelled")  # 已取消


class CountKind(models.TextChoices):
    FULL = "full", _("Full count")  # 全盘
    PARTIAL = "partial", _("Partial count")  # 抽盘
    QUICK = "quick", _("Quick count")  # 门店快速盘点


class CountStatus(models.TextChoices):
    COUNTING = "counting", _("Counting")  # 盘点中
    APPROVED = "approved", _("Approved, variance posted")  # 已审核
    CANCELLED = "cancelled", _("Cancelled")  # 已取消
