import pytest

from omni.catalog.calculations import barcode_kind
from omni.catalog.demo import _plans, load_catalog_demo
from omni.catalog.models import Barcode, BundleItem, Product, Sku, UnitConversion
from omni.kernel.errors import PermissionDenied
from omni.kernel.models import AuditEntry

from .factories import ADMIN, actor, make_org

pytestmark = pytest.mark.django_db


def test_demo_catalogue_is_complete_and_idempotent():
    org = make_org("GRP")
    first = load_catalog_demo(actor=ADMIN, org_id=org.pk)
    assert first["brands"] == 3 and first["products"] == Product.objects.count()
    skus = Sku.objects.filter(product__is_bundle=False)
    assert 750 <= skus.count() <= 850
    assert first["totals"]["skus"] == Sku.objects.count()

    # every SKU: a valid EAN-13 (prefix 690-693) on its base unit and a case with a barcode
    for code in Barcode.objects.values_list("code", flat=True):
        assert barcode_kind(code) == "EAN-13" and code[:3] in {"690", "691", "692", "693"}
    assert Barcode.objects.filter(unit__code__in=["bottle", "can", "giftbox"]).count() == (
        Sku.objects.count()
    )
    cases = UnitConversion.objects.filter(unit__code="case")
    assert cases.count() == skus.count()
    assert set(cases.values_list("factor", flat=True)) <= {12, 24}
    assert Barcode.objects.filter(unit__code="case").count() == skus.count()
    # bundles (礼盒) hold components
    bundles = Sku.objects.filter(product__is_bundle=True)
    assert bundles.count() == 5
    assert all(BundleItem.objects.filter(bundle=b).exists() for b in bundles)

    counts = (Product.objects.count(), Sku.objects.count(), Barcode.objects.count())
    audit_rows = AuditEntry.objects.count()
    second = load_catalog_demo(actor=ADMIN, org_id=org.pk)
    assert all(v == 0 for k, v in second.items() if k != "totals"), second
    assert second["totals"] == first["totals"]
    assert (Product.objects.count(), Sku.objects.count(), Barcode.objects.count()) == counts
    assert AuditEntry.objects.count() == audit_rows
    assert AuditEntry.objects.filter(action="catalog.demo_loaded").count() == 1


def test_demo_plan_is_deterministic():
    first = [(p.code, p.name, p.spec, p.case_factor) for p in _plans()]
    assert first == [(p.code, p.name, p.spec, p.case_factor) for p in _plans()]


def test_demo_needs_the_create_permission():
    org = make_org("GRP")
    with pytest.raises(PermissionDenied):
        load_catalog_demo(actor=actor("catalog.product.view", everything=True), org_id=org.pk)
