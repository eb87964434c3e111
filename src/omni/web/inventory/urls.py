from django.urls import path

from . import counts, flash, replenishment, reservations, stock, transfers, views, warehouses

app_name = "inventory"

urlpatterns = [
    path("", views.inventory_home, name="home"),
    path("stock/", stock.stock_list, name="stock"),
    path("stock/export/", stock.stock_export, name="stock-export"),
    path("moves/", stock.move_list, name="moves"),
    path("moves/export/", stock.move_export, name="move-export"),
    path("receipts/new/", stock.receipt_create, name="receipt"),
    path("adjustments/new/", stock.adjustment_create, name="adjustment"),
    path("warehouses/", warehouses.warehouse_list, name="warehouses"),
    path("warehouses/export/", warehouses.warehouse_export, name="warehouse-export"),
    path("warehouses/new/", warehouses.warehouse_create, name="warehouse-create"),
    path("warehouses/<int:pk>/", warehouses.warehouse_detail, name="warehouse-detail"),
    path("reservations/", reservations.reservation_list, name="reservations"),
    path("reservations/<int:pk>/", reservations.reservation_detail, name="reservation-detail"),
    path("transfers/", transfers.transfer_list, name="transfers"),
    path("transfers/new/", transfers.transfer_create, name="transfer-create"),
    path("transfers/<int:pk>/", transfers.transfer_detail, name="transfer-detail"),
    path("counts/", counts.count_list, name="counts"),
    path("counts/new/", counts.count_create, name="count-create"),
    path("counts/<int:pk>/", counts.count_detail, name="count-detail"),
    path("reorder-rules/", replenishment.reorder_rule_list, name="reorder-rules"),
    path("reorder-rules/set/", replenishment.reorder_rule_set, name="reorder-rule-set"),
    path("low-stock/", replenishment.low_stock, name="low-stock"),
    path("flash-sales/", flash.flash_sale_list, name="flash-sales"),
    path("flash-sales/new/", flash.flash_sale_create, name="flash-sale-create"),
    path("flash-sales/<int:pk>/", flash.flash_sale_detail, name="flash-sale-detail"),
    path("flash/", flash.flash_buy, name="flash-buy"),
]
