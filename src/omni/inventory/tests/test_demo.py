"""`omni demo` loads the inventory demo: three warehouses under the right organisations,
opening stock by batch in whole cases, open reservations; a second run adds nothing and
`omni check` is clean afterwards. The demo warehouse keeper sees the Shanghai warehouse only
and every inventory page opens for it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from omni.access.models import User
from omni.inventory.models import Batch, Move, Reservation, Stock, Warehouse
from omni.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_demo_loads_once_and_check_is_clean():
    call_command("demo", stdout=io.StringIO())
    places = dict(Warehouse.objects.values_list("code", "org__code"))
    assert places == {"WH-SH-01": "QQ-E-HS", "WH-GZ-01": "QQ-S-YG", "WH-BJ-01": "QQ-E-LY"}
    skus = set(Stock.objects.values_list("sku_id", flat=True))
    assert 35 <= len(skus) <= 45
    assert not Stock.objects.filter(batch__isnull=True).exists()  # every demo SKU is by batch
    assert Batch.objects.filter(expires_on__isnull=False).count() >= len(skus)
    assert Reservation.objects.filter(status="reserved").count() >= 4
    assert {"issued", "released"} <= set(Reservation.objects.values_list("status", flat=True))
    counts = (Move.objects.count(), Reservation.objects.count(), AuditEntry.objects.count())
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "stock moves +0" in out.getvalue()
    assert (Move.objects.count(), Reservation.objects.count(), AuditEntry.objects.count()) == counts
    out = io.StringIO()
    call_command("integrity_check", stdout=out)
    assert ", 0 findings" in out.getvalue(), out.getvalue()

    client = Client()
    client.force_login(User.objects.get(username="warehouse"))
    html = client.get("/inventory/stock/?per_page=100").content.decode()
    assert "华东中心仓" in html and "华南中心仓" not in html and "华北分仓" not in html
    for url in ("/inventory/moves/", "/inventory/reservations/", "/inventory/receipts/new/"):
        assert client.get(url).status_code == 200, url
    held = Reservation.objects.filter(status="reserved", org__code="QQ-E-HS").first()
    html = client.get(f"/inventory/reservations/{held.pk}/").content.decode()
    assert 'data-test="release"' in html and 'data-test="issue"' in html
    for url in ("/inventory/counts/new/", "/inventory/transfers/new/", "/inventory/low-stock/"):
        assert client.get(url).status_code == 200, url

    # a flash sale is running; the demo dealer may grab it, the sales admin sees its pool
    from omni.inventory.models import FlashSale, ReorderRule

    assert FlashSale.objects.count() == 1 and ReorderRule.objects.count() >= 2
    dealer = Client()
    dealer.force_login(User.objects.get(username="dealer"))
    assert 'data-test="grab"' in dealer.get("/inventory/flash/").content.decode()
    admin = Client()
    admin.force_login(User.objects.get(username="sales_admin"))
    sale = FlashSale.objects.get()
    html = admin.get(f"/inventory/flash-sales/{sale.pk}/").content.decode()
    assert 'data-bucket="3"' in html
