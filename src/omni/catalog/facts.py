"""SKU facts for other apps (stock keeping, price sheets): no actor, the catalogue is
enterprise-wide master data; a missing id or code is simply absent."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.functions import Upper

from .models import Sku
from .types import SkuFacts


def sku_facts(sku_ids: Iterable[int]) -> dict[int, SkuFacts]:
    """What stock keeping needs to know of SKUs (no actor: the catalogue is enterprise-wide
    master data; a missing id is simply absent): the base unit's decimals and the product's
    batch, expiry and serial tracking."""
    rows = Sku.objects.filter(pk__in=list(sku_ids)).values_list(
        "pk",
        "code",
        "name",
        "product__base_unit__code",
        "product__base_unit__allows_fraction",
        "product__track_batch",
        "product__track_expiry",
        "product__track_serial",
        "status",
    )
    return {
        pk: SkuFacts(pk, code, name, unit, 3 if fraction else 0, batch, expiry, serial, status)
        for pk, code, name, unit, fraction, batch, expiry, serial, status in rows
    }


def sku_ids_by_code(codes: Iterable[str]) -> dict[str, int]:
    """SKU ids by their code, matched as codes are (case-insensitive); absent when unknown.
    Master data: no actor (stock and price sheets name SKUs by code)."""
    wanted = {c.strip().upper(): c for c in codes if c and c.strip()}
    if not wanted:
        return {}
    rows = Sku.objects.annotate(code_upper=Upper("code")).filter(code_upper__in=list(wanted))
    return {wanted[u]: pk for u, pk in rows.values_list("code_upper", "pk")}
