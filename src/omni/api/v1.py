"""The v1 API object. Routers are mounted here; errors are mapped in `errors.install`."""

from __future__ import annotations

from ninja import NinjaAPI, Swagger
from ninja.operation import Operation

from . import errors
from .auth import AUTH
from .parser import OmniParser
from .renderer import OmniRenderer
from .routers import (
    access,
    audit,
    auth,
    catalog,
    credit,
    exports,
    health,
    imports,
    inventory,
    ledger,
    notices,
    outbox,
    party,
    payment,
)


class OmniAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """`<router module>_<function>`, where a domain whose routes are split into a package
        (`routers/catalog/products.py`) keeps its one name (`omni_api_routers_catalog_…`),
        so operation ids do not change when a router module is split."""
        module = operation.view_func.__module__
        parts = module.split(".")
        if parts[:3] == ["omni", "api", "routers"]:
            module = ".".join(parts[:4])
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")


class OmniSwagger(Swagger):
    """The docs page with a phone viewport and a Chinese title (template in omni.web)."""

    template = "web/api_docs.html"


api = OmniAPI(
    title="Omni API",
    version="1",
    description="Omni omnichannel marketing cloud. Money is a decimal string, times are ISO 8601 "
    "with offset (server time zone Asia/Shanghai). Errors: {code, message, details}.",
    urls_namespace="api",
    docs_url="/docs",
    docs=OmniSwagger(),
    openapi_url="/openapi.json",
    auth=AUTH,
    renderer=OmniRenderer(),
    parser=OmniParser(),
)
errors.install(api)

api.add_router("/health", health.router, tags=["system"])
api.add_router("/auth", auth.router, tags=["auth"])
api.add_router("/audit", audit.router, tags=["system"])
api.add_router("/access", access.router, tags=["access"])
api.add_router("/outbox", outbox.router, tags=["system"])
api.add_router("/notices", notices.router, tags=["system"])
api.add_router("/party", party.router, tags=["party"])
api.add_router("/catalog", catalog.router, tags=["catalog"])
api.add_router("/ledger", ledger.router, tags=["ledger"])
api.add_router("/payment", payment.router, tags=["payment"])
api.add_router("/credit", credit.router, tags=["credit"])
api.add_router("/inventory", inventory.router, tags=["inventory"])
api.add_router("/flash-sales", inventory.flash.router, tags=["inventory"])
api.add_router("/imports", imports.router, tags=["imports"])
api.add_router("/exports", exports.router, tags=["exports"])
