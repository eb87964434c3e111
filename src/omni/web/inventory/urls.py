from django.urls import path

from . import reservations, stock, views, warehouses

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
]
