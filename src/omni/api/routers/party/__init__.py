"""Party API: organisations, regions, customers, dealer applications, suppliers.

One router per part, mounted here in the order of the original single module, so the paths
and operation ids (`v1.operation_id`) stay as they were."""

from __future__ import annotations

from ninja import Router

from . import applications, customers, structure, suppliers

router = Router()
router.add_router("", structure.router)
router.add_router("", customers.router)
router.add_router("", applications.router)
router.add_router("", suppliers.router)
